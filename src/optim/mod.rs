//! Optimizers, in order of increasing complexity: plain SGD, heavy-ball momentum, Nesterov
//! momentum and Adam update the flat parameter buffer from the gradient of one batch
//! ([`OptimState`]); Levenberg–Marquardt ([`lm`]) solves the whole training set as a nonlinear
//! least-squares problem. A [`Solver`] is one of them with its own settings, as a run's
//! [`crate::Plan`] holds it; the trainer dispatches on it.

mod first_order;
pub mod lm;
pub mod penalty;

pub use first_order::{OptimState, STEP_CHUNK, decay_weights};
pub use lm::{LmConfig, LmSolve};
pub use penalty::WeightRules;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which optimizer trains the network (its name, without settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Optimizer {
    /// p ← p − η ∇C.
    #[default]
    Sgd,
    /// v ← μ v + ∇C; p ← p − η v (PyTorch's SGD with momentum).
    Momentum,
    /// v ← μ v + ∇C; p ← p − η (∇C + μ v) (PyTorch's `nesterov=True`).
    Nesterov,
    /// Adam (Kingma & Ba 2015).
    Adam,
    /// Levenberg–Marquardt (full-batch, least-squares costs only).
    Lm,
}

impl Optimizer {
    /// Every optimizer, in the order of their command-line names.
    pub const ALL: [Optimizer; 5] =
        [Optimizer::Sgd, Optimizer::Momentum, Optimizer::Nesterov, Optimizer::Adam, Optimizer::Lm];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum => "momentum",
            Optimizer::Nesterov => "nesterov",
            Optimizer::Adam => "adam",
            Optimizer::Lm => "lm",
        }
    }

    /// The learning rate used when none is given: 0.001 for Adam (PyTorch, Keras), 0.1 otherwise.
    pub fn default_eta(self) -> f64 {
        match self {
            Optimizer::Adam => 1e-3,
            _ => 0.1,
        }
    }

    /// The range of η this optimizer usually trains with; far outside it a run rarely learns
    /// (the trainer warns). Adam: 10⁻⁵ to 0.1 (PyTorch's and Keras's default is 10⁻³); the SGD
    /// family: 10⁻⁴ to 10 for the effective step η/(1 − μ) (Nielsen trains with 0.1 to 3).
    pub fn usual_eta(self) -> Option<(f64, f64)> {
        match self {
            Optimizer::Adam => Some((1e-5, 0.1)),
            Optimizer::Lm => None,
            _ => Some((1e-4, 10.0)),
        }
    }
}

impl fmt::Display for Optimizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Optimizer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Optimizer::ALL.into_iter().find(|o| o.name() == s).ok_or_else(|| {
            let names: Vec<_> = Optimizer::ALL.iter().map(|o| o.name()).collect();
            format!("unknown optimizer '{s}'; valid: {}", names.join(", "))
        })
    }
}

/// An optimizer with its own settings. Serialised flat with its name under `optimizer`
/// (`{"optimizer": "adam", "eta": 0.001, "beta1": 0.9, ...}`), as the report's `config` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "optimizer", rename_all = "kebab-case")]
pub enum Solver {
    /// Plain SGD: p ← p − η ∇C.
    Sgd {
        /// Learning rate η.
        eta: f64,
    },
    /// Heavy-ball momentum: v ← μ v + ∇C; p ← p − η v.
    Momentum {
        /// Learning rate η.
        eta: f64,
        /// Momentum μ ∈ [0, 1).
        momentum: f64,
    },
    /// Nesterov momentum: v ← μ v + ∇C; p ← p − η (∇C + μ v).
    Nesterov {
        /// Learning rate η.
        eta: f64,
        /// Momentum μ ∈ [0, 1).
        momentum: f64,
    },
    /// Adam: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − η m̂ / (√v̂ + ε).
    Adam {
        /// Learning rate η.
        eta: f64,
        /// Decay of the first moment.
        beta1: f64,
        /// Decay of the second moment.
        beta2: f64,
        /// Added to √v̂.
        epsilon: f64,
    },
    /// Levenberg–Marquardt on the whole training set.
    Lm {
        /// The solver's settings.
        lm: LmConfig,
    },
}

impl Solver {
    /// Heavy-ball momentum with learning rate `eta` and momentum `mu`.
    pub fn momentum(eta: f64, mu: f64) -> Solver {
        Solver::Momentum { eta, momentum: mu }
    }

    /// Nesterov momentum with learning rate `eta` and momentum `mu`.
    pub fn nesterov(eta: f64, mu: f64) -> Solver {
        Solver::Nesterov { eta, momentum: mu }
    }

    /// Adam with learning rate `eta` and PyTorch's defaults β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸.
    pub fn adam(eta: f64) -> Solver {
        Solver::Adam { eta, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }
    }

    /// The optimizer's name.
    pub fn kind(&self) -> Optimizer {
        match self {
            Solver::Sgd { .. } => Optimizer::Sgd,
            Solver::Momentum { .. } => Optimizer::Momentum,
            Solver::Nesterov { .. } => Optimizer::Nesterov,
            Solver::Adam { .. } => Optimizer::Adam,
            Solver::Lm { .. } => Optimizer::Lm,
        }
    }

    /// The initial learning rate η of a first-order optimizer; `None` for Levenberg–Marquardt.
    pub fn eta(&self) -> Option<f64> {
        match *self {
            Solver::Sgd { eta } | Solver::Momentum { eta, .. } | Solver::Nesterov { eta, .. } => Some(eta),
            Solver::Adam { eta, .. } => Some(eta),
            Solver::Lm { .. } => None,
        }
    }

    /// Whether the update keeps a first moment (velocity) and a second moment, per parameter.
    pub fn moments(&self) -> (bool, bool) {
        match self {
            Solver::Momentum { .. } | Solver::Nesterov { .. } => (true, false),
            Solver::Adam { .. } => (true, true),
            Solver::Sgd { .. } | Solver::Lm { .. } => (false, false),
        }
    }
}
