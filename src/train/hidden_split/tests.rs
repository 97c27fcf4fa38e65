//! The split path gives the same weights for any number of threads, in rounds that switch between
//! one thread and several, and the reference path's weights; a diverging batch is not
//! applied, and diverging weights stop every thread count at the same batch.

use super::*;
use crate::train::Silent;
use crate::{Activation, Cost, init::Init};
use rand::{RngExt, SeedableRng};

/// Rounds of `len` batches, on one thread and on several in turn (when `alternate`).
struct Alternate {
    solo: bool,
    len: usize,
    alternate: bool,
}

impl Rounds for Alternate {
    fn solo(&self) -> bool {
        self.solo
    }
    fn round_units(&self) -> usize {
        self.len
    }
    fn finish_round(&mut self, _: usize, _: f64) {
        self.solo ^= self.alternate;
    }
}

/// A `sizes` network (sigmoid, quadratic cost), `n` random samples, and a fixed shuffled order.
fn problem(sizes: [usize; 3], n: usize, seed: u64) -> (Network<f32>, Dataset, Vec<usize>) {
    problem_with(sizes, n, seed, (Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic))
}

/// [`problem`] with hidden and output activations and cost `acts`.
fn problem_with(
    sizes: [usize; 3],
    n: usize,
    seed: u64,
    (hidden, output, cost): (Activation, Activation, Cost),
) -> (Network<f32>, Dataset, Vec<usize>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (d, k) = (sizes[0], sizes[2]);
    let x: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>()).collect();
    let data = Dataset::classification(x, d, (0..n as u32).map(|i| i % k as u32).collect(), k);
    let mut net = Network::<f32>::new(&sizes, hidden, output, cost).expect("a valid network");
    net.init(Init::Normal, 1.0, &mut rng);
    let order: Vec<usize> = (0..n).map(|i| (i * 37 + 11) % n).collect();
    (net, data, order)
}

/// The weights after one epoch of batches of `m` rows on up to `threads` threads, in the calls
/// `calls` (ranges of batches), with rounds of `len` batches alternating between one thread and
/// several when `alternate`.
fn trained(
    sizes: [usize; 3],
    m: usize,
    threads: usize,
    calls: &[Range<usize>],
    (len, alternate): (usize, bool),
) -> Vec<f32> {
    let (mut net, data, order) = problem(sizes, 100, 4);
    let mut split = Split::new(&net, m, threads);
    for batches in calls {
        let mut rounds = Alternate { solo: false, len, alternate };
        let (done, stop) =
            split.batches(&mut net, &data, &order, batches.clone(), (0.5, 0.999), &mut rounds, 4, &mut Silent);
        assert_eq!((done, stop), (batches.len(), None));
    }
    net.params().to_vec()
}

#[test]
fn the_same_weights_for_any_number_of_threads_and_rounds() {
    for (sizes, m) in [([12, 18, 3], 7), ([784, 30, 10], 10), ([64, 130, 10], 33)] {
        let batches = 100usize.div_ceil(m);
        let whole = std::slice::from_ref(&(0..batches)).to_vec();
        let one = trained(sizes, m, 1, &whole, (1000, false));
        for threads in [2, 3, 4] {
            assert!(trained(sizes, m, threads, &whole, (1000, false)) == one, "{sizes:?}: {threads} threads");
            let (len, alternate) = (2, true);
            assert!(trained(sizes, m, threads, &whole, (len, alternate)) == one, "{sizes:?}: {threads}, rounds");
            // Resumed after each batch: a call per batch.
            let each: Vec<_> = (0..batches).map(|b| b..b + 1).collect();
            assert!(trained(sizes, m, threads, &each, (1, true)) == one, "{sizes:?}: {threads}, one call per batch");
        }
    }
}

