//! The sections of a [`super::TrainConfig`], one struct each: what the user writes, in a TOML
//! table of the same name (`[network]`, `[optimizer]`, ...) or as command-line flags. Every field is
//! optional: unset means "the default", which [`super::TrainConfig::resolve`] applies and records.
//! Each field's doc comment is its `--help` text and states the default or the rule that picks it;
//! its `#[arg]` attribute gives the flag and, as the argument id, the TOML key (`optimizer.eta`).

use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::columns::MissingPolicy;
use crate::data::csv::{Task, one_or_many, split_names};
use crate::init::Init;
use crate::optim::{LmSolve, Optimizer};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use super::kinds::{Precision, Sampling, Schedule};

fn parse_layers(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|v| v.trim().parse::<usize>().map_err(|_| format!("'{v}' is not a layer size; expected e.g. 784,30,10")))
        .collect()
}

/// Hidden layer sizes: a comma-separated list, or nothing (no hidden layer).
fn parse_hidden(s: &str) -> Result<Vec<usize>, String> {
    if s.trim().is_empty() { Ok(Vec::new()) } else { parse_layers(s) }
}

fn parse_targets(s: &str) -> Result<Vec<String>, String> {
    let names = split_names(s);
    if names.is_empty() { Err("expected column names, e.g. --target species".into()) } else { Ok(names) }
}

fn parse_columns(s: &str) -> Result<Vec<String>, String> {
    let names = split_names(s);
    if names.is_empty() { Err("expected column names, e.g. --ignore id,name".into()) } else { Ok(names) }
}

fn parse_positive(s: &str) -> Result<usize, String> {
    s.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| format!("'{s}' is not a positive whole number"))
}

/// Dropout probabilities: a comma-separated list of numbers (checked to lie in [0, 1) later).
fn parse_dropout(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|v| v.trim().parse::<f64>().map_err(|_| format!("'{v}' is not a probability; expected e.g. 0.2,0.5")))
        .collect()
}

fn parse_threads(s: &str) -> Result<usize, String> {
    s.parse::<usize>().ok().filter(|&t| t >= 1).ok_or_else(|| format!("'{s}' is not a thread count (1 or more)"))
}

