//! Command-line definitions (clap). The "low" layer: values as the user typed them, checked only
//! for syntax; [`crate::cli::train`] merges them over a TOML file into the library's `TrainConfig`.

use clap::{Args, Parser, Subcommand};
use neuralnet::data::csv::{Task, split_names};
use neuralnet::lm::LmSolve;
use neuralnet::{Activation, Cost, Init, Optimizer, Precision, Sampling, Schedule};
use std::path::PathBuf;

/// Train, evaluate and inspect feedforward neural networks.
#[derive(Debug, Parser)]
#[command(name = "neuralnet", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a network (flags override the optional TOML config file).
    Train(Box<TrainArgs>),
    /// Evaluate a saved model on a dataset: loss and accuracy.
    Eval(EvalArgs),
    /// Show a model's architecture, parameter count and metadata.
    Inspect(InspectArgs),
    /// Predict with a saved model: CSV rows (written as CSV) or PNG/JPEG images (image models).
    Predict(PredictArgs),
    /// Check backpropagation against central differences on a random network (f64).
    Gradcheck(GradcheckArgs),
    /// Draw a run's pictures: learning curves from its report; with --model, the confusion matrix,
    /// first-layer weights (image models) and decision regions (2-D inputs).
    Plot(PlotArgs),
    /// Reproduce an experiment of the notes: writes DIR/report.json, DIR/report.md and pictures.
    Reproduce(ReproduceArgs),
    /// Manage datasets in the data directory.
    #[command(subcommand)]
    Data(DataCommand),
}

fn parse_enum<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

fn parse_layers(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|v| v.trim().parse::<usize>().map_err(|_| format!("'{v}' is not a layer size; expected e.g. 784,30,10")))
        .collect()
}

fn parse_targets(s: &str) -> Result<Vec<String>, String> {
    let names = split_names(s);
    if names.is_empty() { Err("expected column names, e.g. --target species".into()) } else { Ok(names) }
}

fn parse_positive(s: &str) -> Result<usize, String> {
    s.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| format!("'{s}' is not a positive whole number"))
}

fn parse_threads(s: &str) -> Result<usize, String> {
    s.parse::<usize>().ok().filter(|&t| t >= 1).ok_or_else(|| format!("'{s}' is not a thread count (1 or more)"))
}

fn parse_schedule(s: &str) -> Result<Schedule, String> {
    Schedule::try_from(s.to_string())
}

fn parse_sampling(s: &str) -> Result<Sampling, String> {
    match s {
        "shuffled-batches" => Ok(Sampling::ShuffledBatches),
        "with-replacement" => Ok(Sampling::WithReplacement),
        "full-batch" => Ok(Sampling::FullBatch),
        _ => Err(format!("unknown sampling '{s}'; valid: shuffled-batches, with-replacement, full-batch")),
    }
}