/// The fast path against the reference path (`Network::sgd_step` on each gathered batch, as the
/// general loop runs it), for one epoch of shuffled batches with L2 decay: bit for bit. Both cut
/// layer 1's update into the same blocks (`unit_blocks`); the forward pass and δ¹ run in other
/// cuts (the reference by rows, the fast path by units), and faer sums each entry of a product in
/// the same order whatever the cut — which this test checks on shapes with one, two and eight
/// blocks, full and partial batches, on one thread and on two, for sigmoid units with the
/// quadratic cost and for ReLU, softmax and cross-entropy. The output layer runs in the
/// reference's row blocks: with a softmax, 3-100-3 at batch 32 gave other roundings when the fast
/// path computed its 32 rows in one product.
#[test]
fn the_fast_path_gives_the_reference_weights() {
    let sigmoid = (Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic);
    let softmax = (Activation::Relu, Activation::Softmax, Cost::CrossEntropy);
    let shapes = [
        ([784, 30, 10], 10, 95),
        ([12, 18, 3], 7, 100),
        ([784, 800, 10], 128, 300),
        ([64, 30, 10], 10, 95),
        ([3, 100, 3], 32, 240),
    ];
    for ((sizes, m, n), acts) in shapes.into_iter().flat_map(|c| [(c, sigmoid), (c, softmax)]) {
        let (net, data, order) = problem_with(sizes, n, 9, acts);
        let (eta, decay) = (0.5f32, 0.9995f32);
        let batches = n.div_ceil(m);
        let mut reference = net.clone();
        let mut ws = crate::network::Workspace::new(&reference, m);
        let (d, k) = (sizes[0], sizes[2]);
        let (mut xb, mut yb) = (vec![0.0; m * d], vec![0.0; m * k]);
        for b in 0..batches {
            let rows = crate::train::sampler::gather(&data, &order[b * m..((b + 1) * m).min(n)], &mut xb, &mut yb);
            reference.sgd_step(&xb, &yb, rows, &mut ws, eta, decay);
        }
        for threads in [1, 2] {
            let mut fast = net.clone();
            let mut rounds = Alternate { solo: false, len: 3, alternate: false };
            let (done, stop) = Split::new(&net, m, threads).batches(
                &mut fast,
                &data,
                &order,
                0..batches,
                (eta, decay),
                &mut rounds,
                4,
                &mut Silent,
            );
            assert_eq!((done, stop), (batches, None));
            assert!(fast.params() == reference.params(), "{sizes:?}, {acts:?}, {threads} threads: not bit-identical");
        }
    }
}

/// A batch whose cost is not finite is not applied, and the call says which.
#[test]
fn a_diverging_batch_stops_the_call_unapplied() {
    let (mut net, data, order) = problem([12, 18, 3], 100, 4);
    for threads in [1, 2] {
        let mut split = Split::new(&net, 10, threads);
        net.params_mut()[5] = f32::NAN;
        let before = net.params().to_vec();
        let mut rounds = Alternate { solo: false, len: 4, alternate: false };
        let (done, stop) = split.batches(&mut net, &data, &order, 0..10, (0.5, 1.0), &mut rounds, 4, &mut Silent);
        assert_eq!(done, 0);
        assert!(matches!(stop, Some(Stop::Cost(c)) if !c.is_finite()), "{stop:?}");
        let same = net.params().iter().zip(&before).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same, "no parameter changed");
    }
}

/// Diverging weights stop the call at the same batch, with the same report, for any number of
/// threads and any rounds: weights growing by β = 10⁶ a batch until the cost is NaN, and a
/// hidden weight of +∞ that keeps the cost finite (σ saturates) until the check finds it.
#[test]
fn diverging_weights_stop_at_the_same_batch_on_any_threads() {
    let run = |threads: usize, len: usize, alternate: bool, (decay, poke): (f32, bool)| {
        let (mut net, data, order) = problem([12, 18, 3], 400, 5);
        if poke {
            net.params_mut()[5] = f32::INFINITY;
        }
        let mut split = Split::new(&net, 4, threads);
        let mut rounds = Alternate { solo: false, len, alternate };
        let (done, stop) = split.batches(&mut net, &data, &order, 0..100, (0.5, decay), &mut rounds, 4, &mut Silent);
        (done, format!("{stop:?}"), net.params().iter().map(|v| v.to_bits()).collect::<Vec<_>>())
    };
    for (case, expected) in [((1e6, false), "Some(Cost(NaN))"), ((1.0, true), "Some(Weight(5))")] {
        let one = run(1, 100, false, case);
        assert_eq!(one.1, expected);
        for (threads, len, alternate) in [(2, 3, false), (3, 5, true), (4, 1, true), (2, 100, false)] {
            assert!(run(threads, len, alternate, case) == one, "{threads} threads, rounds of {len}, {case:?}");
        }
    }
}

