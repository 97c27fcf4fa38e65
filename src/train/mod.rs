//! Training: one call, [`fit`], for every optimizer and every data source. It resolves the
//! configuration against the data, trains — the first-order epoch loop (`epochs`) or
//! Levenberg–Marquardt (`lm`) — reporting to an [`Observer`], and returns the [`Model`] with
//! its preprocessing, the [`History`] and the typed [`Report`], writing the model, report and
//! pictures the configuration's `[output]` asks for.
//!
//! The pieces, each in its own file: the events and figures observers receive (`events`); the
//! state a checkpoint stores (`state`); the epoch loop (`epochs`); the seam between it and the
//! arithmetic of a batch (`steps`), with the general path and the fast path of one-hidden-layer
//! SGD (`hidden_split`); gathering rows (`sampler`); end-of-epoch policies and the checkpoint
//! cadence (`policy`); warnings about settings that cannot train (`warnings`); where a run
//! starts or resumes (`start`); the float types training runs in (`float`); the distorted copies
//! of the training set under `--augment` (`augmented`).

mod augmented;
pub mod checkpoint;
mod epochs;
mod events;
mod float;
mod hidden_split;
mod lm;
mod policy;
pub mod report;
pub(crate) mod sampler;
mod start;
mod state;
mod steps;
mod warnings;

pub use epochs::{EVAL_CHUNK, evaluate_splits};
pub use events::{Control, EachEpoch, EpochStats, History, Observer, Silent, StopReason, Warning};
pub use state::{Best, TrainState};
pub use steps::FINITE_CHECK_EVERY;

// Starting points of the notes' experiments (`reproduce`, which comes with the pictures).
#[cfg(feature = "plot")]
pub(crate) use lm::train as lm_from_network;
#[cfg(feature = "plot")]
pub(crate) use start::from_network;

use crate::config::{Plan, TrainConfig};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::network::{Network, Workspace};
use crate::optim::Solver;
use crate::preprocess::Data;
use crate::preprocess::{Standardizer, standardize_targets};
use report::Report;
use std::path::Path;

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The trained network with its preprocessing and names (the best epoch's weights under early
    /// stopping), ready to predict on raw rows or to save.
    pub model: Model,
    /// Per-epoch figures, totals, why it stopped.
    pub history: History,
    /// The report: the resolved configuration, the data, every epoch, the saved model's figures.
    pub report: Report,
}

/// Trains what `config` describes on `data`, reporting to `observer`.
///
/// Every optimizer goes through this call: SGD, momentum, Nesterov and Adam through the epoch
/// loop (with checkpoints and resuming as `config.reliability` says), Levenberg–Marquardt as one
/// least-squares problem. Regression on a table trains on standardised targets and folds the
/// inverse scaling into the output layer, so the model predicts in the targets' units. The
/// model's final figures are measured on every split. When `config.output` names files, the
/// model, the report and the pictures are written there (atomically).
///
/// The whole run computes with denormal numbers flushed to zero, on every thread (they are slow on
/// many CPUs); the caller's floating-point mode is restored on return.
///
/// Errors: [`Error::Config`] for settings that do not fit (naming the flag and key),
/// [`Error::Diverged`] when a cost or weight stops being finite (nothing is written),
/// [`Error::Interrupted`] when the observer asked to stop (after a checkpoint is written).
pub fn fit(config: &TrainConfig, data: &Data, observer: &mut dyn Observer) -> Result<Trained> {
    // Denormals flushed to zero on this thread as on the pool's (see `parallel::denormals`); the
    // caller's mode comes back when the guard is dropped.
    let _flush = crate::parallel::denormals::Flush::new();
    fit_plan(config, data, observer).map_err(crate::config::name_key)
}

