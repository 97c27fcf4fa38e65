//! Signs that a run will not learn, said once each as a [`Warning`]: before training, a learning
//! rate far outside the optimizer's usual range (Adam with η = 3 ends MNIST at 10% accuracy and
//! says nothing else); after the first epoch, a training loss that barely moved or an accuracy no
//! better than guessing. Neither stops the run.

use super::events::{EpochStats, Observer, Warning};
use super::float::TrainFloat;
use super::state::TrainState;
use crate::config::Plan;
use crate::data::Dataset;
use crate::metrics::evaluate;
use crate::network::{Network, Workspace};
use crate::optim::Solver;

/// Updates the first epoch must have for its figures to mean something: shorter epochs (Higham's
/// ten points, one point per step) may well end the first epoch at chance.
const MIN_UPDATES: usize = 100;
/// Training rows whose loss is compared before and after the first epoch.
const PROBE_ROWS: usize = 1000;
/// A relative change of the loss below this is "barely moved".
const STILL: f64 = 1e-3;
/// Accuracy at most this much above 1/classes is "no better than guessing".
const CHANCE_MARGIN: f64 = 0.05;

/// The warnings `plan` gives before training: η far outside the optimizer's usual range
/// ([`crate::Optimizer::usual_eta`]), counting momentum's effective step η/(1 − μ).
pub(crate) fn for_plan(plan: &Plan) -> Vec<Warning> {
    let optimizer = plan.optimizer();
    let (Some(eta), Some(usual)) = (plan.eta(), optimizer.usual_eta()) else { return Vec::new() };
    let step = match plan.solver {
        Solver::Momentum { momentum, .. } | Solver::Nesterov { momentum, .. } => eta / (1.0 - momentum),
        _ => eta,
    };
    if step < usual.0 || step > usual.1 {
        vec![Warning::EtaOutOfRange { optimizer, eta: step, usual }]
    } else {
        Vec::new()
    }
}

/// The loss of the first training rows before the first epoch, to compare after it.
pub(crate) struct FirstEpoch {
    probe: Option<(Dataset, f64)>,
}

impl FirstEpoch {
    /// Measures the loss on the first [`PROBE_ROWS`] training rows when `state` is a fresh run
    /// whose first epoch has at least [`MIN_UPDATES`] batches; nothing otherwise.
    pub(crate) fn before<F: TrainFloat>(
        net: &Network<F>,
        state: &TrainState<F>,
        data: &Dataset,
        batches: usize,
    ) -> FirstEpoch {
        let fresh = state.epoch == 1 && state.batch == 0 && batches >= MIN_UPDATES;
        let probe = fresh.then(|| {
            let rows = data.slice(0..data.len().min(PROBE_ROWS));
            let loss = loss(&F::as_f32(net), &rows);
            (rows, loss)
        });
        FirstEpoch { probe }
    }

    /// After the first epoch (`stats`), with `net` its weights: warns when the loss barely moved
    /// or the accuracy is at chance. Later epochs: nothing.
    pub(crate) fn check(&mut self, net: &Network<f32>, stats: &EpochStats, observer: &mut dyn Observer) {
        let Some((rows, before)) = self.probe.take() else { return };
        let after = loss(net, &rows);
        if (after - before).abs() <= STILL * before.abs() {
            observer.warning(&Warning::LossNotMoving { before, after });
        }
        let classes = net.n_outputs();
        let measured = [("validation", stats.validation), ("training", stats.train), ("test", stats.test)];
        let accuracy = measured.into_iter().find_map(|(split, m)| Some((split, m?.accuracy?)));
        if let Some((split, accuracy)) = accuracy
            && classes >= 2
            && accuracy <= 1.0 / classes as f64 + CHANCE_MARGIN
        {
            observer.warning(&Warning::AtChance { split: split.into(), accuracy, classes });
        }
    }
}

/// Mean cost of `net` on `data`.
fn loss(net: &Network<f32>, data: &Dataset) -> f64 {
    evaluate(net, data, &mut Workspace::new(net, data.len().max(1))).loss
}
