//! Training configuration as plain data, written once.
//!
//! [`TrainConfig`] is what a user gives: a TOML file whose tables are its sections (`[data]`,
//! `[network]`, `[optimizer]`, `[training]`, ...), command-line flags, or Rust code. The flags are
//! the same fields (the CLI flattens this very type into its arguments), so a flag given on the
//! command line replaces the file's value of the same field and nothing is written twice. Every
//! field is optional; [`TrainConfig::resolve`] fills in the defaults, some of which depend on the
//! data (layer sizes, output activation, cost), checks every value, and returns the [`Plan`]:
//! the run that training executes and that the report and checkpoints record.
//!
//! ```toml
//! # Nielsen, chapter 1
//! [data]
//! dataset = "mnist"
//! [network]
//! layers = [784, 30, 10]
//! activation = "sigmoid"
//! output_activation = "sigmoid"
//! cost = "quadratic"
//! init = "normal"
//! [optimizer]
//! kind = "sgd"
//! eta = 3.0
//! [training]
//! epochs = 30
//! batch_size = 10
//! ```
//!
//! Errors name the flag and the TOML key (`--eta (optimizer.eta): must be a positive number`).

mod augment;
mod checks;
mod kinds;
mod plan;
mod sections;
mod source;

pub use kinds::{LossPlateau, MAX_HALVINGS, Precision, Sampling, Schedule};
pub use plan::{NetworkSpec, Plan};
pub use sections::{
    AdamSettings, DataConfig, LmSettings, MomentumSettings, MonitorConfig, NetworkConfig, OptimizerConfig,
    OutputConfig, PerformanceConfig, RegularizationConfig, ReliabilityConfig, ScheduleConfig, TrainingConfig,
};
pub use source::DEFAULT_DATASET;

use crate::error::{Error, Result};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::OnceLock;

/// What a user asks for, section by section. Each field's default is documented on the field
/// (and in `neuralnet train --help`); `TrainConfig::default()` asks for nothing, which trains the
/// built-in digits with scikit-learn-like defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Args)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// `[data]`: the dataset or CSV files.
    #[command(flatten, next_help_heading = "Data")]
    pub data: DataConfig,
    /// `[network]`: the architecture and initial weights.
    #[command(flatten, next_help_heading = "Network")]
    pub network: NetworkConfig,
    /// `[optimizer]`: the update rule and its settings.
    #[command(flatten, next_help_heading = "Optimizer")]
    pub optimizer: OptimizerConfig,
    /// `[training]`: epochs, batches, sampling, seed, precision.
    #[command(flatten, next_help_heading = "Training")]
    pub training: TrainingConfig,
    /// `[regularization]`: L2, L1, max-norm, dropout.
    #[command(flatten, next_help_heading = "Regularization")]
    pub regularization: RegularizationConfig,
    /// `[schedule]`: η schedule and early stopping.
    #[command(flatten, next_help_heading = "Schedule and stopping")]
    pub schedule: ScheduleConfig,
    /// `[monitor]`: per-epoch evaluation.
    #[command(flatten, next_help_heading = "Monitoring")]
    pub monitor: MonitorConfig,
    /// `[output]`: model, report and pictures.
    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputConfig,
    /// `[reliability]`: checkpoints and resuming.
    #[command(flatten, next_help_heading = "Reliability")]
    pub reliability: ReliabilityConfig,
    /// `[performance]`: threads.
    #[command(flatten, next_help_heading = "Performance")]
    pub performance: PerformanceConfig,
}

