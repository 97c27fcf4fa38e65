//! The training loop: sampling, mini-batches, epochs, per-epoch evaluation, learning-rate
//! schedules, early stopping and divergence checks. Training reports progress to an [`Observer`]
//! (the CLI's progress bar and epoch lines are one) and returns its [`History`].

use crate::config::{MAX_HALVINGS, Plan, Precision, Sampling, Schedule};
use crate::data::{Dataset, Splits};
use crate::error::{Error, Result};
use crate::float::Scalar;
use crate::hidden_split::{Stop, Threads};
use crate::metrics::{Metrics, evaluate};
use crate::network::{Network, Workspace};
use crate::optim::{OptimState, Optimizer, decay_weights};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Rows per chunk when evaluating a split.
pub const EVAL_CHUNK: usize = 1000;

/// The floating-point types training runs in ([`Precision`]), with what the loop needs beyond
/// [`Scalar`]: the data (stored as f32) converted, the divergence check, and the f32 network that
/// evaluation and model files use.
pub trait TrainFloat: Scalar + 'static {
    /// The safetensors dtype of checkpoint tensors of this type.
    const SAFETENSORS_DTYPE: safetensors::Dtype;
    /// `dst` ← `src` (exact for both types).
    fn from_f32s(dst: &mut [Self], src: &[f32]);
    /// `src` in this type: borrowed for f32, converted for f64.
    fn view_f32s(src: &[f32]) -> Cow<'_, [Self]>;
    /// True when every value is finite.
    fn all_finite(values: &[Self]) -> bool;
    /// The network with f32 weights: itself for f32, rounded to f32 for f64.
    fn as_f32(net: &Network<Self>) -> Cow<'_, Network<f32>>;
    /// The values' little-endian bytes.
    fn le_bytes(values: &[Self]) -> Vec<u8>;
}

impl TrainFloat for f32 {
    const SAFETENSORS_DTYPE: safetensors::Dtype = safetensors::Dtype::F32;
    fn from_f32s(dst: &mut [f32], src: &[f32]) {
        dst.copy_from_slice(src);
    }
    fn view_f32s(src: &[f32]) -> Cow<'_, [f32]> {
        Cow::Borrowed(src)
    }
    fn all_finite(values: &[f32]) -> bool {
        all_finite(values)
    }
    fn as_f32(net: &Network<f32>) -> Cow<'_, Network<f32>> {
        Cow::Borrowed(net)
    }
    fn le_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

impl TrainFloat for f64 {
    const SAFETENSORS_DTYPE: safetensors::Dtype = safetensors::Dtype::F64;
    fn from_f32s(dst: &mut [f64], src: &[f32]) {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = f64::from(s));
    }
    fn view_f32s(src: &[f32]) -> Cow<'_, [f64]> {
        Cow::Owned(src.iter().map(|&s| f64::from(s)).collect())
    }
    fn all_finite(values: &[f64]) -> bool {
        values.iter().all(|v| v.is_finite())
    }
    fn as_f32(net: &Network<f64>) -> Cow<'_, Network<f32>> {
        Cow::Owned(net.cast())
    }
    fn le_bytes(values: &[f64]) -> Vec<u8> {
        values.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

/// Figures after one epoch. Fields for splits that are absent or not monitored are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Wall time of the epoch, evaluation included.
    pub seconds: f64,
    /// Updates made so far in the run.
    pub updates: u64,
    /// η used in this epoch (0 for Levenberg–Marquardt, which has μ instead).
    pub eta: f64,
    /// Levenberg–Marquardt damping μ at this iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm_mu: Option<f64>,
    /// Threads that trained the epoch (after a resume, its last part): with threads chosen
    /// automatically, 1 when the cores were too far apart for more to pay (`Pool::probe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
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
    /// Levenberg–Marquardt: μ exceeded its maximum.
    MuMax,
    /// Levenberg–Marquardt: the gradient norm fell below its minimum.
    MinGrad,
    /// Levenberg–Marquardt: the cost goal was met.
    Goal,
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
    init_network_as(plan)
}