/// `[data]`: where the samples come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Dataset: mnist, fashion-mnist, digits, higham, higham-extra (the last three built in)
    /// [default: digits]
    #[arg(long = "dataset", id = "data.dataset", value_name = "NAME")]
    pub dataset: Option<String>,
    /// Data directory [default: $NEURALNET_DATA, else ~/.cache/neuralnet]
    #[arg(long = "data", id = "data.dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Use only the first N training samples [default: all]
    #[arg(long = "train-size", id = "data.train_size", value_name = "N")]
    pub train_size: Option<usize>,
    /// Training data: a table with a header row — CSV/TSV (gzip-compressed too) or Parquet
    /// (instead of --dataset)
    #[arg(long = "train", id = "data.train", value_name = "FILE")]
    pub train: Option<PathBuf>,
    /// Test data: a table (CSV/TSV, gzip, Parquet) with the same columns as --train [default:
    /// none]
    #[arg(long = "test", id = "data.test", value_name = "FILE")]
    pub test: Option<PathBuf>,
    /// Target column(s) of the CSV data, comma-separated (in TOML a string or a list)
    #[arg(long = "target", id = "data.target", value_name = "COLUMN[,COLUMN...]", value_parser = parse_targets)]
    #[serde(deserialize_with = "one_or_many")]
    pub target: Option<::std::vec::Vec<String>>,
    /// classification or regression [default: inferred from the target column]
    #[arg(long = "task", id = "data.task", value_name = "TASK")]
    pub task: Option<Task>,
    /// Fraction of the training rows held out for validation: for a table, drawn at random; for a
    /// named dataset, the last ones (as Keras's validation_split), 0 training on all of them
    /// [default: 0.1 for tables; a named dataset's own split, e.g. MNIST's last 10,000 of 60,000]
    #[arg(long = "validation-fraction", id = "data.validation_fraction", value_name = "F")]
    pub validation_fraction: Option<f64>,
    /// Fraction of the CSV training rows held out for testing, without --test [default: 0]
    #[arg(long = "test-fraction", id = "data.test_fraction", value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Table columns to leave out, comma-separated [default: none; constant columns and text
    /// columns with a different value in every row are left out too]
    #[arg(long = "ignore", id = "data.ignore", value_name = "COLUMN[,COLUMN...]", value_parser = parse_columns)]
    #[serde(deserialize_with = "one_or_many")]
    pub ignore: Option<::std::vec::Vec<String>>,
    /// Table columns to one-hot encode even when their cells are numbers [default: text columns]
    #[arg(long = "categorical", id = "data.categorical", value_name = "COLUMN[,COLUMN...]", value_parser = parse_columns)]
    #[serde(deserialize_with = "one_or_many")]
    pub categorical: Option<::std::vec::Vec<String>>,
    /// Table columns to read as numbers (a cell that is not one is an error) [default: columns
    /// whose every cell is a number]
    #[arg(long = "numeric", id = "data.numeric", value_name = "COLUMN[,COLUMN...]", value_parser = parse_columns)]
    #[serde(deserialize_with = "one_or_many")]
    pub numeric: Option<::std::vec::Vec<String>>,
    /// Missing cells (empty, NA, NaN, null, ?): impute (numeric: training median and a missing
    /// indicator; categorical: its own category; a row without a target is dropped) or error
    /// [default: impute]
    #[arg(long = "missing", id = "data.missing", value_name = "POLICY")]
    pub missing: Option<MissingPolicy>,
    /// Distort every training image afresh in every epoch (image datasets, first-order
    /// optimizers): shift:N (Nielsen's one-pixel moves), affine:ROT,SCALE,SHEAR,SHIFT and
    /// elastic:SIGMA,ALPHA (Simard et al. 2003), flip; joined by '+' (in TOML a list), applied in
    /// the order flip, affine, elastic, shift; e.g. affine:15,0.15,0.3,2+elastic:4,34 [default:
    /// none]
    #[arg(long = "augment", id = "data.augment", value_name = "T[+T...]")]
    pub augment: Option<crate::data::augment::Augment>,
}

/// `[network]`: layer sizes, activations, cost and the initial weights.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Layer sizes, input first, e.g. 784,30,10 [default: inputs,100,outputs]
    #[arg(long = "layers", id = "network.layers", value_name = "N,N,...", value_parser = parse_layers)]
    pub layers: Option<::std::vec::Vec<usize>>,
    /// Hidden layer sizes only, e.g. 100,50 ('' for none): the input and output widths come
    /// from the data (after a table's encoding); instead of --layers
    #[arg(long = "hidden", id = "network.hidden", value_name = "N,...", value_parser = parse_hidden)]
    pub hidden: Option<::std::vec::Vec<usize>>,
    /// Hidden activation: sigmoid, relu, leaky-relu, hard-sigmoid, tanh, identity [default: relu]
    #[arg(long = "activation", id = "network.activation", value_name = "NAME")]
    pub activation: Option<Activation>,
    /// Output activation: the hidden ones or softmax [default: softmax for classification with
    /// cross-entropy, sigmoid for classification with another cost, identity for regression]
    #[arg(long = "output-activation", id = "network.output_activation", value_name = "NAME")]
    pub output_activation: Option<Activation>,
    /// Cost: quadratic, mse, mae, cross-entropy [default: cross-entropy for softmax or sigmoid
    /// outputs on classes, else mse]
    #[arg(long = "cost", id = "network.cost", value_name = "NAME")]
    pub cost: Option<Cost>,
    /// Initialisation: normal, normal-scaled, glorot-uniform, glorot-normal, he [default: he for
    /// relu and leaky-relu hidden layers, else glorot-uniform]
    #[arg(long = "init", id = "network.init", value_name = "NAME")]
    pub init: Option<Init>,
    /// Multiply every initial weight and bias by S [default: 1]
    #[arg(long = "init-scale", id = "network.init_scale", value_name = "S")]
    pub init_scale: Option<f64>,
    /// Start from this model's weights instead of drawing them
    #[arg(long = "init-from", id = "network.init_from", value_name = "MODEL")]
    pub init_from: Option<PathBuf>,
}

