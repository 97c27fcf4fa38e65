//! Finite-difference verification of backpropagation, in f64: every parameter θᵢ is perturbed by
//! ±ε and the central difference (C(θ + εeᵢ) − C(θ − εeᵢ)) / 2ε is compared with ∂C/∂θᵢ from
//! [`Network::backprop`]. Used by the tests and by `neuralnet gradcheck`. [`check_dropout`] checks
//! a training pass through fixed dropout masks, [`check_l1`] the cost with Nielsen's L1 term.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::Result;
use crate::init::Init;
use crate::network::{Network, Workspace};
use crate::optim::penalty::{add_l1_gradient, l1_cost};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Step h of the central differences.
pub const STEP: f64 = 1e-4;

/// Gradient entries smaller than this times max(1, |C|) are compared in absolute terms (scaled by
/// it), because a relative error of a value near zero measures only the rounding of the
/// differences, and that rounding grows with the cost C itself: C(θ ± h) carry errors of about
/// ε·|C|, which the differences divide by 12h.
pub const TINY: f64 = 1e-4;

/// Outcome of a gradient check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// max over parameters of |g − ĝ| / max(|g|, |ĝ|, [`TINY`]·max(1, |C|)), g from backprop, ĝ
    /// from differences, C the cost at the point checked.
    pub max_rel_error: f64,
    /// Index (flat layout) of the parameter with the largest error.
    pub worst_param: usize,
    /// Number of parameters checked.
    pub n_params: usize,
    /// Parameters skipped because a ±2h perturbation moved some unit across a kink of a
    /// piecewise-linear function (ReLU, leaky ReLU, hard sigmoid, MAE), where C is not
    /// differentiable, at h = [`STEP`] and again at h = [`STEP`]/10.
    pub skipped: usize,
}

/// Which linear piece every kinked function is on, for the last forward pass: the side of 0 for
/// ReLU-type units, the ramp or either flat part for hard sigmoid, the sign of a − y for MAE.
fn pieces(net: &Network<f64>, ws: &Workspace<f64>, y: &[f64], rows: usize) -> Vec<i8> {
    let mut out = Vec::new();
    for (l, act) in net.activations().iter().enumerate() {
        let a = ws.layer_output(l, rows);
        match act {
            Activation::Relu | Activation::LeakyRelu => out.extend(a.iter().map(|&v| i8::from(v > 0.0))),
            Activation::HardSigmoid => out.extend(a.iter().map(|&v| i8::from(v > 0.0) + i8::from(v >= 1.0))),
            _ => {}
        }
    }
    if net.cost() == Cost::Mae {
        let a = ws.layer_output(net.n_layers() - 1, rows);
        out.extend(a.iter().zip(y).map(|(&a, &y)| (a - y).signum() as i8));
    }
    out
}

/// Compares backprop's gradient of the mean cost over `rows` samples with the fourth-order central
/// difference ĝ = [8(C(θ+h) − C(θ−h)) − (C(θ+2h) − C(θ−2h))] / 12h, h = [`STEP`] (or [`STEP`]/10
/// where a unit lies within 2h of a kink), for every parameter.
pub fn check(net: &Network<f64>, x: &[f64], y: &[f64], rows: usize) -> GradCheck {
    let mut ws = Workspace::new(net, rows);
    let mut grad = vec![0.0; net.n_params()];
    net.backprop(x, y, rows, &mut ws, &mut grad);
    check_against(net, x, y, rows, &grad)
}

/// Compares a given gradient `grad` (flat layout) with the central differences, as [`check`] does.
pub fn check_against(net: &Network<f64>, x: &[f64], y: &[f64], rows: usize, grad: &[f64]) -> GradCheck {
    let mut ws = Workspace::new(net, rows);
    differences(net, grad, |p| {
        p.forward(x, rows, &mut ws);
        (p.cost_sum(y, rows, &ws) / rows as f64, pieces(p, &ws, y, rows))
    })
}