/// `neuralnet train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// TOML config file; its keys are the long flag names with `_` for `-`.
    pub config: Option<PathBuf>,
    /// Dataset: mnist, fashion-mnist, digits (built in), higham, higham-extra (built in).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Data directory (default: $NEURALNET_DATA, else ~/.cache/neuralnet).
    #[arg(long = "data")]
    pub data_dir: Option<PathBuf>,
    /// Use only the first N training samples.
    #[arg(long)]
    pub train_size: Option<usize>,
    /// Training data: a CSV/TSV file with a header row (instead of --dataset).
    #[arg(long = "train", value_name = "FILE")]
    pub train_file: Option<PathBuf>,
    /// Test data: a CSV/TSV file with the same columns as --train.
    #[arg(long = "test", value_name = "FILE")]
    pub test_file: Option<PathBuf>,
    /// Target column(s) of the CSV data, comma-separated.
    #[arg(long, value_name = "COLUMN[,COLUMN...]", value_parser = parse_targets)]
    pub target: Option<::std::vec::Vec<String>>,
    /// classification or regression (default: inferred from the target column).
    #[arg(long, value_parser = parse_enum::<Task>)]
    pub task: Option<Task>,
    /// Fraction of the CSV training rows held out for validation (default 0.1).
    #[arg(long, value_name = "F")]
    pub validation_fraction: Option<f64>,
    /// Fraction of the CSV training rows held out for testing, without --test (default 0).
    #[arg(long, value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Layer sizes, input first, e.g. 784,30,10.
    #[arg(long, value_parser = parse_layers)]
    pub layers: Option<::std::vec::Vec<usize>>,
    /// Hidden activation: sigmoid, relu, leaky-relu, hard-sigmoid, tanh, identity.
    #[arg(long, value_parser = parse_enum::<Activation>)]
    pub activation: Option<Activation>,
    /// Output activation: sigmoid, relu, leaky-relu, hard-sigmoid, tanh, identity, softmax.
    #[arg(long, value_parser = parse_enum::<Activation>)]
    pub output_activation: Option<Activation>,
    /// Cost: quadratic, mse, mae, cross-entropy.
    #[arg(long, value_parser = parse_enum::<Cost>)]
    pub cost: Option<Cost>,
    /// Optimizer: sgd, momentum, nesterov, adam.
    #[arg(long, value_parser = parse_enum::<Optimizer>)]
    pub optimizer: Option<Optimizer>,
    /// Initialisation: normal, normal-scaled, glorot-uniform, glorot-normal, he.
    #[arg(long, value_parser = parse_enum::<Init>)]
    pub init: Option<Init>,
    /// Multiply every initial weight and bias by S.
    #[arg(long, value_name = "S")]
    pub init_scale: Option<f64>,
    /// Number of epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size m.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Learning rate η.
    #[arg(long, allow_negative_numbers = true)]
    pub eta: Option<f64>,
    /// Seed for initialisation and sampling.
    #[arg(long)]
    pub seed: Option<u64>,
    /// L2 regularisation λ.
    #[arg(long, allow_negative_numbers = true)]
    pub lambda: Option<f64>,
    /// Momentum μ in [0, 1).
    #[arg(long, allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    /// Sampling: shuffled-batches, with-replacement, full-batch.
    #[arg(long, value_parser = parse_sampling)]
    pub sampling: Option<Sampling>,
    /// Floating-point type of training: f32 (default) or f64 (as Nielsen's NumPy code; about half
    /// the speed). Model files hold f32 either way.
    #[arg(long, value_parser = parse_enum::<Precision>)]
    pub precision: Option<Precision>,
    /// η schedule: constant, step:EVERY:FACTOR, halve-on-plateau:K.
    #[arg(long, value_parser = parse_schedule)]
    pub schedule: Option<Schedule>,
    /// Early stopping: epochs without validation improvement before stopping (best weights restored).
    #[arg(long)]
    pub patience: Option<usize>,
    /// Start from this model's weights.
    #[arg(long)]
    pub init_from: Option<PathBuf>,
    /// Do not evaluate the training split each epoch.
    #[arg(long)]
    pub no_monitor_train: bool,
    /// Do not evaluate the validation split each epoch (no early stopping or η halving then).
    #[arg(long)]
    pub no_monitor_validation: bool,
    /// Do not evaluate the test split each epoch (it is still evaluated once at the end).
    #[arg(long)]
    pub no_monitor_test: bool,
    /// Levenberg–Marquardt step system: auto (kernel iff parameters > residuals), normal, kernel.
    #[arg(long, value_parser = parse_enum::<LmSolve>)]
    pub lm_solve: Option<LmSolve>,
    /// Levenberg–Marquardt initial damping μ (default 0.001).
    #[arg(long)]
    pub lm_mu: Option<f64>,
    /// Levenberg–Marquardt: stop when μ exceeds this (default 1e10).
    #[arg(long)]
    pub lm_mu_max: Option<f64>,
    /// Levenberg–Marquardt: stop after the validation cost rose this many times in a row (default 6).
    #[arg(long)]
    pub lm_max_fail: Option<usize>,
    /// Levenberg–Marquardt: stop when the cost is at most this (default 0).
    #[arg(long)]
    pub lm_goal: Option<f64>,
    /// Levenberg–Marquardt: stop when ‖Jᵀr‖ falls below this (default 1e-7).
    #[arg(long)]
    pub lm_min_grad: Option<f64>,
    /// Levenberg–Marquardt: geodesic acceleration, true or false (default true; false gives plain trainlm steps).
    #[arg(long, value_name = "BOOL")]
    pub lm_geodesic: Option<bool>,
    /// Levenberg–Marquardt: refuse problems whose matrices need more than this many MiB (default 2048).
    #[arg(long, value_name = "MIB")]
    pub lm_memory_limit: Option<u64>,
    /// Write the trained model here (safetensors).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw the run's pictures (learning curves, confusion matrix, weights, regions) into DIR.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Write the run report (JSON) here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// No progress bar and no per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write a checkpoint into DIR every --checkpoint-every epochs, and on Ctrl-C.
    #[arg(long, value_name = "DIR")]
    pub checkpoint: Option<PathBuf>,
    /// Epochs between checkpoints (default 1).
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    pub checkpoint_every: Option<usize>,
    /// Continue the run checkpointed in DIR (its settings apply; flags given must agree).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Threads (default: all cores); the trained model does not depend on it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<usize>,
}

