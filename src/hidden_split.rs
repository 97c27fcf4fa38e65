//! Plain mini-batch SGD for a network with one hidden layer on exactly two threads, the hidden
//! units split between them: the fast path for Nielsen's 784-30-10 at batch 10, where a batch is
//! ≈ 1 MFLOP and a general fork–join per product costs more than the second core gives.
//!
//! Thread t owns hidden units J_t (the first and second half, as [`crate::network::unit_blocks`]
//! cuts them) and, per batch of m rows X:
//!
//! 1. Z¹[:, J_t] = X (W¹[J_t])ᵀ, A¹[:, J_t] = σ(Z¹[:, J_t] + b¹[J_t]);
//! 2. *barrier*; both threads compute the small output layer: Z² = A¹(W²)ᵀ + b², A² = σ(Z²),
//!    the batch cost and δ² = ∇ₐC ⊙ σ'(Z²) (of the mean cost);
//! 3. δ¹[:, J_t] = (δ² W²[:, J_t]) ⊙ σ'(Z¹[:, J_t]);
//! 4. its share of the rows of the batch after next gathered (X and Y);
//! 5. W¹[J_t] ← βW¹[J_t] − η (δ¹[:, J_t])ᵀ X, b¹[J_t] ← b¹[J_t] − η Σ_rows δ¹[:, J_t];
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

use crate::data::Dataset;
use crate::float::Scalar;
use crate::network::{Network, bias_step, block, finish_output};
use crate::parallel::{PingPong, SharedMut};
use crate::train::TrainFloat;
use std::hint::spin_loop;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Whether [`sgd_batches`] can train `net`: one hidden layer of at least 16 units (two blocks of 8).
pub fn applies<F: Scalar>(net: &Network<F>) -> bool {
    net.n_layers() == 2 && net.sizes()[1] >= 16
}

