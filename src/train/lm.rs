//! Training by Levenberg–Marquardt: the whole training set as one nonlinear least-squares problem
//! ([`crate::optim::lm`]), one iteration per "epoch". Each iteration's figures go to the
//! observer like an epoch's (with `lm_mu` set), and its stop reasons map onto the one
//! [`StopReason`] list. With a validation split, the parameters kept are those of the best
//! validation cost (MATLAB `trainlm`'s `max_fail` rule).

use super::events::{Control, EpochStats, History, Observer, StopReason};
use crate::data::Splits;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::network::Network;
use crate::optim::lm::{self, LmConfig, LmIteration, NetworkLeastSquares, cost_scale};

/// Trains `net` by Levenberg–Marquardt on `splits.train` (full batch) for at most `epochs`
/// iterations with the settings `lm` (`goal` in units of the network's cost), reporting every
/// iteration to `observer`. Returns the history: one entry per iteration, entry 0 being the
/// starting point.
pub(crate) fn train(
    net: &mut Network<f32>,
    splits: &Splits,
    epochs: usize,
    lm: &LmConfig,
    observer: &mut dyn Observer,
) -> Result<History> {
    if !net.cost().is_least_squares() {
        return Err(Error::config(
            "--cost",
            format!("lm minimises a sum of squares; {} is not (use quadratic or mse, or --optimizer adam)", net.cost()),
        ));
    }
    let train = &splits.train;
    let scale = cost_scale(net.cost(), train.len(), train.n_outputs);
    let mut problem = NetworkLeastSquares::new(net, train, splits.validation.as_ref());
    let cfg = LmConfig { epochs, goal: lm.goal * scale, ..lm.clone() };
    let p0: Vec<f64> = problem.params().to_vec();
    let (mut history, mut elapsed, mut interrupted) = (Vec::new(), 0.0, false);
    let mut record = |it: &LmIteration| {
        let loss = |c: f64| Metrics { loss: c, n: train.len(), ..Default::default() };
        let stats = EpochStats {
            epoch: it.iteration,
            seconds: it.seconds - elapsed,
            updates: it.iteration as u64,
            eta: 0.0,
            lm_mu: Some(it.mu),
            threads: None,
            train: Some(loss(it.cost / scale)),
            validation: it.validation_cost.map(loss),
            test: None,
            weights_squared: None,
        };
        elapsed = it.seconds;
        let go_on = observer.epoch_end(&stats) == Control::Continue;
        interrupted = observer.stop_requested();
        history.push(stats);
        go_on && !interrupted
    };
    let outcome = lm::levenberg_marquardt_with_callback(&mut problem, &p0, &cfg, &mut record)?;
    if interrupted {
        let at = format!("iteration {}", outcome.iterations.len().saturating_sub(1));
        return Err(Error::Interrupted { at, checkpoint: None });
    }
    if let Some(i) = outcome.p.iter().position(|v| !v.is_finite()) {
        let what = format!("parameter {i} is not finite");
        return Err(Error::Diverged { epoch: outcome.iterations.len(), batch: 1, what });
    }
    net.params_mut().iter_mut().zip(&outcome.p).for_each(|(w, &p)| *w = p as f32);
    let stop_reason = match outcome.stop_reason {
        lm::StopReason::Epochs => StopReason::EpochLimit,
        lm::StopReason::MaxFail => StopReason::EarlyStopping,
        lm::StopReason::MuMax => StopReason::MuMax,
        lm::StopReason::MinGrad => StopReason::MinGrad,
        lm::StopReason::Goal => StopReason::Goal,
        lm::StopReason::Stopped => StopReason::Observer,
    };
    let kept_epoch = match &splits.validation {
        Some(_) => best_validation_epoch(&history),
        None => history.len().saturating_sub(1),
    };
    Ok(History {
        updates: outcome.iterations.len().saturating_sub(1) as u64,
        seconds_total: outcome.iterations.last().map_or(0.0, |it| it.seconds),
        epochs: history,
        stop_reason,
        kept_epoch,
    })
}

/// The iteration with the lowest validation cost (the first on ties).
fn best_validation_epoch(epochs: &[EpochStats]) -> usize {
    let cost = |e: &EpochStats| e.validation.map_or(f64::INFINITY, |m| m.loss);
    epochs.iter().fold(0, |best, e| if cost(e) < cost(&epochs[best]) { e.epoch } else { best })
}

#[cfg(test)]
mod tests {
    use crate::Data;
    use crate::cost::Cost;
    use crate::data::builtin;
    use crate::optim::Optimizer;
    use crate::train::{Silent, fit};

    /// Training Higham's 2-2-3-2 network by LM reaches the paper's SGD figure (Σ‖y−F‖² ≤ 7.3e−4)
    /// and separates the ten points (seed 2: 18 iterations, measured).
    #[test]
    fn lm_separates_the_higham_points() {
        let data = Data::from(builtin::load("higham").unwrap());
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/experiments/higham-lm.toml");
        let config = crate::TrainConfig::from_toml(std::path::Path::new(path)).unwrap();
        let trained = fit(&config, &data, &mut Silent).unwrap();
        let sum_sq = 20.0 * trained.history.epochs.last().unwrap().train.unwrap().loss;
        assert!(sum_sq <= 7.3e-4, "Σ‖y−F‖² = {sum_sq}");
        assert!(trained.history.epochs.len() <= 51);
        assert_eq!(trained.model.evaluate(&data.splits.train, 1).unwrap().accuracy, Some(1.0));
    }

    #[test]
    fn settings_lm_cannot_honour_are_refused() {
        let splits = builtin::load("higham").unwrap();
        let mut config = crate::TrainConfig::default();
        config.network.layers = Some(vec![2, 3, 2]);
        config.optimizer.kind = Some(Optimizer::Lm);
        config.network.cost = Some(Cost::CrossEntropy);
        let err = config.resolve(&splits).unwrap_err().to_string();
        assert!(err.contains("--cost") && err.contains("sum of squares"), "{err}");
        config.network.cost = Some(Cost::Mse);
        config.training.batch_size = Some(4);
        let err = config.resolve(&splits).unwrap_err().to_string();
        assert!(err.contains("--batch-size"), "{err}");
        config.training.batch_size = None;
        config.optimizer.eta = Some(0.1);
        let err = config.resolve(&splits).unwrap_err().to_string();
        assert!(err.contains("--eta") && err.contains("not lm"), "{err}");
    }
}
