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
use rand::Rng;
use std::ops::Range;

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
        self.row_pass(x, None, rows, ws, false);
        self.output(rows, ws)
    }

    /// Backpropagation over a batch: writes ∇C (the gradient of the mean cost over the `rows`
    /// samples, same layout as [`Network::params`]) into `grad`, and returns Σₓ Cₓ (the batch's
    /// summed cost, for monitoring).
    ///
    /// Implements the four equations for the whole batch as matrix products; see the module docs.
    /// Allocates nothing: every buffer lives in `ws`. With dropout in `ws`
    /// ([`Workspace::with_dropout`]), the cost and gradient are those of the network with the
    /// current masks applied ([`Network::forward_dropout`]).
    pub fn backprop(&self, x: &[F], y: &[F], rows: usize, ws: &mut Workspace<F>, grad: &mut [F]) -> f64 {
        assert_eq!(grad.len(), self.n_params(), "gradient buffer length");
        ws.check(self, rows);
        // δ for every layer (row blocks in parallel), then ∂C/∂b = Σ_rows δ, ∂C/∂W = δᵀ Aˡ⁻¹.
        self.row_pass(x, Some(y), rows, ws, true);
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
    /// this is Nielsen's W ← W − (η/m) Σₓ ∂Cₓ/∂W, with no gradient buffer. Dropout in `ws` applies
    /// as in [`Network::backprop`].
    ///
    /// It equals [`Network::backprop`] followed by [`crate::optim::decay_weights`] and an SGD
    /// [`crate::OptimState::step`] up to rounding in W: the product's sums are added to W inside
    /// the matrix kernel instead of being rounded into a gradient first (b is updated exactly as
    /// there; see the tests for the tolerance). Returns Σₓ Cₓ of the batch; when that is not
    /// finite, no parameter is changed.
    pub fn sgd_step(&mut self, x: &[F], y: &[F], rows: usize, ws: &mut Workspace<F>, eta: F, decay: F) -> f64 {
        ws.check(self, rows);
        self.row_pass(x, Some(y), rows, ws, true);
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
    /// with σ' computed from the stored activations. Runs on the calling thread, without dropout.
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

mod dropout;
mod passes;
mod workspace;

pub(crate) use passes::{bias_step, block, finish_output};
pub use passes::{row_blocks, unit_blocks};
pub use workspace::Workspace;

#[cfg(test)]
mod tests;