/// The threads [`sgd_batches`] runs on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threads {
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
enum Mode {
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
pub enum Stop {
    /// `stop_now` returned true after this many batches of the call.
    Asked,
    /// The batch cost was not finite at this batch of the call (0-based); it was not applied.
    Cost(f64),
    /// A weight stopped being finite (checked every `check_every` batches); index of the first.
    Weight(usize),
}

/// Two parties meeting; spins (a batch lasts microseconds).
struct Barrier {
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

impl Barrier {
    fn wait(&self) {
        let g = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) == 1 {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.store(g.wrapping_add(1), Ordering::Release);
        } else {
            while self.generation.load(Ordering::Acquire) == g {
                spin_loop();
            }
        }
    }
}

/// Per-thread buffers: the output layer's values.
struct Local<F> {
    a2: Vec<F>,
    z2: Vec<F>,
    d2: Vec<F>,
}

impl<F: Scalar> Local<F> {
    fn new(m: usize, n2: usize) -> Self {
        let v = |len| vec![F::zero(); len];
        Local { a2: v(m * n2), z2: v(m * n2), d2: v(m * n2) }
    }
}

/// One half J of the hidden units: A¹[:, J] and δ¹[:, J] (rows × |J|).
struct Half<F> {
    j: Range<usize>,
    a1: Vec<F>,
    d1: Vec<F>,
}

/// Trains `net` on the batches `order[b·m .. (b+1)·m]` for b in `batches` with SGD step η and
/// weight factor β = `decay`, the hidden units cut in two halves: on the calling thread and one
/// helper, or on the calling thread alone (the same products, in turn, so the same weights), as
/// `threads` says. After each batch `after(b, cost)` sees it, and before each later one
/// `stop_now()` may end the run; every `check_every` batches the weights are checked to be
/// finite. Returns the number of batches done, why it stopped early if it did, and the number
/// of threads that ran them. Nothing is allocated per batch.
#[allow(clippy::too_many_arguments)]
pub fn sgd_batches<F: TrainFloat>(
    net: &mut Network<F>,
    data: &Dataset,
    order: &[usize],
    m: usize,
    batches: Range<usize>,
    eta: F,
    decay: F,
    threads: Threads,
    check_every: usize,
    mut after: impl FnMut(usize, f64),
    mut stop_now: impl FnMut() -> bool,
) -> (usize, Option<Stop>, usize) {
    assert!(applies(net), "hidden_split needs one hidden layer of at least 16 units");
    let (n0, n1, n2) = (net.sizes()[0], net.sizes()[1], net.sizes()[2]);
    let (act1, act2, cost) = (net.activations()[0], net.activations()[1], net.cost());
    let (w1r, b1r) = net.layer_ranges(0);
    let (w2r, b2r) = net.layer_ranges(1);
    let n = data.len();
    // A¹ twice, by batch parity: the helper may fill the next batch's while thread 0 still reads
    // this one's for the output layer's update.
    let mut a1 = [vec![F::zero(); m * n1], vec![F::zero(); m * n1]];
    let mut halves: Vec<Half<F>> = [0..n1 / 2, n1 / 2..n1]
        .into_iter()
        .map(|j| Half { a1: vec![F::zero(); m * j.len()], d1: vec![F::zero(); m * j.len()], j })
        .collect();
    let two_threads = threads != Threads::One;
    // The rows of a batch are gathered in `shares` parts, one per thread that may run.
    let shares = 1 + usize::from(two_threads);
    let mut locals: Vec<Local<F>> = (0..shares).map(|_| Local::new(m, n2)).collect();
    // X and Y of a batch, three times (batch b mod 3): each thread gathers its share of batch
    // b + 2's rows during batch b, and prefetches its share of batch b + 3's. With two threads a
    // second set of three, for the helper in `Mode::Private`: set s is xy[3s .. 3s + 3].
    let mut xy: Vec<(Vec<F>, Vec<F>)> =
        (0..3 * shares).map(|_| (vec![F::zero(); m * n0], vec![F::zero(); m * n2])).collect();
    let xy_all: Vec<(SharedMut<F>, SharedMut<F>)> =
        xy.iter_mut().map(|(x, y)| (SharedMut::new(x), SharedMut::new(y))).collect();
    // The output layer [W² | b²] twice, by batch parity: batch b reads copy b mod 2, and thread 0
    // writes its update into the other.
    let (n_w2, n_out) = (w2r.len(), w2r.len() + b2r.len());
    let mut out_layer: Vec<Vec<F>> =
        (0..2).map(|_| net.params()[w2r.clone()].iter().chain(&net.params()[b2r.clone()]).copied().collect()).collect();
    let out_both: Vec<SharedMut<F>> = out_layer.iter_mut().map(|o| SharedMut::new(o)).collect();
    let batch_rows = |b: usize| &order[(b * m).min(n)..((b + 1) * m).min(n)];
    // Share t of a batch's rows: block t of `shares`.
    let share = |len: usize, t: usize| block(len, shares, t);
    // Share t of batch b's rows into buffer set `set`.
    let gather = |b: usize, t: usize, set: usize| {
        let (x, y) = &xy_all[3 * set + b % 3];
        let rows = batch_rows(b);
        for r in share(rows.len(), t) {
            let i = rows[r];
            // SAFETY: row r of batch b's buffers is written by one thread alone, and read by the
            // other only after a barrier that follows (see the module's documentation).
            unsafe {
                F::from_f32s(x.part(r * n0..(r + 1) * n0), &data.x[i * n0..(i + 1) * n0]);
                F::from_f32s(y.part(r * n2..(r + 1) * n2), &data.y[i * n2..(i + 1) * n2]);
            }
        }
        let next = batch_rows(b + 1);
        crate::train::prefetch(data, &next[share(next.len(), t)]);
    };
    let params = SharedMut::new(net.params_mut());
    let [a1_even, a1_odd] = &mut a1;
    let a1_both = [SharedMut::new(a1_even), SharedMut::new(a1_odd)];
    let barrier = &Barrier { arrived: AtomicUsize::new(0), generation: AtomicUsize::new(0) };
    let go = AtomicBool::new(true);
    let bad_weight = AtomicUsize::new(usize::MAX);
    let last = batches.end;
    let sync = |mode: Mode| {
        if mode != Mode::Alone {
            barrier.wait();
        }
    };
    // Batch b on thread t for the halves in `mine` (with the output layer's update on thread 0),
    // run as `mode` says; returns the batch cost, which every thread computes, or None when `go`
    // (the helper's) said stop at the barrier.
    let work =
        |b: usize, t: usize, mode: Mode, local: &mut Local<F>, mine: &mut [&mut Half<F>], go: Option<&AtomicBool>| {
            let a1s = &a1_both[b % 2];
            let rows = batch_rows(b).len();
            let (set, gathers) = match mode {
                Mode::Shared => (0, t..t + 1),
                Mode::Private => (t, 0..shares),
                Mode::Alone => (0, 0..shares),
            };
            let (x, y) = &xy_all[3 * set + b % 3];
            // SAFETY: batch b's rows were gathered during batch b − 2 (or before the helper started),
            // and their copy is next written for batch b + 3, during batch b + 1 (module docs).
            let (x, y) = unsafe { (x.view(0..rows * n0), y.view(0..rows * n2)) };
            // 1. Z¹[:, J] = X (W¹[J])ᵀ, A¹[:, J] = σ(Z¹[:, J] + b¹[J]), then into the shared A¹.
            for half in mine.iter_mut() {
                let (j, h) = (half.j.clone(), half.j.len());
                let a1_j = &mut half.a1[..rows * h];
                // SAFETY: W¹[J] and b¹[J] are written only by the thread that owns J (step 5).
                let (w1, b1) = unsafe {
                    (
                        params.view(w1r.start + j.start * n0..w1r.start + j.end * n0),
                        params.view(b1r.start + j.start..b1r.start + j.end),
                    )
                };
                F::gemm(rows, n0, h, F::one(), x, n0, 1, w1, 1, n0, F::zero(), a1_j, h, 1);
                act1.apply_biased(a1_j, b1);
                for r in 0..rows {
                    // SAFETY: columns J of A¹ are this thread's; nobody reads A¹ until the barrier.
                    unsafe { a1s.write_at(r * n1 + j.start, &a1_j[r * h..(r + 1) * h]) };
                }
            }
            sync(mode);
            if go.is_some_and(|g| !g.load(Ordering::Acquire)) {
                return None;
            }
            // 2. The output layer, as Network::row_pass does it for its last layer.
            // SAFETY: this batch's A¹ and output-layer copy are only read from here on (module docs).
            let (a1, w2b2) = unsafe { (a1s.view(0..rows * n1), out_both[b % 2].view(0..n_out)) };
            let (w2, b2) = w2b2.split_at(n_w2);
            let (a2, z2, d2) = (&mut local.a2[..rows * n2], &mut local.z2[..rows * n2], &mut local.d2[..rows * n2]);
            F::gemm(rows, n1, n2, F::one(), a1, n1, 1, w2, 1, n1, F::zero(), a2, n2, 1);
            finish_output(act2, a2, z2, b2);
            let cost_sum = cost.total(act2, a2, z2, y, n2);
            cost.output_delta_of_mean(act2, a2, y, d2, n2, rows);
            // 3. δ¹[:, J] = (δ² W²[:, J]) ⊙ σ'.
            if cost_sum.is_finite() {
                for half in mine.iter_mut() {
                    let (j, h) = (half.j.clone(), half.j.len());
                    let d1_j = &mut half.d1[..rows * h];
                    F::gemm(rows, n2, h, F::one(), d2, n2, 1, &w2[j.start..], n1, 1, F::zero(), d1_j, h, 1);
                    act1.mul_derivative(d1_j, &half.a1[..rows * h]);
                }
            }
            // 4. This thread's shares of the rows of the batch after next.
            if b + 2 < last {
                gathers.for_each(|s| gather(b + 2, s, set));
            }
            if !cost_sum.is_finite() {
                return Some(cost_sum);
            }
            // 5. The updates of these hidden units; with `output` also of the output layer.
            let alpha = F::zero() - eta;
            for half in mine.iter() {
                let (j, h) = (half.j.clone(), half.j.len());
                let d1_j = &half.d1[..rows * h];
                // SAFETY: W¹[J] and b¹[J] belong to this thread alone.
                let (w1, b1) = unsafe {
                    (
                        params.part(w1r.start + j.start * n0..w1r.start + j.end * n0),
                        params.part(b1r.start + j.start..b1r.start + j.end),
                    )
                };
                bias_step(b1, d1_j, h, 0, alpha, F::one());
                F::gemm(h, rows, n0, alpha, d1_j, 1, h, x, n0, 1, decay, w1, n0, 1);
            }
            if t == 0 {
                // SAFETY: copy b + 1 of the output layer was last read in batch b − 1, which the other
                // thread has finished; it reads this copy only after the next barrier.
                let next = unsafe { out_both[(b + 1) % 2].part(0..n_out) };
                next.copy_from_slice(w2b2);
                let (w2, b2) = next.split_at_mut(n_w2);
                F::gemm(n2, rows, n1, alpha, d2, 1, n2, a1, n1, 1, decay, w2, n1, 1);
                bias_step(b2, d2, n2, 0, alpha, F::one());
            }
            Some(cost_sum)
        };
    // The index in the network's parameters of the first value of `w` that is not finite, if any;
    // `w` holds the parameters `at(0)`, `at(1)`, ...
    let first_bad = |w: &[F], at: &dyn Fn(usize) -> usize| {
        if !F::all_finite(w) {
            let i = w.iter().position(|v| !v.is_finite()).expect("a value that is not finite");
            bad_weight.fetch_min(at(i), Ordering::Relaxed);
        }
    };
    // A check of the weights the thread writes: its halves' W¹ rows and b¹, and with
    // `output = Some(b)` (thread 0) the copy of the output layer that batch b reads.
    let check = |mine: &[&mut Half<F>], output: Option<usize>| {
        for h in mine {
            for r in [w1r.start + h.j.start * n0..w1r.start + h.j.end * n0, b1r.start + h.j.start..b1r.start + h.j.end]
            {
                // SAFETY: read between batches, of parameters this thread alone writes.
                first_bad(unsafe { params.view(r.clone()) }, &|i| r.start + i);
            }
        }
        if let Some(b) = output {
            // SAFETY: the current copy, which only thread 0 (this one) writes.
            let w2b2 = unsafe { out_both[b % 2].view(0..n_out) };
            first_bad(w2b2, &|i| if i < n_w2 { w2r.start + i } else { b2r.start + i - n_w2 });
        }
    };
    let (work, check, go, batches_h) = (&work, &check, &go, batches.clone());
    let mut halves = halves.iter_mut();
    let (h0, h1) = (halves.next().expect("two halves"), halves.next().expect("two halves"));
    let mut locals = locals.iter_mut();
    let local0 = locals.next().expect("one thread");
    for b in batches.start..(batches.start + 2).min(last) {
        for (s, set) in (0..shares).flat_map(|s| (0..shares).map(move |set| (s, set))) {
            gather(b, s, set);
        }
    }
    let meeting = &PingPong::new();
    // The mode once decided (0 while undecided). The second half goes to whichever thread
    // computes it.
    let modes = [Mode::Alone, Mode::Shared, Mode::Private];
    let (decided, second) = (&AtomicUsize::new(0), &Mutex::new(Some(h1)));
    let take_second = || second.lock().unwrap_or_else(|e| e.into_inner()).take().expect("the second half");
    std::thread::scope(|scope| {
        let mut helper = None;
        if two_threads {
            let local1 = locals.next().expect("two threads");
            helper = Some(scope.spawn(move || {
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
                let mut mine = [take_second()];
                for (k, b) in batches_h.enumerate() {
                    match work(b, 1, mode, local1, &mut mine, Some(go)) {
                        Some(cost) if cost.is_finite() => {}
                        _ => return,
                    }
                    if check_every > 0 && (k + 1) % check_every == 0 {
                        check(&mine, None);
                    }
                }
            }));
        }
        let mode = match threads {
            Threads::One => Mode::Alone,
            Threads::Two => Mode::Shared,
            Threads::Adaptive { far_ns, alone_ns } => {
                let mode = match meeting.ping() {
                    Some(ns) if ns <= far_ns.min(alone_ns) => Mode::Shared,
                    Some(ns) if ns <= alone_ns => Mode::Private,
                    _ => Mode::Alone,
                };
                let code = 1 + modes.iter().position(|&m| m == mode).expect("a mode");
                decided.store(code, Ordering::Release);
                mode
            }
        };
        let mut main_halves = if mode == Mode::Alone { vec![h0, take_second()] } else { vec![h0] };
        let (mut done, mut stop) = (0, None);
        for (k, b) in batches.clone().enumerate() {
            let asked = k > 0 && stop_now();
            let weight = bad_weight.load(Ordering::Relaxed);
            if asked || weight != usize::MAX {
                stop = Some(if asked { Stop::Asked } else { Stop::Weight(weight) });
                // Met at the helper's barrier of batch b, which it reaches only after
                // finishing batch b − 1; it then stops without touching the weights.
                go.store(false, Ordering::Release);
                sync(mode);
                break;
            }
            let cost_sum =
                work(b, 0, mode, local0, &mut main_halves, None).expect("the calling thread is never stopped");
            if !cost_sum.is_finite() {
                stop = Some(Stop::Cost(cost_sum));
                break;
            }
            if check_every > 0 && (k + 1) % check_every == 0 {
                check(&main_halves, Some(b + 1));
            }
            done += 1;
            after(b, cost_sum);
        }
        if let Some(h) = helper {
            h.join().expect("the helper thread does not panic");
        }
        if stop.is_none() && bad_weight.load(Ordering::Relaxed) != usize::MAX {
            stop = Some(Stop::Weight(bad_weight.load(Ordering::Relaxed)));
        }
        // The output layer as it is after the `done` batches that were applied.
        // SAFETY: both threads have stopped.
        let w2b2 = unsafe { out_both[(batches.start + done) % 2].view(0..n_out) };
        unsafe { params.part(w2r.clone()) }.copy_from_slice(&w2b2[..n_w2]);
        unsafe { params.part(b2r.clone()) }.copy_from_slice(&w2b2[n_w2..]);
        (done, stop, if mode == Mode::Alone { 1 } else { 2 })
    })
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
            sgd_batches(&mut net, &data, &order, 7, 0..15, 0.5, 0.999, threads, 4, |_, _| {}, || false);
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
}
