//! Training configuration as plain serialisable data. [`TrainConfig`] is what a user writes (TOML
//! file, command-line flags, or Rust code): every field has a documented default, and fields whose
//! sensible default depends on the data (layer sizes, output activation, cost, η) are optional.
//! [`TrainConfig::resolve`] fills those in for a given dataset and returns the concrete [`Plan`]
//! that training runs from and that the report records, with the list of defaults applied.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::Splits;
use crate::data::csv::Task;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::lm::LmConfig;
use crate::network::Network;
use crate::optim::Optimizer;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How training samples are drawn for each update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Sampling {
    /// Each epoch shuffles the training set and cuts it into consecutive batches (network.py).
    #[default]
    ShuffledBatches,
    /// Each update draws `batch_size` samples uniformly with replacement (Higham & Higham's SGD).
    WithReplacement,
    /// Each update uses the whole training set (gradient descent); `batch_size` is ignored.
    FullBatch,
}

/// The floating-point type training runs in. Model files hold f32 either way: an f64 run's
/// weights are rounded to f32 when saved, and its per-epoch figures are those of the rounded weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// Single precision (the default: twice the speed).
    #[default]
    F32,
    /// Double precision, as NumPy's default in Nielsen's `network.py`/`network2.py`.
    F64,
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "f32" => Ok(Precision::F32),
            "f64" => Ok(Precision::F64),
            _ => Err(format!("unknown precision '{s}'; valid: f32, f64")),
        }
    }
}

/// How η changes over epochs. Written as a string: `constant`, `step:EVERY:FACTOR` (multiply η by
/// FACTOR every EVERY epochs) or `halve-on-plateau:K` (Nielsen: halve η when validation accuracy
/// has not improved for K epochs; stop once it has been halved 7 times).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(try_from = "String", into = "String")]
pub enum Schedule {
    /// η stays fixed.
    #[default]
    Constant,
    /// η ← factor·η every `every` epochs.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Multiplier applied at each decay.
        factor: f64,
    },
    /// η ← η/2 after `patience` epochs without a better validation score; stop after 7 halvings.
    HalveOnPlateau {
        /// Epochs without improvement before halving.
        patience: usize,
    },
}

/// Most parameters a network may have: the largest model file this version writes holds
/// [`crate::model_io::MAX_MODEL_BYTES`] of f32 values.
pub const MAX_PARAMS: usize = (crate::model_io::MAX_MODEL_BYTES / 4) as usize;

/// Number of halvings after which `halve-on-plateau` stops training (Nielsen, chapter 3).
pub const MAX_HALVINGS: usize = 7;

impl TryFrom<String> for Schedule {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |p: &str| p.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
        match parts.as_slice() {
            ["constant"] => Ok(Schedule::Constant),
            ["step", e, f] => match (e.parse::<usize>().ok().filter(|&e| e > 0), num(f)) {
                (Some(every), Some(factor)) => Ok(Schedule::Step { every, factor }),
                _ => Err(format!("bad schedule '{s}': expected step:EVERY:FACTOR, e.g. step:10:0.5")),
            },
            ["halve-on-plateau", k] => match k.parse::<usize>().ok().filter(|&k| k > 0) {
                Some(patience) => Ok(Schedule::HalveOnPlateau { patience }),
                None => Err(format!("bad schedule '{s}': expected halve-on-plateau:K with K ≥ 1")),
            },
            _ => Err(format!("unknown schedule '{s}'; valid: constant, step:EVERY:FACTOR, halve-on-plateau:K")),
        }
    }
}

impl From<Schedule> for String {
    fn from(s: Schedule) -> String {
        match s {
            Schedule::Constant => "constant".into(),
            Schedule::Step { every, factor } => format!("step:{every}:{factor}"),
            Schedule::HalveOnPlateau { patience } => format!("halve-on-plateau:{patience}"),
        }
    }
}

