//! What happens at the end of an epoch besides evaluation. [`Policy`]s watch the figures and may
//! keep the best weights, change η or end the run — early stopping, plateau halving, step decay —
//! each one small value the loop asks in turn; [`Checkpoints`] is the cadence of checkpoints and
//! the one place that writes them, also when a run is interrupted.

use super::checkpoint::{self, Run};
use super::events::{EpochStats, Observer, StopReason};
use super::float::TrainFloat;
use super::state::{Best, TrainState};
use crate::config::{LossPlateau, MAX_HALVINGS, Plan, Schedule};
use crate::error::{Error, Result};
use crate::float::Scalar;
use crate::network::Network;
use std::path::PathBuf;

/// The end of one epoch as a policy sees it.
pub(crate) struct EpochEnd<'a, F> {
    /// The epoch's figures.
    pub stats: &'a EpochStats,
    /// The network's parameters after it.
    pub params: &'a [F],
    /// The validation score the run watches (higher is better), when the epoch has one.
    pub score: Option<f64>,
}

/// A rule applied at the end of every epoch.
pub(crate) trait Policy<F: Scalar> {
    /// May change `state` (η, the best weights, counters); returns a reason to stop.
    fn epoch_end(&mut self, end: &EpochEnd<F>, state: &mut TrainState<F>) -> Option<StopReason>;
}

/// The policies of `plan`, in the order they are asked (a later stop reason replaces an earlier
/// one): the best-weights tracker first, since the others read its counter.
pub(crate) fn for_plan<F: Scalar>(plan: &Plan) -> Vec<Box<dyn Policy<F>>> {
    let mut policies: Vec<Box<dyn Policy<F>>> = vec![Box::new(TrackBest)];
    match plan.schedule {
        Schedule::HalveOnPlateau { patience } => policies.push(Box::new(HalveOnPlateau { patience })),
        Schedule::Step { every, factor } => policies.push(Box::new(StepDecay { every, factor })),
        Schedule::Constant => {}
    }
    if let Some(patience) = plan.patience {
        policies.push(Box::new(EarlyStopping { patience }));
    }
    if let Some(rule) = plan.loss_plateau {
        policies.push(Box::new(rule));
    }
    policies
}

/// The score a run watches: validation accuracy (classification) or minus validation loss
/// (regression); CSV runs watch the loss also when classifying, since on small validation splits
/// accuracy moves in coarse steps and stops training too early.
pub(crate) fn score(plan: &Plan, stats: &EpochStats) -> Option<f64> {
    if plan.task.is_some() { stats.validation.map(|m| -m.loss) } else { stats.validation_score() }
}

/// Keeps the best score, its epoch and weights in `state.best`, and counts the epochs since in
/// `state.since_best`.
struct TrackBest;

impl<F: Scalar> Policy<F> for TrackBest {
    fn epoch_end(&mut self, end: &EpochEnd<F>, state: &mut TrainState<F>) -> Option<StopReason> {
        let score = end.score?;
        if state.best.as_ref().is_none_or(|b| score > b.score) {
            let mut params = state.best.take().map(|b| b.params).unwrap_or_default();
            params.clear();
            params.extend_from_slice(end.params);
            state.best = Some(Best { score, epoch: end.stats.epoch, params });
            state.since_best = 0;
        } else {
            state.since_best += 1;
        }
        None
    }
}

/// Nielsen's schedule: η ← η/2 after every `patience` epochs without a better score; stop after
/// [`MAX_HALVINGS`] halvings.
struct HalveOnPlateau {
    patience: usize,
}

impl<F: Scalar> Policy<F> for HalveOnPlateau {
    fn epoch_end(&mut self, end: &EpochEnd<F>, state: &mut TrainState<F>) -> Option<StopReason> {
        end.score?;
        if state.since_best >= self.patience && state.since_best.is_multiple_of(self.patience) {
            state.eta /= 2.0;
            state.halvings += 1;
            if state.halvings >= MAX_HALVINGS {
                return Some(StopReason::ScheduleExhausted);
            }
        }
        None
    }
}

/// η ← factor·η every `every` epochs.
struct StepDecay {
    every: usize,
    factor: f64,
}

impl<F: Scalar> Policy<F> for StepDecay {
    fn epoch_end(&mut self, end: &EpochEnd<F>, state: &mut TrainState<F>) -> Option<StopReason> {
        if end.stats.epoch.is_multiple_of(self.every) {
            state.eta *= self.factor;
        }
        None
    }
}

/// Stop after `patience` epochs without a better score (the loop then restores the best weights).
struct EarlyStopping {
    patience: usize,
}

impl<F: Scalar> Policy<F> for EarlyStopping {
    fn epoch_end(&mut self, end: &EpochEnd<F>, state: &mut TrainState<F>) -> Option<StopReason> {
        end.score?;
        (state.since_best >= self.patience).then_some(StopReason::EarlyStopping)
    }
}

/// scikit-learn's stopping rule on the training loss: an epoch whose loss is above the best so far
/// minus the tolerance counts as no improvement; after `patience` such epochs in a row, stop. The
/// count is taken from the recorded epochs, so a resumed run stops where an uninterrupted one does.
impl<F: Scalar> Policy<F> for LossPlateau {
    fn epoch_end(&mut self, end: &EpochEnd<F>, state: &mut TrainState<F>) -> Option<StopReason> {
        let losses = state.epochs.iter().chain([end.stats]).filter_map(|e| e.train.map(|m| m.loss));
        let (mut best, mut without) = (f64::INFINITY, 0);
        for loss in losses {
            without = if loss > best - self.tolerance { without + 1 } else { 0 };
            best = best.min(loss);
        }
        (without >= self.patience).then_some(StopReason::LossPlateau)
    }
}

/// Where and how often a run writes checkpoints: every `every` epochs and after the last (0:
/// never), and whenever it is interrupted, into `dir`.
pub(crate) struct Checkpoints<'a> {
    /// Epochs between checkpoints; 0 writes one only on an interrupt.
    pub every: usize,
    /// The checkpoint directory.
    pub dir: PathBuf,
    /// What identifies the run (configuration, plan, data).
    pub run: Run<'a>,
}

impl Checkpoints<'_> {
    /// After the epoch just recorded in `state`: writes a checkpoint when one is due (`last`: no
    /// epoch follows). Returns whether it wrote one.
    pub(crate) fn epoch_end<F: TrainFloat>(
        &self,
        net: &Network<F>,
        state: &TrainState<F>,
        last: bool,
        observer: &mut dyn Observer,
    ) -> Result<bool> {
        let epoch = state.epochs.last().map_or(0, |e| e.epoch);
        let due = self.every > 0 && (epoch.is_multiple_of(self.every) || last);
        if due {
            self.save(net, state, observer)?;
        }
        Ok(due)
    }

    /// Writes the checkpoint of `net` and `state`.
    pub(crate) fn save<F: TrainFloat>(
        &self,
        net: &Network<F>,
        state: &TrainState<F>,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        checkpoint::save(&self.dir, &self.run, net, state)?;
        observer.checkpoint_written(&checkpoint::file_in(&self.dir));
        Ok(())
    }

    /// Saves the state of a run interrupted `at` (e.g. "epoch 3 batch 20/500", "epoch 3") and
    /// returns the error that reports it.
    pub(crate) fn interrupted<F: TrainFloat>(
        &self,
        net: &Network<F>,
        state: &TrainState<F>,
        at: String,
        observer: &mut dyn Observer,
    ) -> Result<Error> {
        self.save(net, state, observer)?;
        Ok(Error::Interrupted { at, checkpoint: Some(self.dir.clone()) })
    }
}
