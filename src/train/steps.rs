//! The seam between the epoch loop and the arithmetic of its batches: [`Steps`] trains the
//! batches of one epoch. [`Reference`] is the general path — for each batch, gather its rows,
//! backpropagate (or, for plain SGD, the fused step), decay the weights, apply the optimizer —
//! and [`HiddenSplit`] the fast path for plain SGD of a one-hidden-layer network
//! ([`super::hidden_split`]), which gives the same weights (tested there). [`for_run`] picks one,
//! and the threads: `--threads N` exactly, else all cores with a [`Governor`] that runs the pool
//! solo while several threads make slower progress. Both check the batch cost after every batch
//! and the weights every [`FINITE_CHECK_EVERY`] batches, and both stop when the observer asks to.

use super::events::Observer;
use super::float::TrainFloat;
use super::hidden_split::{self, Split};
use super::sampler::{gather, prefetch};
use super::state::TrainState;
use crate::config::{Plan, Sampling};
use crate::data::Dataset;
use crate::error::Error;
use crate::float::Scalar;
use crate::network::{Network, Workspace};
use crate::optim::{Optimizer, WeightRules, decay_weights};
use crate::parallel::{self, Governor};
use rand::RngExt;
use std::borrow::Cow;
use std::ops::Range;

/// Batches between checks that every weight is finite (and the last batch of each epoch): a
/// diverging run is stopped at most this many batches after its weights stop being finite, and
/// never evaluated, checkpointed or saved with them. The batch cost is checked after every batch.
pub const FINITE_CHECK_EVERY: usize = 16;

/// Why the batches of an epoch stopped before the last one.
#[derive(Debug)]
pub(crate) enum BatchStop {
    /// A batch cost or a weight stopped being finite ([`Error::Diverged`]); nothing after it was applied.
    Diverged(Error),
    /// The observer asked to stop; the batches before were applied.
    Interrupted,
}

/// Trains the batches of one epoch.
pub(crate) trait Steps<F: TrainFloat> {
    /// Runs batches `state.batch..` of epoch `state.epoch` (whose sample order is drawn), advancing
    /// `state.batch`, `state.updates` and `state.opt.t`; reports each batch to `observer`.
    fn epoch(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset,
        state: &mut TrainState<F>,
        observer: &mut dyn Observer,
    ) -> Option<BatchStop>;

    /// The threads that trained the last epoch.
    fn threads(&self) -> usize;
}

/// Batches of size `m` in an epoch of `n` samples: ⌈n/m⌉.
pub(crate) fn batches(n: usize, m: usize) -> usize {
    n.div_ceil(m.min(n).max(1))
}

/// The steps for `plan` on `data`, and the workspace whose threads evaluation shares. Plain SGD of
/// a one-hidden-layer network on shuffled batches takes the fast path (with L1 and max-norm, not
/// with dropout, which the reference path alone implements); everything else the reference path.
pub(crate) fn for_run<'d, F: TrainFloat>(
    net: &Network<F>,
    plan: &Plan,
    data: &'d Dataset,
) -> (Box<dyn Steps<F> + 'd>, Workspace<F>) {
    let n = data.len();
    let m = plan.batch_size.min(n).max(1);
    let threads = parallel::threads_or_all(plan.threads);
    let ws = Workspace::new(net, m).with_threads(threads);
    let auto = plan.threads.is_none();
    let split = plan.optimizer() == Optimizer::Sgd && plan.sampling == Sampling::ShuffledBatches;
    let rules = WeightRules { l1: plan.l1, max_norm: plan.max_norm };
    if split && hidden_split::applies(net) && plan.dropout.is_empty() {
        let split = Split::new(net, m, threads);
        let governor = Governor::new(split.threads(), auto, hidden_split::ROUND);
        let steps = HiddenSplit { split, batches: batches(n, m), lambda: plan.lambda, rules, governor, ran_on: 1 };
        return (Box::new(steps), ws);
    }
    let governor = Governor::new(threads, auto, parallel::POOL_ROUND);
    let steps = Reference {
        weight_ranges: (0..net.n_layers()).map(|l| net.layer_ranges(l).0).collect(),
        rows_of_w: (0..net.n_layers()).map(|l| (net.layer_ranges(l).0, net.sizes()[l])).collect(),
        rules,
        grad: vec![F::zero(); net.n_params()],
        xb: vec![F::zero(); m * data.n_features],
        yb: vec![F::zero(); m * data.n_outputs],
        // Full-batch runs read the training set in place (converted once for f64).
        full: (plan.sampling == Sampling::FullBatch).then(|| (F::view_f32s(&data.x), F::view_f32s(&data.y))),
        // Dropout masks live in the training workspace only: evaluation never drops.
        ws: if plan.dropout.is_empty() { ws.clone() } else { ws.clone().with_dropout(&plan.dropout) },
        m,
        batches: batches(n, m),
        sampling: plan.sampling,
        fused: plan.optimizer() == Optimizer::Sgd,
        lambda: plan.lambda,
        governor,
        ran_on: 1,
    };
    (Box::new(steps), ws)
}