/// `[optimizer]`: the update rule, η, and each optimizer's own settings in its own table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizerConfig {
    /// Optimizer: sgd, momentum, nesterov, adam, lm (Levenberg–Marquardt) [default: adam]
    #[arg(long = "optimizer", id = "optimizer.kind", value_name = "NAME")]
    pub kind: Option<Optimizer>,
    /// Learning rate η of sgd, momentum, nesterov and adam [default: 0.001 for adam, else 0.1]
    #[arg(long = "eta", id = "optimizer.eta", value_name = "ETA", allow_negative_numbers = true)]
    pub eta: Option<f64>,
    /// Settings of momentum and nesterov (`[optimizer.momentum]`).
    #[command(flatten)]
    pub momentum: MomentumSettings,
    /// Settings of adam (`[optimizer.adam]`).
    #[command(flatten)]
    pub adam: AdamSettings,
    /// Settings of lm (`[optimizer.lm]`).
    #[command(flatten)]
    pub lm: LmSettings,
}

/// `[optimizer.momentum]`: heavy-ball and Nesterov momentum.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct MomentumSettings {
    /// Momentum μ in [0, 1) of momentum and nesterov [default: 0.9]
    #[arg(long = "momentum", id = "optimizer.momentum.mu", value_name = "MU", allow_negative_numbers = true)]
    pub mu: Option<f64>,
}

/// `[optimizer.adam]`: Adam's moment decay rates and ε (PyTorch's and Keras's defaults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct AdamSettings {
    /// Adam's β₁, decay of the first moment, in [0, 1) [default: 0.9]
    #[arg(long = "beta1", id = "optimizer.adam.beta1", value_name = "B1")]
    pub beta1: Option<f64>,
    /// Adam's β₂, decay of the second moment, in [0, 1) [default: 0.999]
    #[arg(long = "beta2", id = "optimizer.adam.beta2", value_name = "B2")]
    pub beta2: Option<f64>,
    /// Adam's ε, added to √v̂ [default: 1e-8]
    #[arg(long = "epsilon", id = "optimizer.adam.epsilon", value_name = "EPS")]
    pub epsilon: Option<f64>,
}

