//! Plain mini-batch SGD for a network with one hidden layer on exactly two threads, the hidden
//! units split between them: the fast path for Nielsen's 784-30-10 at batch 10, where a batch is
//! ≈ 1 MFLOP and a general fork–join per product costs more than the second core gives.
//!
//! Thread t owns hidden units J_t (the first and second half, as [`crate::network::unit_blocks`]
//! cuts them) and, per batch of m rows X:
//!
//! 1. Z¹[:, J_t] = X (W¹\[J_t\])ᵀ, A¹[:, J_t] = σ(Z¹[:, J_t] + b¹\[J_t\]);
//! 2. *barrier*; both threads compute the small output layer: Z² = A¹(W²)ᵀ + b², A² = σ(Z²),
//!    the batch cost and δ² = ∇ₐC ⊙ σ'(Z²) (of the mean cost);
//! 3. δ¹[:, J_t] = (δ² W²[:, J_t]) ⊙ σ'(Z¹[:, J_t]);
//! 4. its share of the rows of the batch after next gathered (X and Y);
//! 5. W¹\[J_t\] ← βW¹\[J_t\] − η (δ¹[:, J_t])ᵀ X, b¹\[J_t\] ← b¹\[J_t\] − η Σ_rows δ¹[:, J_t];
//!    thread 0 also W² ← βW² − η (δ²)ᵀ A¹ and b² ← b² − η Σ_rows δ² (a few thousand
//!    multiply–adds), into the second copy of the output layer.
//!
//! That is one barrier per batch. Whatever one thread may still read while the other is a batch
//! ahead is kept several times over: A¹ and the output layer (W², b²) twice, by batch parity, and
//! the gathered rows three times (batch b mod 3). Thread t at batch b is past the barrier of batch
//! b, so the other thread has finished batch b − 1: the copies of batches b + 1 and b + 2 that t
//! writes are no longer read, and they are complete before either thread passes batch b + 1's
//! barrier. To stop, thread 0 meets the helper at its next barrier with a flag down. With one
//! thread the same half-size products run in turn, so the weights do not depend on the number of
//! threads (tested); for Nielsen's shapes they are also those of [`Network::sgd_step`].
//!
//! Training, when the thread count is automatic, asks for [`Threads::Adaptive`]: the two threads
//! first time a few hundred round trips between their cores ([`crate::parallel::PingPong`],
//! tens of µs). On a shared VM the host sometimes runs the two vCPUs on distant cores, where a
//! round trip takes 300–400 ns instead of 50–150. Half of every batch's rows crossing from core to
//! core then makes two threads slower than one (Nielsen's run: 0.103–0.107 s/epoch against
//! 0.102–0.105), so each thread gathers all the rows itself instead (0.085–0.09; with near cores
//! that costs 8%: 0.0666 against 0.0615). If the helper does not start within a millisecond, the
//! calling thread trains the call's batches alone.

mod batch;

use super::events::Observer;
use super::float::TrainFloat;
use crate::data::Dataset;
use crate::float::Scalar;
use crate::network::Network;
use crate::parallel::{PingPong, SharedMut};
use batch::{Barrier, Half, Layout, Local, Shared};
use std::hint::spin_loop;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Whether [`sgd_batches`] can train `net`: one hidden layer of at least 16 units (two blocks of 8).
pub(crate) fn applies<F: Scalar>(net: &Network<F>) -> bool {
    net.n_layers() == 2 && net.sizes()[1] >= 16
}

/// The threads [`sgd_batches`] runs on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Threads {
    /// The calling thread alone.
    One,
    /// The calling thread and a helper.
    Two,
    /// Two, each gathering every row of a batch for itself instead of half of them for both when
    /// the round trip between their cores, measured when the helper starts, is above `far_ns`;
    /// the calling thread alone when it is above `alone_ns` or the helper does not start within
    /// a millisecond. Training uses [`crate::parallel::FAR_ROUND_TRIP_NS`] and ∞.
    Adaptive {
        /// Round trip (ns) above which each thread gathers all rows.
        far_ns: f64,
        /// Round trip (ns) above which the calling thread goes on alone.
        alone_ns: f64,
    },
}

/// How a call of [`sgd_batches`] runs, once the threads have met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The calling thread alone (gathering both shares of each batch's rows).
    Alone,
    /// Two threads, each gathering its share of each batch's rows into buffers both read.
    Shared,
    /// Two threads, each gathering all of each batch's rows into its own buffers: more memory
    /// traffic, but no rows cross from core to core (which pays when they are far apart).
    Private,
}

