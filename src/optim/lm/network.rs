//! A network and its training data as a nonlinear least-squares problem for the solver.
//!
//! The residuals are r(p) = y − F(p) over every training sample s and output j (m = samples ×
//! outputs, index s·k + j), and the Jacobian J = ∂r/∂p (m × n) comes from the network's own
//! backward sweep: for output j, seed δᴸ with column j equal to −σ'(zᴸ) (zero elsewhere), propagate
//! it back through the layers for the whole block of samples at once, and read each sample's row of
//! J off as outer products, ∂r/∂Wˡ\[o, i\] = δˡ\[s, o\] · aˡ⁻¹\[s, i\] and ∂r/∂bˡ\[o\] = δˡ\[s, o\].
//! The solver itself ([`super`]) picks the normal or the kernel (Woodbury) form of the step.

use super::{LeastSquares, LmError};
use crate::cost::Cost;
use crate::data::Dataset;
use crate::error::Error;
use crate::network::{Network, Workspace};
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

    /// The current parameters p (f64), in the network's flat layout.
    pub fn params(&self) -> &[f64] {
        self.net.params()
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
}
