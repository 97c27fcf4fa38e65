//! Inverted dropout (Srivastava et al. 2014; Nielsen, chapter 3) in the training passes: the
//! masks of a batch, drawn by [`Workspace::draw_dropout`] and kept in the workspace, and the
//! training-time forward pass [`Network::forward_dropout`].
//!
//! Layer l's input Aˡ⁻¹ (the network's input for l = 0, else hidden layer l − 1's output) is
//! replaced by Ãˡ⁻¹ = Aˡ⁻¹ ⊙ Mˡ, where each entry of the mask Mˡ (rows × n_{l−1}) is 1/(1 − pₗ)
//! with probability 1 − pₗ and 0 otherwise: E[Ãˡ⁻¹] = Aˡ⁻¹, so the network needs no change at test
//! time (evaluation and prediction never drop). Backpropagation through the mask:
//! - Zˡ = Ãˡ⁻¹ (Wˡ)ᵀ + b, ∂C/∂Wˡ = (δˡ)ᵀ Ãˡ⁻¹,
//! - δˡ⁻¹ = (δˡ Wˡ) ⊙ Mˡ ⊙ σ'(zˡ⁻¹)  (σ' from the stored, unmasked Aˡ⁻¹).

use super::{Network, Workspace};
use crate::float::Scalar;
use crate::parallel::SharedMut;
use rand::Rng;
use std::ops::Range;

/// The dropout buffers of a workspace: per layer input, its probability, the mask M and the
/// kept input Ã = A ⊙ M.
///
/// # Shapes
/// `mask`, `kept`: for each layer input l with pₗ > 0, capacity × n_l at `at[l]` (empty for
/// pₗ = 0).
#[derive(Debug, Clone)]
pub(super) struct Dropout<F> {
    /// pₗ for each layer's input (one per layer).
    pub(super) p: Vec<f64>,
    pub(super) at: Vec<Range<usize>>,
    pub(super) mask: Vec<F>,
    pub(super) kept: Vec<F>,
    /// The rows the masks were last drawn for.
    pub(super) rows: usize,
}

impl<F: Scalar> Dropout<F> {
    /// Whether layer l's input is dropped.
    pub(super) fn drops(&self, l: usize) -> bool {
        !self.at[l].is_empty()
    }

    /// Layer l's kept input Ã (rows × `n`) of the last training pass, if its input is dropped.
    pub(super) fn kept(&self, l: usize, rows: usize, n: usize) -> Option<&[F]> {
        self.drops(l).then(|| &self.kept[self.at[l].start..self.at[l].start + rows * n])
    }
}

/// The dropout buffers as the row blocks of a training pass share them: the masks to read, the
/// kept inputs to write (disjoint rows per block).
pub(super) struct Drops<'a, F> {
    at: &'a [Range<usize>],
    mask: &'a [F],
    kept: SharedMut<F>,
}

impl<F: Scalar> Dropout<F> {
    /// The buffers for the row blocks of one pass.
    pub(super) fn shared(&mut self) -> Drops<'_, F> {
        Drops { at: &self.at, mask: &self.mask, kept: SharedMut::new(&mut self.kept) }
    }
}

impl<F: Scalar> Drops<'_, F> {
    /// Rows `r` (of inputs `n` wide) of layer l's buffers, if its input is dropped.
    fn rows_of(&self, l: usize, r: Range<usize>, n: usize) -> Option<Range<usize>> {
        let at = &self.at[l];
        (!at.is_empty()).then(|| at.start + r.start * n..at.start + r.end * n)
    }

    /// Layer l's input for rows `r`: `a` itself, or Ã = A ⊙ M written into the kept buffer when
    /// the input is dropped.
    ///
    /// # Safety
    /// No other block may use rows `r` of layer l's buffers while the result lives.
    pub(super) unsafe fn input<'b>(&'b self, l: usize, r: Range<usize>, n: usize, a: &'b [F]) -> &'b [F] {
        let Some(at) = self.rows_of(l, r, n) else { return a };
        // SAFETY: rows r are this block's alone (the caller's promise).
        let kept = unsafe { self.kept.part(at.clone()) };
        kept.iter_mut().zip(a.iter().zip(&self.mask[at])).for_each(|(k, (&a, &m))| *k = a * m);
        kept
    }

    /// δ ← δ ⊙ Mˡ on rows `r` of layer l's input (n wide), when it is dropped.
    pub(super) fn mask_delta(&self, l: usize, r: Range<usize>, n: usize, delta: &mut [F]) {
        if let Some(at) = self.rows_of(l, r, n) {
            delta.iter_mut().zip(&self.mask[at]).for_each(|(d, &m)| *d = *d * m);
        }
    }
}