/// Why [`sgd_batches`] stopped before the last batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stop {
    /// `stop_now` returned true after this many batches of the call.
    Asked,
    /// The batch cost was not finite at this batch of the call (0-based); it was not applied.
    Cost(f64),
    /// A weight stopped being finite (checked every `check_every` batches); index of the first.
    Weight(usize),
}

/// Trains `net` on the batches `order[b·m .. (b+1)·m]` for b in `batches` with SGD step η and
/// weight factor β = `decay`, the hidden units cut in two halves: on the calling thread and one
/// helper, or on the calling thread alone (the same products, in turn, so the same weights), as
/// `threads` says. After each batch `observer.batch_end` sees it, and before each later one
/// `observer.stop_requested` may end the call; every `check_every` batches the weights are
/// checked to be finite. Returns the number of batches done, why it stopped early if it did, and
/// the number of threads that ran them. Nothing is allocated per batch.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sgd_batches<F: TrainFloat>(
    net: &mut Network<F>,
    data: &Dataset,
    order: &[usize],
    m: usize,
    batches: Range<usize>,
    eta: F,
    decay: F,
    threads: Threads,
    check_every: usize,
    observer: &mut dyn Observer,
) -> (usize, Option<Stop>, usize) {
    assert!(applies(net), "hidden_split needs one hidden layer of at least 16 units");
    let (w1, b1) = net.layer_ranges(0);
    let (w2, b2) = net.layer_ranges(1);
    let layout = Layout { n0: net.sizes()[0], n1: net.sizes()[1], n2: net.sizes()[2], w1, b1, w2, b2 };
    let (n1, n2, n_out) = (layout.n1, layout.n2, layout.n_out());
    let (act, cost) = ([net.activations()[0], net.activations()[1]], net.cost());
    // The rows of a batch are gathered in `shares` parts, one per thread that may run.
    let shares = if threads == Threads::One { 1 } else { 2 };
    let zeros = |len: usize| vec![F::zero(); len];
    let mut a1 = [zeros(m * n1), zeros(m * n1)];
    let mut xy: Vec<(Vec<F>, Vec<F>)> = (0..3 * shares).map(|_| (zeros(m * layout.n0), zeros(m * n2))).collect();
    let layer: Vec<F> =
        net.params()[layout.w2.clone()].iter().chain(&net.params()[layout.b2.clone()]).copied().collect();
    let mut out = [layer.clone(), layer];
    let mut halves = [Half::new(0..n1 / 2, m), Half::new(n1 / 2..n1, m)];
    let mut locals: Vec<Local<F>> = (0..shares).map(|_| Local::new(m, n2)).collect();
    let [a1_even, a1_odd] = &mut a1;
    let [out_even, out_odd] = &mut out;
    let shared = Shared {
        data,
        order,
        m,
        last: batches.end,
        shares,
        act,
        cost,
        eta,
        decay,
        params: SharedMut::new(net.params_mut()),
        a1: [SharedMut::new(a1_even), SharedMut::new(a1_odd)],
        xy: xy.iter_mut().map(|(x, y)| (SharedMut::new(x), SharedMut::new(y))).collect(),
        out: [SharedMut::new(out_even), SharedMut::new(out_odd)],
        layout,
        barrier: Barrier::new(),
        go: AtomicBool::new(true),
        bad_weight: AtomicUsize::new(usize::MAX),
    };
    for b in batches.start..(batches.start + 2).min(batches.end) {
        (0..shares).flat_map(|s| (0..shares).map(move |set| (s, set))).for_each(|(s, set)| shared.gather(b, s, set));
    }
    let [h0, h1] = &mut halves;
    let run = Run { shared: &shared, batches: batches.clone(), check_every };
    let (done, stop, mode) = run.threads(threads, h0, h1, &mut locals, observer);
    // The output layer as it is after the `done` batches that were applied.
    // SAFETY: both threads have stopped.
    unsafe {
        let w2b2 = shared.out[(batches.start + done) % 2].view(0..n_out);
        let w = shared.layout.w2.clone();
        shared.params.part(w.clone()).copy_from_slice(&w2b2[..w.len()]);
        shared.params.part(shared.layout.b2.clone()).copy_from_slice(&w2b2[w.len()..]);
    }
    (done, stop, if mode == Mode::Alone { 1 } else { 2 })
}

/// The batches of one call, on the threads that run them.
struct Run<'s, 'a, F: Scalar> {
    shared: &'s Shared<'a, F>,
    batches: Range<usize>,
    check_every: usize,
}

