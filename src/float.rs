//! The floating-point type a network computes in. Training runs in `f32` for speed; gradient checks
//! and Levenberg–Marquardt run in `f64`. Both go through one generic code path over [`Scalar`], whose
//! only non-trivial method is the matrix product, delegated to `faer`'s `matmul` (which dispatches
//! to hand-tuned AVX2/AVX-512 kernels at run time; see `docs/performance.md` for why faer and not
//! `matrixmultiply` or `gemm`).

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use num_traits::{Float, FromPrimitive, ToPrimitive};
use std::fmt::{Debug, Display};

/// A float type a [`crate::Network`] can compute in (`f32` or `f64`).
pub trait Scalar: Float + FromPrimitive + ToPrimitive + Debug + Display + Default + Send + Sync + 'static {
    /// The safetensors dtype name of this type (`"F32"` or `"F64"`).
    const DTYPE: &'static str;

    /// General matrix product $C \leftarrow \alpha\,A B + \beta\,C$ on strided row/column views.
    ///
    /// `A` is m×k with strides (`rsa`, `csa`), `B` is k×n with (`rsb`, `csb`), `C` is m×n with (`rsc`, `csc`).
    /// Strides let a transpose be a view: a row-major n×k matrix `W` read as `Wᵀ` has strides (1, k).
    ///
    /// # Panics
    /// Panics (via the debug assertions below) if a slice is too short for the shape and strides.
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: &[Self],
        rsa: usize,
        csa: usize,
        b: &[Self],
        rsb: usize,
        csb: usize,
        beta: Self,
        c: &mut [Self],
        rsc: usize,
        csc: usize,
    );

    /// eˣ for the sigmoid, in a form the compiler can vectorize: [`Float::exp`] for `f64`, and for
    /// `f32` [`exp_f32`] (a polynomial, within 2 ulp of the correctly rounded value) instead of a
    /// call to libm's `expf` per element.
    #[inline(always)]
    fn exp_vec(self) -> Self {
        self.exp()
    }

    /// σ(x) = 1/(1 + e⁻ˣ) for every element of `z`, in place, through [`Scalar::exp_vec`]. The
    /// `f32` version runs with AVX2 where the CPU has it (chosen at run time; same values).
    fn sigmoid_slice(z: &mut [Self]) {
        sigmoid_lanes(z);
    }

    /// Converts from `f64` (exact for `f64`, rounded for `f32`).
    fn of(x: f64) -> Self {
        <Self as FromPrimitive>::from_f64(x).unwrap_or_else(Self::nan)
    }

    /// Converts to `f64`.
    fn f64(self) -> f64 {
        ToPrimitive::to_f64(&self).unwrap_or(f64::NAN)
    }
}

/// Checks that a strided m×n view with strides (rs, cs) fits in a slice of length `len`.
fn fits(m: usize, n: usize, rs: usize, cs: usize, len: usize) -> bool {
    m == 0 || n == 0 || (m - 1) * rs + (n - 1) * cs < len
}

/// σ over a slice, written so that the compiler vectorizes it at whatever width it targets.
#[inline(always)]
fn sigmoid_lanes<F: Scalar>(z: &mut [F]) {
    let one = F::one();
    z.iter_mut().for_each(|v| *v = one / (one + (-*v).exp_vec()));
}

/// [`Scalar::sigmoid_slice`] for `f32`: 8 lanes with AVX2 when the CPU has it, else SSE's 4.
/// Rust never fuses a multiply and an add on its own, so both paths round identically.
fn sigmoid_slice_f32(z: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { sigmoid_avx2(z) };
    }
    sigmoid_lanes(z);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sigmoid_avx2(z: &mut [f32]) {
    sigmoid_lanes(z);
}

macro_rules! impl_scalar {
    ($t:ty, $name:literal, $exp:path, $sigmoid:path) => {
        impl Scalar for $t {
            const DTYPE: &'static str = $name;

            fn sigmoid_slice(z: &mut [Self]) {
                $sigmoid(z);
            }

            #[inline(always)]
            fn exp_vec(self) -> Self {
                $exp(self)
            }

            fn gemm(
                m: usize,
                k: usize,
                n: usize,
                alpha: Self,
                a: &[Self],
                rsa: usize,
                csa: usize,
                b: &[Self],
                rsb: usize,
                csb: usize,
                beta: Self,
                c: &mut [Self],
                rsc: usize,
                csc: usize,
            ) {
                assert!(fits(m, k, rsa, csa, a.len()), "gemm: A too short");
                assert!(fits(k, n, rsb, csb, b.len()), "gemm: B too short");
                assert!(fits(m, n, rsc, csc, c.len()), "gemm: C too short");
                if m == 0 || n == 0 {
                    return;
                }
                // faer accumulates with β ∈ {0, 1} only; any other β scales C first.
                let accum = if beta == 0.0 {
                    Accum::Replace
                } else {
                    if beta != 1.0 {
                        for i in 0..m {
                            for j in 0..n {
                                c[i * rsc + j * csc] *= beta;
                            }
                        }
                    }
                    Accum::Add
                };
                // SAFETY: the three asserts above guarantee every index the product touches is
                // inside its slice (the views are not built when a dimension is 0); `c` is
                // borrowed mutably and does not alias `a` or `b`.
                let (a, b, c) = unsafe {
                    (
                        MatRef::from_raw_parts(a.as_ptr(), m, k, rsa as isize, csa as isize),
                        MatRef::from_raw_parts(b.as_ptr(), k, n, rsb as isize, csb as isize),
                        MatMut::from_raw_parts_mut(c.as_mut_ptr(), m, n, rsc as isize, csc as isize),
                    )
                };
                matmul(c, accum, a, b, alpha, Par::Seq);
            }
        }
    };
}

impl_scalar!(f32, "F32", exp_f32, sigmoid_slice_f32);
impl_scalar!(f64, "F64", f64::exp, sigmoid_lanes::<f64>);

/// eˣ in `f32` without branches or calls (Cephes' `expf`): x = n ln 2 + r with n = round(x/ln 2)
/// and |r| ≤ ln 2 / 2, e^r from a degree-7 polynomial, then 2ⁿ put into the exponent bits.
/// Inputs are clamped to [−87.3, 88], so the result is always a finite positive normal number
/// (the sigmoid needs no more). Within 2 ulp of the exact value (see the test).
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that n·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer (|x/ln 2| < 2²²).
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 88.0);
    // t = 1.5·2²³ + n: its low mantissa bits hold n + 2²², which also builds 2ⁿ below (integer
    // operations only, so the whole function vectorizes).
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5;
    let er = p * (r * r) + r + 1.0;
    // 2ⁿ: the biased exponent n + 127 ∈ [1, 254] is the low 9 bits of t's bits + 127.
    er * f32::from_bits(t.to_bits().wrapping_add(127) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// exp_f32 is within 2 ulp of the correctly rounded eˣ over the whole clamped range.
    #[test]
    fn exp_f32_is_accurate() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let exact = (x as f64).exp();
            let got = exp_f32(x) as f64;
            let ulp = (exact as f32).next_up() as f64 - exact as f32 as f64;
            worst = worst.max((got - exact).abs() / ulp);
            x += 0.0137;
        }
        assert!(worst <= 2.0, "max error {worst} ulp");
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(-1000.0) > 0.0 && exp_f32(1000.0).is_finite());
    }
}
