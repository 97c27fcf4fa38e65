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

macro_rules! impl_scalar {
    ($t:ty, $name:literal) => {
        impl Scalar for $t {
            const DTYPE: &'static str = $name;

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

impl_scalar!(f32, "F32");
impl_scalar!(f64, "F64");
