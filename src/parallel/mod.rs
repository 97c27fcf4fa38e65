//! A small fork–join thread pool for the per-batch work of training, where a batch of Nielsen's
//! network is only ≈ 1 MFLOP (≈ 10 µs): the workers spin briefly between jobs instead of sleeping
//! at once, so handing out a job costs well under a microsecond, and fall asleep after
//! [`SPIN_MICROS`] without work.
//!
//! # Determinism
//! A job is a list of `n` independent tasks (`f(0) … f(n−1)`), taken by whichever thread is free.
//! Callers split their work into tasks by the shape of the problem only, never by the number of
//! threads, and each task writes its own disjoint output; so the results are bit-identical for any
//! thread count, including 1 (which runs the tasks in order on the calling thread).

mod pingpong;

pub(crate) use pingpong::{FAR_ROUND_TRIP_NS, PingPong};

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins for the next job before it sleeps.
pub const SPIN_MICROS: u64 = 200;

/// The number of threads to use when none is asked for: all the cores the process may run on.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// `threads` if given (at least 1), else [`default_threads`].
pub fn threads_or_all(threads: Option<usize>) -> usize {
    threads.map_or_else(default_threads, |t| t.max(1))
}

/// Parameters × batch rows below which training uses one thread unless `--threads` says otherwise:
/// for Nielsen's run (23,860 parameters × 10 rows) a second thread costs more in hand-offs than it
/// saves (measured on 2 cores: 4.6 s on one thread, 4.5–8.7 s on two), while batch 100 of
/// 784-100-10 (8 × 10⁶) gains 1.6×. The thread count never changes the results.
pub const MIN_WORK_PER_THREAD: usize = 2_000_000;

/// `threads` if given, else one thread for batches smaller than [`MIN_WORK_PER_THREAD`]
/// (`work` = parameters × batch rows), else all cores.
pub fn threads_for(threads: Option<usize>, work: usize) -> usize {
    match threads {
        Some(t) => t.max(1),
        None if work < MIN_WORK_PER_THREAD => 1,
        None => default_threads(),
    }
}

/// One job: `n` tasks, the next one to hand out, and the function that runs a task.
struct Job<'a> {
    f: &'a (dyn Fn(usize) + Sync),
    n: usize,
    next: AtomicUsize,
}

impl Job<'_> {
    /// Runs tasks until none is left.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.n {
                return;
            }
            (self.f)(i);
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
    shutdown: AtomicBool,
    panicked: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

/// A fixed set of worker threads (the calling thread is one more).
///
/// The calling thread takes tasks too, and a job never waits for a worker that has not joined it
/// yet: on a machine busy with other processes, a descheduled worker just means the caller runs
/// the tasks alone.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    /// Held by the thread inside [`Pool::run`]; a second caller runs its tasks alone.
    busy: Mutex<()>,
    /// Set by [`Pool::probe`] when the cores are far apart: jobs then run on the calling thread.
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
            shutdown: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let workers = (1..threads.max(1))
            .map(|i| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("neuralnet-{i}"))
                    .spawn(move || worker(&shared))
                    .expect("spawning a worker thread")
            })
            .collect();
        Pool { shared, workers, busy: Mutex::new(()), solo: AtomicBool::new(false) }
    }

    /// Number of threads, the caller included.
    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `f(0)`, …, `f(n − 1)`, spread over the pool's threads, and returns when all are done.
    /// Tasks must not depend on which thread runs them or in which order (see the module docs).
    ///
    /// # Panics
    /// Panics if a task panicked.
    pub fn run(&self, n: usize, f: &(dyn Fn(usize) + Sync)) {
        let shared = n > 1 && !self.workers.is_empty() && !self.solo.load(Ordering::Relaxed);
        let guard = if shared { self.busy.try_lock().ok() } else { None };
        if guard.is_none() {
            (0..n).for_each(f);
            return;
        }
        let job = Job { f, n, next: AtomicUsize::new(0) };
        let s = &*self.shared;
        s.panicked.store(false, Ordering::SeqCst);
        s.job.store(&job as *const Job as *mut (), Ordering::SeqCst);
        s.closed.store(false, Ordering::SeqCst);
        s.generation.fetch_add(1, Ordering::SeqCst);
        if s.sleeping.load(Ordering::SeqCst) > 0 {
            let _lock = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        // Close the job and wait for the workers inside it even if a task panics here: they hold
        // a pointer to `job`.
        struct Close<'a>(&'a Shared);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                self.0.closed.store(true, Ordering::SeqCst);
                let mut spins = 0u32;
                while self.0.active.load(Ordering::SeqCst) != 0 {
                    spins += 1;
                    if spins < 1 << 12 {
                        std::hint::spin_loop();
                    } else {
                        std::thread::yield_now();
                    }
                }
            }
        }
        let close = Close(s);
        job.work();
        drop(close);
        if s.panicked.load(Ordering::SeqCst) {
            panic!("a task panicked on a worker thread");
        }
    }

    /// Measures the round trip between the calling thread's core and a worker's ([`PingPong`])
    /// and returns it (`None` if no worker answered within a millisecond). Until the next probe,
    /// jobs then run on the calling thread alone if it was above [`FAR_ROUND_TRIP_NS`] or nobody
    /// answered. Which thread runs a task never changes a result, so neither does this.
    pub fn probe(&self) -> Option<f64> {
        self.probe_against(FAR_ROUND_TRIP_NS)
    }

    /// Threads that run a job now: 1 after a [`Pool::probe`] found the cores far apart.
    pub fn active_threads(&self) -> usize {
        if self.solo.load(Ordering::Relaxed) { 1 } else { self.threads() }
    }

    /// [`Pool::probe`] with the threshold `far_ns`.
    pub(crate) fn probe_against(&self, far_ns: f64) -> Option<f64> {
        if self.workers.is_empty() {
            return None;
        }
        self.solo.store(false, Ordering::Relaxed);
        let (meeting, round_trip) = (PingPong::new(), Mutex::new(None));
        self.run(2, &|i| {
            if i == 0 {
                *round_trip.lock().unwrap_or_else(|e| e.into_inner()) = meeting.ping();
            } else {
                meeting.pong();
            }
        });
        let round_trip = round_trip.into_inner().unwrap_or_else(|e| e.into_inner());
        self.solo.store(round_trip.is_none_or(|ns| ns > far_ns), Ordering::Relaxed);
        round_trip
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _lock = self.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(s: &Shared) {
    let mut seen = 0u64;
    loop {
        // Spin a while for the next job, then sleep until woken.
        let start = Instant::now();
        let mut spins = 0u32;
        while s.generation.load(Ordering::Acquire) == seen && !s.shutdown.load(Ordering::Acquire) {
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(64) || start.elapsed() < Duration::from_micros(SPIN_MICROS) {
                std::hint::spin_loop();
                continue;
            }
            s.sleeping.fetch_add(1, Ordering::SeqCst);
            let mut lock = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            while s.generation.load(Ordering::SeqCst) == seen && !s.shutdown.load(Ordering::SeqCst) {
                lock = s.wake.wait(lock).unwrap_or_else(|e| e.into_inner());
            }
            drop(lock);
            s.sleeping.fetch_sub(1, Ordering::SeqCst);
        }
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
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.work())).is_err() {
                s.panicked.store(true, Ordering::SeqCst);
            }
        }
        s.active.fetch_sub(1, Ordering::SeqCst);
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
