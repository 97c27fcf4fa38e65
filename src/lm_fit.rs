//! Levenberg–Marquardt training of a network: the network as a nonlinear least-squares problem.
//!
//! The residuals are r(p) = y − F(p) over every training sample s and output j (m = samples ×
//! outputs, index s·k + j), and the Jacobian J = ∂r/∂p (m × n) comes from the network's own
//! backward sweep: for output j, seed δᴸ with column j equal to −σ'(zᴸ) (zero elsewhere), propagate
//! it back through the layers for the whole block of samples at once, and read each sample's row of
//! J off as outer products, ∂r/∂Wˡ[o, i] = δˡ[s, o] · aˡ⁻¹[s, i] and ∂r/∂bˡ[o] = δˡ[s, o].
//! The solver itself ([`crate::lm`]) picks the normal or the kernel (Woodbury) form of the step.

use crate::config::Plan;
use crate::cost::Cost;
use crate::data::{Dataset, Splits};
use crate::error::{Error, Result};
use crate::lm::{LeastSquares, LmConfig, LmError, LmIteration, StopReason, levenberg_marquardt_with_callback};
use crate::metrics::Metrics;
use crate::network::{Network, Workspace};
use crate::train::{EpochStats, History, StopReason as TrainStop};
use std::ops::Range;

/// Samples per forward/backward block when forming residuals and Jacobian rows.
const BLOCK_SAMPLES: usize = 256;

/// A network and its training data seen as r(p) = y − F(p).
pub struct NetworkLeastSquares {
    net: Network<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
    validation: Option<(Vec<f64>, Vec<f64>)>,
    ws: Workspace<f64>,
}

fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

impl NetworkLeastSquares {
    /// The problem for `net` (computed in f64) on `train`, with an optional validation set.
    pub fn new(net: &Network<f32>, train: &Dataset, validation: Option<&Dataset>) -> Self {
        let net = net.cast::<f64>();
        let ws = Workspace::new(&net, BLOCK_SAMPLES);
        NetworkLeastSquares {
            x: to_f64(&train.x),
            y: to_f64(&train.y),
            validation: validation.map(|v| (to_f64(&v.x), to_f64(&v.y))),
            net,
            ws,
        }
    }

    /// Writes row `row` (a residual index s·k + j) of J for sample `s_local` of the current block:
    /// the visitor of the backward sweep seeded at output j.
    fn jacobian_row(net: &Network<f64>, l: usize, delta: &[f64], a_prev: &[f64], s_local: usize, row: &mut [f64]) {
        let (n_in, n_out) = (net.sizes()[l], net.sizes()[l + 1]);
        let (w_range, b_range) = net.layer_ranges(l);
        let d = &delta[s_local * n_out..(s_local + 1) * n_out];
        let a = &a_prev[s_local * n_in..(s_local + 1) * n_in];
        for (o, &d_o) in d.iter().enumerate() {
            let w_row = &mut row[w_range.start + o * n_in..w_range.start + (o + 1) * n_in];
            w_row.iter_mut().zip(a).for_each(|(j, &a_i)| *j = d_o * a_i);
        }
        row[b_range].copy_from_slice(d);
    }
}

impl LeastSquares for NetworkLeastSquares {
    fn n_params(&self) -> usize {
        self.net.n_params()
    }

    fn n_residuals(&self) -> usize {
        self.y.len()
    }

    fn residual_block(&mut self, p: &[f64], rows: Range<usize>, r: &mut [f64], mut jac: Option<&mut [f64]>) {
        self.net.params_mut().copy_from_slice(p);
        let (d, k, n) = (self.net.n_inputs(), self.net.n_outputs(), self.net.n_params());
        let (first, last) = (rows.start / k, rows.end.div_ceil(k));
        let mut s0 = first;
        while s0 < last {
            let count = BLOCK_SAMPLES.min(last - s0);
            let x = &self.x[s0 * d..(s0 + count) * d];
            let a = self.net.forward(x, count, &mut self.ws).to_vec();
            // r = y − F(p) for the rows of this block that were asked for.
            let block_rows = (s0 * k).max(rows.start)..((s0 + count) * k).min(rows.end);
            for i in block_rows.clone() {
                r[i - rows.start] = self.y[i] - a[i - s0 * k];
            }
            if let Some(jac) = jac.as_deref_mut() {
                for j in 0..k {
                    // δᴸ = ∂r_j/∂zᴸ = −σ'(zᴸ) in column j, 0 elsewhere.
                    let act = *self.net.activations().last().expect("layers");
                    let delta = self.ws.output_delta_mut(count);
                    delta.iter_mut().for_each(|v| *v = 0.0);
                    for s in 0..count {
                        let a_sj = a[s * k + j];
                        delta[s * k + j] = -act.derivative_from_output(a_sj).unwrap_or(1.0);
                    }
                    let net = &self.net;
                    net.backward(x, count, &mut self.ws, |l, delta, a_prev| {
                        for s in 0..count {
                            let i = (s0 + s) * k + j;
                            if block_rows.contains(&i) {
                                let row = &mut jac[(i - rows.start) * n..(i - rows.start + 1) * n];
                                Self::jacobian_row(net, l, delta, a_prev, s, row);
                            }
                        }
                    });
                }
            }
            s0 += count;
        }
    }