/// `[optimizer.lm]`: Levenberg–Marquardt (defaults are MATLAB `trainlm`'s).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct LmSettings {
    /// Step system: auto (kernel iff parameters > residuals), normal, kernel [default: auto]
    #[arg(long = "lm-solve", id = "optimizer.lm.solve", value_name = "SOLVE")]
    pub solve: Option<LmSolve>,
    /// Initial damping μ [default: 0.001]
    #[arg(long = "lm-mu", id = "optimizer.lm.mu", value_name = "MU")]
    pub mu: Option<f64>,
    /// Factor on μ after an accepted step, in (0, 1) [default: 0.1]
    #[arg(long = "lm-mu-dec", id = "optimizer.lm.mu_dec", value_name = "F")]
    pub mu_dec: Option<f64>,
    /// Factor on μ after a rejected step, above 1 [default: 10]
    #[arg(long = "lm-mu-inc", id = "optimizer.lm.mu_inc", value_name = "F")]
    pub mu_inc: Option<f64>,
    /// Stop when μ exceeds this [default: 1e10]
    #[arg(long = "lm-mu-max", id = "optimizer.lm.mu_max", value_name = "MU")]
    pub mu_max: Option<f64>,
    /// Stop when ‖Jᵀr‖ falls below this [default: 1e-7]
    #[arg(long = "lm-min-grad", id = "optimizer.lm.min_grad", value_name = "G")]
    pub min_grad: Option<f64>,
    /// Stop when the cost is at most this [default: 0]
    #[arg(long = "lm-goal", id = "optimizer.lm.goal", value_name = "C")]
    pub goal: Option<f64>,
    /// Stop after the validation cost rose this many times in a row [default: 6]
    #[arg(long = "lm-max-fail", id = "optimizer.lm.max_fail", value_name = "N")]
    pub max_fail: Option<usize>,
    /// Refuse problems whose matrices need more than this many MiB [default: 2048]
    #[arg(long = "lm-memory-limit", id = "optimizer.lm.memory_limit", value_name = "MIB")]
    pub memory_limit: Option<u64>,
    /// Geodesic acceleration, true or false (false gives plain trainlm steps) [default: true]
    #[arg(long = "lm-geodesic", id = "optimizer.lm.geodesic", value_name = "BOOL")]
    pub geodesic: Option<bool>,
    /// Largest accepted 2‖a‖/‖v‖ of a geodesic step [default: 0.75]
    #[arg(long = "lm-geodesic-alpha", id = "optimizer.lm.geodesic_alpha", value_name = "A")]
    pub geodesic_alpha: Option<f64>,
    /// Finite-difference step h of the geodesic correction [default: 0.1]
    #[arg(long = "lm-geodesic-h", id = "optimizer.lm.geodesic_h", value_name = "H")]
    pub geodesic_h: Option<f64>,
}

/// `[training]`: epochs, batches, sampling, the seed and the float type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct TrainingConfig {
    /// Number of epochs (lm: iterations) [default: 30; 200 for CSV data]
    #[arg(long = "epochs", id = "training.epochs", value_name = "N")]
    pub epochs: Option<usize>,
    /// Mini-batch size m [default: 32; the whole training set for lm and full-batch]
    #[arg(long = "batch-size", id = "training.batch_size", value_name = "M")]
    pub batch_size: Option<usize>,
    /// Sampling: shuffled-batches, with-replacement, full-batch [default: shuffled-batches]
    #[arg(long = "sampling", id = "training.sampling", value_name = "MODE")]
    pub sampling: Option<Sampling>,
    /// Seed of the one random stream behind initialisation, sampling and CSV splits [default: 1]
    #[arg(long = "seed", id = "training.seed", value_name = "SEED")]
    pub seed: Option<u64>,
    /// Float type of training: f32, or f64 as Nielsen's NumPy code (about half the speed); model
    /// files hold f32 either way [default: f32]
    #[arg(long = "precision", id = "training.precision", value_name = "TYPE")]
    pub precision: Option<Precision>,
}

/// `[regularization]`: penalties and constraints on the weights (L2, L1, max-norm), and dropout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct RegularizationConfig {
    /// L2 regularisation λ: w ← (1 − ηλ/n)w each update, weights only [default: 0]
    #[arg(long = "lambda", id = "regularization.lambda", value_name = "LAMBDA", allow_negative_numbers = true)]
    pub lambda: Option<f64>,
    /// L1 regularisation λ₁ (Nielsen, chapter 3): C = C₀ + (λ₁/n)Σ|w|, each update
    /// w ← w − (ηλ₁/n)sgn(w) after the gradient step, stopping at 0 rather than crossing it;
    /// weights only [default: 0]
    #[arg(long = "l1", id = "regularization.l1", value_name = "LAMBDA", allow_negative_numbers = true)]
    pub l1: Option<f64>,
    /// Max-norm C: after each update, every unit's incoming weight vector (a row of W) longer than
    /// C is scaled back to norm C (Srivastava et al. 2014); biases untouched [default: none]
    #[arg(long = "max-norm", id = "regularization.max_norm", value_name = "C", allow_negative_numbers = true)]
    pub max_norm: Option<f64>,
    /// Dropout probabilities while training (inverted: kept units scaled by 1/(1 − p), nothing
    /// changes at test time): one value for every hidden layer, or one for the input and one per
    /// hidden layer, e.g. 0.2,0.5 (in TOML a list) [default: none]
    #[arg(long = "dropout", id = "regularization.dropout", value_name = "P[,P...]", value_parser = parse_dropout, allow_negative_numbers = true)]
    pub dropout: Option<::std::vec::Vec<f64>>,
}

