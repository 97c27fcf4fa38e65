//! Finite-difference verification of backpropagation, in f64: every parameter θᵢ is perturbed by
//! ±ε and the central difference (C(θ + εeᵢ) − C(θ − εeᵢ)) / 2ε is compared with ∂C/∂θᵢ from
//! [`Network::backprop`]. Used by the tests and by `neuralnet gradcheck`.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::Result;
use crate::init::Init;
use crate::network::{Network, Workspace};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Step used for the central differences.
pub const EPSILON: f64 = 1e-6;

/// Outcome of a gradient check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// max over parameters of |g − ĝ| / max(|g|, |ĝ|, 1e−8), g from backprop, ĝ from differences.
    pub max_rel_error: f64,
    /// Index (flat layout) of the parameter with the largest error.
    pub worst_param: usize,
    /// Number of parameters checked.
    pub n_params: usize,
}

/// Compares backprop's gradient of the mean cost over `rows` samples with central differences.
pub fn check(net: &Network<f64>, x: &[f64], y: &[f64], rows: usize) -> GradCheck {
    let mut ws = Workspace::new(net, rows);
    let mut grad = vec![0.0; net.n_params()];
    net.backprop(x, y, rows, &mut ws, &mut grad);
    let mut probe = net.clone();
    let mut cost = |p: &Network<f64>| -> f64 {
        p.forward(x, rows, &mut ws);
        p.cost_sum(y, rows, &ws) / rows as f64
    };
    let mut out = GradCheck { max_rel_error: 0.0, worst_param: 0, n_params: net.n_params() };
    for (i, &g) in grad.iter().enumerate() {
        let theta = net.params()[i];
        probe.params_mut()[i] = theta + EPSILON;
        let plus = cost(&probe);
        probe.params_mut()[i] = theta - EPSILON;
        let minus = cost(&probe);
        probe.params_mut()[i] = theta;
        let numeric = (plus - minus) / (2.0 * EPSILON);
        let rel = (g - numeric).abs() / g.abs().max(numeric.abs()).max(1e-8);
        if rel > out.max_rel_error {
            out.max_rel_error = rel;
            out.worst_param = i;
        }
    }
    out
}

/// A random network (N(0,1) weights, `seed`) and a batch of `rows` inputs and valid targets for
/// `cost`: one-hot rows for softmax outputs, values in (0, 1) for sigmoid cross-entropy,
/// N(0, 1) values otherwise.
pub fn random_problem(
    sizes: &[usize],
    hidden: Activation,
    output: Activation,
    cost: Cost,
    rows: usize,
    seed: u64,
) -> Result<(Network<f64>, Vec<f64>, Vec<f64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut net = Network::<f64>::new(sizes, hidden, output, cost)?;
    net.init(Init::Normal, 1.0, &mut rng);
    let (d, k) = (net.n_inputs(), net.n_outputs());
    let x: Vec<f64> = (0..rows * d).map(|_| StandardNormal.sample(&mut rng)).collect();
    let y: Vec<f64> = match (output, cost) {
        (Activation::Softmax, _) => (0..rows)
            .flat_map(|_| {
                let c = rng.random_range(0..k);
                (0..k).map(move |j| f64::from(u8::from(j == c)))
            })
            .collect(),
        (_, Cost::CrossEntropy) => (0..rows * k).map(|_| rng.random_range(0.05..0.95)).collect(),
        _ => (0..rows * k).map(|_| StandardNormal.sample(&mut rng)).collect(),
    };
    Ok((net, x, y))
}
