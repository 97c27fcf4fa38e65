//! Command-line definitions (clap). The "low" layer: values as the user typed them, checked only
//! for syntax; [`crate::cli::train`] merges them over a TOML file into the library's `TrainConfig`.

use clap::{Args, Parser, Subcommand};
use neuralnet::{Activation, Cost, Init, Optimizer, Sampling, Schedule};
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
    /// Check backpropagation against central differences on a random network (f64).
    Gradcheck(GradcheckArgs),
}

fn parse_enum<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

fn parse_layers(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|v| v.trim().parse::<usize>().map_err(|_| format!("'{v}' is not a layer size; expected e.g. 784,30,10")))
        .collect()
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
    /// Write the trained model here (safetensors).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write the run report (JSON) here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// No progress bar and no per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
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
    #[arg(long)]
    pub dataset: String,
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