fn fit_plan(config: &TrainConfig, data: &Data, observer: &mut dyn Observer) -> Result<Trained> {
    let plan = config.resolve(&data.splits)?;
    check_outputs(config)?;
    let mut observer = Recorder { inner: observer, warnings: Vec::new() };
    warnings::for_plan(&plan).iter().for_each(|w| observer.warning(w));
    let scaled = target_scaling(data, &plan);
    let splits = scaled.as_ref().map_or(&data.splits, |(s, _)| s);
    let (mut network, history) = match &plan.solver {
        Solver::Lm { lm } => {
            let r = &config.reliability;
            if r.checkpoint.is_some() || r.resume.is_some() {
                let why = "Levenberg–Marquardt runs take seconds and are not checkpointed; drop --checkpoint/--resume";
                return Err(Error::config("--checkpoint", why));
            }
            let (mut net, _) = plan.initial_network::<f32>()?;
            observer.run_start(&plan, None);
            let history = lm::train(&mut net, splits, plan.epochs, lm, &mut observer)?;
            (net, history)
        }
        _ => start::first_order(config, &plan, splits, &mut observer)?,
    };
    if let Some((_, scaling)) = &scaled {
        scaling.fold_into_output(&mut network);
    }
    let threads = crate::parallel::threads_or_all(plan.threads);
    let mut ws = Workspace::new(&network, EVAL_CHUNK).with_threads(threads);
    let final_metrics = evaluate_splits(&network, &data.splits, [true; 3], &mut ws);
    let report = Report::new(&plan, data, &history, &final_metrics, scaled.is_some(), &observer.warnings);
    let model = model_of(network, data);
    write_outputs(config, &model, &report, data)?;
    Ok(Trained { model, history, report })
}

/// The model of `network` trained on `data`: its preprocessing, class names and name.
fn model_of(network: Network<f32>, data: &Data) -> Model {
    Model {
        network,
        preprocessing: data.preprocessing.clone(),
        class_names: data.splits.class_names.clone(),
        dataset: Some(data.splits.name.clone()),
        extra: Default::default(),
    }
}

/// For regression on a table with identity outputs: the splits with standardised targets, and
/// the standardisation (to fold into the trained output layer).
fn target_scaling(data: &Data, plan: &Plan) -> Option<(crate::data::Splits, Standardizer)> {
    let identity = plan.network.output_activation == crate::Activation::Identity;
    (data.is_tabular() && identity && !data.splits.train.is_classification()).then(|| {
        let mut splits = data.splits.clone();
        let scaling = standardize_targets(&mut splits);
        (splits, scaling)
    })
}

/// Refuses an output path whose directory does not exist, before hours of training.
fn check_outputs(config: &TrainConfig) -> Result<()> {
    for (path, flag) in [(&config.output.model, "--out"), (&config.output.report, "--report")] {
        if let Some(p) = path {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if !dir.is_dir() {
                return Err(Error::config(flag, format!("directory {} does not exist", dir.display())));
            }
        }
    }
    Ok(())
}

/// Writes the model, the report and the pictures where `config.output` says.
fn write_outputs(config: &TrainConfig, model: &Model, report: &Report, data: &Data) -> Result<()> {
    let out = &config.output;
    if let Some(path) = &out.model {
        model.save(path)?;
    }
    if let Some(path) = &out.report {
        crate::atomic::write_atomic(path, report.to_json().as_bytes())?;
    }
    if let Some(dir) = &out.plot {
        draw(dir, model, report, data)?;
    }
    Ok(())
}

/// The run's pictures: learning curves, the model's confusion matrix, weights and regions, and
/// under `--augment` the sheet of augmented training images.
#[cfg(feature = "plot")]
fn draw(dir: &Path, model: &Model, report: &Report, data: &Data) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    report::learning_curves(&report.epochs, dir, false)?;
    crate::figures::model_figures(&model.network, &data.splits, dir, false)?;
    if let Some(augment) = &report.config.augment {
        crate::figures::augmented_sheet(&data.splits, augment, report.config.seed, dir, false)?;
    }
    Ok(())
}

#[cfg(not(feature = "plot"))]
fn draw(_: &Path, _: &Model, _: &Report, _: &Data) -> Result<()> {
    Err(Error::config("--plot", "this build has no pictures (built without the `plot` feature)"))
}

/// Forwards every event to the caller's observer and keeps the warnings for the report.
struct Recorder<'a> {
    inner: &'a mut dyn Observer,
    warnings: Vec<Warning>,
}

impl Observer for Recorder<'_> {
    fn run_start(&mut self, plan: &Plan, resumed: Option<(&Path, usize, usize)>) {
        self.inner.run_start(plan, resumed);
    }
    fn warning(&mut self, warning: &Warning) {
        self.warnings.push(warning.clone());
        self.inner.warning(warning);
    }
    fn epoch_start(&mut self, epoch: usize, batches: usize) {
        self.inner.epoch_start(epoch, batches);
    }
    fn batch_end(&mut self, batch: usize) {
        self.inner.batch_end(batch);
    }
    fn epoch_end(&mut self, stats: &EpochStats) -> Control {
        self.inner.epoch_end(stats)
    }
    fn checkpoint_written(&mut self, path: &Path) {
        self.inner.checkpoint_written(path);
    }
    fn stop_requested(&mut self) -> bool {
        self.inner.stop_requested()
    }
}
