//! Activation functions σ, each beside its derivative σ'. Derivatives are written in terms of the
//! output a = σ(z) where that is possible (sigmoid: σ' = a(1−a); tanh: σ' = 1 − a²), so the forward
//! pass only has to keep `a`. Softmax acts on a whole row and has no element-wise derivative: it is
//! used only as an output layer paired with cross-entropy, where δᴸ = a − y needs no σ'.

use crate::float::Scalar;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Slope of leaky ReLU for negative inputs (PyTorch's default `negative_slope`).
pub const LEAKY_SLOPE: f64 = 0.01;

/// An activation function σ applied to a layer's weighted input z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^{−z}) (e^{−z} by [`Scalar::exp_vec`], which vectorizes).
    Sigmoid,
    /// σ(z) = max(0, z).
    Relu,
    /// σ(z) = z for z > 0, 0.01·z otherwise.
    LeakyRelu,
    /// The notes' hard sigmoid as the difference of two ReLUs:
    /// σ(z) = (ReLU(z + 3) − ReLU(z − 3)) / 6 — flat 0, a ramp of slope 1/6, flat 1 (PyTorch's `Hardsigmoid`).
    HardSigmoid,
    /// σ(z) = tanh z.
    Tanh,
    /// σ(z) = z (regression outputs).
    Identity,
    /// aⱼ = e^{zⱼ} / Σₖ e^{zₖ} over a row (output layer only, with cross-entropy).
    Softmax,
}

impl Activation {
    /// Every activation, in the order of their command-line names.
    pub const ALL: [Activation; 7] = [
        Activation::Sigmoid,
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::HardSigmoid,
        Activation::Tanh,
        Activation::Identity,
        Activation::Softmax,
    ];

    /// The command-line and file-format name (`"leaky-relu"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky-relu",
            Activation::HardSigmoid => "hard-sigmoid",
            Activation::Tanh => "tanh",
            Activation::Identity => "identity",
            Activation::Softmax => "softmax",
        }
    }

    /// Applies σ in place to a row-major batch `z` (rows × `width`), turning it into a = σ(z).
    pub fn apply<F: Scalar>(self, z: &mut [F], width: usize) {
        let one = F::one();
        match self {
            Activation::Sigmoid => F::sigmoid_slice(z),
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(F::zero())),
            Activation::LeakyRelu => {
                let s = F::of(LEAKY_SLOPE);
                z.iter_mut().for_each(|v| {
                    if *v < F::zero() {
                        *v = *v * s
                    }
                })
            }
            Activation::HardSigmoid => {
                // (ReLU(z + 3) − ReLU(z − 3))/6 equals clamp(z/6 + 1/2, 0, 1); the clamp form is
                // exactly 0 and 1 on the flat parts, where (z + 3) − (z − 3) can round away from 6.
                let (half, sixth) = (F::of(0.5), F::of(1.0 / 6.0));
                z.iter_mut().for_each(|v| *v = (*v * sixth + half).max(F::zero()).min(one))
            }
            Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Identity => {}
            Activation::Softmax => z.chunks_exact_mut(width).for_each(softmax_row),
        }
    }

    /// a = σ(z + b) in place for a row-major batch `z` (rows × `b.len()`): the bias add and the
    /// activation in one pass over the batch, right after the product Z = A Wᵀ.
    ///
    /// Gives the same values as adding b to every row and then calling [`Activation::apply`].
    pub fn apply_biased<F: Scalar>(self, z: &mut [F], b: &[F]) {
        let (zero, one) = (F::zero(), F::one());
        // One loop per activation, so the match is outside the loop and each loop can vectorize.
        macro_rules! each {
            ($f:expr) => {{
                let f = $f;
                for row in z.chunks_exact_mut(b.len()) {
                    row.iter_mut().zip(b).for_each(|(v, &bias)| *v = f(*v + bias));
                }
            }};
        }
        match self {
            Activation::Sigmoid => {
                // The bias add row by row, then σ over the whole batch as one slice: no short
                // per-row tails (Nielsen's rows are 30 and 10 wide) for the exp polynomial.
                for row in z.chunks_exact_mut(b.len()) {
                    row.iter_mut().zip(b).for_each(|(v, &bias)| *v = *v + bias);
                }
                F::sigmoid_slice(z);
            }
            Activation::Relu => each!(|v: F| v.max(zero)),
            Activation::LeakyRelu => {
                let s = F::of(LEAKY_SLOPE);
                each!(|v: F| if v < zero { v * s } else { v })
            }
            Activation::HardSigmoid => {
                // (ReLU(z + 3) − ReLU(z − 3))/6 in its clamp form, exact on the flat parts.
                let (half, sixth) = (F::of(0.5), F::of(1.0 / 6.0));
                each!(|v: F| (v * sixth + half).max(zero).min(one))
            }
            Activation::Tanh => each!(|v: F| v.tanh()),
            Activation::Identity => each!(|v: F| v),
            Activation::Softmax => {
                for row in z.chunks_exact_mut(b.len()) {
                    row.iter_mut().zip(b).for_each(|(v, &bias)| *v = *v + bias);
                    softmax_row(row);
                }
            }
        }
    }

    /// σ'(z) expressed through a = σ(z); `None` for softmax, which has no element-wise derivative.
    ///
    /// At the kinks of ReLU-type functions the derivative from the right of the flat part is used
    /// (ReLU'(0) = 0, hard-sigmoid' = 0 at ±3), as PyTorch does.
    #[inline]
    pub fn derivative_from_output<F: Scalar>(self, a: F) -> Option<F> {
        let (zero, one) = (F::zero(), F::one());
        Some(match self {
            Activation::Sigmoid => a * (one - a),
            Activation::Relu => {
                if a > zero {
                    one
                } else {
                    zero
                }
            }
            Activation::LeakyRelu => {
                if a > zero {
                    one
                } else {
                    F::of(LEAKY_SLOPE)
                }
            }
            Activation::HardSigmoid => {
                if a > zero && a < one {
                    F::of(1.0 / 6.0)
                } else {
                    zero
                }
            }
            Activation::Tanh => one - a * a,
            Activation::Identity => one,
            Activation::Softmax => return None,
        })
    }

    /// Multiplies `delta` element-wise by σ'(z), computed from the stored outputs `a`:
    /// δ ← δ ⊙ σ'(z). For softmax (no element-wise derivative) `delta` is left unchanged;
    /// callers never reach that case because softmax is only allowed with the a − y shortcut.
    pub fn mul_derivative<F: Scalar>(self, delta: &mut [F], a: &[F]) {
        let (zero, one) = (F::zero(), F::one());
        // One loop per activation (the match outside it), so that each loop vectorizes; the
        // same products as `derivative_from_output`.
        macro_rules! each {
            ($f:expr) => {{
                let f = $f;
                delta.iter_mut().zip(a).for_each(|(d, &a)| *d = *d * f(a));
            }};
        }
        match self {
            Activation::Sigmoid => each!(|a: F| a * (one - a)),
            Activation::Relu => each!(|a: F| if a > zero { one } else { zero }),
            Activation::LeakyRelu => {
                let s = F::of(LEAKY_SLOPE);
                each!(|a: F| if a > zero { one } else { s })
            }
            Activation::HardSigmoid => {
                let sixth = F::of(1.0 / 6.0);
                each!(|a: F| if a > zero && a < one { sixth } else { zero })
            }
            Activation::Tanh => each!(|a: F| one - a * a),
            Activation::Identity | Activation::Softmax => {}
        }
    }
}

