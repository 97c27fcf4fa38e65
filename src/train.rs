//! The training loop: sampling, mini-batches, epochs, per-epoch evaluation, learning-rate
//! schedules, early stopping and divergence checks. Training reports progress to an [`Observer`]
//! (the CLI's progress bar and epoch lines are one) and returns its [`History`].

use crate::config::{MAX_HALVINGS, Plan, Sampling, Schedule};
use crate::data::{Dataset, Splits};
use crate::error::{Error, Result};
use crate::metrics::{Metrics, evaluate};
use crate::network::{Network, Workspace};
use crate::optim::{OptimState, Optimizer, decay_weights};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Rows per chunk when evaluating a split.
pub const EVAL_CHUNK: usize = 1000;

/// Figures after one epoch. Fields for splits that are absent or not monitored are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Wall time of the epoch, evaluation included.
    pub seconds: f64,
    /// Updates made so far in the run.
    pub updates: u64,
    /// η used in this epoch.
    pub eta: f64,
    /// Training-split figures.
    pub train: Option<Metrics>,
    /// Validation-split figures.
    pub validation: Option<Metrics>,
    /// Test-split figures.
    pub test: Option<Metrics>,
}

impl EpochStats {
    /// The score early stopping and schedules watch: validation accuracy (classification) or
    /// minus validation loss (regression); higher is better.
    pub fn validation_score(&self) -> Option<f64> {
        self.validation.map(|m| m.accuracy.unwrap_or(-m.loss))
    }
}

/// Why training ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// All requested epochs ran.
    EpochLimit,
    /// Validation score did not improve for `patience` epochs (best weights restored).
    EarlyStopping,
    /// `halve-on-plateau` halved η 7 times.
    ScheduleExhausted,
    /// An observer asked to stop.
    Observer,
}

/// What a run produced: one [`EpochStats`] per epoch, the totals, and why it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Per-epoch figures.
    pub epochs: Vec<EpochStats>,
    /// Total updates (an epoch is ⌈n/m⌉ updates).
    pub updates: u64,
    /// Total wall time.
    pub seconds_total: f64,
    /// Why training ended.
    pub stop_reason: StopReason,
    /// The epoch whose weights the network holds at the end (differs from the last one after
    /// early stopping restored the best weights).
    pub kept_epoch: usize,
}

/// Receives training events. Every method has an empty default.
pub trait Observer {
    /// An epoch with `batches` updates begins.
    fn epoch_start(&mut self, _epoch: usize, _batches: usize) {}
    /// Update `batch` (from 1) of the current epoch is done.
    fn batch_end(&mut self, _batch: usize) {}
    /// An epoch ended with these figures; return `false` to stop training.
    fn epoch_end(&mut self, _stats: &EpochStats) -> bool {
        true
    }
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// Builds and initialises the network `plan` describes, from the plan's seed; returns it with the
/// RNG, which training continues to draw from (one seeded stream for everything).
pub fn init_network(plan: &Plan) -> Result<(Network<f32>, ChaCha8Rng)> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let mut net = Network::new(&plan.layers, plan.activation, plan.output_activation, plan.cost)?;
    match &plan.init_from {
        Some(path) => {
            let (from, _) = crate::model_io::load(path)?;
            if from.sizes() != net.sizes() {
                return Err(Error::config(
                    "--init-from",
                    format!("{} has layers {:?}, the run needs {:?}", path.display(), from.sizes(), net.sizes()),
                ));
            }
            net.params_mut().copy_from_slice(from.params());
        }
        None => net.init(plan.init, plan.init_scale, &mut rng),
    }
    Ok((net, rng))
}

/// Trains a fresh network as `plan` says on `splits`, reporting to `observer`.
pub fn fit(plan: &Plan, splits: &Splits, observer: &mut dyn Observer) -> Result<(Network<f32>, History)> {
    let (mut net, mut rng) = init_network(plan)?;
    let history = train(&mut net, splits, plan, &mut rng, observer)?;
    Ok((net, history))
}

/// Evaluates `net` on every split of `splits` selected by `which` (train, validation, test).
pub fn evaluate_splits(
    net: &Network<f32>,
    splits: &Splits,
    which: [bool; 3],
    ws: &mut Workspace<f32>,
) -> [Option<Metrics>; 3] {
    let eval = |d: Option<&Dataset>, on: bool, ws: &mut Workspace<f32>| d.filter(|_| on).map(|d| evaluate(net, d, ws));
    [
        eval(Some(&splits.train), which[0], ws),
        eval(splits.validation.as_ref(), which[1], ws),
        eval(splits.test.as_ref(), which[2], ws),
    ]
}

