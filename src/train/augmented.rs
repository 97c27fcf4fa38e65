//! The training set as each epoch sees it under `--augment`: a copy in which image i is the
//! distortion of training image i drawn from [`Stream::for_sample`]`(seed, epoch, i)`. The copy
//! for epoch e + 1 is made on a thread of its own while epoch e trains, at idle priority so that
//! it fills the time training leaves idle instead of taking a core from it (two copies in turn, so a
//! run holds the training images three times: MNIST 3 × 157 MB); the batches then gather their
//! rows from the copy exactly as from the training set, on either path. The rows are claimed a
//! chunk at a time, so when an epoch starts before its copy is done, all the run's threads finish
//! it together (the first epoch of a session makes its copy that way from the start).
//!
//! Each copy depends only on the seed, the epoch and the training set, so the weights do not
//! depend on the thread count, and a run resumed mid-epoch remakes the epoch's copy as it was.
//! Evaluation never sees the copies.

use crate::data::Dataset;
use crate::data::augment::{Augmenter, Stream};
use crate::parallel::SharedMut;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{Scope, ScopedJoinHandle};

/// How the copies of one run are made.
pub(crate) struct Recipe<'d> {
    pub(crate) data: &'d Dataset,
    pub(crate) augmenter: Augmenter,
    pub(crate) seed: u64,
    /// Threads for a copy that is waited for.
    pub(crate) threads: usize,
    /// Set when the run ends: a copy in the making stops.
    pub(crate) cancel: AtomicBool,
}

/// The copies of a run: the current epoch's, the next one's in the making, spares.
pub(crate) struct Epochs<'s, 'd> {
    scope: &'s Scope<'s, 'd>,
    recipe: &'d Recipe<'d>,
    current: Option<(usize, Dataset)>,
    /// The next epoch's copy, its job, and the thread making it.
    pending: Option<(Dataset, Arc<Job>, ScopedJoinHandle<'s, ()>)>,
    spare: Vec<Dataset>,
}

/// A copy in the making: its rows are claimed a chunk at a time by whoever works on it (the
/// background thread, and at the start of its epoch every thread of the run), each chunk written
/// by the one that claimed it.
struct Job {
    epoch: usize,
    x: SharedMut<f32>,
    rows: usize,
    next: AtomicUsize,
}

/// Rows claimed at a time.
const CHUNK: usize = 64;

impl<'s, 'd> Epochs<'s, 'd> {
    pub(crate) fn new(scope: &'s Scope<'s, 'd>, recipe: &'d Recipe<'d>) -> Self {
        Epochs { scope, recipe, current: None, pending: None, spare: Vec::new() }
    }

    /// The training set of `epoch`, and, when `next` is not `None`, the copy for that epoch
    /// started in the background.
    pub(crate) fn epoch(&mut self, epoch: usize, next: Option<usize>) -> &Dataset {
        if let Some((e, copy)) = self.current.take() {
            match e == epoch {
                true => self.current = Some((e, copy)),
                false => self.spare.push(copy),
            }
        }
        if let Some((copy, job, handle)) = self.pending.take() {
            if job.epoch == epoch && self.current.is_none() {
                // What the background thread has not done yet, every thread of the run finishes.
                self.finish(&job);
            }
            handle.join().expect("the augmentation thread panicked");
            match job.epoch == epoch && self.current.is_none() {
                true => self.current = Some((epoch, copy)),
                false => self.spare.push(copy),
            }
        }
        if self.current.is_none() {
            let mut copy = self.blank();
            self.finish(&Job::new(epoch, &mut copy));
            self.current = Some((epoch, copy));
        }
        if let Some(next) = next {
            let mut copy = self.blank();
            let (job, r) = (Arc::new(Job::new(next, &mut copy)), self.recipe);
            let mine = Arc::clone(&job);
            let handle = self.scope.spawn(move || {
                idle_priority();
                work(r, &mine)
            });
            self.pending = Some((copy, job, handle));
        }
        &self.current.as_ref().expect("made above").1
    }

