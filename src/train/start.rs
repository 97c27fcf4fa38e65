//! Where a first-order run starts: from its seed (the network drawn, or read from `init_from`,
//! then the one random stream continues into sampling), or from the checkpoint it resumes, which
//! must be of the same configuration and data. Dispatches on the run's float type.

use super::checkpoint::{self, Run};
use super::epochs;
use super::events::{History, Observer, StopReason};
use super::float::TrainFloat;
use super::policy::Checkpoints;
use super::state::TrainState;
use crate::config::{Plan, Precision, TrainConfig};
use crate::data::Splits;
use crate::error::{Error, Result};
use crate::network::Network;
use std::path::Path;

/// Trains as `plan` says on `splits`, in `plan.precision`, from the start or from the checkpoint
/// `config.reliability.resume` names; returns the network with f32 weights.
pub(crate) fn first_order(
    config: &TrainConfig,
    plan: &Plan,
    splits: &Splits,
    observer: &mut dyn Observer,
) -> Result<(Network<f32>, History)> {
    match plan.precision {
        Precision::F32 => run_as::<f32>(config, plan, splits, observer),
        Precision::F64 => run_as::<f64>(config, plan, splits, observer).map(|(net, h)| (net.cast(), h)),
    }
}

fn run_as<F: TrainFloat>(
    config: &TrainConfig,
    plan: &Plan,
    splits: &Splits,
    observer: &mut dyn Observer,
) -> Result<(Network<F>, History)> {
    let data = checkpoint::data_fingerprint(splits);
    let (mut net, mut state) = match &config.reliability.resume {
        Some(dir) => resume(dir, config, plan, &data)?,
        None => {
            let (net, rng) = plan.initial_network::<F>()?;
            let state = TrainState::new(plan, splits.train.len(), net.n_params(), rng);
            (net, state)
        }
    };
    let resumed = config.reliability.resume.as_deref().map(|d| (d, state.epoch, state.batch));
    let reliability = &config.reliability;
    let checkpoints =
        Checkpoints { every: reliability.every(), dir: reliability.dir(), run: Run { config, plan, data: &data } };
    if checkpoints.every > 0 {
        let dir = &checkpoints.dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::config("--checkpoint", format!("{}: {e}", dir.display())))?;
    }
    observer.run_start(plan, resumed);
    let history = epochs::run(&mut net, splits, plan, &mut state, observer, Some(&checkpoints))?;
    Ok((net, history))
}

/// First-order training of `net` as `plan` says on `splits`, sampling from `rng` (left where
/// training stopped drawing from it), without checkpoints: for experiments that start from a
/// network of their own making.
#[cfg(feature = "plot")]
pub(crate) fn from_network<F: TrainFloat>(
    plan: &Plan,
    splits: &Splits,
    net: &mut Network<F>,
    rng: &mut rand_chacha::ChaCha8Rng,
    observer: &mut dyn Observer,
) -> Result<History> {
    let mut state = TrainState::new(plan, splits.train.len(), net.n_params(), rng.clone());
    let history = epochs::run(net, splits, plan, &mut state, observer, None);
    *rng = state.rng;
    history
}

/// The network and state checkpointed in `dir`, after checking that the run there is this one:
/// the same settings (bar where outputs go), the same resolved plan, the same data.
fn resume<F: TrainFloat>(
    dir: &Path,
    config: &TrainConfig,
    plan: &Plan,
    data: &str,
) -> Result<(Network<F>, TrainState<F>)> {
    let ck = checkpoint::load(dir)?;
    config.check_resumable(&ck.config, dir)?;
    if ck.data != data {
        let why =
            format!("the data ({data}) differ from those of the run checkpointed in {} ({})", dir.display(), ck.data);
        return Err(Error::config("--resume", why));
    }
    // The threads may differ (they never change a result), and the epochs (checked below).
    let comparable = |p: &Plan| Plan { threads: None, epochs: 0, ..p.clone() };
    if comparable(&ck.plan) != comparable(plan) {
        let why = format!("the resolved settings differ from those checkpointed in {}", dir.display());
        return Err(Error::config("--resume", why));
    }
    let mut state = ck.state.cast::<F>();
    extend(&mut state, plan.epochs, dir)?;
    Ok((ck.network::<F>()?, state))
}

/// Lets a checkpointed run go on to `epochs` epochs: refused below the epochs it has already
/// begun, and after it stopped for another reason than its epoch count (early stopping, a spent
/// schedule), which more epochs would not undo. Since no schedule or stopping rule depends on the
/// total, the extended run is the one a run of `epochs` epochs from the start trains.
fn extend<F: TrainFloat>(state: &mut TrainState<F>, epochs: usize, dir: &Path) -> Result<()> {
    let begun = if state.batch > 0 { state.epoch } else { state.epoch - 1 };
    if epochs < begun {
        let why =
            format!("{epochs} is fewer than the {begun} epochs the run checkpointed in {} has begun", dir.display());
        return Err(Error::config("--epochs", why));
    }
    match state.stop_reason {
        Some(StopReason::EpochLimit) if epochs > begun => state.stop_reason = None,
        Some(reason) if reason != StopReason::EpochLimit && epochs > begun => {
            let why = format!(
                "the run checkpointed in {} stopped after epoch {begun} ({reason}); more epochs would not continue it",
                dir.display()
            );
            return Err(Error::config("--epochs", why));
        }
        _ => {}
    }
    Ok(())
}