/// [`init_network`] in floating-point type `F` (initial values drawn in f64 and rounded to `F`).
pub fn init_network_as<F: TrainFloat>(plan: &Plan) -> Result<(Network<F>, ChaCha8Rng)> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let mut net = Network::<F>::new(&plan.layers, plan.activation, plan.output_activation, plan.cost)?;
    match &plan.init_from {
        Some(path) => {
            let (from, _) = crate::model_io::load(path)?;
            if from.sizes() != net.sizes() {
                return Err(Error::config(
                    "--init-from",
                    format!("{} has layers {:?}, the run needs {:?}", path.display(), from.sizes(), net.sizes()),
                ));
            }
            F::from_f32s(net.params_mut(), from.params());
        }
        None => net.init(plan.init, plan.init_scale, &mut rng),
    }
    Ok((net, rng))
}

/// Trains a fresh network as `plan` says on `splits` (in `plan.precision`), reporting to
/// `observer`; returns it with f32 weights.
pub fn fit(plan: &Plan, splits: &Splits, observer: &mut dyn Observer) -> Result<(Network<f32>, History)> {
    fn fit_as<F: TrainFloat>(
        plan: &Plan,
        splits: &Splits,
        observer: &mut dyn Observer,
    ) -> Result<(Network<F>, History)> {
        let (mut net, mut rng) = init_network_as::<F>(plan)?;
        let history = train(&mut net, splits, plan, &mut rng, observer)?;
        Ok((net, history))
    }
    match plan.precision {
        Precision::F32 => fit_as::<f32>(plan, splits, observer),
        Precision::F64 => fit_as::<f64>(plan, splits, observer).map(|(net, h)| (net.cast(), h)),
    }
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
/// `rng` is left where training stopped drawing from it.
pub fn train<F: TrainFloat>(
    net: &mut Network<F>,
    splits: &Splits,
    plan: &Plan,
    rng: &mut ChaCha8Rng,
    observer: &mut dyn Observer,
) -> Result<History> {
    let mut state = TrainState::new(plan, splits.train.len(), net.n_params(), rng.clone());
    let history = train_resumable(net, splits, plan, &mut state, observer, &mut Control::default());
    *rng = state.rng;
    history
}

/// The best validation score so far under early stopping / plateau schedules, and its weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Best<F: Scalar = f32> {
    /// The score ([`EpochStats::validation_score`]).
    pub score: f64,
    /// The epoch that reached it.
    pub epoch: usize,
    /// The parameters at the end of that epoch.
    pub params: Vec<F>,
}

/// Everything besides the weights that the training loop needs to continue a run exactly where it
/// stopped: with the same network parameters, [`train_resumable`] on a restored `TrainState`
/// produces bit-for-bit the weights the uninterrupted run produces. [`crate::checkpoint`] stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainState<F: Scalar = f32> {
    /// The epoch in progress or next to run, from 1 (`plan.epochs + 1` once all have run).
    pub epoch: usize,
    /// Batches of `epoch` already done; 0 means the epoch has not started (its shuffle is pending).
    /// Equal to the number of batches when only the end-of-epoch evaluation is left.
    pub batch: usize,
    /// The sample order: shuffled in place each epoch (cumulatively, as network.py does), or the
    /// last batch's draws under sampling with replacement.
    pub order: Vec<usize>,
    /// The current learning rate (schedules change it).
    pub eta: f64,
    /// Best validation score, its epoch and weights.
    pub best: Option<Best<F>>,
    /// Epochs since the best validation score.
    pub since_best: usize,
    /// How often `halve-on-plateau` halved η.
    pub halvings: usize,
    /// Updates made so far.
    pub updates: u64,
    /// Figures of the epochs completed so far.
    pub epochs: Vec<EpochStats>,
    /// Optimizer state (velocity, Adam moments, step count).
    pub opt: OptimState<F>,
    /// The one RNG behind initialisation and sampling, positioned where the run is.
    pub rng: ChaCha8Rng,
    /// Wall time spent before the current session, whole epochs and the current partial one.
    pub seconds: f64,
    /// Wall time spent in the current partial epoch before the current session.
    pub epoch_seconds: f64,
    /// Set once training has ended (for a checkpoint written after the last epoch).
    pub stop_reason: Option<StopReason>,
}

