//! The network: layer sizes, one activation per layer, a cost, and all weights and biases in one
//! flat buffer; the forward pass and backpropagation over a whole batch.
//!
//! # Notation and shapes
//! The notes write one sample as a column vector: a¹ = x, zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ), with Wˡ of
//! shape nₗ × nₗ₋₁. Here a batch of m samples is a row-major matrix with one sample per row, so layer
//! l computes Zˡ = Aˡ⁻¹ (Wˡ)ᵀ + 1 (bˡ)ᵀ (m × nₗ) — the same numbers, transposed. Layers are indexed
//! from 0 in code (`layer 0` is the notes' l = 2).
//!
//! Backpropagation, for the batch (rows of δ are samples):
//! - δᴸ = ∇ₐC ⊙ σ'(zᴸ) (or a − y for canonical pairs, see [`Cost::output_delta`])
//! - δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ'(zˡ)            — the notes' ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ'(zˡ), transposed
//! - ∂C/∂bˡ = Σ_rows δˡ
//! - ∂C/∂Wˡ = (δˡ)ᵀ Aˡ⁻¹                   — the notes' δˡ (aˡ⁻¹)ᵀ summed over the batch

use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::{Error, Result};
use crate::float::Scalar;
use crate::init::Init;
use crate::parallel::{Pool, SharedMut};
use rand::Rng;
use std::ops::Range;
use std::sync::Arc;

/// A feedforward network with all parameters in one flat buffer.
///
/// Layout of [`Network::params`]: for each layer in order, its weights W (n_out × n_in, row-major)
/// followed by its biases b (n_out). Gradients, optimizer moments and checkpoints use the same layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<F: Scalar = f32> {
    sizes: Vec<usize>,
    activations: Vec<Activation>,
    cost: Cost,
    params: Vec<F>,
}

impl<F: Scalar> Network<F> {
    /// A network with the given layer sizes (input first), hidden activation, output activation and
    /// cost, with all parameters zero. Use [`Network::init`] to draw them.
    ///
    /// Fails if there are fewer than two sizes, a size is zero, or the output activation and cost
    /// do not fit together ([`Cost::check_output`]); softmax is refused for hidden layers.
    pub fn new(sizes: &[usize], hidden: Activation, output: Activation, cost: Cost) -> Result<Self> {
        let n_layers = sizes.len().saturating_sub(1);
        let mut activations = vec![hidden; n_layers];
        if let Some(last) = activations.last_mut() {
            *last = output;
        }
        Self::with_activations(sizes, activations, cost)
    }

    /// Like [`Network::new`] with one activation per layer given explicitly.
    pub fn with_activations(sizes: &[usize], activations: Vec<Activation>, cost: Cost) -> Result<Self> {
        if sizes.len() < 2 || sizes.contains(&0) {
            return Err(Error::config(
                "--layers",
                format!("need at least two sizes, all positive (e.g. 784,30,10), got {sizes:?}"),
            ));
        }
        if activations.len() != sizes.len() - 1 {
            return Err(Error::Shape {
                op: "activations".into(),
                expected: format!("{} (one per layer)", sizes.len() - 1),
                got: activations.len().to_string(),
            });
        }
        if activations[..activations.len() - 1].contains(&Activation::Softmax) {
            return Err(Error::config("--activation", "softmax can only be the output activation"));
        }
        cost.check_output(*activations.last().expect("at least one layer"))?;
        let n: usize = sizes.windows(2).map(|s| s[1] * s[0] + s[1]).sum();
        Ok(Network { sizes: sizes.to_vec(), activations, cost, params: vec![F::zero(); n] })
    }

    /// Draws every layer's W and b with `init`, each value multiplied by `scale`, from `rng`.
    pub fn init<R: Rng + ?Sized>(&mut self, init: Init, scale: f64, rng: &mut R) {
        for l in 0..self.n_layers() {
            let (w, b) = self.layer_ranges(l);
            let n_in = self.sizes[l];
            let (head, tail) = self.params.split_at_mut(b.start);
            init.fill(&mut head[w], &mut tail[..b.len()], n_in, scale, rng);
        }
    }