/// What a user asks for. Defaults (documented per field) follow scikit-learn's MLP and Keras where
/// the notes are silent; `neuralnet train --dataset mnist --layers 784,30,10 --activation sigmoid
/// --cost quadratic --optimizer sgd --init normal --eta 3 --batch-size 10 --epochs 30` is Nielsen's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Dataset name (`mnist`, `fashion-mnist`, `digits`, `higham`, `higham-extra`). Default: `digits`.
    pub dataset: Option<String>,
    /// Data directory (`--data`). Default: `$NEURALNET_DATA`, else the user cache directory.
    pub data_dir: Option<PathBuf>,
    /// Use only the first N training samples. Default: all.
    pub train_size: Option<usize>,
    /// Layer sizes, input first. Default: [inputs, 100, outputs].
    pub layers: Option<Vec<usize>>,
    /// Hidden-layer activation. Default: `relu`.
    pub activation: Option<Activation>,
    /// Output activation. Default: `softmax` for classification with cross-entropy, `sigmoid` for
    /// classification with another cost, `identity` for regression.
    pub output_activation: Option<Activation>,
    /// Cost. Default: `cross-entropy` (classification with softmax/sigmoid outputs), else `mse`.
    pub cost: Option<Cost>,
    /// Update rule. Default: `adam`.
    pub optimizer: Option<Optimizer>,
    /// Initialisation. Default: `he` for ReLU-type hidden layers, `glorot-uniform` otherwise.
    pub init: Option<Init>,
    /// Multiplier on every initial value. Default: 1.
    pub init_scale: f64,
    /// Number of epochs. Default: 30; 200 for CSV data (`train_file`), as scikit-learn's MLP.
    pub epochs: Option<usize>,
    /// Mini-batch size m. Default: 32.
    pub batch_size: Option<usize>,
    /// Learning rate η. Default: 0.001 for Adam, 0.1 for the SGD family.
    pub eta: Option<f64>,
    /// Seed of the one RNG behind initialisation and sampling. Default: 1.
    pub seed: u64,
    /// L2 regularisation λ (w ← (1 − ηλ/n)w, weights only). Default: 0.
    pub lambda: f64,
    /// Momentum coefficient μ ∈ [0, 1). Default: 0.9 (used by `momentum` and `nesterov`).
    pub momentum: f64,
    /// How samples are drawn. Default: `shuffled-batches`.
    pub sampling: Sampling,
    /// Floating-point type of training (`f32` or `f64`). Default: `f32`.
    pub precision: Precision,
    /// Learning-rate schedule. Default: `constant`.
    pub schedule: Schedule,
    /// Early stopping: stop after this many epochs without a better validation score and restore
    /// the best weights. Default: none (train all epochs); 10 for CSV data with a validation split.
    pub patience: Option<usize>,
    /// Evaluate the training split after each epoch. Default: true.
    pub monitor_train: bool,
    /// Evaluate the validation split after each epoch. Default: true.
    pub monitor_validation: bool,
    /// Evaluate the test split after each epoch. Default: true.
    pub monitor_test: bool,
    /// Start from this model's weights instead of a fresh initialisation.
    pub init_from: Option<PathBuf>,
    /// Levenberg–Marquardt settings (`[lm]` table; used with `optimizer = "lm"`). Defaults are
    /// MATLAB `trainlm`'s; `lm.epochs` is ignored in favour of `epochs`, and `lm.goal` is in
    /// units of the cost.
    pub lm: LmConfig,
    /// Training data as a CSV/TSV file with a header row (`--train`); replaces `dataset`.
    pub train_file: Option<PathBuf>,
    /// Test data as a CSV/TSV file with the same columns (`--test`). Default: none, or a
    /// `test_fraction` of `train_file`.
    pub test_file: Option<PathBuf>,
    /// Target column name(s) of a CSV file (`--target a,b`; in TOML a string or a list).
    #[serde(default, deserialize_with = "crate::data::csv::one_or_many")]
    pub target: Option<Vec<String>>,
    /// `classification` or `regression`. Default: chosen from the target column (see
    /// [`crate::data::csv::Task::infer`]).
    pub task: Option<Task>,
    /// Fraction of the CSV training file's rows held out for validation. Default: 0.1.
    pub validation_fraction: Option<f64>,
    /// Fraction of the CSV training file's rows held out for testing when there is no
    /// `test_file`. Default: 0.
    pub test_fraction: Option<f64>,
    /// Threads for training and evaluation. Default: all cores. Results do not depend on it.
    pub threads: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            dataset: None,
            data_dir: None,
            train_size: None,
            layers: None,
            activation: None,
            output_activation: None,
            cost: None,
            optimizer: None,
            init: None,
            init_scale: 1.0,
            epochs: None,
            batch_size: None,
            eta: None,
            seed: 1,
            lambda: 0.0,
            momentum: 0.9,
            sampling: Sampling::ShuffledBatches,
            precision: Precision::F32,
            schedule: Schedule::Constant,
            patience: None,
            monitor_train: true,
            monitor_validation: true,
            monitor_test: true,
            init_from: None,
            lm: LmConfig::default(),
            train_file: None,
            test_file: None,
            target: None,
            task: None,
            validation_fraction: None,
            test_fraction: None,
            threads: None,
        }
    }
}