impl<F: Scalar> TrainState<F> {
    /// The same state with the optimizer moments and best weights converted to `G` (exact from
    /// f32 to f64 and back; checkpoints are read through f64).
    pub fn cast<G: Scalar>(&self) -> TrainState<G> {
        let conv = |v: &[F]| v.iter().map(|&x| G::of(x.f64())).collect::<Vec<G>>();
        TrainState {
            epoch: self.epoch,
            batch: self.batch,
            order: self.order.clone(),
            eta: self.eta,
            best: self.best.as_ref().map(|b| Best { score: b.score, epoch: b.epoch, params: conv(&b.params) }),
            since_best: self.since_best,
            halvings: self.halvings,
            updates: self.updates,
            epochs: self.epochs.clone(),
            opt: OptimState {
                kind: self.opt.kind,
                momentum: self.opt.momentum,
                m: conv(&self.opt.m),
                v: conv(&self.opt.v),
                t: self.opt.t,
            },
            rng: self.rng.clone(),
            seconds: self.seconds,
            epoch_seconds: self.epoch_seconds,
            stop_reason: self.stop_reason,
        }
    }

    /// The state of a run that has not started: `n` training samples, `n_params` parameters,
    /// `rng` positioned after initialisation.
    pub fn new(plan: &Plan, n: usize, n_params: usize, rng: ChaCha8Rng) -> Self {
        TrainState {
            epoch: 1,
            batch: 0,
            order: (0..n).collect(),
            eta: plan.eta,
            best: None,
            since_best: 0,
            halvings: 0,
            updates: 0,
            epochs: Vec::with_capacity(plan.epochs),
            opt: OptimState::new(plan.optimizer, plan.momentum, n_params),
            rng,
            seconds: 0.0,
            epoch_seconds: 0.0,
            stop_reason: None,
        }
    }

    /// Checks that the state fits a run on `n` samples with `n_params` parameters.
    pub fn check_fits(&self, plan: &Plan, n: usize, n_params: usize) -> Result<()> {
        let batches = n.div_ceil(plan.batch_size.min(n).max(1));
        let opt_len = |v: &Vec<F>, used: bool| v.len() == if used { n_params } else { 0 };
        let uses_m = matches!(plan.optimizer, Optimizer::Momentum | Optimizer::Nesterov | Optimizer::Adam);
        let problem = if self.order.len() != n {
            Some(format!("the checkpoint's sample order has {} entries for {n} training samples", self.order.len()))
        } else if self.order.iter().any(|&i| i >= n) {
            Some("the checkpoint's sample order indexes past the training set".to_string())
        } else if self.opt.kind != plan.optimizer
            || !opt_len(&self.opt.m, uses_m)
            || !opt_len(&self.opt.v, plan.optimizer == Optimizer::Adam)
        {
            Some("the checkpoint's optimizer state does not fit the network".to_string())
        } else if self.best.as_ref().is_some_and(|b| b.params.len() != n_params) {
            Some("the checkpoint's best weights do not fit the network".to_string())
        } else if self.epoch == 0 || self.batch > batches || (self.batch > 0 && self.epoch > plan.epochs) {
            Some(format!(
                "epoch {} batch {} is outside the run ({} epochs of {batches} batches)",
                self.epoch, self.batch, plan.epochs
            ))
        } else {
            None
        };
        match problem {
            Some(p) => Err(Error::config("--resume", p)),
            None => Ok(()),
        }
    }
}

