//! What training tells the world: the events an [`Observer`] receives, the figures of each epoch
//! ([`EpochStats`]), why a run ended ([`StopReason`], one list for every optimizer), the
//! [`History`] it returns, and [`Warning`]s about settings that cannot train.

use crate::config::Plan;
use crate::metrics::Metrics;
use crate::optim::Optimizer;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// Figures after one epoch. Fields for splits that are absent or not monitored are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Wall time of the epoch, evaluation included.
    pub seconds: f64,
    /// Updates made so far in the run.
    pub updates: u64,
    /// η used in this epoch (0 for Levenberg–Marquardt, which has μ instead).
    pub eta: f64,
    /// Levenberg–Marquardt damping μ at this iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm_mu: Option<f64>,
    /// Threads that trained most of the epoch's batches (after a resume, of its last part): with
    /// threads chosen automatically, 1 when several made slower progress (a busy machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Training-split figures.
    pub train: Option<Metrics>,
    /// Validation-split figures.
    pub validation: Option<Metrics>,
    /// Test-split figures.
    pub test: Option<Metrics>,
    /// Σ‖W‖², the squared Frobenius norms of the weight matrices (biases left out) after the
    /// epoch, as the L2 term of a regularised cost needs it (Nielsen's `total_cost` adds
    /// (λ/2n)·Σ‖W‖²). First-order optimizers only; not in the report.
    #[serde(skip)]
    pub weights_squared: Option<f64>,
}

impl EpochStats {
    /// The score early stopping and schedules watch: validation accuracy (classification) or
    /// minus validation loss (regression); higher is better.
    pub fn validation_score(&self) -> Option<f64> {
        self.validation.map(|m| m.accuracy.unwrap_or(-m.loss))
    }
}

/// Why training ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// All requested epochs ran.
    EpochLimit,
    /// Validation score did not improve for `patience` epochs (best weights restored).
    EarlyStopping,
    /// `halve-on-plateau` halved η 7 times.
    ScheduleExhausted,
    /// The training loss stopped improving (the rule of tables too small for a validation split).
    LossPlateau,
    /// An observer asked to stop.
    Observer,
    /// Levenberg–Marquardt: μ exceeded its maximum.
    MuMax,
    /// Levenberg–Marquardt: the gradient norm fell below its minimum.
    MinGrad,
    /// Levenberg–Marquardt: the cost goal was met.
    Goal,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::EpochLimit => "all epochs ran",
            StopReason::EarlyStopping => "early stopping: no better validation score for `patience` epochs",
            StopReason::ScheduleExhausted => "halve-on-plateau halved η 7 times",
            StopReason::LossPlateau => "the training loss stopped improving",
            StopReason::Observer => "asked to stop",
            StopReason::MuMax => "μ exceeded its maximum",
            StopReason::MinGrad => "the gradient norm fell below its minimum",
            StopReason::Goal => "the cost goal was met",
        })
    }
}

/// What a run produced: one [`EpochStats`] per epoch, the totals, and why it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Per-epoch figures.
    pub epochs: Vec<EpochStats>,
    /// Total updates (an epoch is ⌈n/m⌉ updates).
    pub updates: u64,
    /// Total wall time.
    pub seconds_total: f64,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// The epoch whose weights the network holds at the end (differs from the last one after
    /// early stopping restored the best weights).
    pub kept_epoch: usize,
}

/// Whether training goes on after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// End the run after this epoch ([`StopReason::Observer`]); the weights are kept.
    Stop,
}

/// Receives training events: the CLI's progress bar and epoch lines, the report, a Python
/// callback, a test's trace. Every method has an empty default.
pub trait Observer {
    /// Training of `plan` starts (every check passed); `resumed` is the checkpoint it continues
    /// from, if any, at its epoch and batch.
    fn run_start(&mut self, _plan: &Plan, _resumed: Option<(&Path, usize, usize)>) {}
    /// A setting or an early figure suggests the run will not learn; each said once.
    fn warning(&mut self, _warning: &Warning) {}
    /// An epoch with `batches` updates begins.
    fn epoch_start(&mut self, _epoch: usize, _batches: usize) {}
    /// Update `batch` (from 1) of the current epoch is done.
    fn batch_end(&mut self, _batch: usize) {}
    /// An epoch (Levenberg–Marquardt: an iteration, with `lm_mu` set) ended with these figures.
    fn epoch_end(&mut self, _stats: &EpochStats) -> Control {
        Control::Continue
    }
    /// A checkpoint was written to `path`.
    fn checkpoint_written(&mut self, _path: &Path) {}
    /// Asked after every batch: `true` interrupts training; a checkpoint is written first (to
    /// the run's checkpoint directory) and training returns [`crate::Error::Interrupted`].
    fn stop_requested(&mut self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// An observer that calls a closure with the figures of every epoch (and ignores the rest).
pub struct EachEpoch<C: FnMut(&EpochStats)>(pub C);

impl<C: FnMut(&EpochStats)> Observer for EachEpoch<C> {
    fn epoch_end(&mut self, stats: &EpochStats) -> Control {
        (self.0)(stats);
        Control::Continue
    }
}

/// A sign that a run will not learn, found before training or after its first epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Warning {
    /// η is far outside the range the optimizer usually trains with.
    EtaOutOfRange {
        /// The optimizer.
        optimizer: Optimizer,
        /// The effective step: η, or η/(1 − μ) with momentum.
        eta: f64,
        /// The usual range ([`Optimizer::usual_eta`]).
        usual: (f64, f64),
    },
    /// The training loss barely changed in the first epoch.
    LossNotMoving {
        /// Mean cost on the first training rows before training.
        before: f64,
        /// The same after the first epoch.
        after: f64,
    },
    /// Accuracy is no better than guessing after the first epoch.
    AtChance {
        /// The split it was measured on.
        split: String,
        /// Its accuracy.
        accuracy: f64,
        /// Number of classes.
        classes: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let eta = crate::config::describe_key("--eta");
        match self {
            Warning::EtaOutOfRange { optimizer, eta: v, usual: (lo, hi) } => write!(
                f,
                "{eta}: {} is far {} {optimizer}'s usual range ({lo:e} to {hi}; default {}); the run may diverge or learn nothing",
                if *v < 1e-3 { format!("{v:e}") } else { v.to_string() },
                if v > hi { "above" } else { "below" },
                optimizer.default_eta()
            ),
            Warning::LossNotMoving { before, after } => write!(
                f,
                "epoch 1: the training loss barely moved ({before:.4} → {after:.4}); check {eta} and the cost"
            ),
            Warning::AtChance { split, accuracy, classes } => write!(
                f,
                "epoch 1: {split} accuracy {:.1}% is no better than guessing among {classes} classes; check {eta}",
                100.0 * accuracy
            ),
        }
    }
}