    fn validation_cost(&mut self, p: &[f64]) -> Option<f64> {
        let (x, y) = self.validation.as_ref()?;
        self.net.params_mut().copy_from_slice(p);
        Some(self.net.mean_cost(x, y, &mut self.ws))
    }
}

/// S = ‖r‖² per unit of the network's cost: quadratic C = S/(2N), MSE C = S/(N·k).
pub fn cost_scale(cost: Cost, n_samples: usize, n_outputs: usize) -> f64 {
    match cost {
        Cost::Mse => (n_samples * n_outputs) as f64,
        _ => 2.0 * n_samples as f64,
    }
}

impl From<LmError> for Error {
    fn from(e: LmError) -> Self {
        match e {
            LmError::TooLarge { .. } => Error::config("--optimizer", e.to_string()),
            other => Error::LinAlg(other.to_string()),
        }
    }
}

/// Trains `net` by Levenberg–Marquardt on `splits.train` (full batch) as `plan` and `lm` say;
/// `goal` in `lm` is in units of the network's cost. Calls `on_iter` after every iteration with
/// the per-iteration figures (train and validation cost, μ). Returns the history: one entry per
/// iteration, entry 0 being the starting point. With a validation split, the parameters kept are
/// those of the best validation cost (MATLAB `trainlm`'s `max_fail` rule).
pub fn train_lm(
    net: &mut Network<f32>,
    splits: &Splits,
    plan: &Plan,
    lm: &LmConfig,
    on_iter: &mut dyn FnMut(&EpochStats),
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
    let cfg = LmConfig { epochs: plan.epochs, goal: lm.goal * scale, ..lm.clone() };
    let p0: Vec<f64> = problem.net.params().to_vec();
    let mut epochs: Vec<EpochStats> = Vec::new();
    let mut elapsed = 0.0;
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
        };
        elapsed = it.seconds;
        on_iter(&stats);
        epochs.push(stats);
    };
    let outcome = levenberg_marquardt_with_callback(&mut problem, &p0, &cfg, &mut record)?;
    if let Some(i) = outcome.p.iter().position(|v| !v.is_finite()) {
        let what = format!("parameter {i} is not finite");
        return Err(Error::Diverged { epoch: outcome.iterations.len(), batch: 1, what });
    }
    net.params_mut().iter_mut().zip(&outcome.p).for_each(|(w, &p)| *w = p as f32);
    let stop_reason = match outcome.stop_reason {
        StopReason::Epochs => TrainStop::EpochLimit,
        StopReason::MaxFail => TrainStop::EarlyStopping,
        StopReason::MuMax => TrainStop::MuMax,
        StopReason::MinGrad => TrainStop::MinGrad,
        StopReason::Goal => TrainStop::Goal,
    };
    let kept_epoch = match (&splits.validation, stop_reason) {
        (Some(_), _) => best_validation_epoch(&epochs),
        _ => epochs.len().saturating_sub(1),
    };
    let history = History {
        updates: outcome.iterations.len().saturating_sub(1) as u64,
        seconds_total: outcome.iterations.last().map_or(0.0, |it| it.seconds),
        epochs,
        stop_reason,
        kept_epoch,
    };
    Ok(history)
}