/// Receives a checkpoint: the network and the state to resume from.
pub type SaveFn<'a, F = f32> = dyn FnMut(&Network<F>, &TrainState<F>) -> Result<()> + 'a;

/// How [`train_resumable`] checkpoints and when it stops early on request.
pub struct Control<'a, F: Scalar = f32> {
    /// Write a checkpoint at the end of every `every`-th epoch (and after the last); 0: never.
    pub every: usize,
    /// Where checkpoints go. Without it nothing is saved, even on interruption.
    pub save: Option<Box<SaveFn<'a, F>>>,
    /// Set (e.g. by a SIGINT handler) to stop after the current batch: the loop saves a
    /// checkpoint and returns [`Error::Interrupted`].
    pub interrupt: Option<&'a AtomicBool>,
}

impl<F: Scalar> Default for Control<'_, F> {
    fn default() -> Self {
        Control { every: 0, save: None, interrupt: None }
    }
}

impl<F: Scalar> Control<'_, F> {
    fn save(&mut self, net: &Network<F>, state: &TrainState<F>) -> Result<()> {
        match &mut self.save {
            Some(f) => f(net, state),
            None => Ok(()),
        }
    }

    fn interrupted(&self) -> bool {
        self.interrupt.is_some_and(|f| f.load(Ordering::SeqCst))
    }
}

/// True when every value is finite. Checked after every update, so it runs with AVX2 where the CPU
/// has it (chosen at run time; the binary itself targets baseline x86-64).
pub fn all_finite(values: &[f32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { all_finite_avx2(values) };
    }
    all_finite_lanes(values)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn all_finite_avx2(values: &[f32]) -> bool {
    all_finite_lanes(values)
}

/// Lane-parallel so the compiler can vectorise it (x·0 is 0 for finite x and NaN for ±∞ and NaN).
#[inline(always)]
fn all_finite_lanes(values: &[f32]) -> bool {
    let mut acc = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x * 0.0;
        }
    }
    acc.iter().all(|a| *a == 0.0) && rest.iter().all(|x| x.is_finite())
}

