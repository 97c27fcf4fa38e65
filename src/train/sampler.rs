//! Getting a batch's rows: the next batch's rows prefetched while this one computes, and the rows
//! of a batch copied (and for f64 runs converted) into the batch buffers.

use super::float::TrainFloat;
use crate::data::Dataset;

/// Cache lines (16 f32) prefetched at the start of each row by [`prefetch`].
const PREFETCH_LINES: usize = 4;

/// Asks the CPU to start loading the rows `indices` of `data` into cache (the next batch's, while
/// this batch computes: the rows are scattered over the whole training set, so each gather would
/// otherwise wait on memory). Only the first [`PREFETCH_LINES`] cache lines of each row: that starts
/// the page walk and the hardware's stream prefetcher, while prefetching all 49 lines of an MNIST
/// row stalls on the line-fill buffers (Nielsen's run: 3.59 s all lines or none, 3.46 s with 2–8).
/// A hint only: it changes no value.
pub(crate) fn prefetch(data: &Dataset, indices: &[usize]) {
    #[cfg(target_arch = "x86_64")]
    for &i in indices {
        let row = &data.x[i * data.n_features..(i + 1) * data.n_features];
        for line in row.chunks(16).take(PREFETCH_LINES) {
            // SAFETY: prefetching an address inside a live slice; a prefetch never faults or writes.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, indices);
}

/// Copies the rows `indices` of `data` into the batch buffers; returns the number of rows.
pub(crate) fn gather<F: TrainFloat>(data: &Dataset, indices: &[usize], xb: &mut [F], yb: &mut [F]) -> usize {
    let (d, k) = (data.n_features, data.n_outputs);
    for (r, &i) in indices.iter().enumerate() {
        F::from_f32s(&mut xb[r * d..(r + 1) * d], &data.x[i * d..(i + 1) * d]);
        F::from_f32s(&mut yb[r * k..(r + 1) * k], &data.y[i * k..(i + 1) * k]);
    }
    indices.len()
}