/// Epochs when neither the user nor the data say otherwise.
pub const DEFAULT_EPOCHS: usize = 30;
/// Epochs for CSV data when not given (scikit-learn's `max_iter`).
pub const TABULAR_EPOCHS: usize = 200;
/// Early-stopping patience for CSV data when not given (scikit-learn's `n_iter_no_change`).
pub const TABULAR_PATIENCE: usize = 10;
pub use crate::preprocess::table::{MIN_VALIDATION_ROWS, TABULAR_VALIDATION_FRACTION};
/// The training-loss plateau rule of small tables (scikit-learn's `tol`): an epoch whose loss is
/// not below the best by this much counts as no improvement.
pub const PLATEAU_TOLERANCE: f64 = 1e-4;
/// Mini-batch size when not given (scikit-learn's `min(200, n)` is close; Keras uses 32).
pub const DEFAULT_BATCH_SIZE: usize = 32;
/// Where an interrupted run writes its checkpoint when neither `checkpoint` nor `resume` names a
/// directory (relative to the working directory).
pub const DEFAULT_CHECKPOINT_DIR: &str = "neuralnet-checkpoint";
/// Most parameters a network may have: the largest model file this version writes holds
/// [`crate::model::MAX_MODEL_BYTES`] of f32 values.
pub const MAX_PARAMS: usize = (crate::model::MAX_MODEL_BYTES / 4) as usize;

impl TrainConfig {
    /// Parses a TOML config file; unknown keys and wrong types are errors naming the key and line.
    pub fn from_toml(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text, path)
    }

    /// Parses TOML config text; `path` names the source in errors. A key of the flat layout that
    /// earlier versions read (`eta = 3.0` at the top) is refused with the table it belongs in.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| {
            let line = match e.span() {
                Some(s) => format!(
                    " (line {})",
                    1 + text.as_bytes()[..s.start.min(text.len())].iter().filter(|&&b| b == b'\n').count()
                ),
                None => String::new(),
            };
            let moved = e.span().and_then(|s| text.get(s)).and_then(|key| moved_key(key.trim()));
            let hint = moved.map(|k| format!("; since 0.2 this key is {k} (see the README's config files)"));
            Error::format(path, e.message().to_string() + &line + &hint.unwrap_or_default())
        })
    }

    /// The settings of `self` (as given, not resolved) that differ from `stored`, the configuration of
    /// a checkpointed run, ignoring those that cannot change its result: where the data, outputs
    /// and checkpoints live. Returns the first as an error naming the flag, or `Ok` when they agree.
    pub fn check_resumable(&self, stored: &TrainConfig, dir: &Path) -> Result<()> {
        let leaves = |c: &TrainConfig| {
            let mut out = Vec::new();
            flatten("", &serde_json::to_value(c).unwrap_or_default(), &mut out);
            out
        };
        let (given, kept) = (leaves(self), leaves(stored));
        // Where data and results live, the threads (the results do not depend on them), and the
        // epochs (a run may be extended; `fit` checks that the checkpoint is within the new count).
        let free = ["data.dir", "output.", "reliability.", "performance.", "training.epochs"];
        for (key, g) in &given {
            let s = kept.iter().find(|(k, _)| k == key).map_or(&serde_json::Value::Null, |(_, v)| v);
            if !free.iter().any(|f| key.starts_with(f)) && !g.is_null() && g != s {
                let flag = flag_of(key).unwrap_or_else(|| key.clone());
                let kept = if s.is_null() { "the default".to_string() } else { s.to_string() };
                return Err(Error::config(
                    flag,
                    format!("{g} conflicts with the run checkpointed in {}, which has {kept}", dir.display()),
                ));
            }
        }
        Ok(())
    }
}

impl ReliabilityConfig {
    /// Epochs between checkpoints: `checkpoint_every`, else 1 with a checkpoint directory, else
    /// 0 (a checkpoint only on an interrupt).
    pub fn every(&self) -> usize {
        self.checkpoint_every.unwrap_or(usize::from(self.checkpoint.is_some()))
    }

    /// Where checkpoints go: `checkpoint`, else the directory resumed from, else
    /// [`DEFAULT_CHECKPOINT_DIR`].
    pub fn dir(&self) -> std::path::PathBuf {
        self.checkpoint.clone().or_else(|| self.resume.clone()).unwrap_or_else(|| DEFAULT_CHECKPOINT_DIR.into())
    }
}

/// The (TOML key, value) leaves of a JSON object, keys joined with dots.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
    match v.as_object() {
        Some(map) => map.iter().for_each(|(k, v)| flatten(&format!("{prefix}{k}."), v, out)),
        None => out.push((prefix.trim_end_matches('.').to_string(), v.clone())),
    }
}

