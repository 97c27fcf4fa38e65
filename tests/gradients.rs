//! Backpropagation against two references, in f64:
//! - central differences of the cost ([`neuralnet::gradcheck`]) for every valid activation × cost
//!   pair on random shapes with 1–3 hidden layers (max relative error < 1e-6);
//! - a plain per-sample backprop written here, Nielsen's `network.py` loop with column vectors,
//!   which the batched matrix form must equal to 1e-12;
//! - dropout with a fixed mask, and the L1 term's subgradient away from 0, against central
//!   differences of their costs.

use neuralnet::gradcheck::{check, check_against, check_dropout, check_l1, random_problem};
use neuralnet::{Activation, Cost, Network};
use proptest::prelude::*;

/// σ and σ'(z) for the element-wise activations, written from their definitions.
fn sigma(act: Activation, z: f64) -> (f64, f64) {
    match act {
        Activation::Sigmoid => {
            let s = 1.0 / (1.0 + (-z).exp());
            (s, s * (1.0 - s))
        }
        Activation::Relu => (z.max(0.0), if z > 0.0 { 1.0 } else { 0.0 }),
        Activation::LeakyRelu => (if z > 0.0 { z } else { 0.01 * z }, if z > 0.0 { 1.0 } else { 0.01 }),
        Activation::HardSigmoid => ((z / 6.0 + 0.5).clamp(0.0, 1.0), if z.abs() < 3.0 { 1.0 / 6.0 } else { 0.0 }),
        Activation::Tanh => (z.tanh(), 1.0 - z.tanh().powi(2)),
        Activation::Identity => (z, 1.0),
        Activation::Softmax => unreachable!("softmax is handled as a whole layer"),
    }
}

/// Per-sample backprop (network.py's `backprop`), summed over the batch and divided by m.
fn reference_gradient(net: &Network<f64>, x: &[f64], y: &[f64], rows: usize) -> Vec<f64> {
    let (sizes, acts, l_max) = (net.sizes(), net.activations(), net.n_layers());
    let mut grad = vec![0.0; net.n_params()];
    for s in 0..rows {
        // forward: keep z and a of every layer, a⁰ = x
        let mut activations = vec![x[s * sizes[0]..(s + 1) * sizes[0]].to_vec()];
        let mut zs = Vec::new();
        for l in 0..l_max {
            let (w, b) = (net.weight(l), net.bias(l));
            let (n_in, n_out) = (sizes[l], sizes[l + 1]);
            let a_prev = &activations[l];
            let z: Vec<f64> =
                (0..n_out).map(|o| b[o] + (0..n_in).map(|i| w[o * n_in + i] * a_prev[i]).sum::<f64>()).collect();
            let a: Vec<f64> = if acts[l] == Activation::Softmax {
                let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
                let sum: f64 = e.iter().sum();
                e.iter().map(|v| v / sum).collect()
            } else {
                z.iter().map(|&v| sigma(acts[l], v).0).collect()
            };
            zs.push(z);
            activations.push(a);
        }
        // δᴸ = ∇ₐC ⊙ σ'(zᴸ), with a − y for the canonical pairs
        let k = sizes[l_max];
        let (a, t) = (&activations[l_max], &y[s * k..(s + 1) * k]);
        let out = acts[l_max - 1];
        let mut delta: Vec<f64> = (0..k)
            .map(|j| {
                let d_sigma = if out == Activation::Softmax { 1.0 } else { sigma(out, zs[l_max - 1][j]).1 };
                match net.cost() {
                    Cost::CrossEntropy => a[j] - t[j],
                    Cost::Quadratic => (a[j] - t[j]) * d_sigma,
                    Cost::Mse => 2.0 * (a[j] - t[j]) / k as f64 * d_sigma,
                    Cost::Mae => (a[j] - t[j]).signum() / k as f64 * d_sigma,
                }
            })
            .collect();
        for l in (0..l_max).rev() {
            let (n_in, n_out) = (sizes[l], sizes[l + 1]);
            let (w_range, b_range) = net.layer_ranges(l);
            for o in 0..n_out {
                grad[b_range.start + o] += delta[o] / rows as f64;
                for i in 0..n_in {
                    grad[w_range.start + o * n_in + i] += delta[o] * activations[l][i] / rows as f64;
                }
            }
            if l > 0 {
                let w = net.weight(l);
                delta = (0..n_in)
                    .map(|i| {
                        (0..n_out).map(|o| w[o * n_in + i] * delta[o]).sum::<f64>() * sigma(acts[l - 1], zs[l - 1][i]).1
                    })
                    .collect();
            }
        }
    }
    grad
}

