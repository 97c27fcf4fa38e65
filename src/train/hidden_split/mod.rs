//! Plain mini-batch SGD for a network with one hidden layer, the hidden units cut into blocks that
//! threads own: the fast path for Nielsen's 784-30-10 at batch 10, where a batch is ≈ 1 MFLOP and
//! a fork–join per product costs more than a second core gives, and for wide hidden layers such as
//! 784-800-10 at batch 128.
//!
//! The blocks J_k are the ones [`crate::network::unit_blocks`] cuts layer 1 into — chosen from the
//! shapes only, so every thread count computes the same products, and the same ones as
//! [`crate::Network::sgd_step`], the reference path (tested against it). Thread t of T owns the
//! blocks k with k mod T = t (so at most as many threads as blocks help: 2 for Nielsen's 30 units,
//! 2 for 800, 4 for 1,024) and, per batch of m rows X:
//!
//! 1. Z¹[:, J] = X (W¹\[J\])ᵀ, A¹[:, J] = σ(Z¹[:, J] + b¹\[J\]) for its blocks;
//! 2. *barrier*; the output layer for the row blocks R it owns (the [`crate::network::row_blocks`]
//!    of the batch, from its size only, dealt out as the hidden blocks are): Z²[R] = A¹[R](W²)ᵀ +
//!    b², A²[R] = σ(Z²[R]) and δ²[R] = ∇ₐC ⊙ σ'(Z²[R]) (of the mean cost), into buffers every
//!    thread reads; *barrier*; every thread sums the batch cost over all rows. (A batch of one
//!    row block — under 16 rows, Nielsen's 10 — is computed whole by every thread instead, with
//!    no second barrier: there the barrier would cost more than the work.)
//! 3. δ¹[:, J] = (δ² W²[:, J]) ⊙ σ'(Z¹[:, J]) for its blocks;
//! 4. its share of the rows of the batch after next gathered (X and Y);
//! 5. W¹\[J\] ← βW¹\[J\] − η (δ¹[:, J])ᵀ X, b¹\[J\] ← b¹\[J\] − η Σ_rows δ¹[:, J] for its blocks;
//!    thread 0 also W² ← βW² − η (δ²)ᵀ A¹ and b² ← b² − η Σ_rows δ², into the second copy of the
//!    output layer; then the L1 step and max-norm on each updated row of W (as the reference path
//!    applies them after its step; see [`crate::optim::penalty`]).
//!
//! That is two barriers per batch (one under 16 rows). Whatever one thread may still read while
//! another is a batch ahead is kept several times over: A¹ and the output layer (W², b²) twice,
//! by batch parity, and the gathered rows three times (batch b mod 3). A thread at batch b is past
//! the first barrier of batch b, so every other thread has finished batch b − 1: the copies of
//! batches b + 1 and b + 2 it writes are no longer read, and they are complete before any thread
//! passes batch b + 1's first barrier. The output layer's values (A², Z², δ²) are kept once: they are written only
//! between a batch's two barriers, when every thread has finished the batch before. With one
//! thread the same products run in turn. (Before the output layer was shared out, every thread
//! computed all of it, one barrier per batch: on two threads at batch 64–128 that cost 2–6 % of
//! an epoch.)
//!
//! The batches run in rounds of about [`ROUND`]: each round on all the threads or on the calling
//! thread alone, as a [`Governor`] decides from the progress each mode made. The barrier spins
//! briefly and then sleeps, so a thread descheduled by a busy machine costs its partners tens of
//! microseconds, and when several threads keep losing to one, the rounds go solo.

mod batch;
mod round;

use super::events::Observer;
use super::float::TrainFloat;
use crate::data::Dataset;
use crate::float::Scalar;
use crate::network::{Network, block, unit_blocks};
use crate::optim::WeightRules;
use crate::optim::penalty::Constrain;
use crate::parallel::{Governor, SharedMut};
use batch::{Barrier, Block, Layout, Outputs, Shared};
use std::ops::Range;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

/// The length a round of batches aims at: threads are started per round, so long enough for that
/// to cost little (≈ 30 µs), short enough to follow a change of load.
pub(crate) const ROUND: Duration = Duration::from_millis(8);

/// Whether [`Split`] can train `net`: one hidden layer.
pub(crate) fn applies<F: Scalar>(net: &Network<F>) -> bool {
    net.n_layers() == 2
}

/// Who decides, round by round, whether the split path runs on one thread and for how many
/// batches: a [`Governor`] in training.
pub(crate) trait Rounds {
    /// Whether the next round runs on the calling thread alone.
    fn solo(&self) -> bool;
    /// Batches the next round should have.
    fn round_units(&self) -> usize;
    /// A round of `units` batches took `seconds`.
    fn finish_round(&mut self, units: usize, seconds: f64);
}

impl Rounds for Governor {
    fn solo(&self) -> bool {
        Governor::solo(self)
    }
    fn round_units(&self) -> usize {
        Governor::round_units(self)
    }
    fn finish_round(&mut self, units: usize, seconds: f64) {
        Governor::finish_round(self, units, seconds);
    }
}

/// Why [`Split::batches`] stopped before the last batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stop {
    /// The observer asked to stop before a batch after the first.
    Asked,
    /// The batch cost was not finite at this batch of the call; it was not applied.
    Cost(f64),
    /// A weight stopped being finite (checked every `check_every` batches); index of the first.
    Weight(usize),
}

/// The split path for one network and batch size: its buffers, reused from call to call, and
/// how many threads it may run on.
pub(crate) struct Split<F> {
    m: usize,
    /// Threads a round on several threads uses: at most the number of blocks.
    threads: usize,
    blocks: Vec<Block<F>>,
    /// The output layer's values of a batch (A², Z², δ²), one set per thread.
    outputs: Vec<Outputs<F>>,
    /// A¹ twice, X and Y three times, the output layer twice.
    a1: [Vec<F>; 2],
    xy: [(Vec<F>, Vec<F>); 3],
    out: [Vec<F>; 2],
    /// The L1 step and max-norm after each update.
    constrain: Constrain<F>,
}