/// Epochs when neither the user nor the data say otherwise.
pub const DEFAULT_EPOCHS: usize = 30;
/// Epochs for CSV data when not given (scikit-learn's `max_iter`).
pub const TABULAR_EPOCHS: usize = 200;
/// Early-stopping patience for CSV data when not given (scikit-learn's `n_iter_no_change`).
pub const TABULAR_PATIENCE: usize = 10;
/// Validation fraction for CSV data when not given (scikit-learn's `validation_fraction`).
pub const TABULAR_VALIDATION_FRACTION: f64 = 0.1;

/// A fully resolved configuration: what training actually runs, recorded in the report's `config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Dataset name.
    pub dataset: String,
    /// Layer sizes, input first.
    pub layers: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// Output activation.
    pub output_activation: Activation,
    /// Cost.
    pub cost: Cost,
    /// Update rule.
    pub optimizer: Optimizer,
    /// Initialisation scheme.
    pub init: Init,
    /// Multiplier on initial values.
    pub init_scale: f64,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size (the training-set size for full-batch sampling).
    pub batch_size: usize,
    /// Learning rate η.
    pub eta: f64,
    /// RNG seed.
    pub seed: u64,
    /// L2 λ.
    pub lambda: f64,
    /// Momentum μ.
    pub momentum: f64,
    /// Sampling mode.
    pub sampling: Sampling,
    /// Floating-point type of training.
    #[serde(default)]
    pub precision: Precision,
    /// η schedule.
    pub schedule: Schedule,
    /// Early-stopping patience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
    /// Per-epoch evaluation switches (train, validation, test).
    pub monitor: [bool; 3],
    /// Warm-start model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_from: Option<PathBuf>,
    /// Levenberg–Marquardt settings (only with `optimizer = "lm"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lm: Option<LmConfig>,
    /// Classification or regression (CSV data only). When set, early stopping watches the
    /// validation loss instead of the validation accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// The names of the fields whose value came from a default that depends on the data.
    pub defaults_used: Vec<String>,
    /// Threads (`None`: all cores); the results do not depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
}