/// `[schedule]`: how η changes, and when training stops early.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleConfig {
    /// η schedule: constant, step:EVERY:FACTOR, halve-on-plateau:K [default: constant]
    #[arg(long = "schedule", id = "schedule.eta", value_name = "SCHEDULE")]
    pub eta: Option<Schedule>,
    /// Early stopping: epochs without a better validation score before stopping, best weights
    /// restored [default: none; 10 for CSV data with a validation split]
    #[arg(long = "patience", id = "schedule.patience", value_name = "N")]
    pub patience: Option<usize>,
    /// Stop once the training loss has not fallen below its best by this much for
    /// --loss-patience epochs [default: 1e-4 for CSV data too small for a validation split, else
    /// off]
    #[arg(long = "loss-tolerance", id = "schedule.loss_tolerance", value_name = "TOL")]
    pub loss_tolerance: Option<f64>,
    /// Epochs without such an improvement of the training loss before stopping [default: 10 with
    /// --loss-tolerance or for small CSV data, else off]
    #[arg(long = "loss-patience", id = "schedule.loss_patience", value_name = "N")]
    pub loss_patience: Option<usize>,
}

/// `[monitor]`: which splits are evaluated after every epoch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Do not evaluate the training split each epoch (TOML: train = false)
    #[arg(long = "no-monitor-train", id = "monitor.train", num_args = 0, default_missing_value = "false")]
    pub train: Option<bool>,
    /// Do not evaluate the validation split each epoch (no early stopping or η halving then)
    #[arg(long = "no-monitor-validation", id = "monitor.validation", num_args = 0, default_missing_value = "false")]
    pub validation: Option<bool>,
    /// Do not evaluate the test split each epoch (it is still evaluated once at the end)
    #[arg(long = "no-monitor-test", id = "monitor.test", num_args = 0, default_missing_value = "false")]
    pub test: Option<bool>,
}

/// `[output]`: where the trained model, the report and the pictures go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// Write the trained model here (safetensors, atomically) [default: not written]
    #[arg(long = "out", id = "output.model", value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Write the run report (JSON) here [default: not written]
    #[arg(long = "report", id = "output.report", value_name = "REPORT")]
    pub report: Option<PathBuf>,
    /// Draw the run's pictures (learning curves, confusion matrix, weights, regions) into DIR
    #[arg(long = "plot", id = "output.plot", value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

/// `[reliability]`: checkpoints, and resuming from one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct ReliabilityConfig {
    /// Write a checkpoint into DIR every --checkpoint-every epochs, and on an interrupt (Ctrl-C)
    #[arg(long = "checkpoint", id = "reliability.checkpoint", value_name = "DIR")]
    pub checkpoint: Option<PathBuf>,
    /// Epochs between checkpoints [default: 1 with --checkpoint, else only on an interrupt]
    #[arg(long = "checkpoint-every", id = "reliability.checkpoint_every", value_name = "N", value_parser = parse_positive)]
    pub checkpoint_every: Option<usize>,
    /// Continue the run checkpointed in DIR (its settings apply; settings given must agree,
    /// except --epochs, which may extend the run)
    #[arg(long = "resume", id = "reliability.resume", value_name = "DIR")]
    pub resume: Option<PathBuf>,
}

/// `[performance]`: threads (the trained model never depends on them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct PerformanceConfig {
    /// Threads for training and evaluation [default: all cores, each round of batches on all of them
    /// or on one, whichever is progressing faster]
    #[arg(long = "threads", id = "performance.threads", value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
}
