//! A small fork–join thread pool for the per-batch work of training, where a batch of Nielsen's
//! network is only ≈ 1 MFLOP (≈ 10 µs), built to stay fast on a machine that is busy with other
//! work.
//!
//! - A job is a list of `n` independent tasks, taken by whichever thread is free; the calling
//!   thread takes tasks too, and a job never waits for a worker that has not joined it: a worker
//!   that is descheduled just leaves its share to the others.
//! - Every wait spins briefly, then sleeps: an idle worker spins [`WORKER_SPIN`] for the next job
//!   (a hand-off then costs well under a microsecond) and sleeps on a condition variable after
//!   that; the calling thread, once every task is taken, spins [`CALLER_SPIN`] for the tasks still
//!   running and then sleeps until the last one ends. So when a worker is descheduled in the middle
//!   of a task, the caller gives its core back within tens of microseconds and the worker, which
//!   can then run, finishes the task — instead of both waiting a whole scheduling slice.
//! - Whether more than one thread pays is decided by measured progress ([`Governor`]): a pool can
//!   be told to run its jobs on the calling thread alone ([`Pool::set_solo`]).
//! - Every task runs with denormal numbers flushed to zero ([`denormals`]), on every thread.
//!
//! # Determinism
//! Callers split their work into tasks by the shape of the problem only, never by the number of
//! threads, and each task writes its own disjoint output; so the results are bit-identical for any
//! thread count, including 1 (which runs the tasks in order on the calling thread), and whichever
//! threads happen to run them.

pub(crate) mod denormals;
mod governor;

pub(crate) use governor::{Governor, POOL_ROUND};

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins for the next job before it sleeps.
pub const WORKER_SPIN: Duration = Duration::from_micros(200);

/// How long the calling thread spins for the tasks still running on workers before it sleeps.
pub const CALLER_SPIN: Duration = Duration::from_micros(50);

/// The number of threads to use when none is asked for: all the cores the process may run on.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// `threads` if given (at least 1), else [`default_threads`].
pub fn threads_or_all(threads: Option<usize>) -> usize {
    threads.map_or_else(default_threads, |t| t.max(1))
}

/// One job: `n` tasks, which of them are taken, and the function that runs a task.
///
/// Thread `id` of `threads` (the caller is 0) takes its own tasks first — `id`, `id + threads`,
/// … — and then any left, so that a task with the same index lands on the same thread batch after
/// batch (its data stay in that core's cache) unless that thread is late or descheduled, in which
/// case the others take it. Jobs of more than 64 tasks are handed out in order.
struct Job<'a> {
    f: &'a (dyn Fn(usize) + Sync),
    n: usize,
    threads: usize,
    /// Bit i set: task i is taken (n ≤ 64).
    taken: AtomicU64,
    /// The next task to hand out (n > 64).
    next: AtomicUsize,
}

impl Job<'_> {
    /// Takes task `i` if nobody has; true if this thread got it.
    fn take(&self, i: usize) -> bool {
        let bit = 1u64 << i;
        self.taken.load(Ordering::Relaxed) & bit == 0 && self.taken.fetch_or(bit, Ordering::AcqRel) & bit == 0
    }

    /// Runs tasks, on thread `id`, until none is left.
    fn work(&self, id: usize) {
        if self.n > 64 {
            loop {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                if i >= self.n {
                    return;
                }
                (self.f)(i);
            }
        }
        let own = (id..self.n).step_by(self.threads.max(1));
        for i in own.chain(0..self.n) {
            if self.take(i) {
                (self.f)(i);
            }
        }
    }
}

struct Shared {
    /// Incremented for every job; idle workers wait for it to change.
    generation: AtomicU64,
    /// The current job (a `Job` on the stack of the thread inside [`Pool::run`]).
    job: AtomicPtr<()>,
    /// Set once every task of the current job has been handed out; late workers then stay out.
    closed: AtomicBool,
    /// Workers inside the current job.
    active: AtomicUsize,
    /// Workers asleep (or about to be) on `wake`.
    sleeping: AtomicUsize,
    /// Set while the calling thread sleeps on `done` for the last active worker.
    caller_asleep: AtomicBool,
    shutdown: AtomicBool,
    panicked: AtomicBool,
    lock: Mutex<()>,
    /// Wakes sleeping workers for a new job (or the shutdown).
    wake: Condvar,
    /// Wakes the sleeping caller when the last active worker leaves the job.
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A worker leaves the job it joined; the last one out wakes a sleeping caller.
    fn leave(&self) {
        if self.active.fetch_sub(1, Ordering::SeqCst) == 1 && self.caller_asleep.load(Ordering::SeqCst) {
            let _lock = self.lock();
            self.done.notify_all();
        }
    }
}