    /// Works on `job` on all the run's threads until every row is claimed and written.
    fn finish(&self, job: &Job) {
        let r = self.recipe;
        std::thread::scope(|s| {
            (1..r.threads).for_each(|_| {
                s.spawn(|| work(r, job));
            });
            work(r, job);
        });
    }

    /// A spare copy, or a new one (targets and labels are the training set's; its images are
    /// written before they are read).
    fn blank(&mut self) -> Dataset {
        let data = self.recipe.data;
        self.spare.pop().unwrap_or_else(|| Dataset {
            x: vec![0.0; data.x.len()],
            y: data.y.clone(),
            labels: data.labels.clone(),
            ..*data
        })
    }
}

impl Drop for Epochs<'_, '_> {
    /// A copy in the making is not needed any more: its thread stops, and is waited for before
    /// the buffer it writes goes.
    fn drop(&mut self) {
        self.recipe.cancel.store(true, Ordering::Relaxed);
        if let Some((_, _, handle)) = self.pending.take() {
            let _ = handle.join();
        }
    }
}

impl Job {
    /// The job of making `copy` the copy for `epoch`. `copy` must stay where it is (its buffer
    /// unmoved and unused) until every thread working on the job is done.
    fn new(epoch: usize, copy: &mut Dataset) -> Self {
        let rows = copy.len();
        Job { epoch, x: SharedMut::new(&mut copy.x), rows, next: AtomicUsize::new(0) }
    }
}

/// Gives the calling thread the CPU only when no other thread wants it (Linux's `SCHED_IDLE`;
/// elsewhere, and where refused, nothing changes): the copy in the background then uses the time
/// training leaves idle instead of taking a core from it, and whatever is left when the epoch it
/// is for starts, every thread of the run finishes together at full priority.
fn idle_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; `param` is a valid sched_param. A failure (a
        // sandbox that forbids it) leaves the thread as it was, which is only slower.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
}

/// Claims chunks of `job`'s rows and writes them until none is left (or the run is over).
fn work(r: &Recipe, job: &Job) {
    let (d, data) = (r.data.n_features, r.data);
    let mut scratch = r.augmenter.scratch();
    while !r.cancel.load(Ordering::Relaxed) {
        let first = job.next.fetch_add(CHUNK, Ordering::Relaxed);
        if first >= job.rows {
            return;
        }
        let rows = first..(first + CHUNK).min(job.rows);
        // SAFETY: the chunk was claimed by this thread alone (fetch_add), and the buffer is not
        // used otherwise until every worker is done (`Epochs` joins them first).
        let x = unsafe { job.x.part(rows.start * d..rows.end * d) };
        for (i, row) in rows.zip(x.chunks_exact_mut(d)) {
            let mut stream = Stream::for_sample(r.seed, job.epoch as u64, i as u64);
            r.augmenter.apply(&data.x[i * d..(i + 1) * d], row, &mut stream, &mut scratch);
        }
    }
}

/// The recipe of `plan`'s copies, when it augments (the plan has checked that the training
/// samples are images of `splits.image_shape`).
pub(crate) fn recipe<'d>(plan: &crate::config::Plan, splits: &'d crate::data::Splits) -> Option<Recipe<'d>> {
    let (augment, shape) = (plan.augment.as_ref()?, splits.image_shape?);
    Some(Recipe {
        data: &splits.train,
        augmenter: Augmenter::new(augment, shape),
        seed: plan.seed,
        threads: crate::parallel::threads_or_all(plan.threads),
        cancel: AtomicBool::new(false),
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The background thread runs as SCHED_IDLE; the thread that spawned it keeps its policy.
    #[test]
    fn the_background_copy_runs_at_idle_priority() {
        // SAFETY: sched_getscheduler(0) reads the calling thread's policy.
        let policy = || unsafe { libc::sched_getscheduler(0) };
        let before = policy();
        let inside = std::thread::spawn(move || {
            super::idle_priority();
            policy()
        });
        assert_eq!(inside.join().unwrap(), libc::SCHED_IDLE);
        assert_eq!(policy(), before);
        assert_ne!(before, libc::SCHED_IDLE);
    }
}
