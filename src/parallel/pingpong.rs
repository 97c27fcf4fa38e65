//! Measuring how far apart two cores are: [`PingPong`] times a few hundred round trips of a
//! cache line between two threads (tens of µs), and [`FAR_ROUND_TRIP_NS`] is where a second
//! thread stops paying.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Median round trip between two cores, in ns, above which two threads train slower than one.
/// On the shared 2-vCPU VM this was written on, the host sometimes runs the two vCPUs on distant
/// cores for seconds at a time: a round trip then takes 300–400 ns instead of 50–150, and two
/// threads lose to one (Nielsen's run 0.11–0.135 s/epoch against 0.107; 784-256-128-10 with Adam
/// 0.91 against 0.70). See docs/performance.md.
pub(crate) const FAR_ROUND_TRIP_NS: f64 = 250.0;

/// Round trips of one [`PingPong`] measurement (a few tens of µs in all).
const ROUND_TRIPS: usize = 256;

/// How long [`PingPong::ping`] waits for the other thread to arrive.
pub(super) const ARRIVAL_TIMEOUT: Duration = Duration::from_millis(1);

/// Where two threads meet to measure the round trip between their cores: one calls
/// [`PingPong::ping`], the other [`PingPong::pong`], each once.
#[repr(align(128))]
pub(crate) struct PingPong {
    /// 0: nobody yet; 1: the ponging thread arrived; 2k: ping k sent; 2k + 1: answered;
    /// [`PingPong::DONE`] or [`PingPong::GAVE_UP`] at the end.
    turn: AtomicU64,
}

impl PingPong {
    const DONE: u64 = u64::MAX - 1;
    const GAVE_UP: u64 = u64::MAX;

    pub(crate) fn new() -> Self {
        PingPong { turn: AtomicU64::new(0) }
    }

    /// The median over groups of 8 round trips of the time of one, in ns; `None` if the other
    /// thread did not arrive within [`ARRIVAL_TIMEOUT`] (its core is busy elsewhere).
    pub(crate) fn ping(&self) -> Option<f64> {
        let start = Instant::now();
        while self.turn.load(Ordering::Acquire) != 1 {
            if start.elapsed() > ARRIVAL_TIMEOUT
                && self.turn.compare_exchange(0, Self::GAVE_UP, Ordering::AcqRel, Ordering::Acquire).is_ok()
            {
                return None;
            }
            std::hint::spin_loop();
        }
        let mut groups = [0.0; ROUND_TRIPS / 8];
        for (g, ns) in groups.iter_mut().enumerate() {
            let t = Instant::now();
            for k in 1..=8 {
                let sent = 2 * (8 * g + k) as u64;
                self.turn.store(sent, Ordering::Release);
                while self.turn.load(Ordering::Acquire) != sent + 1 {
                    std::hint::spin_loop();
                }
            }
            *ns = t.elapsed().as_nanos() as f64 / 8.0;
        }
        self.turn.store(Self::DONE, Ordering::Release);
        groups.sort_by(f64::total_cmp);
        Some(groups[groups.len() / 2])
    }

    /// Answers the pings until the pinging thread is done; false if it had given up waiting.
    pub(crate) fn pong(&self) -> bool {
        if self.turn.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return false;
        }
        let mut answered = 1;
        loop {
            let t = self.turn.load(Ordering::Acquire);
            if t == Self::DONE {
                return true;
            }
            if t != answered {
                answered = t + 1;
                self.turn.store(answered, Ordering::Release);
            } else {
                std::hint::spin_loop();
            }
        }
    }
}