impl<F: TrainFloat> Run<'_, '_, F> {
    /// Starts the helper (unless `threads` is `One`), settles the mode, runs the calling thread's
    /// loop, and joins the helper. Returns the batches done, why they stopped, and the mode.
    fn threads(
        &self,
        threads: Threads,
        h0: &mut Half<F>,
        h1: &mut Half<F>,
        locals: &mut [Local<F>],
        observer: &mut dyn Observer,
    ) -> (usize, Option<Stop>, Mode) {
        let meeting = &PingPong::new();
        // The mode once decided (0 while undecided). The second half goes to whichever thread
        // computes it.
        let modes = [Mode::Alone, Mode::Shared, Mode::Private];
        let (decided, second) = (&AtomicUsize::new(0), &Mutex::new(Some(h1)));
        let take_second = || second.lock().unwrap_or_else(|e| e.into_inner()).take().expect("the second half");
        let (local0, rest) = locals.split_first_mut().expect("one thread");
        std::thread::scope(|scope| {
            let helper = rest.first_mut().map(|local1| {
                scope.spawn(move || {
                    let mut mode = Mode::Shared;
                    if matches!(threads, Threads::Adaptive { .. }) {
                        if !meeting.pong() {
                            return;
                        }
                        let mut code = decided.load(Ordering::Acquire);
                        while code == 0 {
                            spin_loop();
                            code = decided.load(Ordering::Acquire);
                        }
                        mode = modes[code - 1];
                        if mode == Mode::Alone {
                            return;
                        }
                    }
                    self.helper_loop(mode, local1, &mut [take_second()]);
                })
            });
            let mode = match threads {
                Threads::One => Mode::Alone,
                Threads::Two => Mode::Shared,
                Threads::Adaptive { far_ns, alone_ns } => {
                    let mode = match meeting.ping() {
                        Some(ns) if ns <= far_ns.min(alone_ns) => Mode::Shared,
                        Some(ns) if ns <= alone_ns => Mode::Private,
                        _ => Mode::Alone,
                    };
                    decided.store(1 + modes.iter().position(|&m| m == mode).expect("a mode"), Ordering::Release);
                    mode
                }
            };
            let mut main_halves = if mode == Mode::Alone { vec![h0, take_second()] } else { vec![h0] };
            let (done, mut stop) = self.main_loop(mode, local0, &mut main_halves, observer);
            if let Some(h) = helper {
                h.join().expect("the helper thread does not panic");
            }
            let bad = self.shared.bad_weight.load(Ordering::Relaxed);
            if stop.is_none() && bad != usize::MAX {
                stop = Some(Stop::Weight(bad));
            }
            (done, stop, mode)
        })
    }

    /// The helper's batches: thread 1, until the calling thread stops it at a barrier or a batch
    /// cost is not finite.
    fn helper_loop(&self, mode: Mode, local: &mut Local<F>, mine: &mut [&mut Half<F>]) {
        for (k, b) in self.batches.clone().enumerate() {
            match self.shared.work(b, 1, mode, local, mine, Some(&self.shared.go)) {
                Some(cost) if cost.is_finite() => {}
                _ => return,
            }
            if self.check_every > 0 && (k + 1) % self.check_every == 0 {
                self.shared.check(mine, None);
            }
        }
    }

