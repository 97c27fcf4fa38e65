//! Where a run is: everything besides the weights that the training loop needs to continue
//! exactly where it stopped ([`TrainState`]), which checkpoints store.

use super::events::{EpochStats, StopReason};
use crate::config::Plan;
use crate::error::{Error, Result};
use crate::float::Scalar;
use crate::optim::OptimState;
use rand_chacha::ChaCha8Rng;

/// The best validation score so far under early stopping / plateau schedules, and its weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Best<F: Scalar = f32> {
    /// The score ([`EpochStats::validation_score`]).
    pub score: f64,
    /// The epoch that reached it.
    pub epoch: usize,
    /// The parameters at the end of that epoch.
    pub params: Vec<F>,
}

/// Everything besides the weights that the training loop needs to continue a run exactly where it
/// stopped: with the same network parameters, the loop continued from a restored `TrainState`
/// produces bit-for-bit the weights the uninterrupted run produces. [`super::checkpoint`] stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainState<F: Scalar = f32> {
    /// The epoch in progress or next to run, from 1 (`plan.epochs + 1` once all have run).
    pub epoch: usize,
    /// Batches of `epoch` already done; 0 means the epoch has not started (its shuffle is pending).
    /// Equal to the number of batches when only the end-of-epoch evaluation is left.
    pub batch: usize,
    /// The sample order: shuffled in place each epoch (cumulatively, as network.py does), or the
    /// last batch's draws under sampling with replacement.
    pub order: Vec<usize>,
    /// The current learning rate (schedules change it).
    pub eta: f64,
    /// Best validation score, its epoch and weights.
    pub best: Option<Best<F>>,
    /// Epochs since the best validation score.
    pub since_best: usize,
    /// How often `halve-on-plateau` halved η.
    pub halvings: usize,
    /// Updates made so far.
    pub updates: u64,
    /// Figures of the epochs completed so far.
    pub epochs: Vec<EpochStats>,
    /// Optimizer state (velocity, Adam moments, step count).
    pub opt: OptimState<F>,
    /// The one RNG behind initialisation and sampling, positioned where the run is.
    pub rng: ChaCha8Rng,
    /// Wall time spent before the current session, whole epochs and the current partial one.
    pub seconds: f64,
    /// Wall time spent in the current partial epoch before the current session.
    pub epoch_seconds: f64,
    /// Set once training has ended (for a checkpoint written after the last epoch).
    pub stop_reason: Option<StopReason>,
}

impl<F: Scalar> TrainState<F> {
    /// The same state with the optimizer moments and best weights converted to `G` (exact from
    /// f32 to f64 and back; checkpoints are read through f64).
    pub fn cast<G: Scalar>(&self) -> TrainState<G> {
        let conv = |v: &[F]| v.iter().map(|&x| G::of(x.f64())).collect::<Vec<G>>();
        TrainState {
            epoch: self.epoch,
            batch: self.batch,
            order: self.order.clone(),
            eta: self.eta,
            best: self.best.as_ref().map(|b| Best { score: b.score, epoch: b.epoch, params: conv(&b.params) }),
            since_best: self.since_best,
            halvings: self.halvings,
            updates: self.updates,
            epochs: self.epochs.clone(),
            opt: OptimState {
                solver: self.opt.solver.clone(),
                m: conv(&self.opt.m),
                v: conv(&self.opt.v),
                t: self.opt.t,
            },
            rng: self.rng.clone(),
            seconds: self.seconds,
            epoch_seconds: self.epoch_seconds,
            stop_reason: self.stop_reason,
        }
    }

    /// The state of a run that has not started: `n` training samples, `n_params` parameters,
    /// `rng` positioned after initialisation.
    pub fn new(plan: &Plan, n: usize, n_params: usize, rng: ChaCha8Rng) -> Self {
        TrainState {
            epoch: 1,
            batch: 0,
            order: (0..n).collect(),
            eta: plan.eta().unwrap_or(0.0),
            best: None,
            since_best: 0,
            halvings: 0,
            updates: 0,
            epochs: Vec::with_capacity(plan.epochs),
            opt: OptimState::new(&plan.solver, n_params),
            rng,
            seconds: 0.0,
            epoch_seconds: 0.0,
            stop_reason: None,
        }
    }

    /// Checks that the state fits a run on `n` samples with `n_params` parameters.
    pub fn check_fits(&self, plan: &Plan, n: usize, n_params: usize) -> Result<()> {
        let batches = n.div_ceil(plan.batch_size.min(n).max(1));
        let opt_len = |v: &Vec<F>, used: bool| v.len() == if used { n_params } else { 0 };
        let (uses_m, uses_v) = plan.solver.moments();
        let problem = if self.order.len() != n {
            Some(format!("the checkpoint's sample order has {} entries for {n} training samples", self.order.len()))
        } else if self.order.iter().any(|&i| i >= n) {
            Some("the checkpoint's sample order indexes past the training set".to_string())
        } else if self.opt.solver != plan.solver || !opt_len(&self.opt.m, uses_m) || !opt_len(&self.opt.v, uses_v) {
            Some("the checkpoint's optimizer state does not fit the network".to_string())
        } else if self.best.as_ref().is_some_and(|b| b.params.len() != n_params) {
            Some("the checkpoint's best weights do not fit the network".to_string())
        } else if self.epoch == 0 || self.batch > batches || (self.batch > 0 && self.epoch > plan.epochs) {
            Some(format!(
                "epoch {} batch {} is outside the run ({} epochs of {batches} batches)",
                self.epoch, self.batch, plan.epochs
            ))
        } else {
            None
        };
        match problem {
            Some(p) => Err(Error::config("--resume", p)),
            None => Ok(()),
        }
    }
}
