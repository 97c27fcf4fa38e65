//! Simard's elastic displacement field, drawn in the eigenbasis of the Gaussian smoothing.
//!
//! Simard, Steinkraus & Platt (2003) draw U uniform in [−1, 1] at every pixel and smooth it by a
//! Gaussian of width σ: Δ = α·G_h U G_w, where G_n is the n × n band of Gaussian taps
//! ([`gaussian_kernel`], zero outside the image), symmetric, so G = Q Λ Qᵀ with Q orthogonal. Then
//! Δ = α·(Q_h Λ_h) M (Q_w Λ_w)ᵀ with M = Q_hᵀ U Q_w, and M is white noise again: its entries are
//! uncorrelated, mean 0, variance 1/3, as U's are. [`Field`] draws M directly, uniform in
//! [−1, 1], keeping only the k eigenpairs of largest |λ| that hold all but 10⁻⁵ of Σλ²:
//! Δ = α·A_h M A_wᵀ with A = Q_k Λ_k (n × k). Its mean and covariance,
//! Cov(vec Δ) = (α²/3)·(A_h A_hᵀ ⊗ A_w A_wᵀ), are those of Simard's field,
//! (α²/3)·(G_h² ⊗ G_w²), but for the dropped 10⁻⁵ of each factor's Σλ² (about 2·10⁻⁵ of the
//! field's variance; the Gaussian's truncation at 3σ drops 1% of its mass). Each displacement is
//! a weighted sum of k_h·k_w uniform numbers instead of h·w, near-Gaussian either way. For σ = 4
//! on 28 × 28 images k = 8: 64 random numbers and about 9,000 multiply–adds a field, against 784
//! numbers and two 25-tap passes over the image.
//!
//! The eigendecomposition is cyclic Jacobi in f64 ([`jacobi_eigen`], checked against faer's):
//! scalar code, the same on every CPU, and so are the products ([`product`]), so the fields, and
//! the runs, are bit-identical everywhere.

use super::image::gaussian_kernel;
use super::noise;

/// The share of Σλ² a factor A may leave out.
const DROPPED: f64 = 1e-5;

/// Columns a row is padded to (two AVX-512 registers of f32).
const WIDE: usize = 32;

/// Rows of a product computed together.
const BLOCK: usize = 4;

/// The precomputed factors of the field for one image shape, σ and α.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// (h, w).
    shape: (usize, usize),
    /// k_h, k_w.
    k: (usize, usize),
    /// α·A_h, row-major h × k_h.
    a_h: Vec<f32>,
    /// A_wᵀ, row-major k_w × `stride` (the columns from w on are 0).
    a_wt: Vec<f32>,
    /// w rounded up to a whole number of [`WIDE`].
    stride: usize,
}

impl Field {
    /// The factors for images of shape (h, w), Gaussian width σ = `sigma`, scale α = `alpha`.
    pub(crate) fn new((h, w): (usize, usize), sigma: f32, alpha: f32) -> Self {
        let a_h = factor(h, sigma);
        let a_w = factor(w, sigma);
        let (k_h, k_w) = (a_h.len() / h.max(1), a_w.len() / w.max(1));
        let stride = w.next_multiple_of(WIDE);
        let mut a_wt = vec![0.0; k_w * stride];
        for x in 0..w {
            for j in 0..k_w {
                a_wt[j * stride + x] = a_w[x * k_w + j] as f32;
            }
        }
        let a_h = a_h.iter().map(|&v| (alpha as f64 * v) as f32).collect();
        Field { shape: (h, w), k: (k_h, k_w), a_h, a_wt, stride }
    }

    /// k_h·k_w, the random numbers a field takes.
    pub(crate) fn noise_len(&self) -> usize {
        self.k.0 * self.k.1
    }

    /// k_h·stride, the intermediate product's size.
    pub(crate) fn product_len(&self) -> usize {
        self.k.0 * self.stride
    }

    /// The field's row stride: w rounded up to a whole number of [`WIDE`] (rows are written
    /// whole, the columns from w on are 0).
    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// out (h × [`Field::stride`]) = α·A_h M A_wᵀ for M = [`noise`]`(key)` (k_h × k_w): T = M A_wᵀ
    /// into `t`, then out = (α·A_h) T (see [`product`]). `m` and `t` hold [`Field::noise_len`] and
    /// [`Field::product_len`] values.
    #[inline(always)]
    pub(crate) fn sample(&self, key: u64, out: &mut [f32], m: &mut [f32], t: &mut [f32]) {
        let ((h, w), (k_h, k_w), s) = (self.shape, self.k, self.stride);
        if h == 0 || w == 0 {
            return;
        }
        let (m, t) = (&mut m[..k_h * k_w], &mut t[..k_h * s]);
        noise(key, m);
        product(m, &self.a_wt, t, k_w, s);
        product(&self.a_h, t, &mut out[..h * s], k_h, s);
    }
}