/// [`train`] from any point of a run: `state` says where (a fresh [`TrainState::new`], or one
/// restored from a checkpoint together with the weights in `net`), `control` when to checkpoint
/// and whether to stop early. On return `state` is where training stopped.
///
/// Divergence (a non-finite batch cost or weight) stops at that batch with [`Error::Diverged`]
/// without saving: the last checkpoint written stays the last good one.
pub fn train_resumable<F: TrainFloat>(
    net: &mut Network<F>,
    splits: &Splits,
    plan: &Plan,
    state: &mut TrainState<F>,
    observer: &mut dyn Observer,
    control: &mut Control<'_, F>,
) -> Result<History> {
    if plan.optimizer == Optimizer::Lm {
        return Err(Error::config("--optimizer", "lm trains through lm::train_lm, not the first-order loop"));
    }
    let data = &splits.train;
    let (n, d, k) = (data.len(), data.n_features, data.n_outputs);
    if n == 0 {
        return Err(Error::config("--dataset", format!("dataset '{}' has no training samples", splits.name)));
    }
    if plan.batch_size == 0 {
        return Err(Error::config("--batch-size", "must be at least 1"));
    }
    state.check_fits(plan, n, net.n_params())?;
    let m = plan.batch_size.min(n);
    let batches = n.div_ceil(m);
    let weight_ranges: Vec<_> = (0..net.n_layers()).map(|l| net.layer_ranges(l).0).collect();
    // Plain SGD of a one-hidden-layer network runs with the hidden units cut in two halves (see
    // `hidden_split`), one per thread when there are two: that pays even for Nielsen's batch of 10,
    // so it gets all cores by default.
    let splittable = plan.optimizer == Optimizer::Sgd
        && plan.sampling == Sampling::ShuffledBatches
        && crate::hidden_split::applies(net);
    let threads = match plan.threads {
        None if splittable => crate::parallel::default_threads(),
        t => crate::parallel::threads_for(t, m * net.n_params()),
    };
    let mut ws = Workspace::new(net, m).with_threads(threads);
    // Every thread count takes this path, so that the weights never depend on it.
    let split_hidden = splittable;
    let mut eval_ws = Workspace::new(&F::as_f32(net), EVAL_CHUNK).sharing_threads_of(&ws);
    let mut grad = vec![F::zero(); net.n_params()];
    let (mut xb, mut yb) = (vec![F::zero(); m * d], vec![F::zero(); m * k]);
    // Full-batch runs read the training set in place (converted once for f64).
    let full = (plan.sampling == Sampling::FullBatch).then(|| (F::view_f32s(&data.x), F::view_f32s(&data.y)));
    let start = Instant::now();
    let seconds_before = state.seconds;
    let elapsed = |start: &Instant| seconds_before + start.elapsed().as_secs_f64();
    while state.stop_reason.is_none() && state.epoch <= plan.epochs {
        let epoch = state.epoch;
        let t0 = Instant::now();
        observer.epoch_start(epoch, batches);
        if state.batch == 0 && plan.sampling == Sampling::ShuffledBatches {
            state.order.shuffle(&mut state.rng);
        }
        // The split path runs the whole epoch itself; the loop below is for every other case.
        let first = if split_hidden { batches } else { state.batch };
        let mut epoch_threads = threads;
        if split_hidden {
            let b0 = state.batch;
            let decay = F::of(1.0 - state.eta * plan.lambda / n as f64);
            let (done, stop, ran_on) = crate::hidden_split::sgd_batches(
                net,
                data,
                &state.order,
                m,
                b0..batches,
                F::of(state.eta),
                decay,
                match (threads, plan.threads) {
                    (1, _) => Threads::One,
                    (_, None) => {
                        Threads::Adaptive { far_ns: crate::parallel::FAR_ROUND_TRIP_NS, alone_ns: f64::INFINITY }
                    }
                    _ => Threads::Two,
                },
                FINITE_CHECK_EVERY,
                |b, _| observer.batch_end(b + 1),
                || control.interrupted(),
            );
            epoch_threads = ran_on;
            state.updates += done as u64;
            state.opt.t += done as u64;
            state.batch = b0 + done;
            let at = state.batch;
            match stop {
                Some(Stop::Cost(c)) => {
                    return Err(Error::Diverged { epoch, batch: at + 1, what: format!("batch cost is {c}") });
                }
                Some(Stop::Weight(i)) => return Err(weight_diverged(net.params(), i, epoch, at)),
                Some(Stop::Asked) => {
                    state.epoch_seconds += t0.elapsed().as_secs_f64();
                    state.seconds = elapsed(&start);
                    return Err(interrupted(control, net, state, format!("epoch {epoch} batch {at}/{batches}"))?);
                }
                None => check_weights(net.params(), epoch, batches)?,
            }
        }
        if !split_hidden && plan.threads.is_none() && threads > 1 {
            // With threads chosen automatically, the pool checks at the start of every epoch
            // that its cores are close enough for more threads to pay (see `Pool::probe`).
            ws.pool().probe();
            epoch_threads = ws.pool().active_threads();
        }
        for b in first..batches {
            let order = &mut state.order;
            let rows = match plan.sampling {
                Sampling::ShuffledBatches => {
                    let rows = gather(data, &order[b * m..((b + 1) * m).min(n)], &mut xb, &mut yb);
                    if b + 1 < batches {
                        prefetch(data, &order[(b + 1) * m..((b + 2) * m).min(n)]);
                    }
                    rows
                }
                Sampling::WithReplacement => {
                    order[..m].iter_mut().for_each(|i| *i = state.rng.random_range(0..n));
                    gather(data, &order[..m], &mut xb, &mut yb)
                }
                Sampling::FullBatch => n,
            };
            let (x, y) = match &full {
                Some((x, y)) => (&x[..], &y[..]),
                None => (&xb[..], &yb[..]),
            };
            // Plain SGD takes the fused path (the update accumulates into W inside the ∂C/∂W product).
            let fused = plan.optimizer == Optimizer::Sgd;
            let cost = if fused {
                state.opt.t += 1;
                let decay = F::of(1.0 - state.eta * plan.lambda / n as f64);
                net.sgd_step(x, y, rows, &mut ws, F::of(state.eta), decay)
            } else {
                net.backprop(x, y, rows, &mut ws, &mut grad)
            };
            if !cost.is_finite() {
                return Err(Error::Diverged { epoch, batch: b + 1, what: format!("batch cost is {cost}") });
            }
            if !fused {
                decay_weights(net.params_mut(), &weight_ranges, state.eta, plan.lambda, n);
                state.opt.step_on(net.params_mut(), &grad, state.eta, ws.pool());
            }
            // The weights every FINITE_CHECK_EVERY batches, at the end of the epoch and before an
            // interrupted run saves (a pass over all of them costs 4% of Nielsen's run per batch);
            // the batch cost above every batch.
            if (b + 1) % FINITE_CHECK_EVERY == 0 || b + 1 == batches || control.interrupted() {
                check_weights(net.params(), epoch, b + 1)?;
            }
            state.updates += 1;
            state.batch = b + 1;
            observer.batch_end(b + 1);
            if control.interrupted() {
                state.epoch_seconds += t0.elapsed().as_secs_f64();
                state.seconds = elapsed(&start);
                return Err(interrupted(control, net, state, format!("epoch {epoch} batch {}/{batches}", b + 1))?);
            }
        }
        let [train_m, validation, test] = evaluate_splits(&F::as_f32(net), splits, plan.monitor, &mut eval_ws);
        let seconds = state.epoch_seconds + t0.elapsed().as_secs_f64();
        let stats = EpochStats {
            epoch,
            seconds,
            updates: state.updates,
            eta: state.eta,
            lm_mu: None,
            threads: Some(epoch_threads),
            train: train_m,
            validation,
            test,
        };
        let mut stop = None;
        if !observer.epoch_end(&stats) {
            stop = Some(StopReason::Observer);
        }
        // CSV runs (plan.task set) watch the validation loss: on small validation splits accuracy
        // moves in coarse steps and stops training too early.
        let score = if plan.task.is_some() { stats.validation.map(|m| -m.loss) } else { stats.validation_score() };
        if let Some(score) = score {
            if state.best.as_ref().is_none_or(|b| score > b.score) {
                let mut params = state.best.take().map(|b| b.params).unwrap_or_default();
                params.clear();
                params.extend_from_slice(net.params());
                state.best = Some(Best { score, epoch, params });
                state.since_best = 0;
            } else {
                state.since_best += 1;
            }
            if let Schedule::HalveOnPlateau { patience } = plan.schedule
                && state.since_best >= patience
                && state.since_best.is_multiple_of(patience)
            {
                state.eta /= 2.0;
                state.halvings += 1;
                if state.halvings >= MAX_HALVINGS {
                    stop = Some(StopReason::ScheduleExhausted);
                }
            }
            if plan.patience.is_some_and(|p| state.since_best >= p) {
                stop = Some(StopReason::EarlyStopping);
            }
        }
        if let Schedule::Step { every, factor } = plan.schedule
            && epoch.is_multiple_of(every)
        {
            state.eta *= factor;
        }
        state.epochs.push(stats);
        state.epoch += 1;
        state.batch = 0;
        state.epoch_seconds = 0.0;
        state.stop_reason = stop;
        state.seconds = elapsed(&start);
        let last = stop.is_some() || epoch == plan.epochs;
        let due = control.every > 0 && (epoch.is_multiple_of(control.every) || last);
        if due {
            control.save(net, state)?;
        }
        if control.interrupted() && !last {
            if !due {
                control.save(net, state)?;
            }
            return Err(Error::Interrupted(format!("stopped after epoch {epoch}")));
        }
    }
    let mut kept_epoch = state.epochs.len();
    if plan.patience.is_some()
        && let Some(best) = &state.best
    {
        net.params_mut().copy_from_slice(&best.params);
        kept_epoch = best.epoch;
    }
    Ok(History {
        epochs: state.epochs.clone(),
        updates: state.updates,
        seconds_total: elapsed(&start),
        stop_reason: state.stop_reason.unwrap_or(StopReason::EpochLimit),
        kept_epoch,
    })
}