/// [`Error::Diverged`] at `batch` of `epoch` when a weight is not finite, naming the first.
fn check_weights<F: TrainFloat>(params: &[F], epoch: usize, batch: usize) -> Result<(), BatchStop> {
    match F::all_finite(params) {
        true => Ok(()),
        false => Err(weight_diverged(params, params.iter().position(|p| !p.is_finite()).unwrap_or(0), epoch, batch)),
    }
}

/// [`Error::Diverged`] naming parameter `i`.
fn weight_diverged<F: Scalar>(params: &[F], i: usize, epoch: usize, batch: usize) -> BatchStop {
    BatchStop::Diverged(Error::Diverged { epoch, batch, what: format!("parameter {i} became {}", params[i]) })
}

/// [`Error::Diverged`] for a batch whose cost Σₓ Cₓ is not finite.
fn cost_diverged(cost: f64, epoch: usize, batch: usize) -> BatchStop {
    BatchStop::Diverged(Error::Diverged { epoch, batch, what: format!("batch cost is {cost}") })
}

/// X and Y of the whole training set, borrowed (f32) or converted once (f64).
type Whole<'d, F> = (Cow<'d, [F]>, Cow<'d, [F]>);

/// The general path: each update gathers a batch of m rows, draws its dropout masks (from the
/// run's random stream, on this thread), backpropagates to get ∇C of the mean batch cost, applies
/// weight decay w ← (1 − ηλ/n)w, then the optimizer's step, then the L1 step and max-norm on each
/// row of W. Plain SGD fuses the step into backpropagation (the update accumulates into W inside
/// the ∂C/∂W product). Nothing is allocated per batch.
struct Reference<'d, F: Scalar> {
    ws: Workspace<F>,
    weight_ranges: Vec<Range<usize>>,
    /// Each layer's W and its row width n_in (for the L1 step and max-norm).
    rows_of_w: Vec<(Range<usize>, usize)>,
    rules: WeightRules,
    grad: Vec<F>,
    xb: Vec<F>,
    yb: Vec<F>,
    /// Full-batch runs: X and Y of the whole training set.
    full: Option<Whole<'d, F>>,
    m: usize,
    batches: usize,
    sampling: Sampling,
    fused: bool,
    lambda: f64,
    /// Whether the pool runs solo, round by round.
    governor: Governor,
    ran_on: usize,
}

impl<F: TrainFloat> Reference<'_, F> {
    /// Gathers (or draws, with replacement) the rows of batch `b` into the batch buffers; returns
    /// the number of rows.
    fn rows(&mut self, b: usize, data: &Dataset, state: &mut TrainState<F>) -> usize {
        let (m, n, order) = (self.m, data.len(), &mut state.order);
        match self.sampling {
            Sampling::ShuffledBatches => {
                let rows = gather(data, &order[b * m..((b + 1) * m).min(n)], &mut self.xb, &mut self.yb);
                if b + 1 < self.batches {
                    prefetch(data, &order[(b + 1) * m..((b + 2) * m).min(n)]);
                }
                rows
            }
            Sampling::WithReplacement => {
                order[..m].iter_mut().for_each(|i| *i = state.rng.random_range(0..n));
                gather(data, &order[..m], &mut self.xb, &mut self.yb)
            }
            Sampling::FullBatch => n,
        }
    }

    /// One update from batch `b`; returns its cost Σₓ Cₓ, or the divergence.
    fn step(
        &mut self,
        b: usize,
        net: &mut Network<F>,
        data: &Dataset,
        state: &mut TrainState<F>,
    ) -> Result<(), BatchStop> {
        let rows = self.rows(b, data, state);
        self.ws.draw_dropout(rows, &mut state.rng);
        let (x, y) = match &self.full {
            Some((x, y)) => (&x[..], &y[..]),
            None => (&self.xb[..], &self.yb[..]),
        };
        let cost = if self.fused {
            state.opt.t += 1;
            let decay = F::of(1.0 - state.eta * self.lambda / data.len() as f64);
            net.sgd_step(x, y, rows, &mut self.ws, F::of(state.eta), decay)
        } else {
            net.backprop(x, y, rows, &mut self.ws, &mut self.grad)
        };
        if !cost.is_finite() {
            return Err(cost_diverged(cost, state.epoch, b + 1));
        }
        if !self.fused {
            decay_weights(net.params_mut(), &self.weight_ranges, state.eta, self.lambda, data.len());
            state.opt.step_on(net.params_mut(), &self.grad, state.eta, self.ws.pool());
        }
        let rules = self.rules.at::<F>(state.eta, data.len());
        rules.layers_on(net.params_mut(), &self.rows_of_w, self.ws.pool());
        Ok(())
    }
}

