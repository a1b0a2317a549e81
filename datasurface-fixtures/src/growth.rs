//! How a parser's or checker's time grows with its input, for tests that a
//! hostile input cannot make it quadratic.
//!
//! Not a wall-clock limit: a ratio. The work's CPU time (its thread's, so
//! other work on a busy machine does not count) is measured on an input of
//! some size and on one four times larger, each the best of several runs,
//! the two sizes measured in turn so that a spell of contention slows both;
//! linear work takes about four times as long, quadratic sixteen. The
//! assertion allows up to eight.

use std::time::Duration;

use cpu_time::ThreadTime;

/// The largest ratio of the time at `4n` to the time at `n` the assertion
/// allows: linear work is about 4, quadratic 16.
pub const MAX_RATIO: f64 = 8.0;

/// The least time a measurement of the smaller input takes: below it, the
/// size is doubled (within its range), then the work is repeated.
const MEASURABLE: Duration = Duration::from_millis(20);

/// Asserts that `run` on `make(4n)` takes at most [`MAX_RATIO`] times as
/// long as on `make(n)`, `n` the start of `sizes`, doubled until the
/// smaller input takes long enough to time while `4n` stays within
/// `sizes` (a parser's own limits end it). `what` names the work in the
/// message.
///
/// # Panics
///
/// When the work grows faster than about linearly, with the sizes and
/// times measured.
pub fn assert_near_linear<I>(
    what: &str,
    sizes: std::ops::RangeInclusive<usize>,
    make: impl Fn(usize) -> I,
    run: impl Fn(&I),
) {
    let mut n = (*sizes.start()).max(1);
    let mut input = make(n);
    let mut once = best(&input, &run, 1, 5);
    while once < MEASURABLE && 8 * n <= *sizes.end() {
        n *= 2;
        input = make(n);
        once = best(&input, &run, 1, 5);
    }
    // Work too quick to time once is timed as many runs in a row.
    let reps = (MEASURABLE.as_nanos() / once.as_nanos().max(1) + 1).min(1_000);
    let reps = usize::try_from(reps).unwrap_or(1_000);
    let (small, large) = best_of_both((&input, &make(4 * n)), &run, reps);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
    assert!(
        ratio <= MAX_RATIO,
        "{what} grows faster than linearly: {n} took {small:?}, {} took {large:?} (×{ratio:.1}, at most ×{MAX_RATIO}; {reps} runs each)",
        4 * n
    );
}

/// The best of five measurements of `reps` runs of `run` on each of two
/// inputs, in the CPU time of this thread, the two measured in turn: a
/// spell of contention for the memory the machine's other work shares
/// slows both sizes alike rather than one of them.
fn best_of_both<I>(inputs: (&I, &I), run: &impl Fn(&I), reps: usize) -> (Duration, Duration) {
    let (mut small, mut large) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        small = small.min(best(inputs.0, run, reps, 1));
        large = large.min(best(inputs.1, run, reps, 1));
    }
    (small, large)
}

/// The best of `rounds` measurements of `reps` runs of `run` on `input`,
/// in the CPU time of this thread.
fn best<I>(input: &I, run: &impl Fn(&I), reps: usize, rounds: usize) -> Duration {
    (0..rounds)
        .map(|_| {
            let start = ThreadTime::now();
            for _ in 0..reps {
                run(input);
            }
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}
