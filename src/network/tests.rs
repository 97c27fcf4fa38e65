//! Tests of the network: layout, a hand-computed forward pass, the fused SGD step against
//! backprop + step, and results independent of the thread count.

use super::*;

#[test]
fn layout_and_shapes() {
    let net = Network::<f64>::new(&[3, 4, 2], Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic).unwrap();
    assert_eq!(net.n_params(), 3 * 4 + 4 + 4 * 2 + 2);
    assert_eq!(net.layer_ranges(1), (16..24, 24..26));
    assert!(Network::<f32>::new(&[3], Activation::Relu, Activation::Identity, Cost::Mse).is_err());
    assert!(Network::<f32>::new(&[3, 0, 1], Activation::Relu, Activation::Identity, Cost::Mse).is_err());
    assert!(Network::<f32>::new(&[3, 2, 2], Activation::Softmax, Activation::Softmax, Cost::CrossEntropy).is_err());
}

#[test]
fn forward_matches_hand_computation() {
    // One layer 2 → 1, identity: z = w·x + b.
    let mut net = Network::<f64>::new(&[2, 1], Activation::Identity, Activation::Identity, Cost::Quadratic).unwrap();
    net.params_mut().copy_from_slice(&[2.0, -1.0, 0.5]);
    let mut ws = Workspace::new(&net, 2);
    let out = net.forward(&[1.0, 3.0, 0.0, 1.0], 2, &mut ws);
    assert_eq!(out, &[2.0 - 3.0 + 0.5, -1.0 + 0.5]);
}

fn problem<F: Scalar>(
    sizes: &[usize],
    hidden: Activation,
    out: Activation,
    cost: Cost,
    rows: usize,
) -> (Network<F>, Vec<F>, Vec<F>) {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut net = Network::<F>::new(sizes, hidden, out, cost).unwrap();
    net.init(Init::Normal, 0.5, &mut rng);
    let (d, k) = (sizes[0], *sizes.last().unwrap());
    let x: Vec<F> = (0..rows * d).map(|i| F::of(((i * 7919) % 1000) as f64 / 1000.0)).collect();
    let y: Vec<F> = (0..rows * k).map(|i| F::of(f64::from(u8::from(i % k == (i / k) % k)))).collect();
    (net, x, y)
}

/// The fused SGD step equals backprop + weight decay + an SGD step: biases exactly, weights to
/// rounding (f64: 1e−12 relative to the largest update, f32: 1e−5).
#[test]
fn fused_sgd_step_matches_backprop_then_step() {
    fn case<F: Scalar>(tol: f64) {
        for (sizes, hidden, out, cost, rows) in [
            (&[6, 5, 3][..], Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic, 10),
            (&[7, 9, 8, 4][..], Activation::Relu, Activation::Softmax, Cost::CrossEntropy, 33),
        ] {
            let (net, x, y) = problem::<F>(sizes, hidden, out, cost, rows);
            let (eta, lambda, n) = (0.7, 2.0, 50);
            let mut ws = Workspace::new(&net, rows);
            let mut general = net.clone();
            let mut grad = vec![F::zero(); net.n_params()];
            let c1 = general.backprop(&x, &y, rows, &mut ws, &mut grad);
            let ranges: Vec<_> = (0..net.n_layers()).map(|l| net.layer_ranges(l).0).collect();
            crate::optim::decay_weights(general.params_mut(), &ranges, eta, lambda, n);
            let sgd = crate::optim::Solver::Sgd { eta };
            crate::OptimState::new(&sgd, net.n_params()).step(general.params_mut(), &grad, eta);
            let mut fused = net.clone();
            let c2 = fused.sgd_step(&x, &y, rows, &mut ws, F::of(eta), F::of(1.0 - eta * lambda / n as f64));
            assert_eq!(c1, c2);
            let scale =
                net.params().iter().zip(general.params()).map(|(a, b)| (*a - *b).abs().f64()).fold(0.0, f64::max);
            for l in 0..net.n_layers() {
                let (w, b) = net.layer_ranges(l);
                assert_eq!(fused.params()[b.clone()], general.params()[b], "biases of layer {l}");
                for i in w {
                    let diff = (fused.params()[i] - general.params()[i]).abs().f64();
                    assert!(diff <= tol * scale, "W[{i}]: {} vs {}", fused.params()[i], general.params()[i]);
                }
            }
        }
    }
    case::<f64>(1e-12);
    case::<f32>(1e-5);
}

/// Forward, backprop and the fused step give bit-identical results for 1, 2 and 3 threads.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    for rows in [3, 10, 64, 1000] {
        let (net, x, y) =
            problem::<f32>(&[20, 16, 12, 5], Activation::Tanh, Activation::Sigmoid, Cost::Quadratic, rows);
        let run = |threads: usize| {
            let mut ws = Workspace::new(&net, rows).with_threads(threads);
            let out = net.forward(&x, rows, &mut ws).to_vec();
            let mut grad = vec![0.0f32; net.n_params()];
            let cost = net.backprop(&x, &y, rows, &mut ws, &mut grad);
            let mut stepped = net.clone();
            stepped.sgd_step(&x, &y, rows, &mut ws, 0.5, 1.0);
            (out, grad, cost, stepped.params().to_vec())
        };
        let one = run(1);
        for threads in [2, 3] {
            assert!(run(threads) == one, "{threads} threads, {rows} rows");
        }
    }
}