impl<F: TrainFloat> Steps<F> for Reference<'_, F> {
    fn epoch(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset,
        state: &mut TrainState<F>,
        observer: &mut dyn Observer,
    ) -> Option<BatchStop> {
        self.governor.restart();
        self.ws.pool().set_solo(self.governor.solo());
        let stop = self.batches_of_epoch(net, data, state, observer);
        self.ran_on = if self.governor.take_mostly_solo() { 1 } else { self.ws.threads() };
        stop
    }

    fn threads(&self) -> usize {
        self.ran_on
    }
}

impl<F: TrainFloat> Reference<'_, F> {
    /// Batches `state.batch..` of the current epoch.
    fn batches_of_epoch(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset,
        state: &mut TrainState<F>,
        observer: &mut dyn Observer,
    ) -> Option<BatchStop> {
        for b in state.batch..self.batches {
            if let Err(stop) = self.step(b, net, data, state) {
                return Some(stop);
            }
            let stop = observer.stop_requested();
            // The weights every FINITE_CHECK_EVERY batches, at the end of the epoch and before an
            // interrupted run saves (a pass over all of them costs 4% of Nielsen's run per batch).
            let due = (b + 1) % FINITE_CHECK_EVERY == 0 || b + 1 == self.batches || stop;
            if due && let Err(e) = check_weights(net.params(), state.epoch, b + 1) {
                return Some(e);
            }
            state.updates += 1;
            state.batch = b + 1;
            self.governor.tick(self.ws.pool());
            observer.batch_end(b + 1);
            if stop {
                return Some(BatchStop::Interrupted);
            }
        }
        None
    }
}

/// The fast path: plain SGD of a one-hidden-layer network, the hidden units in blocks.
struct HiddenSplit<F: Scalar> {
    split: Split<F>,
    batches: usize,
    lambda: f64,
    rules: WeightRules,
    governor: Governor,
    ran_on: usize,
}

impl<F: TrainFloat> Steps<F> for HiddenSplit<F> {
    fn epoch(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset,
        state: &mut TrainState<F>,
        observer: &mut dyn Observer,
    ) -> Option<BatchStop> {
        let b0 = state.batch;
        let decay = F::of(1.0 - state.eta * self.lambda / data.len() as f64);
        self.split.constrain(self.rules.at(state.eta, data.len()));
        self.governor.restart();
        let (done, stop) = self.split.batches(
            net,
            data,
            &state.order,
            b0..self.batches,
            (F::of(state.eta), decay),
            &mut self.governor,
            FINITE_CHECK_EVERY,
            observer,
        );
        self.ran_on = if self.governor.take_mostly_solo() { 1 } else { self.split.threads() };
        state.updates += done as u64;
        state.opt.t += done as u64;
        state.batch = b0 + done;
        let at = state.batch;
        match stop {
            Some(hidden_split::Stop::Cost(c)) => Some(cost_diverged(c, state.epoch, at + 1)),
            Some(hidden_split::Stop::Weight(i)) => Some(weight_diverged(net.params(), i, state.epoch, at)),
            Some(hidden_split::Stop::Asked) => Some(BatchStop::Interrupted),
            None => check_weights(net.params(), state.epoch, self.batches).err(),
        }
    }

    fn threads(&self) -> usize {
        self.ran_on
    }
}