/// [`check`] for a training pass with dropout: the masks for the probabilities `p` (one per layer
/// input, see [`Workspace::with_dropout`]) are drawn once from `seed` and held fixed, and
/// backprop's gradient is compared with the differences of the cost of
/// [`Network::forward_dropout`] under those masks, Zˡ = (Aˡ⁻¹ ⊙ Mˡ)(Wˡ)ᵀ + b.
pub fn check_dropout(net: &Network<f64>, x: &[f64], y: &[f64], rows: usize, p: &[f64], seed: u64) -> GradCheck {
    let mut ws = Workspace::new(net, rows).with_dropout(p);
    ws.draw_dropout(rows, &mut ChaCha8Rng::seed_from_u64(seed));
    let mut grad = vec![0.0; net.n_params()];
    net.backprop(x, y, rows, &mut ws, &mut grad);
    differences(net, &grad, |q| {
        q.forward_dropout(x, rows, &mut ws);
        (q.cost_sum(y, rows, &ws) / rows as f64, pieces(q, &ws, y, rows))
    })
}

/// [`check`] for Nielsen's L1-regularised cost C = C₀ + (λ/n)Σ|w| (n the training-set size):
/// backprop's ∇C₀ plus the subgradient (λ/n)sgn(w) ([`add_l1_gradient`]) against the differences
/// of C. Weights within 2h of 0, where |w| has its kink, are skipped.
pub fn check_l1(net: &Network<f64>, x: &[f64], y: &[f64], rows: usize, lambda: f64, n: usize) -> GradCheck {
    let weights: Vec<_> = (0..net.n_layers()).map(|l| net.layer_ranges(l).0).collect();
    let mut ws = Workspace::new(net, rows);
    let mut grad = vec![0.0; net.n_params()];
    net.backprop(x, y, rows, &mut ws, &mut grad);
    add_l1_gradient(net.params(), &weights, lambda, n, &mut grad);
    differences(net, &grad, |q| {
        q.forward(x, rows, &mut ws);
        let mut kinks = pieces(q, &ws, y, rows);
        kinks.extend(weights.iter().flat_map(|r| &q.params()[r.clone()]).map(|&w| w.signum() as i8));
        (q.cost_sum(y, rows, &ws) / rows as f64 + l1_cost(q.params(), &weights, lambda, n), kinks)
    })
}

/// Compares `grad` with the fourth-order central differences of `cost` (the cost at a network,
/// and which linear piece each kinked function is on there), as [`check`] describes.
fn differences(net: &Network<f64>, grad: &[f64], mut cost: impl FnMut(&Network<f64>) -> (f64, Vec<i8>)) -> GradCheck {
    let (c, base) = cost(net);
    let floor = TINY * c.abs().max(1.0);
    let mut probe = net.clone();
    let mut at_point = |p: &Network<f64>| -> (f64, bool) {
        let (c, kinks) = cost(p);
        (c, kinks == base)
    };
    let mut out = GradCheck { max_rel_error: 0.0, worst_param: 0, n_params: net.n_params(), skipped: 0 };
    for (i, &g) in grad.iter().enumerate() {
        let theta = net.params()[i];
        // With a unit near a kink, once more 10× closer before giving up on the parameter.
        let numeric = [STEP, STEP / 10.0].into_iter().find_map(|h| {
            let mut at = |k: f64| {
                probe.params_mut()[i] = theta + k * h;
                at_point(&probe)
            };
            let [(p1, s1), (m1, s2), (p2, s3), (m2, s4)] = [at(1.0), at(-1.0), at(2.0), at(-2.0)];
            (s1 && s2 && s3 && s4).then(|| (8.0 * (p1 - m1) - (p2 - m2)) / (12.0 * h))
        });
        probe.params_mut()[i] = theta;
        let Some(numeric) = numeric else {
            out.skipped += 1;
            continue;
        };
        let rel = (g - numeric).abs() / g.abs().max(numeric.abs()).max(floor);
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