/// Softmax of one row in place, stabilised by subtracting the row maximum:
/// aⱼ = e^{zⱼ − max z} / Σₖ e^{zₖ − max z}.
fn softmax_row<F: Scalar>(row: &mut [F]) {
    let max = row.iter().fold(F::neg_infinity(), |m, &v| m.max(v));
    let mut sum = F::zero();
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum = sum + *v;
    }
    row.iter_mut().for_each(|v| *v = *v / sum);
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Activation::ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| {
            let names: Vec<_> = Activation::ALL.iter().map(|a| a.name()).collect();
            format!("unknown activation '{s}'; valid: {}", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// σ' from the output matches a central difference of σ for every element-wise activation.
    #[test]
    fn derivative_matches_finite_difference() {
        for act in Activation::ALL.into_iter().filter(|&a| a != Activation::Softmax) {
            for &z in &[-4.0, -2.5, -0.7, 0.3, 1.9, 2.9, 5.0f64] {
                let f = |x: f64| {
                    let mut v = [x];
                    act.apply(&mut v, 1);
                    v[0]
                };
                let h = 1e-6;
                let numeric = (f(z + h) - f(z - h)) / (2.0 * h);
                let analytic = act.derivative_from_output(f(z)).unwrap();
                assert!((numeric - analytic).abs() < 1e-6, "{act} at {z}: {numeric} vs {analytic}");
            }
        }
    }

    /// The fused bias + activation pass gives exactly what a bias add followed by `apply` gives.
    #[test]
    fn apply_biased_equals_add_then_apply() {
        let b = [0.5f32, -1.25, 3.0];
        let z: Vec<f32> = (0..12).map(|i| (i as f32 - 5.5) * 0.8).collect();
        for act in Activation::ALL {
            let mut fused = z.clone();
            act.apply_biased(&mut fused, &b);
            let mut plain: Vec<f32> = z.iter().enumerate().map(|(i, &v)| v + b[i % 3]).collect();
            act.apply(&mut plain, 3);
            assert_eq!(fused, plain, "{act}");
        }
    }

    #[test]
    fn hard_sigmoid_is_flat_ramp_flat() {
        let mut z = [-10.0, -3.0, 0.0, 1.5, 3.0, 10.0f64];
        Activation::HardSigmoid.apply(&mut z, 1);
        assert_eq!(z, [0.0, 0.0, 0.5, 0.75, 1.0, 1.0]);
    }

    #[test]
    fn softmax_rows_sum_to_one_and_survive_large_inputs() {
        let mut z = [1000.0, 1001.0, 1002.0, -5.0, 0.0, 5.0f64];
        Activation::Softmax.apply(&mut z, 3);
        for row in z.chunks(3) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(row.iter().all(|v| v.is_finite()));
        }
        assert!((z[2] - 0.665_240_955_774_821_6).abs() < 1e-12);
    }

    #[test]
    fn names_round_trip_and_unknown_lists_valid() {
        for a in Activation::ALL {
            assert_eq!(a.name().parse::<Activation>().unwrap(), a);
        }
        let err = "swish".parse::<Activation>().unwrap_err();
        assert!(err.contains("leaky-relu") && err.contains("softmax"), "{err}");
    }
}
