//! One round of the split path: its batches on the calling thread and `threads − 1` helpers,
//! thread t owning the blocks k with k mod threads = t, meeting twice per batch. A weight found not
//! finite (checked every `check_every` batches of the epoch) stops every thread at the next
//! barrier. Asked to stop, the calling thread records the batch it stops before in
//! `stop_at` and meets the helpers at that batch's barrier; they stop there without touching the
//! weights.

use super::Stop;
use super::batch::{Block, Shared};
use crate::train::events::Observer;
use crate::train::float::TrainFloat;
use std::ops::Range;
use std::sync::atomic::Ordering;

/// Runs the batches `batches` on `shared.threads` threads (the caller among them) with `blocks`;
/// returns the batches applied and why they stopped, if early.
pub(super) fn run<F: TrainFloat>(
    shared: &Shared<F>,
    batches: Range<usize>,
    blocks: &mut [Block<F>],
    check_every: usize,
    observer: &mut dyn Observer,
) -> (usize, Option<Stop>) {
    let threads = shared.threads;
    let mut mine: Vec<Vec<&mut Block<F>>> = (0..threads).map(|_| Vec::new()).collect();
    for (k, block) in blocks.iter_mut().enumerate() {
        mine[k % threads].push(block);
    }
    let mut mine = mine.into_iter();
    let main_blocks = mine.next().expect("the calling thread");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .zip(mine)
            .map(|(t, mut blocks)| {
                let batches = batches.clone();
                scope.spawn(move || helper(shared, t, batches, &mut blocks, check_every))
            })
            .collect();
        let (done, mut stop) = main_thread(shared, batches, main_blocks, check_every, observer);
        for h in handles {
            h.join().expect("a helper thread does not panic");
        }
        let bad = shared.bad_weight.load(Ordering::Relaxed);
        if stop.is_none() && bad != usize::MAX {
            stop = Some(Stop::Weight(bad));
        }
        (done, stop)
    })
}

/// A helper's batches (thread `t`), until the calling thread stops it at a barrier or a batch
/// cost is not finite.
fn helper<F: TrainFloat>(
    shared: &Shared<F>,
    t: usize,
    batches: Range<usize>,
    mine: &mut [&mut Block<F>],
    check_every: usize,
) {
    crate::parallel::denormals::flush_for_this_thread();
    for b in batches {
        match shared.work(b, t, mine, true) {
            Some(cost) if cost.is_finite() => {}
            _ => return,
        }
        if check_every > 0 && (b + 1).is_multiple_of(check_every) {
            shared.check(mine, None);
        }
    }
}

/// The calling thread's batches (thread 0); returns how many were applied and why it stopped.
fn main_thread<F: TrainFloat>(
    shared: &Shared<F>,
    batches: Range<usize>,
    mut mine: Vec<&mut Block<F>>,
    check_every: usize,
    observer: &mut dyn Observer,
) -> (usize, Option<Stop>) {
    for (k, b) in batches.clone().enumerate() {
        // Not before the call's first batch, wherever the rounds begin.
        if b > shared.first && observer.stop_requested() {
            shared.stop_at.store(b, Ordering::Release);
            if shared.threads > 1 {
                shared.barrier.wait();
            }
            return (k, Some(Stop::Asked));
        }
        let Some(cost) = shared.work(b, 0, &mut mine, false) else {
            return (k, Some(Stop::Weight(shared.bad_weight.load(Ordering::Acquire))));
        };
        if !cost.is_finite() {
            return (k, Some(Stop::Cost(cost)));
        }
        if check_every > 0 && (b + 1).is_multiple_of(check_every) {
            shared.check(&mine, Some(b + 1));
        }
        observer.batch_end(b + 1);
    }
    (batches.len(), None)
}
