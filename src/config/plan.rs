//! The [`Plan`]: a [`TrainConfig`] resolved against its data. Every default is filled in (and
//! its name recorded in `defaults_used`), every value checked, and the optimizer chosen with
//! exactly its own settings ([`Solver`]). Serialised flat, it is the `config` object of the report
//! (`"optimizer": "sgd", "eta": 3.0, "layers": [784, 30, 10], ...`).

use super::kinds::{Precision, Sampling, Schedule};
use super::{
    DEFAULT_BATCH_SIZE, DEFAULT_EPOCHS, LossPlateau, PLATEAU_TOLERANCE, TABULAR_EPOCHS, TABULAR_PATIENCE, TrainConfig,
};
use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::Splits;
use crate::data::csv::Task;
use crate::error::{Error, Result};
use crate::float::Scalar;
use crate::init::Init;
use crate::network::Network;
use crate::optim::{LmConfig, Optimizer, Solver};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The network a run trains: its shape, activations, cost and initial weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    /// Layer sizes, input first.
    pub layers: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// Output activation.
    pub output_activation: Activation,
    /// Cost.
    pub cost: Cost,
    /// Initialisation scheme.
    pub init: Init,
    /// Multiplier on initial values.
    pub init_scale: f64,
    /// Warm-start model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<PathBuf>,
}

impl NetworkSpec {
    /// The network with all parameters zero (checks the activations against the cost).
    pub fn empty<F: Scalar>(&self) -> Result<Network<F>> {
        Network::new(&self.layers, self.activation, self.output_activation, self.cost)
    }

    /// The network with its initial weights: drawn from `rng`, or read from `init_from`.
    pub fn build<F: Scalar, R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Network<F>> {
        let mut net = self.empty::<F>()?;
        match &self.init_from {
            Some(path) => {
                let (sizes, layers) = crate::export::initial_layers(path)?;
                if sizes != net.sizes() {
                    return Err(Error::config(
                        "--init-from",
                        format!("{} has layers {:?}, the run needs {:?}", path.display(), sizes, net.sizes()),
                    ));
                }
                for (l, (w, b)) in layers.iter().enumerate() {
                    let (w_at, b_at) = net.layer_ranges(l);
                    let params = net.params_mut();
                    params[w_at].iter_mut().zip(w).for_each(|(d, &s)| *d = F::of(f64::from(s)));
                    params[b_at].iter_mut().zip(b).for_each(|(d, &s)| *d = F::of(f64::from(s)));
                }
            }
            None => net.init(self.init, self.init_scale, rng),
        }
        Ok(net)
    }
}

/// A fully resolved configuration: what training actually runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Dataset name.
    pub dataset: String,
    /// The network.
    #[serde(flatten)]
    pub network: NetworkSpec,
    /// The optimizer with its own settings.
    #[serde(flatten)]
    pub solver: Solver,
    /// Epochs (Levenberg–Marquardt: iterations).
    pub epochs: usize,
    /// Mini-batch size (the training-set size for full-batch sampling and LM).
    pub batch_size: usize,
    /// RNG seed.
    pub seed: u64,
    /// L2 λ.
    pub lambda: f64,
    /// L1 λ₁ (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub l1: f64,
    /// Max-norm C of each unit's incoming weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_norm: Option<f64>,
    /// Dropout probability of each layer's input while training: the network's input, then each
    /// hidden layer's output (one per layer); empty: no dropout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropout: Vec<f64>,
    /// Sampling mode.
    pub sampling: Sampling,
    /// Floating-point type of training.
    #[serde(default)]
    pub precision: Precision,
    /// η schedule.
    pub schedule: Schedule,
    /// Early-stopping patience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
    /// Stop on a plateau of the training loss (the default for tables too small for a
    /// validation split).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_plateau: Option<LossPlateau>,
    /// Per-epoch evaluation switches (train, validation, test).
    pub monitor: [bool; 3],
    /// Classification or regression (CSV data only). When set, early stopping watches the
    /// validation loss instead of the validation accuracy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// Distortions of the training images, drawn afresh for every image in every epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub augment: Option<crate::data::augment::Augment>,
    /// The names of the settings whose value came from a default.
    pub defaults_used: Vec<String>,
    /// Threads (`None`: chosen per run); the results do not depend on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
}

