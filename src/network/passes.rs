//! The two halves of a training step over a batch, cut so that threads can share them without
//! changing a result: the row pass (forward pass and every layer's δ, rows independent, in row
//! blocks) and the column pass (∂C/∂W = δᵀA and ∂C/∂b = Σ_rows δ, or the SGD update itself, in
//! blocks of output units). Blocks depend on the shapes only, never on the number of threads.

use super::{Network, Workspace};
use crate::activation::Activation;
use crate::float::Scalar;
use crate::parallel::SharedMut;
use std::ops::Range;

impl<F: Scalar> Network<F> {
    /// The row-local part of a training step for rows `r` of a batch of `rows`: the forward pass
    /// and, when `y` is given, every layer's δ:
    /// δᴸ = ∇ₐC ⊙ σ'(zᴸ) (for the mean cost over the whole batch), δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹).
    /// With `drop` (a training pass) and dropout in `ws`, each dropped layer input is masked,
    /// Ãˡ⁻¹ = Aˡ⁻¹ ⊙ Mˡ, and so is its δ: δˡ⁻¹ = (δˡ Wˡ) ⊙ Mˡ ⊙ σ'(zˡ⁻¹) (see `dropout`).
    pub(super) fn row_pass(&self, x: &[F], y: Option<&[F]>, rows: usize, ws: &mut Workspace<F>, drop: bool) {
        let blocks = row_blocks(rows);
        let drop = drop && ws.masks(rows).is_some();
        let (a_all, z_all, d_all) =
            (SharedMut::new(&mut ws.a), SharedMut::new(&mut ws.z_out), SharedMut::new(&mut ws.deltas));
        let drops = ws.dropout.as_mut().filter(|_| drop).map(|d| d.shared());
        let (offsets, last) = (&ws.offsets, self.n_layers() - 1);
        let task = |p: usize| {
            let r = block(rows, blocks, p);
            // This block's rows of layer l's buffer in a_all / d_all (layer l holds cap × n_{l+1}).
            let rows_of = |l: usize| {
                let n = self.sizes[l + 1];
                offsets[l] + r.start * n..offsets[l] + r.end * n
            };
            for l in 0..=last {
                let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
                // SAFETY: blocks cover disjoint rows, so the parts of one task never overlap
                // another's; layer l − 1's rows were written by this same task.
                let (input, a): (&[F], &mut [F]) = unsafe {
                    let input = if l == 0 { &x[r.start * n_in..r.end * n_in] } else { &*a_all.part(rows_of(l - 1)) };
                    (input, a_all.part(rows_of(l)))
                };
                // SAFETY: this block's rows of the dropout buffers, as above.
                let input = match &drops {
                    Some(d) => unsafe { d.input(l, r.clone(), n_in, input) },
                    None => input,
                };
                let m = r.len();
                // Z = A Wᵀ: W is n_out × n_in row-major, so Wᵀ is the strided view (1, n_in).
                F::gemm(m, n_in, n_out, F::one(), input, n_in, 1, self.weight(l), 1, n_in, F::zero(), a, n_out, 1);
                let b = self.bias(l);
                if l == last {
                    // SAFETY: disjoint rows, as above.
                    let z = unsafe { z_all.part(r.start * n_out..r.end * n_out) };
                    finish_output(self.activations[l], a, z, b);
                } else {
                    // A = σ(Z + b) in one pass.
                    self.activations[l].apply_biased(a, b);
                }
            }
            let Some(y) = y else { return };
            let k = self.sizes[last + 1];
            // SAFETY: disjoint rows, as above.
            let (a_out, delta) = unsafe { (&*a_all.part(rows_of(last)), d_all.part(rows_of(last))) };
            let y = &y[r.start * k..r.end * k];
            self.cost.output_delta_of_mean(self.activations[last], a_out, y, delta, k, rows);
            for l in (1..=last).rev() {
                let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
                // SAFETY: disjoint rows, as above.
                let (delta, delta_prev, a_prev) =
                    unsafe { (&*d_all.part(rows_of(l)), d_all.part(rows_of(l - 1)), &*a_all.part(rows_of(l - 1))) };
                // δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹), σ' from the stored activations.
                F::gemm(
                    r.len(),
                    n_out,
                    n_in,
                    F::one(),
                    delta,
                    n_out,
                    1,
                    self.weight(l),
                    n_in,
                    1,
                    F::zero(),
                    delta_prev,
                    n_in,
                    1,
                );
                self.activations[l - 1].mul_derivative(delta_prev, a_prev);
                if let Some(d) = &drops {
                    d.mask_delta(l, r.clone(), n_in, delta_prev);
                }
            }
        };
        ws.pool.run(blocks, &task);
    }