    /// The calling thread's batches (thread 0); returns how many were applied and why it stopped
    /// early. Asked to stop, or with a weight found not finite, it meets the helper at the
    /// helper's barrier of the next batch, which the helper reaches only after finishing the
    /// previous one; the helper then stops without touching the weights.
    fn main_loop(
        &self,
        mode: Mode,
        local: &mut Local<F>,
        mine: &mut [&mut Half<F>],
        observer: &mut dyn Observer,
    ) -> (usize, Option<Stop>) {
        let shared = self.shared;
        for (k, b) in self.batches.clone().enumerate() {
            let asked = k > 0 && observer.stop_requested();
            let weight = shared.bad_weight.load(Ordering::Relaxed);
            if asked || weight != usize::MAX {
                shared.go.store(false, Ordering::Release);
                if mode != Mode::Alone {
                    shared.barrier.wait();
                }
                return (k, Some(if asked { Stop::Asked } else { Stop::Weight(weight) }));
            }
            let cost = shared.work(b, 0, mode, local, mine, None).expect("the calling thread is never stopped");
            if !cost.is_finite() {
                return (k, Some(Stop::Cost(cost)));
            }
            if self.check_every > 0 && (k + 1) % self.check_every == 0 {
                shared.check(mine, Some(b + 1));
            }
            observer.batch_end(b + 1);
        }
        (self.batches.len(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, Cost, init::Init};
    use rand::{RngExt, SeedableRng};

    /// Weights of a 12-18-3 network after an epoch of batches of 7 rows (the last one partial).
    fn trained(threads: Threads) -> Vec<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let (n, d) = (100, 12);
        let x = (0..n * d).map(|_| rng.random::<f32>()).collect();
        let data = Dataset::classification(x, d, (0..n as u32).map(|i| i % 3).collect(), 3);
        let mut net = Network::<f32>::new(&[d, 18, 3], Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic)
            .expect("a valid network");
        net.init(Init::Normal, 1.0, &mut rng);
        let order: Vec<usize> = (0..n).map(|i| (i * 37) % n).collect();
        let (done, stop, ran_on) =
            sgd_batches(&mut net, &data, &order, 7, 0..15, 0.5, 0.999, threads, 4, &mut crate::train::Silent);
        assert_eq!((done, stop), (15, None));
        let expected = match threads {
            Threads::One | Threads::Adaptive { alone_ns: 0.0, .. } => 1..=1,
            Threads::Two => 2..=2,
            Threads::Adaptive { .. } => 1..=2,
        };
        assert!(expected.contains(&ran_on), "{threads:?} ran on {ran_on} threads");
        net.params().to_vec()
    }

    #[test]
    fn every_choice_of_threads_gives_the_same_weights() {
        let one = trained(Threads::One);
        assert_eq!(trained(Threads::Two), one);
        // Every round trip is above 0 ns and below ∞: the helper leaves at once (the calling
        // thread goes on alone), or stays with each thread gathering all rows, or stays with the
        // rows shared (whenever it starts within the millisecond; else alone).
        let inf = f64::INFINITY;
        for (far_ns, alone_ns) in [(inf, 0.0), (0.0, inf), (inf, inf)] {
            assert_eq!(trained(Threads::Adaptive { far_ns, alone_ns }), one, "{far_ns} {alone_ns}");
        }
    }

    /// The fast path against the reference path (`Network::sgd_step` on each gathered batch, as
    /// the general loop runs it), for one epoch of shuffled batches with L2 decay. For Nielsen's
    /// shapes (784-30-10, batch 10) the reference cuts the hidden layer into the same two blocks
    /// of 15 units (`unit_blocks`) and runs every product with the same operands, so the weights
    /// are bit-identical. For a 12-18-3 network the reference makes one block of 18 units, so
    /// its products have other shapes and faer may sum in another order: there the weights agree
    /// to f32 rounding (1e-5 relative to the largest change).
    #[test]
    fn the_fast_path_gives_the_reference_weights() {
        for (sizes, m, exact) in [([784, 30, 10], 10, true), ([12, 18, 3], 7, false)] {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
            let (n, d, k) = (95, sizes[0], sizes[2]);
            let x: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>()).collect();
            let data = Dataset::classification(x, d, (0..n as u32).map(|i| i % k as u32).collect(), k);
            let mut net = Network::<f32>::new(&sizes, Activation::Sigmoid, Activation::Sigmoid, Cost::Quadratic)
                .expect("a valid network");
            net.init(Init::Normal, 1.0, &mut rng);
            let order: Vec<usize> = (0..n).map(|i| (i * 37 + 11) % n).collect();
            let (eta, decay) = (0.5f32, 0.9995f32);
            let batches = n.div_ceil(m);
            let mut fast = net.clone();
            let (done, stop, _) = sgd_batches(
                &mut fast,
                &data,
                &order,
                m,
                0..batches,
                eta,
                decay,
                Threads::One,
                4,
                &mut crate::train::Silent,
            );
            assert_eq!((done, stop), (batches, None));
            let mut reference = net.clone();
            let mut ws = crate::network::Workspace::new(&reference, m);
            let (mut xb, mut yb) = (vec![0.0; m * d], vec![0.0; m * k]);
            for b in 0..batches {
                let rows = crate::train::sampler::gather(&data, &order[b * m..((b + 1) * m).min(n)], &mut xb, &mut yb);
                reference.sgd_step(&xb, &yb, rows, &mut ws, eta, decay);
            }
            if exact {
                assert!(fast.params() == reference.params(), "{sizes:?}: not bit-identical");
            } else {
                let change =
                    net.params().iter().zip(reference.params()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                let worst =
                    fast.params().iter().zip(reference.params()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                assert!(worst <= 1e-5 * change, "{sizes:?}: differs by {worst} (largest change {change})");
            }
        }
    }
}
