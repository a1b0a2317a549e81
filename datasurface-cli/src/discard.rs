//! Freeing a large model off the critical path.
//!
//! Dropping a loaded model of 100,000 datasets frees millions of small
//! allocations (about 70 ms on a 2-core machine), after the answer is known.
//! A command hands such values to [`later`], which drops them on a thread of
//! their own: the command prints and ends meanwhile, and when the process
//! exits first the operating system takes the memory back whole. Embedded
//! in a longer-lived program (the tests, the benchmarks), the memory is
//! freed all the same, a moment later.

/// Drops `value` on a thread of its own (here, if no thread can be made:
/// the refused closure is dropped with the value in it).
pub(crate) fn later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("datasurface-drop".to_owned())
        .spawn(move || drop(value));
}