/// The iteration with the lowest validation cost (the first on ties).
fn best_validation_epoch(epochs: &[EpochStats]) -> usize {
    let cost = |e: &EpochStats| e.validation.map_or(f64::INFINITY, |m| m.loss);
    epochs.iter().fold(0, |best, e| if cost(e) < cost(&epochs[best]) { e.epoch } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::init::Init;
    use rand::SeedableRng;

    fn problem(hidden: Activation, output: Activation) -> NetworkLeastSquares {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut net = Network::<f32>::new(&[3, 4, 5, 2], hidden, output, Cost::Quadratic).unwrap();
        net.init(Init::Normal, 1.0, &mut rng);
        let x: Vec<f32> = (0..7 * 3).map(|i| ((i * 37 % 11) as f32 - 5.0) / 4.0).collect();
        let y: Vec<f32> = (0..7 * 2).map(|i| ((i * 13 % 7) as f32) / 7.0).collect();
        NetworkLeastSquares::new(&net, &Dataset::regression(x, 3, y, 2), None)
    }

    /// J from the backward sweep equals central differences of r(p), including for row ranges
    /// that start and end inside a sample.
    #[test]
    fn jacobian_matches_finite_differences() {
        for (hidden, output) in [(Activation::Sigmoid, Activation::Sigmoid), (Activation::Tanh, Activation::Identity)] {
            let mut pb = problem(hidden, output);
            let (m, n) = (pb.n_residuals(), pb.n_params());
            let p: Vec<f64> = pb.net.params().to_vec();
            let rows = 3..m - 1;
            let mut r = vec![0.0; rows.len()];
            let mut jac = vec![0.0; rows.len() * n];
            pb.residual_block(&p, rows.clone(), &mut r, Some(&mut jac));
            let eps = 1e-5;
            let mut worst = 0.0f64;
            for i in 0..n {
                let (mut plus, mut minus) = (p.clone(), p.clone());
                plus[i] += eps;
                minus[i] -= eps;
                let (mut rp, mut rm) = (vec![0.0; rows.len()], vec![0.0; rows.len()]);
                pb.residual_block(&plus, rows.clone(), &mut rp, None);
                pb.residual_block(&minus, rows.clone(), &mut rm, None);
                for row in 0..rows.len() {
                    let numeric = (rp[row] - rm[row]) / (2.0 * eps);
                    let analytic = jac[row * n + i];
                    let rel = (numeric - analytic).abs() / numeric.abs().max(analytic.abs()).max(1e-6);
                    worst = worst.max(rel);
                }
            }
            assert!(worst < 1e-6, "{hidden}/{output}: max relative error {worst}");
        }
    }

    /// Training Higham's 2-2-3-2 network by LM reaches the paper's SGD figure (Σ‖y−F‖² ≤ 7.3e−4)
    /// and separates the ten points (seed 2: 18 iterations, measured).
    #[test]
    fn lm_separates_the_higham_points() {
        let splits = crate::data::builtin::load("higham").unwrap();
        let config = crate::reproduce::higham::config(2, 50, crate::Optimizer::Lm);
        let plan = config.resolve(&splits).unwrap();
        let (mut net, _) = crate::train::init_network(&plan).unwrap();
        let history = train_lm(&mut net, &splits, &plan, plan.lm.as_ref().unwrap(), &mut |_| {}).unwrap();
        let sum_sq = 20.0 * history.epochs.last().unwrap().train.unwrap().loss;
        assert!(sum_sq <= 7.3e-4, "Σ‖y−F‖² = {sum_sq}");
        assert!(history.epochs.len() <= 51);
        let mut ws = Workspace::new(&net, 10);
        let m = crate::metrics::evaluate(&net, &splits.train, &mut ws);
        assert_eq!(m.accuracy, Some(1.0));
    }

    #[test]
    fn non_least_squares_cost_is_refused() {
        let splits = crate::data::builtin::load("higham").unwrap();
        let config = crate::TrainConfig {
            layers: Some(vec![2, 3, 2]),
            optimizer: Some(crate::Optimizer::Lm),
            cost: Some(Cost::CrossEntropy),
            ..Default::default()
        };
        let err = config.resolve(&splits).unwrap_err().to_string();
        assert!(err.contains("--cost") && err.contains("sum of squares"), "{err}");
        let config = crate::TrainConfig { cost: Some(Cost::Mse), batch_size: Some(4), ..config };
        let err = config.resolve(&splits).unwrap_err().to_string();
        assert!(err.contains("--batch-size"), "{err}");
    }
}