impl TrainConfig {
    /// Checks every value and fills in data-dependent defaults for `splits`.
    pub fn resolve(&self, splits: &Splits) -> Result<Plan> {
        self.validate()?;
        let mut used = Vec::new();
        let mut note = |name: &str| used.push(name.to_string());
        let (d, k) = (splits.train.n_features, splits.train.n_outputs);
        let classification = splits.train.is_classification();
        let layers = self.layers.clone().unwrap_or_else(|| {
            note("layers");
            vec![d, 100, k]
        });
        if layers.len() < 2 || layers[0] != d || layers[layers.len() - 1] != k {
            return Err(Error::config(
                "--layers",
                format!("{layers:?} does not fit dataset '{}': it has {d} inputs and {k} outputs", splits.name),
            ));
        }
        let activation = self.activation.unwrap_or_else(|| {
            note("activation");
            Activation::Relu
        });
        let output_activation = self.output_activation.unwrap_or_else(|| {
            note("output_activation");
            match (classification, self.cost) {
                (true, None | Some(Cost::CrossEntropy)) => Activation::Softmax,
                (true, Some(_)) => Activation::Sigmoid,
                (false, _) => Activation::Identity,
            }
        });
        let cost = self.cost.unwrap_or_else(|| {
            note("cost");
            match output_activation {
                Activation::Softmax | Activation::Sigmoid if classification => Cost::CrossEntropy,
                Activation::Softmax => Cost::CrossEntropy,
                _ => Cost::Mse,
            }
        });
        let optimizer = self.optimizer.unwrap_or_else(|| {
            note("optimizer");
            Optimizer::Adam
        });
        let init = self.init.unwrap_or_else(|| {
            note("init");
            match activation {
                Activation::Relu | Activation::LeakyRelu => Init::He,
                _ => Init::GlorotUniform,
            }
        });
        let eta = self.eta.unwrap_or_else(|| {
            note("eta");
            optimizer.default_eta()
        });
        let n = splits.train.len();
        let batch_size = match (self.sampling, self.batch_size) {
            (Sampling::FullBatch, _) => n,
            _ if optimizer == Optimizer::Lm => n,
            (_, Some(m)) => m,
            (_, None) => {
                note("batch_size");
                32
            }
        };
        let (epochs, patience, task) = self.data_defaults(splits, &mut note);
        if self.patience.is_some() && splits.validation.is_none() {
            return Err(Error::config(
                "--patience",
                format!("early stopping needs a validation split; dataset '{}' has none", splits.name),
            ));
        }
        let watches_validation = self.patience.is_some() || matches!(self.schedule, Schedule::HalveOnPlateau { .. });
        if watches_validation && !self.monitor_validation {
            return Err(Error::config(
                "--no-monitor-validation",
                "early stopping and halve-on-plateau watch the validation split; keep it monitored",
            ));
        }
        if matches!(self.schedule, Schedule::HalveOnPlateau { .. }) && splits.validation.is_none() {
            return Err(Error::config(
                "--schedule",
                format!("halve-on-plateau needs a validation split; dataset '{}' has none", splits.name),
            ));
        }
        // Fails on softmax hidden layers and invalid output/cost pairs, naming the flag.
        Network::<f32>::new(&layers, activation, output_activation, cost)?;
        if optimizer == Optimizer::Lm {
            self.check_lm(cost)?;
        }
        Ok(Plan {
            dataset: splits.name.clone(),
            layers,
            activation,
            output_activation,
            cost,
            optimizer,
            init,
            init_scale: self.init_scale,
            epochs,
            batch_size,
            eta,
            seed: self.seed,
            lambda: self.lambda,
            momentum: self.momentum,
            sampling: self.sampling,
            precision: self.precision,
            schedule: self.schedule,
            patience,
            monitor: [self.monitor_train, self.monitor_validation, self.monitor_test],
            init_from: self.init_from.clone(),
            lm: (optimizer == Optimizer::Lm).then(|| LmConfig { epochs, ..self.lm.clone() }),
            task,
            defaults_used: used,
            threads: self.threads,
        })
    }

    /// Levenberg–Marquardt is full-batch least squares: refuse what it cannot honour.
    fn check_lm(&self, cost: Cost) -> Result<()> {
        let why = |key: &str, reason: String| Err(Error::config(key, reason));
        if !cost.is_least_squares() {
            return why(
                "--cost",
                format!(
                    "--optimizer lm minimises a sum of squares; use --cost quadratic or mse, or a first-order optimizer (adam) for {cost}"
                ),
            );
        }
        if self.batch_size.is_some() || self.sampling == Sampling::WithReplacement {
            return why("--batch-size", "--optimizer lm uses the whole training set each iteration; drop --batch-size/--sampling, or use sgd/adam for mini-batches".into());
        }
        if self.lambda != 0.0 {
            return why(
                "--lambda",
                "--optimizer lm does not support L2 regularisation; use sgd/adam with --lambda".into(),
            );
        }
        let lm = &self.lm;
        if !(lm.mu > 0.0 && lm.mu_dec > 0.0 && lm.mu_dec < 1.0 && lm.mu_inc > 1.0 && lm.mu_max > lm.mu) {
            return why("lm", "need mu > 0, 0 < mu_dec < 1, mu_inc > 1, mu_max > mu".into());
        }
        if lm.geodesic && !(lm.geodesic_alpha > 0.0 && lm.geodesic_h > 0.0) {
            return why("lm", "need geodesic_alpha > 0 and geodesic_h > 0".into());
        }
        if lm.max_fail == 0 {
            return why("--lm-max-fail", "must be at least 1".into());
        }
        Ok(())
    }