/// Every (hidden, output, cost) triple that `Cost::check_output` accepts.
fn valid_triples() -> Vec<(Activation, Activation, Cost)> {
    let mut v = Vec::new();
    // every activation but softmax, which is output-only
    for h in Activation::ALL.into_iter().filter(|&a| a != Activation::Softmax) {
        for o in Activation::ALL {
            for c in Cost::ALL {
                if c.check_output(o).is_ok() {
                    v.push((h, o, c));
                }
            }
        }
    }
    v
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    (1usize..5, prop::collection::vec(1usize..7, 1..=3), 1usize..5).prop_map(|(i, h, o)| {
        let mut s = vec![i];
        s.extend(h);
        s.push(o);
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn backprop_matches_central_differences(triple in prop::sample::select(valid_triples()), sizes in shape(), rows in 1usize..5, seed in 0u64..1000) {
        let (h, o, c) = triple;
        let (net, x, y) = random_problem(&sizes, h, o, c, rows, seed).unwrap();
        let r = check(&net, &x, &y, rows);
        prop_assert!(r.max_rel_error < 1e-6, "{h}/{o}/{c} {sizes:?}: {r:?}");
        prop_assert!(r.skipped * 4 <= r.n_params, "too many kinks skipped: {r:?}");
    }

    #[test]
    fn batched_backprop_equals_per_sample_reference(triple in prop::sample::select(valid_triples()), sizes in shape(), rows in 1usize..6, seed in 0u64..1000) {
        let (h, o, c) = triple;
        let (net, x, y) = random_problem(&sizes, h, o, c, rows, seed).unwrap();
        let mut ws = neuralnet::Workspace::new(&net, rows);
        let mut grad = vec![0.0; net.n_params()];
        net.backprop(&x, &y, rows, &mut ws, &mut grad);
        let reference = reference_gradient(&net, &x, &y, rows);
        for (i, (g, r)) in grad.iter().zip(&reference).enumerate() {
            prop_assert!((g - r).abs() <= 1e-12 * r.abs().max(1.0), "{h}/{o}/{c} {sizes:?} param {i}: {g} vs {r}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Backprop through fixed dropout masks (input and hidden layers, rows in one and in two row
    /// blocks) equals the differences of the masked cost.
    #[test]
    fn dropout_backprop_matches_central_differences(triple in prop::sample::select(valid_triples()), sizes in shape(), rows in prop::sample::select(vec![1usize, 3, 17]), seed in 0u64..1000, p in prop::collection::vec(0.0f64..0.8, 4)) {
        let (h, o, c) = triple;
        let (net, x, y) = random_problem(&sizes, h, o, c, rows, seed).unwrap();
        let r = check_dropout(&net, &x, &y, rows, &p[..net.n_layers()], seed);
        prop_assert!(r.max_rel_error < 1e-6, "{h}/{o}/{c} {sizes:?} p {p:?}: {r:?}");
        prop_assert!(r.skipped * 4 <= r.n_params, "too many kinks skipped: {r:?}");
    }

    /// ∇C₀ + (λ/n)sgn(w) equals the differences of C₀ + (λ/n)Σ|w| (weights near 0 skipped).
    #[test]
    fn l1_subgradient_matches_central_differences(triple in prop::sample::select(valid_triples()), sizes in shape(), rows in 1usize..5, seed in 0u64..1000, lambda in 0.1f64..5.0, n in 1usize..100) {
        let (h, o, c) = triple;
        let (net, x, y) = random_problem(&sizes, h, o, c, rows, seed).unwrap();
        let r = check_l1(&net, &x, &y, rows, lambda, n);
        prop_assert!(r.max_rel_error < 1e-6, "{h}/{o}/{c} {sizes:?}: {r:?}");
        prop_assert!(r.skipped * 4 <= r.n_params, "too many kinks skipped: {r:?}");
    }
}

/// The dropout and L1 checks can fail: the masked gradient is not the unmasked one, and without
/// the L1 term the gradient misses the penalised cost's.
#[test]
fn dropout_and_l1_checks_see_the_difference() {
    use neuralnet::Workspace;
    use rand::SeedableRng;
    let (net, x, y) =
        random_problem(&[4, 6, 5, 3], Activation::Tanh, Activation::Softmax, Cost::CrossEntropy, 6, 2).unwrap();
    let mut ws = Workspace::new(&net, 6).with_dropout(&[0.3, 0.5, 0.5]);
    ws.draw_dropout(6, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2));
    assert!(ws.dropout_mask(1, 6).unwrap().contains(&0.0) && ws.dropout_mask(1, 6).unwrap().contains(&2.0));
    let mut masked = vec![0.0; net.n_params()];
    net.backprop(&x, &y, 6, &mut ws, &mut masked);
    assert!(check_against(&net, &x, &y, 6, &masked).max_rel_error > 1e-2, "masks change the gradient");
    assert!(check_dropout(&net, &x, &y, 6, &[0.3, 0.5, 0.5], 2).max_rel_error < 1e-6);
    // The L1 term's gradient is far from negligible: the plain cost's differences refuse it.
    let plain = reference_gradient(&net, &x, &y, 6);
    let weights: Vec<_> = (0..net.n_layers()).map(|l| net.layer_ranges(l).0).collect();
    let mut with_l1 = plain.clone();
    neuralnet::optim::penalty::add_l1_gradient(net.params(), &weights, 1.0, 10, &mut with_l1);
    assert!(check_against(&net, &x, &y, 6, &plain).max_rel_error < 1e-6);
    assert!(check_against(&net, &x, &y, 6, &with_l1).max_rel_error > 1e-2, "L1 changes the gradient");
    assert!(check_l1(&net, &x, &y, 6, 1.0, 10).max_rel_error < 1e-6);
}

/// The gradient check catches a wrong gradient: a 1e-4 relative error in one entry is reported.
#[test]
fn gradient_check_detects_a_wrong_derivative() {
    let (net, x, y) =
        random_problem(&[3, 4, 2], Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic, 3, 1).unwrap();
    let mut grad = reference_gradient(&net, &x, &y, 3);
    assert!(check_against(&net, &x, &y, 3, &grad).max_rel_error < 1e-6);
    let i = grad.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    grad[i] *= 1.0 + 1e-4;
    let r = check_against(&net, &x, &y, 3, &grad);
    assert!(r.max_rel_error > 5e-5 && r.worst_param == i, "{r:?}");
}
