//! What the elastic field's Gaussian smoothing costs as it is done now, and as the two matrix
//! products it is: G ∗ U = K U K for K the h × h band of Gaussian taps (K symmetric, zero outside
//! the image). The second is a measured proposal, not what `--augment` runs.
//!
//! ```text
//! cargo run --release --example bench_smoothing
//! ```
//!
//! 1. **Now**: [`neuralnet::data::augment::smooth`] (with AVX-512, else AVX2, where the CPU has
//!    it, as `--augment` runs it) on one 28 × 28 field of [`noise`] (a pass of
//!    the 25-tap Gaussian down the columns, a transpose, a pass, a transpose; `--augment` draws
//!    its noise column by column and saves one transpose).
//! 2. **As products**: the fields of a chunk of 64 images (128 fields) laid out
//!    `[row][field][column]`, so that both products are single GEMMs through faer on one thread:
//!    A = U K as a (28·128) × 28 by 28 × 28 product, then S = K A as 28 × 28 by 28 × (128·28).
//!
//! Each is timed as the median of 5 passes, in ns per field; the products' fields are checked
//! against `smooth`'s.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use neuralnet::data::augment::{gaussian_kernel, noise, smooth};
use std::time::Instant;

const N: usize = 28;
const FIELDS: usize = 128;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// ns per call of `f`, the median of 5 passes of `reps` calls.
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    let passes = (0..5).map(|_| {
        let start = Instant::now();
        (0..reps).for_each(|_| f());
        start.elapsed().as_secs_f64() * 1e9 / reps as f64
    });
    median(passes.collect())
}

/// `smooth` compiled for AVX2, as `--augment` runs it where the CPU has that.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn smooth_avx2(field: &mut [f32], tmp: &mut [f32], kernel: &[f32]) {
    smooth(field, tmp, (N, N), kernel)
}

/// `smooth` compiled for AVX-512, as `--augment` runs it where the CPU has that.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f")]
fn smooth_avx512(field: &mut [f32], tmp: &mut [f32], kernel: &[f32]) {
    smooth(field, tmp, (N, N), kernel)
}

/// `smooth` as `--augment` runs it on this CPU.
fn smooth_fast(field: &mut [f32], tmp: &mut [f32], kernel: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU supports AVX-512F, checked just above.
        return unsafe { smooth_avx512(field, tmp, kernel) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { smooth_avx2(field, tmp, kernel) };
    }
    smooth(field, tmp, (N, N), kernel)
}

/// S = K U K for every field of `u` (laid out `[row][field][column]`), through `a`.
fn smooth_by_products(k: MatRef<f32>, u: &[f32], a: &mut [f32], s: &mut [f32]) {
    let (um, am) = (MatRef::from_row_major_slice(u, N * FIELDS, N), MatMut::from_row_major_slice_mut(a, N * FIELDS, N));
    matmul(am, Accum::Replace, um, k, 1.0, Par::Seq);
    let (a, sm) = (MatRef::from_row_major_slice(a, N, FIELDS * N), MatMut::from_row_major_slice_mut(s, N, FIELDS * N));
    matmul(sm, Accum::Replace, k, a, 1.0, Par::Seq);
}

fn main() {
    let g = gaussian_kernel(4.0, N);
    let r = g.len() / 2;
    let k = Mat::<f32>::from_fn(N, N, |i, j| match i.abs_diff(j) {
        d if d <= r => g[r + d],
        _ => 0.0,
    });
    // Field f's row y is u[y·128·28 + f·28 ..][..28].
    let mut u = vec![0.0f32; N * FIELDS * N];
    noise(1, &mut u);
    let (mut a, mut s) = (vec![0.0f32; u.len()], vec![0.0f32; u.len()]);

    let one: Vec<f32> = (0..N).flat_map(|y| u[y * FIELDS * N..][..N].to_vec()).collect();
    let (mut field, mut tmp) = (one.clone(), vec![0.0f32; N * N]);
    let now = time(20_000, || {
        field.copy_from_slice(&one);
        smooth_fast(std::hint::black_box(&mut field), &mut tmp, &g);
    });
    let products =
        time(200, || smooth_by_products(k.as_ref(), std::hint::black_box(&u), &mut a, &mut s)) / FIELDS as f64;

    let worst = (0..N * N).map(|p| (field[p] - s[(p / N) * FIELDS * N + p % N]).abs()).fold(0.0f32, f32::max);
    println!("# Gaussian smoothing (sigma = 4, {} taps) of one {N} x {N} field, one thread, median of 5", g.len());
    println!("now: smooth (two passes, two transposes)   {now:7.0} ns per field");
    println!("as two GEMMs over {FIELDS} fields (faer)      {products:7.0} ns per field  ({:.2}x)", now / products);
    println!("largest difference between the two          {worst:.1e}");
}