/// Asks to stop once `0` batches have ended.
struct StopAfter(usize);

impl Observer for StopAfter {
    fn batch_end(&mut self, _: usize) {
        self.0 = self.0.saturating_sub(1);
    }
    fn stop_requested(&mut self) -> bool {
        self.0 == 0
    }
}

/// A stop asked for after 7 batches ends the call after 7 batches, wherever the rounds begin
/// (rounds of one batch included) and on any number of threads.
#[test]
fn a_stop_lands_on_the_same_batch_for_any_rounds() {
    for (threads, len, alternate) in [(1, 100, false), (2, 1, false), (3, 2, true), (4, 7, true), (2, 3, false)] {
        let (mut net, data, order) = problem([12, 18, 3], 100, 4);
        let mut split = Split::new(&net, 4, threads);
        let mut rounds = Alternate { solo: false, len, alternate };
        let (done, stop) = split.batches(&mut net, &data, &order, 2..25, (0.5, 1.0), &mut rounds, 4, &mut StopAfter(7));
        assert_eq!((done, stop), (7, Some(Stop::Asked)), "{threads} threads, rounds of {len}");
    }
}

/// No thread passes the barrier before every party has arrived, whether they spin or sleep.
#[test]
fn the_barrier_lets_no_thread_past_before_all_arrive() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    for parties in [2, 3, 4] {
        let (barrier, count) = (batch::Barrier::new(parties), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for t in 0..parties {
                let (barrier, count) = (&barrier, &count);
                s.spawn(move || {
                    for i in 0..5000 {
                        count.fetch_add(1, SeqCst);
                        barrier.wait();
                        assert!(count.load(SeqCst) >= (i + 1) * parties, "thread {t} passed round {i} early");
                        if (i + t) % 97 == 0 {
                            std::thread::sleep(std::time::Duration::from_micros(200));
                        }
                        barrier.wait();
                    }
                });
            }
        });
    }
}

/// With the L1 step and max-norm, the fast path still gives the reference path's weights bit for
/// bit (`Network::sgd_step` then the rules on every row of W), on one thread and on two, and the
/// rules change the weights (some reach zero, every long row is scaled back).
#[test]
fn the_fast_path_applies_l1_and_max_norm_as_the_reference_does() {
    use crate::optim::WeightRules;
    let (sizes, m, n) = ([64, 30, 10], 10, 95);
    let (net, data, order) = problem(sizes, n, 9);
    let (eta, decay) = (0.5f32, 0.9995f32);
    let rules = WeightRules { l1: 0.5, max_norm: Some(1.5) }.at::<f32>(0.5, n);
    let layers: Vec<_> = (0..2).map(|l| (net.layer_ranges(l).0, sizes[l])).collect();
    let batches = n.div_ceil(m);
    let mut reference = net.clone();
    let mut ws = crate::network::Workspace::new(&reference, m);
    let (mut xb, mut yb) = (vec![0.0; m * sizes[0]], vec![0.0; m * sizes[2]]);
    for b in 0..batches {
        let rows = crate::train::sampler::gather(&data, &order[b * m..((b + 1) * m).min(n)], &mut xb, &mut yb);
        reference.sgd_step(&xb, &yb, rows, &mut ws, eta, decay);
        rules.layers_on(reference.params_mut(), &layers, ws.pool());
    }
    assert!(reference.weight(0).contains(&0.0), "L1 zeroed some weights");
    let norm = |w: &[f32]| w.iter().map(|v| v * v).sum::<f32>().sqrt();
    // The initial rows have norms near 8: max-norm scaled every one back.
    assert!(net.weight(0).chunks(64).all(|r| norm(r) > 4.0));
    assert!(reference.weight(0).chunks(64).all(|r| norm(r) <= 1.5 + 1e-5), "rows within the bound");
    for threads in [1, 2] {
        let mut fast = net.clone();
        let mut split = Split::new(&net, m, threads);
        split.constrain(rules);
        let mut rounds = Alternate { solo: false, len: 3, alternate: false };
        let (done, stop) =
            split.batches(&mut fast, &data, &order, 0..batches, (eta, decay), &mut rounds, 4, &mut Silent);
        assert_eq!((done, stop), (batches, None));
        assert!(fast.params() == reference.params(), "{threads} threads: not bit-identical");
    }
}