/// A fixed set of worker threads (the calling thread is one more); see the module docs.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    /// Held by the thread inside [`Pool::run`]; a second caller runs its tasks alone.
    busy: Mutex<()>,
    /// Set when jobs are to run on the calling thread alone ([`Governor`]).
    solo: AtomicBool,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pool({} threads)", self.threads())
    }
}

impl Pool {
    /// A pool of `threads` threads in all: the caller plus `threads − 1` workers.
    pub fn new(threads: usize) -> Pool {
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            job: AtomicPtr::new(std::ptr::null_mut()),
            closed: AtomicBool::new(true),
            active: AtomicUsize::new(0),
            sleeping: AtomicUsize::new(0),
            caller_asleep: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
            done: Condvar::new(),
        });
        let workers = (1..threads.max(1))
            .map(|i| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("neuralnet-{i}"))
                    .spawn(move || worker(&shared, i))
                    .expect("spawning a worker thread")
            })
            .collect();
        Pool { shared, workers, busy: Mutex::new(()), solo: AtomicBool::new(false) }
    }

    /// Number of threads, the caller included.
    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Threads that run a job now: 1 while the pool is told to run solo.
    #[cfg(test)]
    pub fn active_threads(&self) -> usize {
        if self.solo.load(Ordering::Relaxed) { 1 } else { self.threads() }
    }

    /// Runs later jobs on the calling thread alone (`true`) or on every thread (`false`). Which
    /// thread runs a task never changes a result, so neither does this.
    pub fn set_solo(&self, solo: bool) {
        self.solo.store(solo, Ordering::Relaxed);
    }

    /// Runs `f(0)`, …, `f(n − 1)`, spread over the pool's threads, and returns when all are done,
    /// with denormals flushed to zero while they run. Tasks must not depend on which thread runs
    /// them or in which order (see the module docs).
    ///
    /// # Panics
    /// Panics if a task panicked.
    pub fn run(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        let _flush = denormals::Flush::new();
        let shared = n > 1 && !self.workers.is_empty() && !self.solo.load(Ordering::Relaxed);
        let guard = if shared { self.busy.try_lock().ok() } else { None };
        if guard.is_none() {
            (0..n).for_each(f);
            return;
        }
        let job = Job { f, n, threads: self.threads(), taken: AtomicU64::new(0), next: AtomicUsize::new(0) };
        let s = &*self.shared;
        s.panicked.store(false, Ordering::SeqCst);
        s.job.store(&job as *const Job as *mut (), Ordering::SeqCst);
        s.closed.store(false, Ordering::SeqCst);
        s.generation.fetch_add(1, Ordering::SeqCst);
        if s.sleeping.load(Ordering::SeqCst) > 0 {
            let _lock = s.lock();
            s.wake.notify_all();
        }
        // Close the job and wait for the workers inside it even if a task panics here: they hold
        // a pointer to `job`.
        struct Close<'a>(&'a Shared);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                self.0.closed.store(true, Ordering::SeqCst);
                wait_for_workers(self.0);
            }
        }
        let close = Close(s);
        job.work(0);
        drop(close);
        if s.panicked.load(Ordering::SeqCst) {
            panic!("a task panicked on a worker thread");
        }
    }
}

