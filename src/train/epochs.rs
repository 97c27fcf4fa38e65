//! The epoch loop of first-order training, as the notes write it: each epoch draws its sample
//! order, trains its batches ([`super::steps`]), evaluates the monitored splits, and asks the
//! policies whether to go on; the figures go to the observer and into the [`History`]. Every way a
//! run ends early passes through here once: divergence returns the error without saving (the last
//! checkpoint stays the last good one), an interrupt writes a checkpoint and returns
//! [`crate::Error::Interrupted`], a policy or the observer ends it with a [`StopReason`].

use super::augmented;
use super::events::{Control, EpochStats, History, Observer, StopReason};
use super::float::TrainFloat;
use super::policy::{self, Checkpoints, EpochEnd, Policy};
use super::state::TrainState;
use super::steps::{self, BatchStop, Steps};
use super::warnings::FirstEpoch;
use crate::config::{Plan, Sampling};
use crate::data::{Dataset, Splits};
use crate::error::{Error, Result};
use crate::metrics::{Metrics, evaluate};
use crate::network::{Network, Workspace};
use rand::seq::SliceRandom;
use std::time::Instant;

/// Rows per chunk when evaluating a split.
pub const EVAL_CHUNK: usize = 1000;

/// Trains `net` on `splits.train` as `plan` says, from `state` (a fresh one, or one restored from
/// a checkpoint with the weights in `net`), reporting to `observer` and checkpointing as
/// `checkpoints` says (without, an interrupt saves nothing). On return `state` is where training
/// stopped. Under `--augment` each epoch trains on its distorted copy of the training set
/// ([`super::augmented`]), the next one made while it trains.
pub(crate) fn run<F: TrainFloat>(
    net: &mut Network<F>,
    splits: &Splits,
    plan: &Plan,
    state: &mut TrainState<F>,
    observer: &mut dyn Observer,
    checkpoints: Option<&Checkpoints>,
) -> Result<History> {
    let recipe = augmented::recipe(plan, splits);
    std::thread::scope(|scope| {
        let mut copies = recipe.as_ref().map(|r| augmented::Epochs::new(scope, r));
        run_epochs(net, splits, plan, state, observer, checkpoints, copies.as_mut())
    })
}

fn run_epochs<F: TrainFloat>(
    net: &mut Network<F>,
    splits: &Splits,
    plan: &Plan,
    state: &mut TrainState<F>,
    observer: &mut dyn Observer,
    checkpoints: Option<&Checkpoints>,
    mut copies: Option<&mut augmented::Epochs>,
) -> Result<History> {
    let data = &splits.train;
    if data.is_empty() {
        return Err(Error::config("--dataset", format!("dataset '{}' has no training samples", splits.name)));
    }
    state.check_fits(plan, data.len(), net.n_params())?;
    let batches = steps::batches(data.len(), plan.batch_size);
    let (steps, ws) = steps::for_run(net, plan, data);
    let mut run = Loop {
        splits,
        plan,
        eval_ws: Workspace::new(&F::as_f32(net), EVAL_CHUNK).sharing_threads_of(&ws),
        policies: policy::for_plan::<F>(plan),
        first_epoch: FirstEpoch::before(net, state, data, batches),
        steps,
        start: Instant::now(),
        seconds_before: state.seconds,
    };
    while state.stop_reason.is_none() && state.epoch <= plan.epochs {
        let (epoch, t0) = (state.epoch, Instant::now());
        observer.epoch_start(epoch, batches);
        if state.batch == 0 && plan.sampling == Sampling::ShuffledBatches {
            state.order.shuffle(&mut state.rng);
        }
        let train = match copies.as_deref_mut() {
            Some(c) => c.epoch(epoch, (epoch < plan.epochs).then_some(epoch + 1)),
            None => data,
        };
        match run.steps.epoch(net, train, state, observer) {
            Some(BatchStop::Diverged(e)) => return Err(e),
            Some(BatchStop::Interrupted) => {
                state.epoch_seconds += t0.elapsed().as_secs_f64();
                state.seconds = run.seconds();
                let at = format!("epoch {epoch} batch {}/{batches}", state.batch);
                return Err(interrupted(checkpoints, net, state, at, observer)?);
            }
            None => {}
        }
        let stats = run.figures(net, state, t0, observer);
        let stop = run.judge(&stats, net.params(), state, observer);
        // The epoch is done: recorded, and the state moved to the next one.
        state.epochs.push(stats);
        (state.epoch, state.batch, state.epoch_seconds) = (epoch + 1, 0, 0.0);
        (state.stop_reason, state.seconds) = (stop, run.seconds());
        let last = stop.is_some() || epoch == plan.epochs;
        let saved = match checkpoints {
            Some(c) => c.epoch_end(net, state, last, observer)?,
            None => false,
        };
        if observer.stop_requested() && !last {
            let at = format!("epoch {epoch}");
            return Err(match (checkpoints, saved) {
                (Some(c), true) => Error::Interrupted { at, checkpoint: Some(c.dir.clone()) },
                _ => interrupted(checkpoints, net, state, at, observer)?,
            });
        }
    }
    Ok(finish(net, plan, state, run.seconds()))
}

