//! The floating-point types training runs in ([`crate::config::Precision`]): what the loop needs
//! beyond [`Scalar`] — the data (stored as f32) converted, the divergence check, the f32 network
//! that evaluation and model files use — and the vectorised check that every weight is finite.

use crate::float::Scalar;
use crate::network::Network;
use std::borrow::Cow;

/// The floating-point types training runs in ([`crate::Precision`]), with what the loop needs beyond
/// [`Scalar`]: the data (stored as f32) converted, the divergence check, and the f32 network that
/// evaluation and model files use.
pub(crate) trait TrainFloat: Scalar + 'static {
    /// The safetensors dtype of checkpoint tensors of this type.
    const SAFETENSORS_DTYPE: safetensors::Dtype;
    /// `dst` ← `src` (exact for both types).
    fn from_f32s(dst: &mut [Self], src: &[f32]);
    /// `src` in this type: borrowed for f32, converted for f64.
    fn view_f32s(src: &[f32]) -> Cow<'_, [Self]>;
    /// True when every value is finite.
    fn all_finite(values: &[Self]) -> bool;
    /// The network with f32 weights: itself for f32, rounded to f32 for f64.
    fn as_f32(net: &Network<Self>) -> Cow<'_, Network<f32>>;
    /// The values' little-endian bytes.
    fn le_bytes(values: &[Self]) -> Vec<u8>;
}

impl TrainFloat for f32 {
    const SAFETENSORS_DTYPE: safetensors::Dtype = safetensors::Dtype::F32;
    fn from_f32s(dst: &mut [f32], src: &[f32]) {
        dst.copy_from_slice(src);
    }
    fn view_f32s(src: &[f32]) -> Cow<'_, [f32]> {
        Cow::Borrowed(src)
    }
    fn all_finite(values: &[f32]) -> bool {
        all_finite(values)
    }
    fn as_f32(net: &Network<f32>) -> Cow<'_, Network<f32>> {
        Cow::Borrowed(net)
    }
    fn le_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

impl TrainFloat for f64 {
    const SAFETENSORS_DTYPE: safetensors::Dtype = safetensors::Dtype::F64;
    fn from_f32s(dst: &mut [f64], src: &[f32]) {
        dst.iter_mut().zip(src).for_each(|(d, &s)| *d = f64::from(s));
    }
    fn view_f32s(src: &[f32]) -> Cow<'_, [f64]> {
        Cow::Owned(src.iter().map(|&s| f64::from(s)).collect())
    }
    fn all_finite(values: &[f64]) -> bool {
        values.iter().all(|v| v.is_finite())
    }
    fn as_f32(net: &Network<f64>) -> Cow<'_, Network<f32>> {
        Cow::Owned(net.cast())
    }
    fn le_bytes(values: &[f64]) -> Vec<u8> {
        values.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

/// True when every value is finite. Checked after every update, so it runs with AVX2 where the CPU
/// has it (chosen at run time; the binary itself targets baseline x86-64).
pub fn all_finite(values: &[f32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { all_finite_avx2(values) };
    }
    all_finite_lanes(values)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn all_finite_avx2(values: &[f32]) -> bool {
    all_finite_lanes(values)
}

/// Lane-parallel so the compiler can vectorise it (x·0 is 0 for finite x and NaN for ±∞ and NaN).
#[inline(always)]
fn all_finite_lanes(values: &[f32]) -> bool {
    let mut acc = [0.0f32; 16];
    let chunks = values.chunks_exact(16);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x * 0.0;
        }
    }
    acc.iter().all(|a| *a == 0.0) && rest.iter().all(|x| x.is_finite())
}