/// (flag without dashes, TOML key) of every training setting, from the clap definition of
/// [`TrainConfig`], whose argument ids are the TOML keys.
fn flags() -> &'static [(String, String)] {
    static FLAGS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FLAGS.get_or_init(|| {
        TrainConfig::augment_args(clap::Command::new("train"))
            .get_arguments()
            .filter_map(|a| Some((a.get_long()?.to_string(), a.get_id().to_string())))
            .collect()
    })
}

/// The flag of TOML key `key` (`optimizer.eta` → `--eta`).
pub(crate) fn flag_of(key: &str) -> Option<String> {
    flags().iter().find(|(_, k)| k == key).map(|(f, _)| format!("--{f}"))
}

/// `e` with a training flag it names (`--eta`) named with its TOML key as well
/// (`--eta (optimizer.eta)`); the library's entry points pass their errors through it.
pub(crate) fn name_key(e: Error) -> Error {
    match e {
        Error::Config { key, reason } => Error::Config { key: describe_key(&key), reason },
        other => other,
    }
}

/// `--eta` → `--eta (optimizer.eta)` for the flags of [`TrainConfig`]; anything else unchanged.
pub(crate) fn describe_key(key: &str) -> String {
    match key.strip_prefix("--").and_then(|f| flags().iter().find(|(flag, _)| flag == f)) {
        Some((_, toml)) => format!("{key} ({toml})"),
        None => key.to_string(),
    }
}

/// Where a top-level key of the flat layout earlier versions read now lives (`eta` →
/// `eta in [optimizer]`); `lm` became `[optimizer.lm]`.
fn moved_key(key: &str) -> Option<String> {
    if key == "lm" {
        return Some("[optimizer.lm]".into());
    }
    let renamed = [("train_file", "data.train"), ("test_file", "data.test"), ("data_dir", "data.dir")];
    let toml = match renamed.iter().find(|(old, _)| *old == key) {
        Some((_, new)) => new.to_string(),
        None => {
            let flag = key.replace('_', "-");
            let flag = if flag.starts_with("monitor-") { format!("no-{flag}") } else { flag };
            flags().iter().find(|(f, _)| *f == flag)?.1.clone()
        }
    };
    let (table, name) = toml.rsplit_once('.')?;
    Some(format!("`{name}` in [{table}]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_is_a_toml_key_of_the_config() {
        // A config with every field set: its JSON leaves must be exactly the flags' keys.
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/toml/every_key.toml"))
            .expect("the every-key config");
        let config = TrainConfig::from_toml_str(&text, Path::new("every_key.toml")).unwrap();
        let mut leaves = Vec::new();
        flatten("", &serde_json::to_value(&config).unwrap(), &mut leaves);
        let unset: Vec<_> = leaves.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k).collect();
        assert!(unset.is_empty(), "every_key.toml leaves unset: {unset:?}");
        let mut keys: Vec<_> = leaves.into_iter().map(|(k, _)| k).collect();
        let mut ids: Vec<_> = flags().iter().map(|(_, k)| k.clone()).collect();
        keys.sort();
        ids.sort();
        assert_eq!(keys, ids);
    }

    #[test]
    fn errors_name_flag_and_key_and_old_keys_say_where_they_went() {
        assert_eq!(describe_key("--eta"), "--eta (optimizer.eta)");
        assert_eq!(describe_key("--split"), "--split");
        let err = TrainConfig::from_toml_str("eta = 3.0\n", Path::new("old.toml")).unwrap_err().to_string();
        assert!(err.contains("`eta` in [optimizer]") && err.contains("line 1"), "{err}");
        let err = TrainConfig::from_toml_str("monitor_train = false\n", Path::new("o.toml")).unwrap_err();
        assert!(err.to_string().contains("`train` in [monitor]"), "{err}");
        let err = TrainConfig::from_toml_str("[optimizer]\neta = \"x\"\n", Path::new("t.toml")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