    /// Layer sizes, input first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }
    /// One activation per layer (hidden layers, then the output layer).
    pub fn activations(&self) -> &[Activation] {
        &self.activations
    }
    /// The cost the network is trained with.
    pub fn cost(&self) -> Cost {
        self.cost
    }
    /// Number of weight layers (one less than the number of sizes).
    pub fn n_layers(&self) -> usize {
        self.sizes.len() - 1
    }
    /// Input width n₀.
    pub fn n_inputs(&self) -> usize {
        self.sizes[0]
    }
    /// Output width n_L.
    pub fn n_outputs(&self) -> usize {
        *self.sizes.last().expect("at least two sizes")
    }
    /// Total number of weights and biases.
    pub fn n_params(&self) -> usize {
        self.params.len()
    }
    /// All parameters, flat (see the type's doc for the layout).
    pub fn params(&self) -> &[F] {
        &self.params
    }
    /// All parameters, flat and mutable.
    pub fn params_mut(&mut self) -> &mut [F] {
        &mut self.params
    }

    /// The ranges of layer `l`'s weights and biases inside [`Network::params`].
    pub fn layer_ranges(&self, l: usize) -> (Range<usize>, Range<usize>) {
        let start: usize = self.sizes.windows(2).take(l).map(|s| s[1] * s[0] + s[1]).sum();
        let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
        let w_end = start + n_out * n_in;
        (start..w_end, w_end..w_end + n_out)
    }
    /// Layer `l`'s weight matrix W (n_out × n_in, row-major).
    pub fn weight(&self, l: usize) -> &[F] {
        &self.params[self.layer_ranges(l).0]
    }
    /// Layer `l`'s bias vector b (n_out).
    pub fn bias(&self, l: usize) -> &[F] {
        &self.params[self.layer_ranges(l).1]
    }

    /// The same network in another float type (values rounded when narrowing).
    pub fn cast<G: Scalar>(&self) -> Network<G> {
        Network {
            sizes: self.sizes.clone(),
            activations: self.activations.clone(),
            cost: self.cost,
            params: self.params.iter().map(|&p| G::of(p.f64())).collect(),
        }
    }