impl<F: Scalar> Workspace<F> {
    /// The same buffers with dropout in the training passes ([`Network::backprop`],
    /// [`Network::sgd_step`], [`Network::forward_dropout`]): `p[l]` ∈ [0, 1) is the probability of
    /// dropping each unit of layer l's input — `p[0]` the network's input, `p[l]` hidden layer
    /// l − 1's output; one per layer. Draw each batch's masks with [`Workspace::draw_dropout`].
    ///
    /// # Panics
    /// If `p` does not have one entry per layer or an entry is outside [0, 1).
    pub fn with_dropout(self, p: &[f64]) -> Self {
        let layers = self.widths.len() - 1;
        assert_eq!(p.len(), layers, "one dropout probability per layer input");
        assert!(p.iter().all(|p| (0.0..1.0).contains(p)), "dropout probabilities in [0, 1): {p:?}");
        let mut at = Vec::with_capacity(layers);
        let mut end = 0;
        for (l, &p) in p.iter().enumerate() {
            let len = if p > 0.0 { self.capacity * self.widths[l] } else { 0 };
            at.push(end..end + len);
            end += len;
        }
        let zeros = vec![F::zero(); end];
        let dropout = Dropout { p: p.to_vec(), at, mask: zeros.clone(), kept: zeros, rows: 0 };
        Workspace { dropout: Some(dropout), ..self }
    }

    /// The dropout probabilities of the layers' inputs (empty without dropout).
    pub fn dropout(&self) -> &[f64] {
        self.dropout.as_ref().map_or(&[], |d| &d.p)
    }

    /// Draws the masks of a batch of `rows` rows from `rng`: for each dropped layer input l in
    /// order, row by row, unit by unit, one 32-bit draw u: Mˡ = 1/(1 − pₗ) if u < (1 − pₗ)·2³²
    /// (kept, probability 1 − pₗ), else 0. Allocates nothing; a no-op without dropout.
    pub fn draw_dropout<R: Rng + ?Sized>(&mut self, rows: usize, rng: &mut R) {
        assert!(rows <= self.capacity, "batch of {rows} rows exceeds workspace capacity {}", self.capacity);
        let widths = &self.widths;
        let Some(d) = &mut self.dropout else { return };
        for (l, &p) in d.p.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            let keep = 1.0 - p;
            let (threshold, scale) = ((keep * 4_294_967_296.0) as u64, F::of(1.0 / keep));
            let mask = &mut d.mask[d.at[l].start..d.at[l].start + rows * widths[l]];
            mask.iter_mut().for_each(|m| *m = if u64::from(rng.next_u32()) < threshold { scale } else { F::zero() });
        }
        d.rows = rows;
    }

    /// Layer l's dropout mask Mˡ (rows × n_l) of the last draw, if its input is dropped.
    pub fn dropout_mask(&self, l: usize, rows: usize) -> Option<&[F]> {
        let d = self.dropout.as_ref().filter(|d| d.drops(l))?;
        Some(&d.mask[d.at[l].start..d.at[l].start + rows * self.widths[l]])
    }

    /// The dropout buffers for a training pass over `rows` rows, checked to be drawn for them.
    pub(super) fn masks(&self, rows: usize) -> Option<&Dropout<F>> {
        let d = self.dropout.as_ref()?;
        assert!(rows <= d.rows, "dropout masks drawn for {} rows, the batch has {rows}: call draw_dropout", d.rows);
        Some(d)
    }
}

impl<F: Scalar> Network<F> {
    /// The training-time forward pass: as [`Network::forward`], with each dropped layer input
    /// multiplied by the workspace's current mask, Ãˡ⁻¹ = Aˡ⁻¹ ⊙ Mˡ (see
    /// [`Workspace::with_dropout`]); equal to [`Network::forward`] without dropout. Returns the
    /// output activations (rows × n_L). The cost [`Network::backprop`] differentiates is the one of
    /// these outputs.
    pub fn forward_dropout<'w>(&self, x: &[F], rows: usize, ws: &'w mut Workspace<F>) -> &'w [F] {
        ws.check(self, rows);
        self.row_pass(x, None, rows, ws, true);
        self.output(rows, ws)
    }
}
