//! The small enumerations a configuration chooses from: how samples are drawn ([`Sampling`]),
//! the floating-point type of training ([`Precision`]) and how η changes over epochs
//! ([`Schedule`]). Each parses from and prints as its command-line and TOML name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

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

impl Sampling {
    /// Every mode, in the order of their names.
    pub const ALL: [Sampling; 3] = [Sampling::ShuffledBatches, Sampling::WithReplacement, Sampling::FullBatch];

    /// The command-line and TOML name.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::ShuffledBatches => "shuffled-batches",
            Sampling::WithReplacement => "with-replacement",
            Sampling::FullBatch => "full-batch",
        }
    }
}

impl fmt::Display for Sampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Sampling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Sampling::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown sampling '{s}'; valid: shuffled-batches, with-replacement, full-batch"))
    }
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

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f32" => Ok(Precision::F32),
            "f64" => Ok(Precision::F64),
            _ => Err(format!("unknown precision '{s}'; valid: f32, f64")),
        }
    }
}

/// Number of halvings after which `halve-on-plateau` stops training (Nielsen, chapter 3).
pub const MAX_HALVINGS: usize = 7;

/// How η changes over epochs. Written as a string: `constant`, `step:EVERY:FACTOR` (multiply η by
/// FACTOR every EVERY epochs) or `halve-on-plateau:K` (Nielsen: halve η when the validation score
/// has not improved for K epochs; stop once it has been halved [`MAX_HALVINGS`] times).
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

impl FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
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

impl TryFrom<String> for Schedule {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Constant => f.write_str("constant"),
            Schedule::Step { every, factor } => write!(f, "step:{every}:{factor}"),
            Schedule::HalveOnPlateau { patience } => write!(f, "halve-on-plateau:{patience}"),
        }
    }
}

impl From<Schedule> for String {
    fn from(s: Schedule) -> String {
        s.to_string()
    }
}

/// Stop once the training loss has not fallen below its best by `tolerance` for `patience`
/// epochs in a row (scikit-learn's default stopping rule: `tol`, `n_iter_no_change`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossPlateau {
    /// Least improvement that counts.
    pub tolerance: f64,
    /// Epochs without one before stopping.
    pub patience: usize,
}
