//! Tests of the pool (every task once, sleeping and waking, panics reported, far cores) and of
//! the ping-pong probe.

use super::pingpong::ARRIVAL_TIMEOUT;
use super::*;

#[test]
fn runs_every_task_once() {
    for threads in [1, 2, 3] {
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
    std::thread::sleep(Duration::from_millis(5));
    let count = AtomicUsize::new(0);
    pool.run(10, &|_| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(count.load(Ordering::Relaxed), 10);
}

#[test]
fn ping_pong_times_round_trips() {
    let meeting = PingPong::new();
    std::thread::scope(|s| {
        let pong = s.spawn(|| meeting.pong());
        // The partner may take more than the millisecond on a loaded machine: then both
        // sides say so.
        let round_trip = meeting.ping();
        assert_eq!(pong.join().unwrap(), round_trip.is_some());
        if let Some(ns) = round_trip {
            assert!(ns > 0.0 && ns < 1e6, "{ns} ns");
        }
    });
}

#[test]
fn ping_gives_up_without_a_partner() {
    let meeting = PingPong::new();
    let start = Instant::now();
    assert_eq!(meeting.ping(), None);
    assert!(start.elapsed() >= ARRIVAL_TIMEOUT);
    // A partner arriving late is told so and does not wait.
    assert!(!meeting.pong());
}

#[test]
fn a_pool_of_far_cores_runs_jobs_on_the_calling_thread() {
    let pool = Pool::new(2);
    let caller = std::thread::current().id();
    let on_caller = |pool: &Pool| {
        let others = AtomicUsize::new(0);
        pool.run(64, &|_| {
            if std::thread::current().id() != caller {
                others.fetch_add(1, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_micros(50));
        });
        others.load(Ordering::Relaxed) == 0
    };
    // Every round trip is "far" against 0 ns.
    pool.probe_against(0.0);
    assert!(on_caller(&pool));
    // None is against ∞, so the worker is back in once it answers.
    if pool.probe_against(f64::INFINITY).is_some() {
        let mut shared = false;
        for _ in 0..20 {
            shared |= !on_caller(&pool);
        }
        assert!(shared, "the worker never took a task");
    }
    assert_eq!(Pool::new(1).probe(), None);
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