    /// Epochs, patience and task, with the defaults that depend on the kind of data: CSV data
    /// (`train_file`) trains like scikit-learn's MLP, up to [`TABULAR_EPOCHS`] epochs with early
    /// stopping after [`TABULAR_PATIENCE`] epochs without improvement when there is a validation
    /// split; other data trains [`DEFAULT_EPOCHS`] epochs. Records which defaults applied.
    fn data_defaults(&self, splits: &Splits, note: &mut impl FnMut(&str)) -> (usize, Option<usize>, Option<Task>) {
        let tabular = self.train_file.is_some();
        let epochs = self.epochs.unwrap_or_else(|| {
            note("epochs");
            if tabular { TABULAR_EPOCHS } else { DEFAULT_EPOCHS }
        });
        let mut patience = self.patience;
        if tabular && patience.is_none() && splits.validation.is_some() && self.monitor_validation {
            note("patience");
            patience = Some(TABULAR_PATIENCE);
        }
        if tabular && self.validation_fraction.is_none() {
            note("validation_fraction");
        }
        if tabular && self.task.is_none() {
            note("task");
        }
        let task =
            tabular.then(|| if splits.train.is_classification() { Task::Classification } else { Task::Regression });
        (epochs, patience, task)
    }

    /// Range checks that do not need the data; each error names the flag.
    pub fn validate(&self) -> Result<()> {
        if let Some(eta) = self.eta
            && !(eta > 0.0 && eta.is_finite())
        {
            return Err(Error::config("--eta", format!("must be a positive number, got {eta}")));
        }
        if self.batch_size == Some(0) {
            return Err(Error::config("--batch-size", "must be at least 1"));
        }
        if self.epochs == Some(0) {
            return Err(Error::config("--epochs", "must be at least 1"));
        }
        if !(self.lambda >= 0.0 && self.lambda.is_finite()) {
            return Err(Error::config("--lambda", format!("must be ≥ 0, got {}", self.lambda)));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(Error::config("--momentum", format!("must be in [0, 1), got {}", self.momentum)));
        }
        if self.patience == Some(0) {
            return Err(Error::config("--patience", "must be at least 1"));
        }
        if !(self.init_scale > 0.0 && self.init_scale.is_finite()) {
            return Err(Error::config("--init-scale", format!("must be a positive number, got {}", self.init_scale)));
        }
        if self.train_size == Some(0) {
            return Err(Error::config("--train-size", "must be at least 1"));
        }
        if let Some(layers) = &self.layers
            && crate::model_io::param_count(layers).is_none_or(|n| n > MAX_PARAMS)
        {
            return Err(Error::config("--layers", format!("{layers:?} has more than {MAX_PARAMS} parameters")));
        }
        self.validate_tabular()
    }

    /// Checks the CSV-related keys: they need `train_file`, fractions lie in [0, 1).
    fn validate_tabular(&self) -> Result<()> {
        if self.train_file.is_some() && self.dataset.is_some() {
            return Err(Error::config("--train", "give either --dataset or --train FILE, not both"));
        }
        if self.train_file.is_none() {
            let given = [
                ("--test", self.test_file.is_some()),
                ("--target", self.target.is_some()),
                ("--task", self.task.is_some()),
                ("--validation-fraction", self.validation_fraction.is_some()),
                ("--test-fraction", self.test_fraction.is_some()),
            ];
            if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
                return Err(Error::config(*flag, "applies to CSV data only; add --train FILE.csv"));
            }
            return Ok(());
        }
        if self.target.as_ref().is_none_or(|t| t.is_empty()) {
            return Err(Error::config("--target", "CSV training data needs --target COLUMN[,COLUMN...]"));
        }
        for (flag, f) in [("--validation-fraction", self.validation_fraction), ("--test-fraction", self.test_fraction)]
        {
            if let Some(f) = f
                && !(0.0..1.0).contains(&f)
            {
                return Err(Error::config(flag, format!("must be in [0, 1), got {f}")));
            }
        }
        if self.test_file.is_some() && self.test_fraction.is_some_and(|f| f > 0.0) {
            return Err(Error::config("--test-fraction", "give either --test FILE or --test-fraction, not both"));
        }
        let total = self.validation_fraction.unwrap_or(TABULAR_VALIDATION_FRACTION) + self.test_fraction.unwrap_or(0.0);
        if total >= 1.0 {
            return Err(Error::config(
                "--test-fraction",
                format!("validation + test fractions leave no training rows ({total})"),
            ));
        }
        Ok(())
    }

    /// Parses a TOML config file; unknown keys and wrong types are errors naming the key.
    pub fn from_toml(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text, path)
    }

    /// Parses TOML config text; `path` names the source in errors.
    pub fn from_toml_str(text: &str, path: &std::path::Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::format(path, e.message().to_string() + &toml_location(text, e.span())))
    }
}

fn toml_location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(s) => format!(" (line {})", text[..s.start.min(text.len())].lines().count().max(1)),
        None => String::new(),
    }
}
