//! The preallocated buffers of a forward and backward pass ([`Workspace`]), and the threads
//! that compute with them.

use super::Network;
use crate::float::Scalar;
use crate::parallel::Pool;
use std::sync::Arc;

/// Preallocated buffers for a forward and backward pass of up to `capacity` rows, and the threads
/// that run them.
///
/// # Shapes
/// `a`: for each layer l, capacity × n_{l+1} (layer l's output) from `offsets[l]`; `deltas`: the
/// same for each layer's δ; `z_out`: capacity × n_L (the output layer's z, kept for stable
/// cross-entropy); `delta`, `delta_prev`: capacity × max width (for [`Network::backward`]).
#[derive(Debug, Clone)]
pub struct Workspace<F: Scalar = f32> {
    pub(super) capacity: usize,
    pub(super) widths: Vec<usize>,
    pub(super) offsets: Vec<usize>,
    pub(super) a: Vec<F>,
    pub(super) deltas: Vec<F>,
    pub(super) z_out: Vec<F>,
    pub(super) delta: Vec<F>,
    pub(super) delta_prev: Vec<F>,
    /// Dropout's probabilities, masks and kept inputs (training passes only; see [`Workspace::with_dropout`]).
    pub(super) dropout: Option<super::dropout::Dropout<F>>,
    pub(super) pool: Arc<Pool>,
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
            dropout: None,
            pool: Arc::new(Pool::new(1)),
        }
    }

    /// The same buffers, computed by `threads` threads (the caller and `threads − 1` workers).
    /// Results do not depend on the number of threads (see [`super::row_blocks`]).
    pub fn with_threads(self, threads: usize) -> Self {
        Workspace { pool: Arc::new(Pool::new(threads)), ..self }
    }

    /// The same buffers, computed by the threads of `other` (one pool for several workspaces
    /// used one after the other, e.g. training and evaluation).
    pub(crate) fn sharing_threads_of<G: Scalar>(self, other: &Workspace<G>) -> Self {
        Workspace { pool: Arc::clone(&other.pool), ..self }
    }

    /// The threads this workspace computes with.
    pub(crate) fn pool(&self) -> &Pool {
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
    pub(super) fn activation(&self, l: usize) -> &[F] {
        &self.a[self.offsets[l]..self.offsets[l] + self.capacity * self.widths[l + 1]]
    }

    pub(super) fn check(&self, net: &Network<F>, rows: usize) {
        assert!(rows <= self.capacity, "batch of {rows} rows exceeds workspace capacity {}", self.capacity);
        assert_eq!(self.widths, net.sizes(), "workspace built for another network");
    }
}