/// Mini-batch training of `net` on `splits.train` as `plan` says, drawing from `rng`.
///
/// Each update: gather a batch of m rows, backpropagate to get ∇C of the mean batch cost, apply
/// weight decay w ← (1 − ηλ/n)w, then the optimizer's step. Nothing is allocated per batch.
pub fn train(
    net: &mut Network<f32>,
    splits: &Splits,
    plan: &Plan,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn Observer,
) -> Result<History> {
    if plan.optimizer == Optimizer::Lm {
        return Err(Error::config("--optimizer", "lm trains through lm::train_lm, not the first-order loop"));
    }
    let data = &splits.train;
    let (n, d, k) = (data.len(), data.n_features, data.n_outputs);
    if n == 0 {
        return Err(Error::config("--dataset", format!("dataset '{}' has no training samples", splits.name)));
    }
    let m = plan.batch_size.min(n);
    let batches = n.div_ceil(m);
    let weight_ranges: Vec<_> = (0..net.n_layers()).map(|l| net.layer_ranges(l).0).collect();
    let mut ws = Workspace::new(net, m).with_threads(crate::parallel::threads_or_all(plan.threads));
    let mut eval_ws = Workspace::new(net, EVAL_CHUNK).sharing_threads_of(&ws);
    let mut opt = OptimState::new(plan.optimizer, plan.momentum, net.n_params());
    let mut grad = vec![0.0f32; net.n_params()];
    let (mut xb, mut yb) = (vec![0.0f32; m * d], vec![0.0f32; m * k]);
    let mut order: Vec<usize> = (0..n).collect();
    let mut eta = plan.eta;
    let mut epochs = Vec::with_capacity(plan.epochs);
    let mut best: Option<(f64, usize, Vec<f32>)> = None;
    let (mut since_best, mut halvings, mut updates) = (0usize, 0usize, 0u64);
    let mut stop_reason = StopReason::EpochLimit;
    let start = Instant::now();
    for epoch in 1..=plan.epochs {
        let t0 = Instant::now();
        observer.epoch_start(epoch, batches);
        if plan.sampling == Sampling::ShuffledBatches {
            order.shuffle(rng);
        }
        for b in 0..batches {
            let rows = match plan.sampling {
                Sampling::ShuffledBatches => gather(data, &order[b * m..((b + 1) * m).min(n)], &mut xb, &mut yb),
                Sampling::WithReplacement => {
                    order[..m].iter_mut().for_each(|i| *i = rng.random_range(0..n));
                    gather(data, &order[..m], &mut xb, &mut yb)
                }
                Sampling::FullBatch => n,
            };
            let (x, y) =
                if plan.sampling == Sampling::FullBatch { (&data.x[..], &data.y[..]) } else { (&xb[..], &yb[..]) };
            // Plain SGD takes the fused path (the update accumulates into W inside the ∂C/∂W product).
            let fused = plan.optimizer == Optimizer::Sgd;
            let cost = if fused {
                opt.t += 1;
                net.sgd_step(x, y, rows, &mut ws, eta as f32, (1.0 - eta * plan.lambda / n as f64) as f32)
            } else {
                net.backprop(x, y, rows, &mut ws, &mut grad)
            };
            if !cost.is_finite() {
                return Err(Error::Diverged { epoch, batch: b + 1, what: format!("batch cost is {cost}") });
            }
            if !fused {
                decay_weights(net.params_mut(), &weight_ranges, eta, plan.lambda, n);
                opt.step(net.params_mut(), &grad, eta);
            }
            updates += 1;
            observer.batch_end(b + 1);
        }
        if let Some(i) = net.params().iter().position(|p| !p.is_finite()) {
            return Err(Error::Diverged {
                epoch,
                batch: batches,
                what: format!("parameter {i} is {}", net.params()[i]),
            });
        }
        let [train_m, validation, test] = evaluate_splits(net, splits, plan.monitor, &mut eval_ws);
        let stats = EpochStats { epoch, seconds: 0.0, updates, eta, train: train_m, validation, test };
        let stats = EpochStats { seconds: t0.elapsed().as_secs_f64(), ..stats };
        let mut stop = !observer.epoch_end(&stats);
        if stop {
            stop_reason = StopReason::Observer;
        }
        if let Some(score) = stats.validation_score() {
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                let mut saved = best.map(|(_, _, p)| p).unwrap_or_default();
                saved.clear();
                saved.extend_from_slice(net.params());
                best = Some((score, epoch, saved));
                since_best = 0;
            } else {
                since_best += 1;
            }
            if let Schedule::HalveOnPlateau { patience } = plan.schedule
                && since_best >= patience
                && since_best % patience == 0
            {
                eta /= 2.0;
                halvings += 1;
                if halvings >= MAX_HALVINGS {
                    stop_reason = StopReason::ScheduleExhausted;
                    stop = true;
                }
            }
            if plan.patience.is_some_and(|p| since_best >= p) {
                stop_reason = StopReason::EarlyStopping;
                stop = true;
            }
        }
        if let Schedule::Step { every, factor } = plan.schedule
            && epoch % every == 0
        {
            eta *= factor;
        }
        epochs.push(stats);
        if stop {
            break;
        }
    }
    let mut kept_epoch = epochs.len();
    if plan.patience.is_some()
        && let Some((_, epoch, params)) = best
    {
        net.params_mut().copy_from_slice(&params);
        kept_epoch = epoch;
    }
    Ok(History { epochs, updates, seconds_total: start.elapsed().as_secs_f64(), stop_reason, kept_epoch })
}

/// Copies the rows `indices` of `data` into the batch buffers; returns the number of rows.
fn gather(data: &Dataset, indices: &[usize], xb: &mut [f32], yb: &mut [f32]) -> usize {
    let (d, k) = (data.n_features, data.n_outputs);
    for (r, &i) in indices.iter().enumerate() {
        xb[r * d..(r + 1) * d].copy_from_slice(&data.x[i * d..(i + 1) * d]);
        yb[r * k..(r + 1) * k].copy_from_slice(&data.y[i * k..(i + 1) * k]);
    }
    indices.len()
}
