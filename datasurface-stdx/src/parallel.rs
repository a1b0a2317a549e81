//! Work on many items at once (the files of a model, the platforms to
//! lint): each item on its own, on as many threads as the machine offers,
//! the results in the items' order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Drops `value` on a thread of its own, off the caller's critical path
/// (here, if no thread can be made: the refused closure is dropped with the
/// value in it).
///
/// Dropping a loaded model of 100,000 datasets frees millions of small
/// allocations (about 70 ms on a 2-core machine), after the answer is known.
/// A command prints and ends meanwhile, and when the process exits first the
/// operating system takes the memory back whole; in a longer-lived program
/// the memory is freed all the same, a moment later.
pub fn drop_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("datasurface-drop".to_owned())
        .spawn(move || drop(value));
}

/// `work` applied to every item, the heaviest first (by `weight`) so the
/// threads finish together; the results are in the items' order, whatever
/// order they were done in, so the outcome never depends on the machine.
pub fn each<T: Sync, R: Send>(
    items: &[T],
    weight: impl Fn(&T) -> usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads_for(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight(&items[i])));
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = on_threads(threads, || {
        let mut mine = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            mine.push((i, work(&items[i])));
        }
        mine
    })
    .into_iter()
    .flatten()
    .collect();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}

/// `work` applied to every item in place, on as many threads as the
/// machine offers, the heaviest first (by `weight`).
pub fn each_mut<T: Send>(
    items: &mut [T],
    weight: impl Fn(&T) -> usize,
    work: impl Fn(&mut T) + Sync,
) {
    let threads = threads_for(items.len());
    if threads <= 1 {
        items.iter_mut().for_each(work);
        return;
    }
    let mut order: Vec<&mut T> = items.iter_mut().collect();
    order.sort_by_key(|item| std::cmp::Reverse(weight(item)));
    let queue = std::sync::Mutex::new(order.into_iter());
    on_threads(threads, || {
        // The lock is held only to take the next item.
        while let Some(item) = queue.lock().ok().and_then(|mut q| q.next()) {
            work(item);
        }
    });
}

/// How many threads work on `items` items: one per core, at most one per item.
fn threads_for(items: usize) -> usize {
    cores().min(items)
}

/// The cores this process may use, asked once: the standard library reads
/// the control group's quota files each time (about half a millisecond, as
/// much as a small model's whole validation).
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// `run` on `threads` threads at once, the calling thread one of them: it
/// would only wait, and what it allocates comes from the process's main
/// heap, which grows in larger steps than a new thread's. A panic in one
/// goes on once all have ended, as it would on one thread.
fn on_threads<R: Send>(threads: usize, run: impl Fn() -> R + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(&run)).collect();
        let mut done = vec![run()];
        for helper in helpers {
            match helper.join() {
                Ok(theirs) => done.push(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<usize> = (0..100).collect();
        let out = super::each(&items, |&n| n % 7, |&n| n * 2);
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(super::each(&[] as &[usize], |_| 0, |&n| n).is_empty());
    }

    #[test]
    fn every_item_is_worked_on_in_place_once() {
        let mut items: Vec<usize> = (0..100).collect();
        super::each_mut(&mut items, |&n| n % 7, |n| *n *= 2);
        assert_eq!(items, (0..100).map(|n| n * 2).collect::<Vec<_>>());
        super::each_mut(&mut [] as &mut [usize], |_| 0, |n| *n += 1);
    }
}