    /// Forward pass for `rows` samples in `x` (rows × n₀): a¹ = x, zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ).
    /// Returns the output activations (rows × n_L), held in `ws`.
    ///
    /// Rows are independent, so the batch is cut into row blocks (by [`row_blocks`], from the
    /// number of rows only) that the workspace's threads run through all layers at once.
    pub fn forward<'w>(&self, x: &[F], rows: usize, ws: &'w mut Workspace<F>) -> &'w [F] {
        ws.check(self, rows);
        self.row_pass(x, None, rows, ws);
        self.output(rows, ws)
    }

    /// The row-local part of a training step for rows `r` of a batch of `rows`: the forward pass
    /// and, when `y` is given, every layer's δ:
    /// δᴸ = ∇ₐC ⊙ σ'(zᴸ) (for the mean cost over the whole batch), δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹).
    fn row_pass(&self, x: &[F], y: Option<&[F]>, rows: usize, ws: &mut Workspace<F>) {
        let blocks = row_blocks(rows);
        let (a_all, z_all, d_all) =
            (SharedMut::new(&mut ws.a), SharedMut::new(&mut ws.z_out), SharedMut::new(&mut ws.deltas));
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
            }
        };
        ws.pool.run(blocks, &task);
    }

    /// The cross-row part of a training step, after [`Network::row_pass`]: for every layer l and
    /// block of its output units j (by [`unit_blocks`], from the shapes only),
    /// T_W ← β T_W + α δᵀ Aˡ⁻¹ and T_b ← β_b T_b + α Σ_rows δ on those units' rows of `target`
    /// (laid out like the parameters). With α = 1, β = β_b = 0 that writes ∇C; with α = −η,
    /// β = 1 − ηλ/n, β_b = 1 it is the SGD update itself.
    #[allow(clippy::too_many_arguments)]
    fn column_pass(&self, x: &[F], rows: usize, ws: &Workspace<F>, target: &mut [F], alpha: F, beta: F, beta_b: F) {
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

    /// Backpropagation over a batch: writes ∇C (the gradient of the mean cost over the `rows`
    /// samples, same layout as [`Network::params`]) into `grad`, and returns Σₓ Cₓ (the batch's
    /// summed cost, for monitoring).
    ///
    /// Implements the four equations for the whole batch as matrix products; see the module docs.
    /// Allocates nothing: every buffer lives in `ws`.
    pub fn backprop(&self, x: &[F], y: &[F], rows: usize, ws: &mut Workspace<F>, grad: &mut [F]) -> f64 {
        assert_eq!(grad.len(), self.n_params(), "gradient buffer length");
        ws.check(self, rows);
        // δ for every layer (row blocks in parallel), then ∂C/∂b = Σ_rows δ, ∂C/∂W = δᵀ Aˡ⁻¹.
        self.row_pass(x, Some(y), rows, ws);
        let cost_sum = self.cost_sum(y, rows, ws);
        self.column_pass(x, rows, ws, grad, F::one(), F::zero(), F::zero());
        cost_sum
    }

    /// One step of plain mini-batch SGD (with optional L2 weight decay) fused into backpropagation:
    /// for each layer,
    ///
    /// - Wˡ ← β Wˡ − η (δˡ)ᵀ Aˡ⁻¹  as one matrix product accumulating into W (β = `decay`, the
    ///   factor 1 − ηλ/n, or 1 without regularisation),
    /// - bˡ ← bˡ − η Σ_rows δˡ,
    ///
    /// with every δ formed from the old weights first. δ is the gradient of the mean batch cost, so
    /// this is Nielsen's W ← W − (η/m) Σₓ ∂Cₓ/∂W, with no gradient buffer.
    ///
    /// It equals [`Network::backprop`] followed by [`crate::optim::decay_weights`] and an SGD
    /// [`crate::OptimState::step`] up to rounding in W: the product's sums are added to W inside
    /// the matrix kernel instead of being rounded into a gradient first (b is updated exactly as
    /// there; see the tests for the tolerance). Returns Σₓ Cₓ of the batch; when that is not
    /// finite, no parameter is changed.
    pub fn sgd_step(&mut self, x: &[F], y: &[F], rows: usize, ws: &mut Workspace<F>, eta: F, decay: F) -> f64 {
        ws.check(self, rows);
        self.row_pass(x, Some(y), rows, ws);
        let cost_sum = self.cost_sum(y, rows, ws);
        if cost_sum.is_finite() {
            let mut params = std::mem::take(&mut self.params);
            self.column_pass(x, rows, ws, &mut params, -eta, decay, F::one());
            self.params = params;
        }
        cost_sum
    }

    /// The backward sweep after a [`Network::forward`] of `rows` samples of `x`, starting from the
    /// δᴸ already in `ws` (see [`Workspace::output_delta_mut`]): for l = L … 1 it calls
    /// `visit(l, δˡ, Aˡ⁻¹)` (rows × n_l and rows × n_{l−1}), then forms δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹),
    /// with σ' computed from the stored activations. Runs on the calling thread.
    pub fn backward(&self, x: &[F], rows: usize, ws: &mut Workspace<F>, mut visit: impl FnMut(usize, &[F], &[F])) {
        for l in (0..self.n_layers()).rev() {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let a_prev: &[F] = if l == 0 { &x[..rows * n_in] } else { &ws.activation(l - 1)[..rows * n_in] };
            let delta = &ws.delta[..rows * n_out];
            visit(l, delta, a_prev);
            if l > 0 {
                let delta_prev = &mut ws.delta_prev[..rows * n_in];
                let w = self.weight(l);
                F::gemm(rows, n_out, n_in, F::one(), delta, n_out, 1, w, n_in, 1, F::zero(), delta_prev, n_in, 1);
                let a = &ws.a[ws.offsets[l - 1]..ws.offsets[l - 1] + rows * n_in];
                self.activations[l - 1].mul_derivative(delta_prev, a);
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
    }

    /// The output activations (rows × n_L) of the last [`Network::forward`] through `ws`.
    pub fn output<'w>(&self, rows: usize, ws: &'w Workspace<F>) -> &'w [F] {
        &ws.activation(self.n_layers() - 1)[..rows * self.n_outputs()]
    }

    /// Σₓ Cₓ for the outputs of the last [`Network::forward`] through `ws` (`rows` samples) against `y`.
    pub fn cost_sum(&self, y: &[F], rows: usize, ws: &Workspace<F>) -> f64 {
        let (last, k) = (self.n_layers() - 1, self.n_outputs());
        let (a, z) = (&ws.activation(last)[..rows * k], &ws.z_out[..rows * k]);
        self.cost.total(self.activations[last], a, z, &y[..rows * k], k)
    }

    /// Mean cost over `x`, `y` (n rows), evaluated in chunks through `ws`.
    pub fn mean_cost(&self, x: &[F], y: &[F], ws: &mut Workspace<F>) -> f64 {
        let n = x.len() / self.n_inputs();
        let (d, k) = (self.n_inputs(), self.n_outputs());
        let mut total = 0.0;
        let mut start = 0;
        while start < n {
            let rows = ws.capacity().min(n - start);
            self.forward(&x[start * d..(start + rows) * d], rows, ws);
            total += self.cost_sum(&y[start * k..(start + rows) * k], rows, ws);
            start += rows;
        }
        total / n.max(1) as f64
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
    for (q, t) in tb.iter_mut().enumerate() {
        let sum = delta.iter().skip(first + q).step_by(width).fold(F::zero(), |s, &d| s + d);
        *t = if beta_b == F::zero() { alpha * sum } else { beta_b * *t + alpha * sum };
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
/// layer, 784 × 30 × 10, gets 2), at most 8, and at least 8 units each. Depends on the shapes
/// only, like [`row_blocks`].
pub fn unit_blocks(n_in: usize, n_out: usize, rows: usize) -> usize {
    (n_in * n_out * rows).div_ceil(1 << 17).clamp(1, 8).min((n_out / 8).max(1))
}

/// Block `p` of `n` items cut into `blocks` nearly equal consecutive blocks.
pub(crate) fn block(n: usize, blocks: usize, p: usize) -> Range<usize> {
    n * p / blocks..n * (p + 1) / blocks
}

/// Preallocated buffers for a forward and backward pass of up to `capacity` rows, and the threads
/// that run them.
///
/// # Shapes
/// `a`: for each layer l, capacity × n_{l+1} (layer l's output) from `offsets[l]`; `deltas`: the
/// same for each layer's δ; `z_out`: capacity × n_L (the output layer's z, kept for stable
/// cross-entropy); `delta`, `delta_prev`: capacity × max width (for [`Network::backward`]).
#[derive(Debug, Clone)]
pub struct Workspace<F: Scalar = f32> {
    capacity: usize,
    widths: Vec<usize>,
    offsets: Vec<usize>,
    a: Vec<F>,
    deltas: Vec<F>,
    z_out: Vec<F>,
    delta: Vec<F>,
    delta_prev: Vec<F>,
    pool: Arc<Pool>,
}

impl<F: Scalar> Workspace<F> {
    /// Buffers for `net` and batches of up to `capacity` rows, computed on the calling thread.
    pub fn new(net: &Network<F>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let widest = *net.sizes()[1..].iter().max().expect("sizes");
        let offsets: Vec<usize> =
            net.sizes()[1..].iter().scan(0, |o, &n| Some(std::mem::replace(o, *o + capacity * n))).collect();
        let total = capacity * net.sizes()[1..].iter().sum::<usize>();
        Workspace {
            capacity,
            widths: net.sizes().to_vec(),
            offsets,
            a: vec![F::zero(); total],
            deltas: vec![F::zero(); total],
            z_out: vec![F::zero(); capacity * net.n_outputs()],
            delta: vec![F::zero(); capacity * widest],
            delta_prev: vec![F::zero(); capacity * widest],
            pool: Arc::new(Pool::new(1)),
        }
    }

    /// The same buffers, computed by `threads` threads (the caller and `threads − 1` workers).
    /// Results do not depend on the number of threads (see [`row_blocks`]).
    pub fn with_threads(self, threads: usize) -> Self {
        Workspace { pool: Arc::new(Pool::new(threads)), ..self }
    }

    /// The same buffers, computed by the threads of `other` (one pool for several workspaces
    /// used one after the other, e.g. training and evaluation).
    pub fn sharing_threads_of<G: Scalar>(self, other: &Workspace<G>) -> Self {
        Workspace { pool: Arc::clone(&other.pool), ..self }
    }

    /// The threads this workspace computes with.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The number of threads this workspace computes with.
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// The output-layer δᴸ buffer for `rows` samples (rows × n_L), to fill before [`Network::backward`].
    pub fn output_delta_mut(&mut self, rows: usize) -> &mut [F] {
        let k = *self.widths.last().expect("sizes");
        &mut self.delta[..rows * k]
    }

    /// Layer `l`'s activations aˡ (rows × n_{l+1}) from the last forward pass.
    pub fn layer_output(&self, l: usize, rows: usize) -> &[F] {
        &self.activation(l)[..rows * self.widths[l + 1]]
    }

    /// The largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Layer `l`'s output buffer (capacity × n_{l+1}).
    fn activation(&self, l: usize) -> &[F] {
        &self.a[self.offsets[l]..self.offsets[l] + self.capacity * self.widths[l + 1]]
    }

    fn check(&self, net: &Network<F>, rows: usize) {
        assert!(rows <= self.capacity, "batch of {rows} rows exceeds workspace capacity {}", self.capacity);
        assert_eq!(self.widths, net.sizes(), "workspace built for another network");
    }
}

#[cfg(test)]
mod tests {
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
        let mut net =
            Network::<f64>::new(&[2, 1], Activation::Identity, Activation::Identity, Cost::Quadratic).unwrap();
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
                crate::OptimState::new(crate::Optimizer::Sgd, 0.0, net.n_params()).step(
                    general.params_mut(),
                    &grad,
                    eta,
                );
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
}