impl<F: TrainFloat> Split<F> {
    /// Buffers for `net` (one hidden layer) and batches of up to `m` rows, for up to `threads`
    /// threads.
    pub(crate) fn new(net: &Network<F>, m: usize, threads: usize) -> Self {
        assert!(applies(net), "the split path needs one hidden layer");
        let (n0, n1, n2) = (net.sizes()[0], net.sizes()[1], net.sizes()[2]);
        let k = unit_blocks(n0, n1, m);
        let threads = threads.clamp(1, k);
        let zeros = |len: usize| vec![F::zero(); len];
        Split {
            m,
            threads,
            blocks: (0..k).map(|p| Block::new(block(n1, k, p), m)).collect(),
            outputs: (0..threads).map(|_| Outputs::new(m, n2)).collect(),
            a1: [zeros(m * n1), zeros(m * n1)],
            xy: std::array::from_fn(|_| (zeros(m * n0), zeros(m * n2))),
            out: [zeros(n1 * n2 + n2), zeros(n1 * n2 + n2)],
            constrain: WeightRules::default().at(0.0, 1),
        }
    }

    /// Applies `constrain` (the L1 step and max-norm of the current η) to the rows of W after
    /// every update of the next calls.
    pub(crate) fn constrain(&mut self, constrain: Constrain<F>) {
        self.constrain = constrain;
    }

    /// The threads a round on several threads uses.
    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// Trains `net` on the batches `order[b·m .. (b+1)·m]` for b in `batches` with SGD step η and
    /// weight factor β = `decay`, round by round on the threads `rounds` picks. After each batch
    /// `observer.batch_end` sees it, and before each later one `observer.stop_requested` may end
    /// the call; every `check_every` batches the weights are checked to be finite. Returns the
    /// number of batches done and why it stopped early, if it did. Nothing is allocated per batch.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn batches(
        &mut self,
        net: &mut Network<F>,
        data: &Dataset,
        order: &[usize],
        batches: Range<usize>,
        (eta, decay): (F, F),
        rounds: &mut dyn Rounds,
        check_every: usize,
        observer: &mut dyn Observer,
    ) -> (usize, Option<Stop>) {
        let (w1, b1) = net.layer_ranges(0);
        let (w2, b2) = net.layer_ranges(1);
        let layout = Layout { n0: net.sizes()[0], n1: net.sizes()[1], n2: net.sizes()[2], w1, b1, w2, b2 };
        let layer: Vec<F> = net.params()[layout.w2.start..layout.b2.end].to_vec();
        self.out.iter_mut().for_each(|o| o.copy_from_slice(&layer));
        let (act, cost) = ([net.activations()[0], net.activations()[1]], net.cost());
        let params = SharedMut::new(net.params_mut());
        let [a1_even, a1_odd] = &mut self.a1;
        let a1 = [SharedMut::new(a1_even), SharedMut::new(a1_odd)];
        let xy = self.xy.each_mut().map(|(x, y)| (SharedMut::new(x), SharedMut::new(y)));
        let [out_even, out_odd] = &mut self.out;
        let out = [SharedMut::new(out_even), SharedMut::new(out_odd)];
        let outputs = (self.outputs.iter_mut())
            .map(|Outputs { a2, z2, d2 }| [SharedMut::new(a2), SharedMut::new(z2), SharedMut::new(d2)])
            .collect();
        let mut shared = Shared {
            data,
            order,
            m: self.m,
            first: batches.start,
            last: batches.start,
            threads: 1,
            layout,
            act,
            cost,
            eta,
            decay,
            constrain: self.constrain,
            params,
            a1,
            xy,
            out,
            outputs,
            barrier: Barrier::new(1),
            stop_at: AtomicUsize::new(usize::MAX),
            bad_weight: AtomicUsize::new(usize::MAX),
        };
        let (mut b, mut stop) = (batches.start, None);
        while b < batches.end && stop.is_none() {
            let threads = if rounds.solo() { 1 } else { self.threads };
            let round = b..(b + rounds.round_units()).min(batches.end);
            let start = Instant::now();
            let done = self.round(&mut shared, round, threads, check_every, observer, &mut stop);
            rounds.finish_round(done, start.elapsed().as_secs_f64());
            b += done;
        }
        // The output layer as it is after the batches that were applied.
        // SAFETY: no thread is running.
        unsafe {
            let l = &shared.layout;
            let w2b2 = shared.out[b % 2].view(0..l.n_out());
            shared.params.part(l.w2.start..l.b2.end).copy_from_slice(w2b2);
        }
        (b - batches.start, stop)
    }

    /// One round of batches on `threads` threads: the rows of its first two batches gathered,
    /// then its batches run; returns how many were applied, and sets `stop` when it stopped early.
    fn round(
        &mut self,
        shared: &mut Shared<F>,
        batches: Range<usize>,
        threads: usize,
        check_every: usize,
        observer: &mut dyn Observer,
        stop: &mut Option<Stop>,
    ) -> usize {
        (shared.last, shared.threads) = (batches.end, threads);
        shared.barrier = Barrier::new(threads);
        *shared.stop_at.get_mut() = usize::MAX;
        for b in batches.start..(batches.start + 2).min(batches.end) {
            (0..threads).for_each(|t| shared.gather(b, t));
        }
        let (done, why) = round::run(shared, batches, &mut self.blocks, check_every, observer);
        *stop = why;
        done
    }
}

#[cfg(test)]
mod tests;