/// `neuralnet eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Dataset to evaluate on (its test split, or training split when it has none).
    #[arg(long, required_unless_present = "csv", conflicts_with = "csv")]
    pub dataset: Option<String>,
    /// A CSV/TSV file with the model's feature and target columns (for models trained with --train).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Data directory.
    #[arg(long = "data")]
    pub data_dir: Option<PathBuf>,
    /// Split: test (default), validation, train.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Threads (default: all cores).
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<usize>,
}

/// `neuralnet plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The report JSON written by `train --report`.
    pub report: PathBuf,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// The model file, for the confusion matrix, weights and decision regions.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Data directory (MNIST).
    #[arg(long = "data")]
    pub data_dir: Option<PathBuf>,
    /// Also write SVG versions.
    #[arg(long)]
    pub svg: bool,
}

/// `neuralnet reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Experiment name (see --list).
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// Output directory.
    #[arg(long, required_unless_present = "list")]
    pub out: Option<PathBuf>,
    /// CI-sized version that finishes in seconds.
    #[arg(long)]
    pub quick: bool,
    /// List the experiments and their sources.
    #[arg(long)]
    pub list: bool,
    /// Data directory (MNIST).
    #[arg(long = "data")]
    pub data_dir: Option<PathBuf>,
    /// A date,value CSV to use instead of the built-in daily series (lee).
    #[arg(long)]
    pub series: Option<PathBuf>,
}

/// `neuralnet data ...`.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Download a dataset (mnist, fashion-mnist) into the data directory, verifying SHA-256.
    Fetch(FetchArgs),
}

/// `neuralnet data fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Dataset: mnist or fashion-mnist.
    pub name: String,
    /// Data directory (default: $NEURALNET_DATA, else ~/.cache/neuralnet).
    #[arg(long = "data")]
    pub data_dir: Option<PathBuf>,
    /// Base URL to download from instead of the built-in mirrors (repeatable; also $NEURALNET_MIRROR).
    #[arg(long)]
    pub mirror: Vec<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `neuralnet predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Inputs: CSV/TSV files (models trained on CSV) or PNG/JPEG images (image models).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Write the predictions here (atomically) instead of to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `neuralnet inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model file.
    pub model: PathBuf,
}

/// `neuralnet gradcheck`.
#[derive(Debug, Args)]
pub struct GradcheckArgs {
    /// Layer sizes of the random network.
    #[arg(long, value_parser = parse_layers, default_value = "4,5,3")]
    pub layers: ::std::vec::Vec<usize>,
    /// Hidden activation.
    #[arg(long, value_parser = parse_enum::<Activation>, default_value = "sigmoid")]
    pub activation: Activation,
    /// Output activation.
    #[arg(long, value_parser = parse_enum::<Activation>, default_value = "sigmoid")]
    pub output_activation: Activation,
    /// Cost.
    #[arg(long, value_parser = parse_enum::<Cost>, default_value = "quadratic")]
    pub cost: Cost,
    /// Batch size of the random inputs.
    #[arg(long, default_value_t = 3)]
    pub batch_size: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Largest acceptable relative error.
    #[arg(long, default_value_t = 1e-6)]
    pub tolerance: f64,
}
