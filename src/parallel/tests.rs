//! Tests of the pool: every task runs once, workers and the caller sleep and are woken without a
//! lost wake-up, a panic is reported, solo runs on the caller, and every task flushes denormals.

use super::*;

#[test]
fn runs_every_task_once() {
    for threads in [1, 2, 3, 4] {
        let pool = Pool::new(threads);
        for n in [0, 1, 2, 7, 100] {
            let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            pool.run(n, &|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "threads {threads}, n {n}");
        }
    }
}

#[test]
fn wakes_after_sleeping() {
    let pool = Pool::new(2);
    std::thread::sleep(WORKER_SPIN * 20);
    let count = AtomicUsize::new(0);
    pool.run(10, &|_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(count.load(Ordering::Relaxed), 10);
}

/// A task much longer than the caller's spin: the caller sleeps and the last worker wakes it.
#[test]
fn the_caller_sleeps_through_a_long_task_and_is_woken() {
    let pool = Pool::new(3);
    for _ in 0..20 {
        let count = AtomicUsize::new(0);
        pool.run(3, &|i| {
            if i > 0 {
                std::thread::sleep(CALLER_SPIN * 10);
            }
            count.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(count.load(Ordering::Relaxed), 3);
    }
}

/// Thousands of jobs with pauses of every length between them, so that workers and caller sleep
/// and wake in every order: no job is lost or hangs (a lost wake-up would hang this test).
#[test]
fn no_wake_up_is_lost() {
    let pool = Pool::new(4);
    let total = AtomicUsize::new(0);
    for job in 0..3000u64 {
        let pause = Duration::from_nanos((job * 7919) % 400_000);
        if job % 3 == 0 {
            std::thread::sleep(pause);
        }
        pool.run(5, &|i| {
            if (job + i as u64).is_multiple_of(17) {
                std::thread::sleep(Duration::from_micros(80));
            }
            total.fetch_add(1, Ordering::Relaxed);
        });
    }
    assert_eq!(total.load(Ordering::Relaxed), 3000 * 5);
}

#[test]
fn a_solo_pool_runs_jobs_on_the_calling_thread() {
    let pool = Pool::new(2);
    let caller = std::thread::current().id();
    let others = |pool: &Pool| {
        let others = AtomicUsize::new(0);
        pool.run(64, &|_| {
            if std::thread::current().id() != caller {
                others.fetch_add(1, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_micros(50));
        });
        others.load(Ordering::Relaxed)
    };
    pool.set_solo(true);
    assert_eq!(pool.active_threads(), 1);
    assert_eq!(others(&pool), 0);
    pool.set_solo(false);
    assert!((0..20).any(|_| others(&pool) > 0), "the worker never took a task");
}

/// Every task computes with denormals flushed, on the workers and on the caller, and the
/// caller's mode is restored after the job.
#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn every_task_flushes_denormals() {
    let pool = Pool::new(3);
    let before = denormals::flushing();
    let flushed = AtomicUsize::new(0);
    pool.run(64, &|_| {
        flushed.fetch_add(usize::from(denormals::flushing()), Ordering::Relaxed);
        std::thread::sleep(Duration::from_micros(20));
    });
    assert_eq!(flushed.load(Ordering::Relaxed), 64);
    assert_eq!(denormals::flushing(), before);
}

#[test]
fn a_panicking_task_is_reported() {
    let pool = Pool::new(2);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.run(8, &|i| assert!(i != 5, "task 5"));
    }));
    assert!(r.is_err());
    // The pool still works afterwards.
    let count = AtomicUsize::new(0);
    pool.run(4, &|_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(count.load(Ordering::Relaxed), 4);
}