/// Batches between checks that every weight is finite (and the last batch of each epoch): a
/// diverging run is stopped at most this many batches after its weights stop being finite, and
/// never evaluated, checkpointed or saved with them. The batch cost is checked after every batch.
pub const FINITE_CHECK_EVERY: usize = 16;

/// [`Error::Diverged`] at `batch` of `epoch` when a weight is not finite, naming the first.
fn check_weights<F: TrainFloat>(params: &[F], epoch: usize, batch: usize) -> Result<()> {
    match F::all_finite(params) {
        true => Ok(()),
        false => Err(weight_diverged(params, params.iter().position(|p| !p.is_finite()).unwrap_or(0), epoch, batch)),
    }
}

/// [`Error::Diverged`] naming parameter `i`.
fn weight_diverged<F: Scalar>(params: &[F], i: usize, epoch: usize, batch: usize) -> Error {
    Error::Diverged { epoch, batch, what: format!("parameter {i} became {}", params[i]) }
}

/// Saves the checkpoint of a run stopped mid-epoch (`at`: where) and returns the error reporting it.
fn interrupted<F: Scalar>(
    control: &mut Control<'_, F>,
    net: &Network<F>,
    state: &TrainState<F>,
    at: String,
) -> Result<Error> {
    control.save(net, state)?;
    Ok(Error::Interrupted(format!("stopped after {at}")))
}

