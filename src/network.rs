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
    pub fn forward<'w>(&self, x: &[F], rows: usize, ws: &'w mut Workspace<F>) -> &'w [F] {
        ws.check(self, rows);
        for l in 0..self.n_layers() {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let (before, after) = ws.a.split_at_mut(l);
            let input: &[F] = if l == 0 { &x[..rows * n_in] } else { &before[l - 1][..rows * n_in] };
            let a = &mut after[0][..rows * n_out];
            // Z = A Wᵀ: W is n_out × n_in row-major, so Wᵀ is the strided view (1, n_in).
            F::gemm(rows, n_in, n_out, F::one(), input, n_in, 1, self.weight(l), 1, n_in, F::zero(), a, n_out, 1);
            let b = self.bias(l);
            a.chunks_exact_mut(n_out).for_each(|row| row.iter_mut().zip(b).for_each(|(z, &b)| *z = *z + b));
            if l + 1 == self.n_layers() {
                ws.z_out[..rows * n_out].copy_from_slice(a);
            }
            self.activations[l].apply(a, n_out);
        }
        &ws.a[self.n_layers() - 1][..rows * self.n_outputs()]
    }

    /// Backpropagation over a batch: writes ∇C (the gradient of the mean cost over the `rows`
    /// samples, same layout as [`Network::params`]) into `grad`, and returns Σₓ Cₓ (the batch's
    /// summed cost, for monitoring).
    ///
    /// Implements the four equations for the whole batch as matrix products; see the module docs.
    /// Allocates nothing: every buffer lives in `ws`.
    pub fn backprop(&self, x: &[F], y: &[F], rows: usize, ws: &mut Workspace<F>, grad: &mut [F]) -> f64 {
        assert_eq!(grad.len(), self.n_params(), "gradient buffer length");
        self.forward(x, rows, ws);
        let cost_sum = self.cost_sum(y, rows, ws);
        let (last, n_out) = (self.n_layers() - 1, self.n_outputs());
        let (a_out, y) = (&ws.a[last][..rows * n_out], &y[..rows * n_out]);
        // δᴸ = ∇ₐC ⊙ σ'(zᴸ), already divided by the batch size (gradient of the mean cost).
        self.cost.output_delta(self.activations[last], a_out, y, &mut ws.delta[..rows * n_out], n_out);
        self.backward(x, rows, ws, |l, delta, a_prev| {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let (w_range, b_range) = self.layer_ranges(l);
            // ∂C/∂b = Σ over rows of δ.
            let nabla_b = &mut grad[b_range];
            nabla_b.iter_mut().for_each(|v| *v = F::zero());
            for row in delta.chunks_exact(n_out) {
                nabla_b.iter_mut().zip(row).for_each(|(g, &d)| *g = *g + d);
            }
            // ∂C/∂W = δᵀ Aˡ⁻¹ (n_out × n_in): δᵀ is the strided view (1, n_out) of δ.
            let nabla_w = &mut grad[w_range];
            F::gemm(n_out, rows, n_in, F::one(), delta, 1, n_out, a_prev, n_in, 1, F::zero(), nabla_w, n_in, 1);
        });
        cost_sum
    }

    /// The backward sweep after a [`Network::forward`] of `rows` samples of `x`, starting from the
    /// δᴸ already in `ws` (see [`Workspace::output_delta_mut`]): for l = L … 1 it calls
    /// `visit(l, δˡ, Aˡ⁻¹)` (rows × n_l and rows × n_{l−1}), then forms δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹),
    /// with σ' computed from the stored activations.
    pub fn backward(&self, x: &[F], rows: usize, ws: &mut Workspace<F>, mut visit: impl FnMut(usize, &[F], &[F])) {
        for l in (0..self.n_layers()).rev() {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let a_prev: &[F] = if l == 0 { &x[..rows * n_in] } else { &ws.a[l - 1][..rows * n_in] };
            let delta = &ws.delta[..rows * n_out];
            visit(l, delta, a_prev);
            if l > 0 {
                let delta_prev = &mut ws.delta_prev[..rows * n_in];
                let w = self.weight(l);
                F::gemm(rows, n_out, n_in, F::one(), delta, n_out, 1, w, n_in, 1, F::zero(), delta_prev, n_in, 1);
                self.activations[l - 1].mul_derivative(delta_prev, &ws.a[l - 1][..rows * n_in]);
                std::mem::swap(&mut ws.delta, &mut ws.delta_prev);
            }
        }
    }

    /// The output activations (rows × n_L) of the last [`Network::forward`] through `ws`.
    pub fn output<'w>(&self, rows: usize, ws: &'w Workspace<F>) -> &'w [F] {
        &ws.a[self.n_layers() - 1][..rows * self.n_outputs()]
    }

    /// Σₓ Cₓ for the outputs of the last [`Network::forward`] through `ws` (`rows` samples) against `y`.
    pub fn cost_sum(&self, y: &[F], rows: usize, ws: &Workspace<F>) -> f64 {
        let (last, k) = (self.n_layers() - 1, self.n_outputs());
        let (a, z) = (&ws.a[last][..rows * k], &ws.z_out[..rows * k]);
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

/// Preallocated buffers for a forward and backward pass of up to `capacity` rows.
///
/// # Shapes
/// `a[l]`: capacity × n_{l+1} (layer l's output); `z_out`: capacity × n_L (the output layer's z,
/// kept for stable cross-entropy); `delta`, `delta_prev`: capacity × max width.
#[derive(Debug, Clone)]
pub struct Workspace<F: Scalar = f32> {
    capacity: usize,
    widths: Vec<usize>,
    a: Vec<Vec<F>>,
    z_out: Vec<F>,
    delta: Vec<F>,
    delta_prev: Vec<F>,
}

impl<F: Scalar> Workspace<F> {
    /// Buffers for `net` and batches of up to `capacity` rows.
    pub fn new(net: &Network<F>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let widest = *net.sizes()[1..].iter().max().expect("sizes");
        Workspace {
            capacity,
            widths: net.sizes().to_vec(),
            a: net.sizes()[1..].iter().map(|&n| vec![F::zero(); capacity * n]).collect(),
            z_out: vec![F::zero(); capacity * net.n_outputs()],
            delta: vec![F::zero(); capacity * widest],
            delta_prev: vec![F::zero(); capacity * widest],
        }
    }

    /// The output-layer δᴸ buffer for `rows` samples (rows × n_L), to fill before [`Network::backward`].
    pub fn output_delta_mut(&mut self, rows: usize) -> &mut [F] {
        let k = *self.widths.last().expect("sizes");
        &mut self.delta[..rows * k]
    }

    /// Layer `l`'s activations aˡ (rows × n_{l+1}) from the last forward pass.
    pub fn layer_output(&self, l: usize, rows: usize) -> &[F] {
        &self.a[l][..rows * self.widths[l + 1]]
    }

    /// The largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
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
}