/// The caller's wait for the workers still inside a closed job: spin for [`CALLER_SPIN`], then
/// sleep until the last one leaves (it wakes us, see [`Shared::leave`]).
fn wait_for_workers(s: &Shared) {
    let start = Instant::now();
    let mut spins = 0u32;
    while s.active.load(Ordering::SeqCst) != 0 {
        spins = spins.wrapping_add(1);
        if !spins.is_multiple_of(64) || start.elapsed() < CALLER_SPIN {
            std::hint::spin_loop();
            continue;
        }
        let mut lock = s.lock();
        s.caller_asleep.store(true, Ordering::SeqCst);
        while s.active.load(Ordering::SeqCst) != 0 {
            lock = s.done.wait(lock).unwrap_or_else(|e| e.into_inner());
        }
        s.caller_asleep.store(false, Ordering::SeqCst);
        return;
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _lock = self.shared.lock();
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// A worker's life: wait for a job (spin [`WORKER_SPIN`], then sleep), join it unless it is
/// already closed, take tasks, leave; with denormals flushed to zero throughout.
fn worker(s: &Shared, id: usize) {
    denormals::flush_for_this_thread();
    let mut seen = 0u64;
    loop {
        wait_for_job(s, seen);
        if s.shutdown.load(Ordering::Acquire) {
            return;
        }
        seen = s.generation.load(Ordering::SeqCst);
        // Join the job unless the caller has already handed out every task and closed it.
        s.active.fetch_add(1, Ordering::SeqCst);
        if !s.closed.load(Ordering::SeqCst) {
            // SAFETY: the job is open, so the thread in `run` has not yet seen `active` drop to 0
            // after closing it, and it waits for that (even when unwinding) before the `Job` it
            // points to goes away; `job` is stored before `closed` is cleared, so this is the
            // pointer of the open job.
            let job = unsafe { &*(s.job.load(Ordering::SeqCst) as *const Job) };
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.work(id))).is_err() {
                s.panicked.store(true, Ordering::SeqCst);
            }
        }
        s.leave();
    }
}

/// Waits until the generation moves past `seen` or the pool shuts down: spins for
/// [`WORKER_SPIN`], then sleeps on `wake`.
fn wait_for_job(s: &Shared, seen: u64) {
    let start = Instant::now();
    let mut spins = 0u32;
    while s.generation.load(Ordering::Acquire) == seen && !s.shutdown.load(Ordering::Acquire) {
        spins = spins.wrapping_add(1);
        if !spins.is_multiple_of(64) || start.elapsed() < WORKER_SPIN {
            std::hint::spin_loop();
            continue;
        }
        s.sleeping.fetch_add(1, Ordering::SeqCst);
        let mut lock = s.lock();
        while s.generation.load(Ordering::SeqCst) == seen && !s.shutdown.load(Ordering::SeqCst) {
            lock = s.wake.wait(lock).unwrap_or_else(|e| e.into_inner());
        }
        drop(lock);
        s.sleeping.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A raw pointer to a buffer that tasks of one [`Pool::run`] job write in disjoint parts.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut<T>(*mut T, usize);

// SAFETY: only used to hand disjoint sub-slices to the tasks of one job (see `part`).
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    pub(crate) fn new(s: &mut [T]) -> Self {
        SharedMut(s.as_mut_ptr(), s.len())
    }

    /// The sub-slice `range`.
    ///
    /// # Safety
    /// While the returned slice lives, no other slice obtained from this `SharedMut` may overlap
    /// it, and the buffer it came from must not be used otherwise.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn part(&self, range: std::ops::Range<usize>) -> &mut [T] {
        assert!(range.start <= range.end && range.end <= self.1, "part out of bounds");
        // SAFETY: in bounds (checked above); disjointness is the caller's promise.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(range.start), range.end - range.start) }
    }

    /// A read-only view of `range`.
    ///
    /// # Safety
    /// While the view lives, nothing may write the elements in `range` (no slice from
    /// [`SharedMut::part`] overlapping it, no [`SharedMut::write_at`] into it).
    pub(crate) unsafe fn view(&self, range: std::ops::Range<usize>) -> &[T] {
        assert!(range.start <= range.end && range.end <= self.1, "view out of bounds");
        // SAFETY: in bounds (checked above); no concurrent writes is the caller's promise.
        unsafe { std::slice::from_raw_parts(self.0.add(range.start), range.end - range.start) }
    }

    /// Copies `src` into the elements `start .. start + src.len()` through the raw pointer, so
    /// that threads can fill interleaved parts (e.g. column blocks of a row-major matrix).
    ///
    /// # Safety
    /// Nothing else may read or write those elements meanwhile.
    pub(crate) unsafe fn write_at(&self, start: usize, src: &[T])
    where
        T: Copy,
    {
        assert!(start + src.len() <= self.1, "write out of bounds");
        // SAFETY: in bounds (checked above); exclusive access is the caller's promise.
        unsafe { self.0.add(start).copy_from_nonoverlapping(src.as_ptr(), src.len()) }
    }
}

#[cfg(test)]
mod tests;
