//! Command-line definitions (clap): values as the user typed them, checked only for syntax. The
//! training settings are the library's own `TrainConfig`, flattened into `train`'s arguments.

use clap::{Args, Parser, Subcommand};
use neuralnet::{Activation, Cost, TrainConfig};
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
    /// Predict with a saved model: table rows (CSV/TSV, gzip, Parquet; written as CSV) or PNG/JPEG
    /// images (image models).
    Predict(PredictArgs),
    /// Check backpropagation against central differences on a random network (f64).
    Gradcheck(GradcheckArgs),
    /// Export a model for ONNX Runtime (the whole model: raw inputs in, what `predict` prints
    /// out) or PyTorch (the network as an nn.Sequential state dict, with the Python lines).
    Export(ExportArgs),
    /// Draw a run's pictures: learning curves from its report; with --model, the confusion matrix,
    /// first-layer weights (image models) and decision regions (2-D inputs).
    #[cfg(feature = "plot")]
    Plot(PlotArgs),
    /// Reproduce an experiment of the notes: writes DIR/report.json, DIR/report.md and pictures.
    #[cfg(feature = "plot")]
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

fn parse_threads(s: &str) -> Result<usize, String> {
    s.parse::<usize>().ok().filter(|&t| t >= 1).ok_or_else(|| format!("'{s}' is not a thread count (1 or more)"))
}

/// `neuralnet train`: the library's [`TrainConfig`] as flags (each flag is a field of it, and a
/// key of the TOML file: `--eta` is `eta` in `[optimizer]`), and what only the terminal needs.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// TOML config file, with the sections below as tables (`[optimizer]`, ...); flags override it.
    #[arg(value_name = "CONFIG.toml")]
    pub config_file: Option<PathBuf>,
    /// No progress bar and no per-epoch lines.
    #[arg(long, short)]
    pub quiet: bool,
    /// The training settings.
    #[command(flatten)]
    pub config: TrainConfig,
}

/// `neuralnet eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model file.
    #[arg(long)]
    pub model: PathBuf,
    /// Dataset to evaluate on (its test split, or training split when it has none) [default: the
    /// dataset the model was trained on]
    #[arg(long, conflicts_with = "csv")]
    pub dataset: Option<String>,
    /// A table (CSV/TSV, gzip, Parquet) with the model's feature and target columns (models trained
    /// with --train).
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
    /// A table's category that training did not see is an error (by default, a warning; the
    /// row is encoded as none of the column's categories)
    #[arg(long)]
    pub strict: bool,
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
    /// Inputs: tables — CSV/TSV, gzip-compressed too, or Parquet — (models trained on tables) or
    /// PNG/JPEG images (image models).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Write the predictions here (atomically) instead of to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A table's category that training did not see is an error (by default, a warning; the
    /// row is encoded as none of the column's categories)
    #[arg(long)]
    pub strict: bool,
}

/// `neuralnet export`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("format").required(true).multiple(true).args(["onnx", "torch"])))]
pub struct ExportArgs {
    /// Model file.
    pub model: PathBuf,
    /// Write an ONNX graph here (opset 19): image pixels or table columns in; class
    /// probabilities and label, or values, out.
    #[arg(long, value_name = "OUT.onnx")]
    pub onnx: Option<PathBuf>,
    /// Write the network as a PyTorch nn.Sequential state dict here (safetensors), and beside it
    /// (OUT.py) the Python lines that build and load it.
    #[arg(long, value_name = "OUT.safetensors")]
    pub torch: Option<PathBuf>,
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