/// What the loop keeps from epoch to epoch.
struct Loop<'a, F: TrainFloat> {
    splits: &'a Splits,
    plan: &'a Plan,
    steps: Box<dyn Steps<F> + 'a>,
    eval_ws: Workspace<f32>,
    policies: Vec<Box<dyn Policy<F>>>,
    first_epoch: FirstEpoch,
    /// When this session of the run started, and the seconds the run had spent before it.
    start: Instant,
    seconds_before: f64,
}

impl<F: TrainFloat> Loop<'_, F> {
    /// Seconds the run has spent, sessions before this one included.
    fn seconds(&self) -> f64 {
        self.seconds_before + self.start.elapsed().as_secs_f64()
    }

    /// The figures of the epoch that started at `t0` and just trained its last batch: the
    /// monitored splits evaluated (and, after the first epoch, the warnings checked).
    fn figures(
        &mut self,
        net: &Network<F>,
        state: &TrainState<F>,
        t0: Instant,
        observer: &mut dyn Observer,
    ) -> EpochStats {
        let net32 = F::as_f32(net);
        let [train, validation, test] = evaluate_splits(&net32, self.splits, self.plan.monitor, &mut self.eval_ws);
        let stats = EpochStats {
            epoch: state.epoch,
            seconds: state.epoch_seconds + t0.elapsed().as_secs_f64(),
            updates: state.updates,
            eta: state.eta,
            lm_mu: None,
            threads: Some(self.steps.threads()),
            train,
            validation,
            test,
            weights_squared: Some(weights_squared(&net32)),
        };
        self.first_epoch.check(&net32, &stats, observer);
        stats
    }

    /// Shows the figures to the observer, then to each policy in turn; returns why to stop, if
    /// any of them says so (the last one that does).
    fn judge(
        &mut self,
        stats: &EpochStats,
        params: &[F],
        state: &mut TrainState<F>,
        observer: &mut dyn Observer,
    ) -> Option<StopReason> {
        let mut stop = (observer.epoch_end(stats) == Control::Stop).then_some(StopReason::Observer);
        let end = EpochEnd { stats, params, score: policy::score(self.plan, stats) };
        for p in &mut self.policies {
            stop = p.epoch_end(&end, state).or(stop);
        }
        stop
    }
}

/// The error reporting a run interrupted `at`, after saving its checkpoint when it has them.
fn interrupted<F: TrainFloat>(
    checkpoints: Option<&Checkpoints>,
    net: &Network<F>,
    state: &TrainState<F>,
    at: String,
    observer: &mut dyn Observer,
) -> Result<Error> {
    match checkpoints {
        Some(c) => c.interrupted(net, state, at, observer),
        None => Ok(Error::Interrupted { at, checkpoint: None }),
    }
}

/// The history of a run that ended, with the best weights restored under early stopping.
fn finish<F: TrainFloat>(net: &mut Network<F>, plan: &Plan, state: &TrainState<F>, seconds: f64) -> History {
    let mut kept_epoch = state.epochs.len();
    if plan.patience.is_some()
        && let Some(best) = &state.best
    {
        net.params_mut().copy_from_slice(&best.params);
        kept_epoch = best.epoch;
    }
    History {
        epochs: state.epochs.clone(),
        updates: state.updates,
        seconds_total: seconds,
        stop_reason: state.stop_reason.unwrap_or(StopReason::EpochLimit),
        kept_epoch,
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

/// Σ‖W‖² over the weight matrices of `net` (biases left out), summed in f64.
fn weights_squared(net: &Network<f32>) -> f64 {
    (0..net.n_layers()).map(|l| net.weight(l).iter().map(|&w| f64::from(w) * f64::from(w)).sum::<f64>()).sum()
}