impl Plan {
    /// The network as training starts it — drawn from the seed (or read from `init_from`) — and
    /// the random stream after those draws, which training goes on drawing its samples from.
    pub fn initial_network<F: Scalar>(&self) -> Result<(Network<F>, ChaCha8Rng)> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let net = self.network.build(&mut rng)?;
        Ok((net, rng))
    }

    /// The update rule's name.
    pub fn optimizer(&self) -> Optimizer {
        self.solver.kind()
    }

    /// The initial learning rate η (first-order optimizers; `None` for LM).
    pub fn eta(&self) -> Option<f64> {
        self.solver.eta()
    }
}

impl TrainConfig {
    /// The training-loss plateau rule: as `loss_tolerance`/`loss_patience` say when either is
    /// given (training monitored, first-order optimizers); else, for a table too small for a
    /// default validation split and with no other stopping rule, scikit-learn's default rule,
    /// recorded as a default.
    fn loss_plateau(
        &self,
        splits: &Splits,
        solver: &Solver,
        patience: Option<usize>,
        monitor: [bool; 3],
        used: &mut Defaults,
    ) -> Result<Option<LossPlateau>> {
        let s = &self.schedule;
        let first_order = !matches!(solver, Solver::Lm { .. });
        if s.loss_tolerance.is_some() || s.loss_patience.is_some() {
            let flag = if s.loss_tolerance.is_some() { "--loss-tolerance" } else { "--loss-patience" };
            if !first_order {
                return Err(Error::config(flag, "watches the loss between epochs of a first-order optimizer, not lm"));
            }
            if !monitor[0] {
                return Err(Error::config(flag, "watches the training loss; keep the training split monitored"));
            }
            let tolerance = s.loss_tolerance.unwrap_or(PLATEAU_TOLERANCE);
            return Ok(Some(LossPlateau { tolerance, patience: s.loss_patience.unwrap_or(TABULAR_PATIENCE) }));
        }
        let small = self.data.train.is_some() && splits.validation.is_none() && self.data.validation_fraction.is_none();
        Ok((small && first_order && patience.is_none() && monitor[0] && s.eta.is_none()).then(|| {
            used.0.push("loss_plateau".into());
            LossPlateau { tolerance: PLATEAU_TOLERANCE, patience: TABULAR_PATIENCE }
        }))
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Records the names of the defaults a resolution applies.
struct Defaults(Vec<String>);

impl Defaults {
    /// `given`, or `default()` with `name` recorded.
    fn or<T>(&mut self, given: Option<T>, name: &str, default: impl FnOnce() -> T) -> T {
        given.unwrap_or_else(|| {
            self.0.push(name.to_string());
            default()
        })
    }
}

impl TrainConfig {
    /// Checks every value and fills in the defaults for `splits`, the data the run trains on.
    /// Errors name the flag and the TOML key.
    pub fn resolve(&self, splits: &Splits) -> Result<Plan> {
        self.resolve_plan(splits).map_err(super::name_key)
    }

    fn resolve_plan(&self, splits: &Splits) -> Result<Plan> {
        self.validate()?;
        let mut used = Defaults(Vec::new());
        let network = self.resolve_network(splits, &mut used)?;
        let solver = self.resolve_solver(&mut used)?;
        let dropout = self.resolve_dropout(&network.layers)?;
        let n = splits.train.len();
        let t = &self.training;
        let sampling = t.sampling.unwrap_or_default();
        self.check_augment(splits, &solver, sampling)?;
        let batch_size = match (sampling, &solver, t.batch_size) {
            (Sampling::FullBatch, _, _) | (_, Solver::Lm { .. }, _) => n,
            (_, _, Some(m)) => m,
            (_, _, None) => used.or(None, "batch_size", || DEFAULT_BATCH_SIZE),
        };
        let tabular = self.data.train.is_some();
        let epochs = used.or(t.epochs, "epochs", || if tabular { TABULAR_EPOCHS } else { DEFAULT_EPOCHS });
        let monitor = [self.monitor.train, self.monitor.validation, self.monitor.test].map(|m| m.unwrap_or(true));
        let patience = match self.schedule.patience {
            None if tabular && splits.validation.is_some() && monitor[1] => {
                used.or(None, "patience", || TABULAR_PATIENCE).into()
            }
            p => p,
        };
        if tabular && self.data.validation_fraction.is_none() {
            used.0.push("validation_fraction".into());
        }
        let loss_plateau = self.loss_plateau(splits, &solver, patience, monitor, &mut used)?;
        if tabular && self.data.task.is_none() {
            used.0.push("task".into());
        }
        let schedule = self.schedule.eta.unwrap_or_default();
        self.check_validation_use(splits, schedule, monitor[1])?;
        let solver = match solver {
            Solver::Lm { lm } => Solver::Lm { lm: LmConfig { epochs, ..lm } },
            s => s,
        };
        Ok(Plan {
            dataset: splits.name.clone(),
            network,
            solver,
            epochs,
            batch_size,
            seed: used.or(t.seed, "seed", || 1),
            lambda: self.regularization.lambda.unwrap_or(0.0),
            l1: self.regularization.l1.unwrap_or(0.0),
            max_norm: self.regularization.max_norm,
            dropout,
            sampling,
            precision: t.precision.unwrap_or_default(),
            schedule,
            patience,
            loss_plateau,
            monitor,
            task: tabular
                .then(|| if splits.train.is_classification() { Task::Classification } else { Task::Regression }),
            augment: self.data.augment.clone(),
            defaults_used: used.0,
            threads: self.performance.threads,
        })
    }

    /// The dropout probability of each layer's input, from `dropout` as given: one value drops
    /// the units of every hidden layer (not the input; of a network without hidden layers, the
    /// input); a list gives the input's and then each hidden layer's. Empty when nothing is dropped.
    fn resolve_dropout(&self, layers: &[usize]) -> Result<Vec<f64>> {
        let Some(p) = &self.regularization.dropout else { return Ok(Vec::new()) };
        let hidden = layers.len() - 2;
        let p = match p[..] {
            [q] if hidden > 0 => [&[0.0][..], &vec![q; hidden]].concat(),
            _ if p.len() == hidden + 1 => p.clone(),
            _ => {
                let why = format!(
                    "give one probability (every hidden layer) or {} (the input's, then one per hidden layer of {layers:?}), got {}",
                    hidden + 1,
                    p.len()
                );
                return Err(Error::config("--dropout", why));
            }
        };
        Ok(if p.iter().all(|&q| q == 0.0) { Vec::new() } else { p })
    }

    /// Layer sizes, activations, cost and initialisation, with their data-dependent defaults.
    fn resolve_network(&self, splits: &Splits, used: &mut Defaults) -> Result<NetworkSpec> {
        let c = &self.network;
        let (d, k) = (splits.train.n_features, splits.train.n_outputs);
        let classification = splits.train.is_classification();
        let layers = match (&c.layers, &c.hidden) {
            (Some(_), Some(_)) => return Err(Error::config("--hidden", "give --layers or --hidden, not both")),
            (None, Some(hidden)) => [&[d][..], hidden, &[k]].concat(),
            // A warm start without --layers takes the sizes of the network it starts from.
            (None, None) if c.init_from.is_some() => {
                crate::export::initial_layers(c.init_from.as_deref().expect("init_from"))?.0
            }
            (layers, None) => used.or(layers.clone(), "layers", || vec![d, 100, k]),
        };
        if layers.len() < 2 || layers[0] != d || layers[layers.len() - 1] != k {
            return Err(Error::config(
                "--layers",
                format!("{layers:?} does not fit dataset '{}': it has {d} inputs and {k} outputs", splits.name),
            ));
        }
        let activation = used.or(c.activation, "activation", || Activation::Relu);
        let output_activation = used.or(c.output_activation, "output_activation", || match (classification, c.cost) {
            (true, None | Some(Cost::CrossEntropy)) => Activation::Softmax,
            (true, Some(_)) => Activation::Sigmoid,
            (false, _) => Activation::Identity,
        });
        let cost = used.or(c.cost, "cost", || match output_activation {
            Activation::Softmax | Activation::Sigmoid if classification => Cost::CrossEntropy,
            Activation::Softmax => Cost::CrossEntropy,
            _ => Cost::Mse,
        });
        let init = used.or(c.init, "init", || match activation {
            Activation::Relu | Activation::LeakyRelu => Init::He,
            _ => Init::GlorotUniform,
        });
        let spec = NetworkSpec {
            layers,
            activation,
            output_activation,
            cost,
            init,
            init_scale: c.init_scale.unwrap_or(1.0),
            init_from: c.init_from.clone(),
        };
        // Fails on softmax hidden layers and invalid output/cost pairs, naming the flag.
        spec.empty::<f32>()?;
        Ok(spec)
    }

    /// The optimizer with its own settings; a setting of another optimizer is an error.
    fn resolve_solver(&self, used: &mut Defaults) -> Result<Solver> {
        let o = &self.optimizer;
        let kind = used.or(o.kind, "optimizer", || Optimizer::Adam);
        self.check_settings_apply(kind)?;
        let eta = |used: &mut Defaults| used.or(o.eta, "eta", || kind.default_eta());
        let mu = o.momentum.mu.unwrap_or(0.9);
        Ok(match kind {
            Optimizer::Sgd => Solver::Sgd { eta: eta(used) },
            Optimizer::Momentum => Solver::Momentum { eta: eta(used), momentum: mu },
            Optimizer::Nesterov => Solver::Nesterov { eta: eta(used), momentum: mu },
            Optimizer::Adam => {
                let (a, d) = (&o.adam, Solver::adam(0.0));
                let Solver::Adam { beta1, beta2, epsilon, .. } = d else { unreachable!("adam") };
                Solver::Adam {
                    eta: eta(used),
                    beta1: a.beta1.unwrap_or(beta1),
                    beta2: a.beta2.unwrap_or(beta2),
                    epsilon: a.epsilon.unwrap_or(epsilon),
                }
            }
            Optimizer::Lm => {
                self.check_lm()?;
                Solver::Lm { lm: o.lm.resolve() }
            }
        })
    }

    /// Early stopping and plateau halving watch the validation split: it must exist and be
    /// evaluated.
    fn check_validation_use(&self, splits: &Splits, schedule: Schedule, monitored: bool) -> Result<()> {
        let halving = matches!(schedule, Schedule::HalveOnPlateau { .. });
        if self.schedule.patience.is_some() && splits.validation.is_none() {
            return Err(Error::config(
                "--patience",
                format!("early stopping needs a validation split; dataset '{}' has none", splits.name),
            ));
        }
        if (self.schedule.patience.is_some() || halving) && !monitored {
            return Err(Error::config(
                "--no-monitor-validation",
                "early stopping and halve-on-plateau watch the validation split; keep it monitored",
            ));
        }
        if halving && splits.validation.is_none() {
            return Err(Error::config(
                "--schedule",
                format!("halve-on-plateau needs a validation split; dataset '{}' has none", splits.name),
            ));
        }
        Ok(())
    }
}
