//! One batch of the split SGD step on one thread — steps 1 to 5 of the module docs — over the
//! buffers the threads of a round share ([`Shared`]), the check that the weights a thread writes
//! are finite, and the barrier the threads meet at once per batch. Which thread writes which part
//! of a buffer, and when another may read it, is the module docs' schedule; each `unsafe` block
//! says which rule of it applies.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::Dataset;
use crate::float::Scalar;
use crate::network::{bias_step, block, finish_output, row_blocks};
use crate::parallel::SharedMut;
use crate::train::float::TrainFloat;
use crate::train::sampler::prefetch;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a thread spins at the barrier before it sleeps.
pub const BARRIER_SPIN: Duration = Duration::from_micros(50);

/// `parties` threads meeting once per batch: each spins up to [`BARRIER_SPIN`] for the others,
/// then sleeps until the last one arrives, so that a descheduled thread gets a core back at once.
pub(super) struct Barrier {
    parties: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    sleeping: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Barrier {
    pub(super) fn new(parties: usize) -> Self {
        let (lock, wake) = (Mutex::new(()), Condvar::new());
        Barrier {
            parties,
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            sleeping: AtomicUsize::new(0),
            lock,
            wake,
        }
    }

    pub(super) fn wait(&self) {
        let g = self.generation.load(Ordering::SeqCst);
        if self.arrived.fetch_add(1, Ordering::SeqCst) + 1 == self.parties {
            self.arrived.store(0, Ordering::SeqCst);
            self.generation.store(g.wrapping_add(1), Ordering::SeqCst);
            if self.sleeping.load(Ordering::SeqCst) > 0 {
                let _lock = self.lock.lock().unwrap_or_else(|e| e.into_inner());
                self.wake.notify_all();
            }
            return;
        }
        let (start, mut spins) = (Instant::now(), 0u32);
        while self.generation.load(Ordering::SeqCst) == g {
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(64) || start.elapsed() < BARRIER_SPIN {
                std::hint::spin_loop();
                continue;
            }
            self.sleeping.fetch_add(1, Ordering::SeqCst);
            let mut lock = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            while self.generation.load(Ordering::SeqCst) == g {
                lock = self.wake.wait(lock).unwrap_or_else(|e| e.into_inner());
            }
            drop(lock);
            self.sleeping.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The output layer's values of a batch, A², Z² and δ² (rows × n₂ each), one set per thread.
/// When the batch has several row blocks and the round several threads, the threads share thread
/// 0's: each writes the row blocks it owns, every thread reads them all after the batch's second
/// barrier. Otherwise each thread computes every row block into its own (Nielsen's batch of 10 is
/// one block: a second barrier would cost more than the output layer).
pub(super) struct Outputs<F> {
    pub(super) a2: Vec<F>,
    pub(super) z2: Vec<F>,
    pub(super) d2: Vec<F>,
}

impl<F: Scalar> Outputs<F> {
    pub(super) fn new(m: usize, n2: usize) -> Self {
        let v = |len| vec![F::zero(); len];
        Outputs { a2: v(m * n2), z2: v(m * n2), d2: v(m * n2) }
    }
}

/// One block J of hidden units: A¹[:, J] and δ¹[:, J] (rows × |J|).
pub(super) struct Block<F> {
    pub(super) j: Range<usize>,
    a1: Vec<F>,
    d1: Vec<F>,
}

impl<F: Scalar> Block<F> {
    pub(super) fn new(j: Range<usize>, m: usize) -> Self {
        Block { a1: vec![F::zero(); m * j.len()], d1: vec![F::zero(); m * j.len()], j }
    }
}

/// Where the network's parameters sit in its flat buffer, and its widths n₀ → n₁ → n₂.
pub(super) struct Layout {
    pub(super) n0: usize,
    pub(super) n1: usize,
    pub(super) n2: usize,
    pub(super) w1: Range<usize>,
    pub(super) b1: Range<usize>,
    pub(super) w2: Range<usize>,
    pub(super) b2: Range<usize>,
}

impl Layout {
    /// Length of W² followed by b² (one copy of the output layer).
    pub(super) fn n_out(&self) -> usize {
        self.w2.len() + self.b2.len()
    }
}

/// What the threads of one round read and write.
pub(super) struct Shared<'a, F: Scalar> {
    pub(super) data: &'a Dataset,
    pub(super) order: &'a [usize],
    /// Batch size m; the first batch of the call; the end of the round's batches; the threads of
    /// the round (= gather shares).
    pub(super) m: usize,
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) threads: usize,
    pub(super) layout: Layout,
    pub(super) act: [Activation; 2],
    pub(super) cost: Cost,
    pub(super) eta: F,
    pub(super) decay: F,
    /// The L1 step and max-norm on each row of W after its update.
    pub(super) constrain: crate::optim::penalty::Constrain<F>,
    /// The network's parameters (W¹ and b¹ are updated in place; the output layer in `out`).
    pub(super) params: SharedMut<F>,
    /// A¹ (rows × n₁) twice, by batch parity.
    pub(super) a1: [SharedMut<F>; 2],
    /// X and Y of a batch, three times (batch b in set b mod 3).
    pub(super) xy: [(SharedMut<F>, SharedMut<F>); 3],
    /// The output layer [W² | b²] twice: batch b reads copy b mod 2, thread 0 writes the other.
    pub(super) out: [SharedMut<F>; 2],
    /// The output layer's values of the batch, A², Z², δ², one set per thread ([`Outputs`]).
    pub(super) outputs: Vec<[SharedMut<F>; 3]>,
    pub(super) barrier: Barrier,
    /// The batch the calling thread stopped before (or `usize::MAX`): the others stop at its
    /// barrier. A batch index, not a flag, so that a thread still leaving the previous barrier
    /// is not stopped a batch early.
    pub(super) stop_at: AtomicUsize,
    /// The index of the first weight found not finite, or `usize::MAX`.
    pub(super) bad_weight: AtomicUsize,
}

impl<F: TrainFloat> Shared<'_, F> {
    /// The sample indices of batch `b`.
    fn batch_rows(&self, b: usize) -> &[usize] {
        let n = self.data.len();
        &self.order[(b * self.m).min(n)..((b + 1) * self.m).min(n)]
    }

    /// Share `t` of batch `b`'s rows into its set, and a prefetch of share `t` of the next
    /// batch's rows (a copy: how the rows are shared out changes no value).
    pub(super) fn gather(&self, b: usize, t: usize) {
        let (n0, n2) = (self.layout.n0, self.layout.n2);
        let (x, y) = &self.xy[b % 3];
        let rows = self.batch_rows(b);
        for r in block(rows.len(), self.threads, t) {
            let i = rows[r];
            // SAFETY: row r of batch b's set is written by one thread alone, and read by the others
            // only after a barrier that follows (see the module's documentation).
            unsafe {
                F::from_f32s(x.part(r * n0..(r + 1) * n0), &self.data.x[i * n0..(i + 1) * n0]);
                F::from_f32s(y.part(r * n2..(r + 1) * n2), &self.data.y[i * n2..(i + 1) * n2]);
            }
        }
        let next = self.batch_rows(b + 1);
        prefetch(self.data, &next[block(next.len(), self.threads, t)]);
    }

    /// Batch `b` on thread `t` for the blocks in `mine` (with the output layer's update on thread
    /// 0). Returns the batch cost Σₓ Cₓ, which every thread computes, or `None`, without applying the
    /// batch, when a weight was found not finite before it or (`stoppable`: the threads besides
    /// the caller) the calling thread stopped before it.
    pub(super) fn work(&self, b: usize, t: usize, mine: &mut [&mut Block<F>], stoppable: bool) -> Option<f64> {
        let (n0, n1, n2) = (self.layout.n0, self.layout.n1, self.layout.n2);
        let rows = self.batch_rows(b).len();
        let (x, y) = &self.xy[b % 3];
        // SAFETY: batch b's rows were gathered during batch b − 2 (or before the round), and their
        // set is next written for batch b + 3, during batch b + 1 (module docs).
        let (x, y) = unsafe { (x.view(0..rows * n0), y.view(0..rows * n2)) };
        mine.iter_mut().for_each(|block| self.hidden_forward(block, x, rows, &self.a1[b % 2]));
        if self.threads > 1 {
            self.barrier.wait();
        }
        // Every check of the weights after batch b − 1 came before this barrier.
        let stopped = stoppable && self.stop_at.load(Ordering::Acquire) <= b;
        if stopped || self.bad_weight.load(Ordering::Acquire) != usize::MAX {
            return None;
        }
        // SAFETY: this batch's A¹ and output-layer copy are only read from here on (module docs).
        let (a1, w2b2) = unsafe { (self.a1[b % 2].view(0..rows * n1), self.out[b % 2].view(0..self.layout.n_out())) };
        // Step 2: the output layer by row blocks (by `row_blocks`, from the batch size only),
        // shared out between the threads like the hidden blocks, then a second barrier; or, with
        // one block or one thread, all of them by every thread into its own buffers.
        let p = row_blocks(rows);
        let shared = self.threads > 1 && p > 1;
        let (first, step, set) = if shared { (t, self.threads, 0) } else { (0, 1, t) };
        for q in (first..p).step_by(step) {
            self.output_layer(&self.outputs[set], block(rows, p, q), a1, w2b2, y, rows);
        }
        if shared {
            self.barrier.wait();
        }
        // SAFETY: every row of this batch's output values was written before (by this thread, or
        // by the others before the barrier); shared ones are written next in batch b + 1's step 2,
        // after every thread has finished batch b.
        let [a2, z2, d2] = unsafe { self.outputs[set].each_ref().map(|v| v.view(0..rows * n2)) };
        let cost = self.cost.total(self.act[1], a2, z2, y, n2);
        if cost.is_finite() {
            mine.iter_mut().for_each(|block| self.hidden_delta(block, d2, w2b2, rows));
        }
        // Step 4: this thread's share of the rows of the batch after next.
        if b + 2 < self.last {
            self.gather(b + 2, t);
        }
        if !cost.is_finite() {
            return Some(cost);
        }
        mine.iter().for_each(|block| self.update_hidden(block, x, rows));
        if t == 0 {
            self.update_output(b, w2b2, d2, a1, rows);
        }
        Some(cost)
    }

    /// Step 1: Z¹[:, J] = X (W¹\[J\])ᵀ, A¹[:, J] = σ(Z¹[:, J] + b¹\[J\]), then into the shared A¹.
    fn hidden_forward(&self, block: &mut Block<F>, x: &[F], rows: usize, a1s: &SharedMut<F>) {
        let (l, (j, h)) = (&self.layout, (block.j.clone(), block.j.len()));
        let a1_j = &mut block.a1[..rows * h];
        // SAFETY: W¹\[J\] and b¹\[J\] are written only by the thread that owns J (step 5).
        let (w1, b1) = unsafe {
            (
                self.params.view(l.w1.start + j.start * l.n0..l.w1.start + j.end * l.n0),
                self.params.view(l.b1.start + j.start..l.b1.start + j.end),
            )
        };
        F::gemm(rows, l.n0, h, F::one(), x, l.n0, 1, w1, 1, l.n0, F::zero(), a1_j, h, 1);
        self.act[0].apply_biased(a1_j, b1);
        for r in 0..rows {
            // SAFETY: columns J of A¹ are this thread's; nobody reads A¹ until the barrier.
            unsafe { a1s.write_at(r * l.n1 + j.start, &a1_j[r * h..(r + 1) * h]) };
        }
    }

    /// Step 2 for the rows `r` of a batch of `rows`: the output layer, as `Network::row_pass` does
    /// it for its last layer, Z² = A¹(W²)ᵀ + b², A² = σ(Z²), δ² = ∇ₐC ⊙ σ'(Z²) of the mean cost.
    fn output_layer(&self, out: &[SharedMut<F>; 3], r: Range<usize>, a1: &[F], w2b2: &[F], y: &[F], rows: usize) {
        let (n1, n2) = (self.layout.n1, self.layout.n2);
        let (w2, b2) = w2b2.split_at(self.layout.w2.len());
        let part = r.start * n2..r.end * n2;
        // SAFETY: rows r of `out` are this thread's (its own buffers, or its row blocks of the
        // shared ones, which nobody reads until the barrier that follows).
        let [a2, z2, d2] = unsafe { out.each_ref().map(|v| v.part(part.clone())) };
        let a1 = &a1[r.start * n1..r.end * n1];
        F::gemm(r.len(), n1, n2, F::one(), a1, n1, 1, w2, 1, n1, F::zero(), a2, n2, 1);
        finish_output(self.act[1], a2, z2, b2);
        self.cost.output_delta_of_mean(self.act[1], a2, &y[part], d2, n2, rows);
    }

    /// Step 3: δ¹[:, J] = (δ² W²[:, J]) ⊙ σ'(Z¹[:, J]).
    fn hidden_delta(&self, block: &mut Block<F>, d2: &[F], w2b2: &[F], rows: usize) {
        let (n1, n2) = (self.layout.n1, self.layout.n2);
        let (j, h) = (block.j.clone(), block.j.len());
        let d1_j = &mut block.d1[..rows * h];
        F::gemm(rows, n2, h, F::one(), d2, n2, 1, &w2b2[j.start..], n1, 1, F::zero(), d1_j, h, 1);
        self.act[0].mul_derivative(d1_j, &block.a1[..rows * h]);
    }

    /// Step 5: W¹\[J\] ← βW¹\[J\] − η (δ¹[:, J])ᵀ X, b¹\[J\] ← b¹\[J\] − η Σ_rows δ¹[:, J], then the L1
    /// step and max-norm on the rows J of W¹.
    fn update_hidden(&self, block: &Block<F>, x: &[F], rows: usize) {
        let (l, alpha) = (&self.layout, F::zero() - self.eta);
        let (j, h) = (block.j.clone(), block.j.len());
        let d1_j = &block.d1[..rows * h];
        // SAFETY: W¹\[J\] and b¹\[J\] belong to this thread alone.
        let (w1, b1) = unsafe {
            (
                self.params.part(l.w1.start + j.start * l.n0..l.w1.start + j.end * l.n0),
                self.params.part(l.b1.start + j.start..l.b1.start + j.end),
            )
        };
        bias_step(b1, d1_j, h, 0, alpha, F::one());
        F::gemm(h, rows, l.n0, alpha, d1_j, 1, h, x, l.n0, 1, self.decay, w1, l.n0, 1);
        self.constrain.rows(w1, l.n0);
    }

    /// Step 5, thread 0: W² ← βW² − η (δ²)ᵀ A¹ and b² ← b² − η Σ_rows δ², into the copy of the
    /// output layer that batch b + 1 reads; then the L1 step and max-norm on the rows of W².
    fn update_output(&self, b: usize, w2b2: &[F], d2: &[F], a1: &[F], rows: usize) {
        let (n1, n2, alpha) = (self.layout.n1, self.layout.n2, F::zero() - self.eta);
        // SAFETY: copy b + 1 of the output layer was last read in batch b − 1, which every thread
        // has finished; they read this copy only after the next barrier.
        let next = unsafe { self.out[(b + 1) % 2].part(0..self.layout.n_out()) };
        next.copy_from_slice(w2b2);
        let (w2, b2) = next.split_at_mut(self.layout.w2.len());
        F::gemm(n2, rows, n1, alpha, d2, 1, n2, a1, n1, 1, self.decay, w2, n1, 1);
        self.constrain.rows(w2, n1);
        bias_step(b2, d2, n2, 0, alpha, F::one());
    }

    /// Checks the weights the thread writes — its blocks' W¹ rows and b¹, and with `output =
    /// Some(b)` (thread 0) the copy of the output layer that batch b reads — and records the
    /// index of the first that is not finite in `bad_weight`.
    pub(super) fn check(&self, mine: &[&mut Block<F>], output: Option<usize>) {
        let l = &self.layout;
        for h in mine {
            for r in [
                l.w1.start + h.j.start * l.n0..l.w1.start + h.j.end * l.n0,
                l.b1.start + h.j.start..l.b1.start + h.j.end,
            ] {
                // SAFETY: read between batches, of parameters this thread alone writes.
                self.first_bad(unsafe { self.params.view(r.clone()) }, &|i| r.start + i);
            }
        }
        if let Some(b) = output {
            // SAFETY: the current copy, which only thread 0 (this one) writes.
            let w2b2 = unsafe { self.out[b % 2].view(0..l.n_out()) };
            let n_w2 = l.w2.len();
            self.first_bad(w2b2, &|i| if i < n_w2 { l.w2.start + i } else { l.b2.start + i - n_w2 });
        }
    }

    /// Records in `bad_weight` the index in the network's parameters of the first value of `w`
    /// that is not finite, if any; `w` holds the parameters `at(0)`, `at(1)`, ...
    fn first_bad(&self, w: &[F], at: &dyn Fn(usize) -> usize) {
        if !F::all_finite(w) {
            let i = w.iter().position(|v| !v.is_finite()).expect("a value that is not finite");
            self.bad_weight.fetch_min(at(i), Ordering::Release);
        }
    }
}