/// C = A B for A r × k, B k × s and C r × s (row-major, s a multiple of [`WIDE`]): each
/// c_ix = Σ_j a_ij·b_jx summed in the order of j, each step a fused multiply–add
/// (`f32::mul_add`, rounded once, in hardware or not), so the same on every CPU. Rows go
/// [`BLOCK`] at a time, [`WIDE`] columns at a time: that many independent sums hide the latency
/// of the adds.
#[inline(always)]
fn product(a: &[f32], b: &[f32], c: &mut [f32], k: usize, s: usize) {
    let rows = c.len() / s;
    let full = rows / BLOCK * BLOCK;
    for i in (0..full).step_by(BLOCK) {
        block::<BLOCK>(&a[i * k..(i + BLOCK) * k], b, &mut c[i * s..(i + BLOCK) * s], k, s);
    }
    for i in full..rows {
        block::<1>(&a[i * k..(i + 1) * k], b, &mut c[i * s..(i + 1) * s], k, s);
    }
}

/// R rows of [`product`].
#[inline(always)]
fn block<const R: usize>(a: &[f32], b: &[f32], c: &mut [f32], k: usize, s: usize) {
    for x0 in (0..s).step_by(WIDE) {
        let mut acc = [[0.0f32; WIDE]; R];
        for j in 0..k {
            let b_j: &[f32; WIDE] = b[j * s + x0..][..WIDE].try_into().expect("WIDE values");
            for (r, acc) in acc.iter_mut().enumerate() {
                let a_rj = a[r * k + j];
                acc.iter_mut().zip(b_j).for_each(|(acc, &b)| *acc = a_rj.mul_add(b, *acc));
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            c[r * s + x0..][..WIDE].copy_from_slice(acc);
        }
    }
}

/// A = Q_k Λ_k (n × k, row-major, f64) for G_n of width σ: the eigenpairs by |λ| (largest
/// first), as many as hold all but [`DROPPED`] of Σλ².
pub(crate) fn factor(n: usize, sigma: f32) -> Vec<f64> {
    let (lambda, q) = jacobi_eigen(band(n, sigma), n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| lambda[j].abs().total_cmp(&lambda[i].abs()));
    let total: f64 = lambda.iter().map(|l| l * l).sum();
    let (mut kept, mut k) = (0.0, 0);
    while k < n && kept < (1.0 - DROPPED) * total {
        kept += lambda[order[k]] * lambda[order[k]];
        k += 1;
    }
    let mut a = vec![0.0; n * k];
    for (j, &e) in order[..k].iter().enumerate() {
        for i in 0..n {
            a[i * k + j] = q[i * n + e] * lambda[e];
        }
    }
    a
}

/// G_n, row-major n × n: G[i][j] = g(i − j), the taps of [`gaussian_kernel`], 0 beyond them.
pub(crate) fn band(n: usize, sigma: f32) -> Vec<f64> {
    let g = gaussian_kernel(sigma, n);
    let r = g.len() / 2;
    let mut band = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i.abs_diff(j) <= r {
                band[i * n + j] = g[r + i.abs_diff(j)] as f64;
            }
        }
    }
    band
}

/// The eigenpairs of the symmetric n × n matrix `a` (row-major) by cyclic Jacobi rotations
/// (Golub & Van Loan, *Matrix Computations*, §8.5): A = Q diag(λ) Qᵀ. Returns λ and Q (row-major,
/// the eigenvectors in its columns). Each rotation J zeroes a_pq: θ = (a_qq − a_pp)/2a_pq,
/// t = sgn θ/(|θ| + √(1 + θ²)), c = 1/√(1 + t²), s = t·c, A ← JᵀAJ, Q ← QJ; sweeps run until the
/// off-diagonal part is below 10⁻³⁰ of ‖A‖²_F.
pub(crate) fn jacobi_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut q = vec![0.0; n * n];
    (0..n).for_each(|i| q[i * n + i] = 1.0);
    let norm: f64 = a.iter().map(|v| v * v).sum();
    for _ in 0..64 {
        let off: f64 = (0..n * n).filter(|i| i / n != i % n).map(|i| a[i] * a[i]).sum();
        if off <= 1e-30 * norm {
            break;
        }
        for p in 0..n {
            for r in p + 1..n {
                if a[p * n + r] != 0.0 {
                    rotate(&mut a, &mut q, n, p, r);
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), q)
}

/// One Jacobi rotation in the plane (p, r) (see [`jacobi_eigen`]).
fn rotate(a: &mut [f64], q: &mut [f64], n: usize, p: usize, r: usize) {
    let theta = (a[r * n + r] - a[p * n + p]) / (2.0 * a[p * n + r]);
    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
    let c = 1.0 / (t * t + 1.0).sqrt();
    let s = t * c;
    for k in 0..n {
        let (kp, kr) = (a[k * n + p], a[k * n + r]);
        a[k * n + p] = c * kp - s * kr;
        a[k * n + r] = s * kp + c * kr;
    }
    for k in 0..n {
        let (pk, rk) = (a[p * n + k], a[r * n + k]);
        a[p * n + k] = c * pk - s * rk;
        a[r * n + k] = s * pk + c * rk;
    }
    for k in 0..n {
        let (kp, kr) = (q[k * n + p], q[k * n + r]);
        q[k * n + p] = c * kp - s * kr;
        q[k * n + r] = s * kp + c * kr;
    }
}

#[cfg(test)]
mod tests;
