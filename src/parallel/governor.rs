//! The choice between all of a pool's threads and the calling thread alone, by measured progress.
//!
//! Work is counted in units (batches). Every round of about a set length (a few milliseconds: long
//! enough to measure, short enough to follow the load) the governor reads the clock,
//! records the seconds per unit of the mode the round ran in, and picks the mode of the next round:
//! the one with the better record, except that every so often a round tries the other mode again,
//! since load comes and goes. The gap between such trials doubles while they keep losing (up to
//! [`MAX_GAP`] rounds, about half a second) and shrinks back as soon as one wins, so a lasting
//! choice costs almost nothing and a change of load is noticed within a second. On a busy machine
//! the rounds on several threads lose — a worker descheduled in the middle of a task holds the
//! others up — and the pool runs solo; on an idle one they win.

use super::Pool;
use std::time::{Duration, Instant};

/// The round length of the pool's governor (jobs are cheap to switch between modes).
pub const POOL_ROUND: Duration = Duration::from_millis(2);

/// Rounds between trials of the losing mode, at first.
pub const MIN_GAP: u32 = 4;
/// Rounds between trials of the losing mode, at most.
pub const MAX_GAP: u32 = 256;
/// A trial round is this many times shorter than a round.
pub const TRIAL_SHARE: usize = 4;
/// How much faster the other mode must be for the governor to switch to it.
pub const MARGIN: f64 = 0.05;

/// Chooses, round after round, whether a pool runs its jobs on every thread or on the caller alone.
#[derive(Debug)]
pub(crate) struct Governor {
    /// False: the pool always uses every thread (threads given explicitly, or only one).
    enabled: bool,
    /// The length a round aims at.
    round: Duration,
    /// Seconds per unit measured last on the caller alone (0) and on every thread (1).
    seconds: [Option<f64>; 2],
    /// The mode of the current round (index into `seconds`), and the preferred one.
    mode: usize,
    preferred: usize,
    /// Units per round (adapted so that a round takes about [`ROUND`]), and done in this round.
    round_units: usize,
    done: usize,
    start: Instant,
    /// Rounds until the next trial of the other mode, and the current gap between trials.
    until_trial: u32,
    gap: u32,
    /// Units done on one thread and on several, for reporting.
    units: [u64; 2],
}

impl Governor {
    /// A governor of `threads` threads (those of a pool, or of the fast path) with rounds of about
    /// `round`: active when `enabled` and there are several threads.
    pub(crate) fn new(threads: usize, enabled: bool, round: Duration) -> Governor {
        Governor {
            enabled: enabled && threads > 1,
            round,
            seconds: [None, None],
            mode: 1,
            preferred: 1,
            round_units: 1,
            done: 0,
            start: Instant::now(),
            until_trial: MIN_GAP,
            gap: MIN_GAP,
            units: [0, 0],
        }
    }

    /// Starts a fresh round (after a pause in the work, e.g. an evaluation between epochs).
    pub(crate) fn restart(&mut self) {
        self.done = 0;
        self.start = Instant::now();
    }

    /// One unit of work is done on `pool`; at the end of a round, records it and sets the pool's
    /// mode for the next.
    pub(crate) fn tick(&mut self, pool: &Pool) {
        self.done += 1;
        if self.done >= self.round_units() {
            self.finish_round(self.done, self.start.elapsed().as_secs_f64());
            pool.set_solo(self.solo());
            self.restart();
        }
    }

    /// Whether the next round runs on one thread.
    pub(crate) fn solo(&self) -> bool {
        self.mode == 0
    }

    /// How many units the next round should have to last about the round's length; a quarter
    /// of that for a trial of the mode that lost last time (it is likely to lose again).
    pub(crate) fn round_units(&self) -> usize {
        if self.mode == self.preferred { self.round_units } else { (self.round_units / TRIAL_SHARE).max(1) }
    }

    /// A round of `units` units took `seconds`: records it, picks the mode of the next round, and
    /// sizes it.
    pub(crate) fn finish_round(&mut self, units: usize, seconds: f64) {
        self.units[self.mode] += units as u64;
        if units == 0 {
            return;
        }
        let per_unit = seconds / units as f64;
        let full = self.mode == self.preferred;
        if self.enabled {
            self.record(per_unit);
        }
        if full {
            self.round_units = ((self.round.as_secs_f64() / per_unit.max(1e-9)) as usize).clamp(1, 1 << 16);
        }
    }

    /// Records a round of `per_unit` seconds per unit in the current mode and picks the next mode.
    fn record(&mut self, per_unit: f64) {
        self.seconds[self.mode] = Some(per_unit);
        let trial = self.mode != self.preferred;
        if trial {
            let (this, other) = (per_unit, self.seconds[self.preferred].unwrap_or(f64::INFINITY));
            if this < other * (1.0 - MARGIN) {
                // The other mode won: it is preferred now, and trials come soon again.
                self.preferred = self.mode;
                self.gap = MIN_GAP;
            } else {
                self.gap = (self.gap * 2).min(MAX_GAP);
            }
            self.until_trial = self.gap;
            self.mode = self.preferred;
            return;
        }
        self.until_trial -= 1;
        if self.until_trial == 0 {
            self.mode = 1 - self.preferred;
        }
    }

    /// Whether most units since the last call ran on one thread; resets the counts.
    pub(crate) fn take_mostly_solo(&mut self) -> bool {
        let units = std::mem::take(&mut self.units);
        units[0] > units[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounds in which several threads take `all` seconds per unit and one thread `one`: returns
    /// the share of rounds run on several threads over `rounds` rounds.
    fn share_on_all(all: f64, one: f64, rounds: usize) -> f64 {
        let mut g = Governor::new(2, true, POOL_ROUND);
        let mut on_all = 0;
        for _ in 0..rounds {
            on_all += g.mode;
            g.record(if g.mode == 1 { all } else { one });
        }
        on_all as f64 / rounds as f64
    }

    #[test]
    fn the_faster_mode_runs_nearly_all_rounds() {
        assert!(share_on_all(1.0, 1.6, 2000) > 0.97, "idle: several threads win");
        assert!(share_on_all(3.0, 1.0, 2000) < 0.03, "busy: one thread wins");
    }

    #[test]
    fn a_change_of_load_is_followed() {
        let mut g = Governor::new(2, true, POOL_ROUND);
        for _ in 0..1000 {
            g.record(if g.mode == 1 { 3.0 } else { 1.0 });
        }
        assert_eq!(g.preferred, 0);
        // The load goes away: several threads win again within MAX_GAP + 1 rounds.
        let mut rounds = 0;
        while g.preferred == 0 {
            g.record(if g.mode == 1 { 0.6 } else { 1.0 });
            rounds += 1;
        }
        assert!(rounds <= MAX_GAP as usize + 1, "{rounds} rounds");
    }

    #[test]
    fn a_disabled_governor_never_goes_solo() {
        let pool = Pool::new(2);
        let mut g = Governor::new(2, false, POOL_ROUND);
        for _ in 0..10_000 {
            g.tick(&pool);
        }
        assert_eq!(pool.active_threads(), 2);
        assert!(!g.take_mostly_solo());
    }
}