/// Cache lines (16 f32) prefetched at the start of each row by [`prefetch`].
const PREFETCH_LINES: usize = 4;

/// Asks the CPU to start loading the rows `indices` of `data` into cache (the next batch's, while
/// this batch computes: the rows are scattered over the whole training set, so each gather would
/// otherwise wait on memory). Only the first [`PREFETCH_LINES`] cache lines of each row: that starts
/// the page walk and the hardware's stream prefetcher, while prefetching all 49 lines of an MNIST
/// row stalls on the line-fill buffers (Nielsen's run: 3.59 s all lines or none, 3.46 s with 2–8).
/// A hint only: it changes no value.
pub(crate) fn prefetch(data: &Dataset, indices: &[usize]) {
    #[cfg(target_arch = "x86_64")]
    for &i in indices {
        let row = &data.x[i * data.n_features..(i + 1) * data.n_features];
        for line in row.chunks(16).take(PREFETCH_LINES) {
            // SAFETY: prefetching an address inside a live slice; a prefetch never faults or writes.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, indices);
}

/// Copies the rows `indices` of `data` into the batch buffers; returns the number of rows.
fn gather<F: TrainFloat>(data: &Dataset, indices: &[usize], xb: &mut [F], yb: &mut [F]) -> usize {
    let (d, k) = (data.n_features, data.n_outputs);
    for (r, &i) in indices.iter().enumerate() {
        F::from_f32s(&mut xb[r * d..(r + 1) * d], &data.x[i * d..(i + 1) * d]);
        F::from_f32s(&mut yb[r * k..(r + 1) * k], &data.y[i * k..(i + 1) * k]);
    }
    indices.len()
}