    /// The cross-row part of a training step, after [`Network::row_pass`]: for every layer l and
    /// block of its output units j (by [`unit_blocks`], from the shapes only),
    /// T_W ← β T_W + α δᵀ Aˡ⁻¹ (Ãˡ⁻¹ = Aˡ⁻¹ ⊙ Mˡ for a dropped input) and T_b ← β_b T_b + α Σ_rows δ
    /// on those units' rows of `target`
    /// (laid out like the parameters). With α = 1, β = β_b = 0 that writes ∇C; with α = −η,
    /// β = 1 − ηλ/n, β_b = 1 it is the SGD update itself.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn column_pass(
        &self,
        x: &[F],
        rows: usize,
        ws: &Workspace<F>,
        target: &mut [F],
        alpha: F,
        beta: F,
        beta_b: F,
    ) {
        let sizes = &self.sizes;
        let n_tasks: usize = (0..self.n_layers()).map(|l| unit_blocks(sizes[l], sizes[l + 1], rows)).sum();
        let target = SharedMut::new(target);
        let task = |t: usize| {
            // Task t is block q of layer l, counting blocks layer by layer.
            let (mut l, mut q) = (0, t);
            while q >= unit_blocks(sizes[l], sizes[l + 1], rows) {
                q -= unit_blocks(sizes[l], sizes[l + 1], rows);
                l += 1;
            }
            let (n_in, n_out) = (sizes[l], sizes[l + 1]);
            let j = block(n_out, unit_blocks(n_in, n_out, rows), q);
            let (w_range, b_range) = self.layer_ranges(l);
            let delta = &ws.deltas[ws.offsets[l]..ws.offsets[l] + rows * n_out];
            let a_prev =
                if l == 0 { &x[..rows * n_in] } else { &ws.a[ws.offsets[l - 1]..ws.offsets[l - 1] + rows * n_in] };
            // A dropped input: the Ã = A ⊙ M of the row pass.
            let a_prev = ws.dropout.as_ref().and_then(|d| d.kept(l, rows, n_in)).unwrap_or(a_prev);
            // SAFETY: the (layer, unit block) ranges of the tasks are disjoint.
            let (tw, tb) = unsafe {
                (
                    target.part(w_range.start + j.start * n_in..w_range.start + j.end * n_in),
                    target.part(b_range.start + j.start..b_range.start + j.end),
                )
            };
            bias_step(tb, delta, n_out, j.start, alpha, beta_b);
            // T_W ← β T_W + α δᵀ Aˡ⁻¹; δᵀ (these units' columns of δ) is the strided view (1, n_out).
            F::gemm(j.len(), rows, n_in, alpha, &delta[j.start..], 1, n_out, a_prev, n_in, 1, beta, tw, n_in, 1);
        };
        ws.pool.run(n_tasks, &task);
    }
}

/// The output layer after the product Z = A Wᵀ (in `a`, rows × b.len()): z = Z + b is kept in `z`
/// (for a stable cross-entropy), then a = σ(z).
pub(crate) fn finish_output<F: Scalar>(act: Activation, a: &mut [F], z: &mut [F], b: &[F]) {
    a.chunks_exact_mut(b.len()).for_each(|row| row.iter_mut().zip(b).for_each(|(z, &b)| *z = *z + b));
    z.copy_from_slice(a);
    act.apply(a, b.len());
}

/// T_b ← β_b T_b + α Σ_rows δ[:, first + q] for each q of `tb` (T_b ← α Σ when β_b = 0), with δ
/// rows × `width` and the rows summed in order: the bias part of the update (or gradient).
pub(crate) fn bias_step<F: Scalar>(tb: &mut [F], delta: &[F], width: usize, first: usize, alpha: F, beta_b: F) {
    // Row by row into a chunk of sums (each still 0 + δ₀ + δ₁ + … in row order), so the adds
    // vectorize across units instead of walking a column with stride `width`.
    const CHUNK: usize = 64;
    for (c, tc) in tb.chunks_mut(CHUNK).enumerate() {
        let (q0, len) = (first + c * CHUNK, tc.len());
        let mut sums = [F::zero(); CHUNK];
        for row in delta.chunks_exact(width) {
            sums[..len].iter_mut().zip(&row[q0..q0 + len]).for_each(|(s, &d)| *s = *s + d);
        }
        for (t, &sum) in tc.iter_mut().zip(&sums[..len]) {
            *t = if beta_b == F::zero() { alpha * sum } else { beta_b * *t + alpha * sum };
        }
    }
}

/// The number of row blocks a batch of `rows` samples is cut into for the row-local work
/// (forward pass and δ). It depends on `rows` only — never on the number of threads — so every
/// thread count computes exactly the same products: 1 block below 16 rows (Nielsen's batch of 10:
/// cutting it into 2 × 5 rows cost one thread 12% and gave two threads nothing), 2 up to 511 rows,
/// then blocks of about 128 rows, at most 16.
pub fn row_blocks(rows: usize) -> usize {
    match rows {
        0..16 => 1,
        16..512 => 2,
        _ => (rows / 128).min(16),
    }
}

/// The number of blocks of output units layer n_in → n_out is cut into for the cross-row work
/// (∂C/∂W = δᵀA over a batch of `rows`): one per started 2¹⁷ multiply–adds (Nielsen's first
/// layer, 784 × 30 × 10, gets 2), at least 8 units each, and at most 8 — and at most a power of
/// two with 256 units or more in each block past the second (784-800-10 gets 2 blocks of 400:
/// narrower ones cut the products into pieces too thin for the GEMM kernel to run at its peak;
/// docs/performance.md has the figures). Depends on the shapes only, like [`row_blocks`].
pub fn unit_blocks(n_in: usize, n_out: usize, rows: usize) -> usize {
    let wide = (n_out / 256).max(2);
    let by_width = 1 << wide.ilog2();
    (n_in * n_out * rows).div_ceil(1 << 17).clamp(1, 8).min((n_out / 8).max(1)).min(by_width)
}

/// Block `p` of `n` items cut into `blocks` nearly equal consecutive blocks.
pub(crate) fn block(n: usize, blocks: usize, p: usize) -> Range<usize> {
    n * p / blocks..n * (p + 1) / blocks
}
