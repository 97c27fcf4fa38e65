//! Cost functions C, each as a (value, output-delta) pair as in Nielsen's `network2.py`.
//! The cost of a batch is the mean over its samples of the per-sample cost Cₓ, and
//! [`Cost::output_delta`] returns δᴸ for that mean: δᴸ = (1/m) ∇ₐCₓ ⊙ σ'(zᴸ), or the shortcut
//! (1/m)(a − y) for the canonical pairs (sigmoid + cross-entropy, softmax + cross-entropy,
//! identity + quadratic), where σ' cancels against the cost's derivative.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Scalar;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A cost function comparing the network's output a with the target y.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cost {
    /// Cₓ = ½‖y − a‖² (the notes' quadratic cost), ∇ₐCₓ = a − y.
    Quadratic,
    /// Cₓ = (1/k) Σⱼ (yⱼ − aⱼ)² over the k outputs, ∇ₐCₓ = 2(a − y)/k.
    Mse,
    /// Cₓ = (1/k) Σⱼ |yⱼ − aⱼ|, ∇ₐCₓ = sign(a − y)/k with the subgradient 0 where a = y.
    Mae,
    /// With sigmoid outputs Cₓ = −Σⱼ [yⱼ ln aⱼ + (1 − yⱼ) ln(1 − aⱼ)];
    /// with softmax outputs Cₓ = −Σⱼ yⱼ ln aⱼ. Both computed stably from z.
    CrossEntropy,
}

impl Cost {
    /// Every cost, in the order of their command-line names.
    pub const ALL: [Cost; 4] = [Cost::Quadratic, Cost::Mse, Cost::Mae, Cost::CrossEntropy];

    /// The command-line and file-format name.
    pub fn name(self) -> &'static str {
        match self {
            Cost::Quadratic => "quadratic",
            Cost::Mse => "mse",
            Cost::Mae => "mae",
            Cost::CrossEntropy => "cross-entropy",
        }
    }

    /// True for the sum-of-squares costs that Levenberg–Marquardt can minimise.
    pub fn is_least_squares(self) -> bool {
        matches!(self, Cost::Quadratic | Cost::Mse)
    }

    /// Refuses output-activation/cost pairs whose gradient would be wrong or undefined:
    /// softmax needs cross-entropy (it has no element-wise σ'), and cross-entropy needs outputs
    /// in (0, 1), i.e. sigmoid or softmax.
    pub fn check_output(self, output: Activation) -> Result<()> {
        match (self, output) {
            (Cost::CrossEntropy, Activation::Sigmoid | Activation::Softmax) => Ok(()),
            (Cost::CrossEntropy, other) => Err(Error::config(
                "--cost",
                format!("cross-entropy needs a sigmoid or softmax output layer, not {other}"),
            )),
            (cost, Activation::Softmax) => Err(Error::config(
                "--output-activation",
                format!("softmax output must be paired with --cost cross-entropy, not {cost}"),
            )),
            _ => Ok(()),
        }
    }

    /// Σₓ Cₓ over a batch: `a`, `z`, `y` are row-major (rows × `width`). Accumulated in f64.
    pub fn total<F: Scalar>(self, output: Activation, a: &[F], z: &[F], y: &[F], width: usize) -> f64 {
        let k = width as f64;
        match (self, output) {
            (Cost::Quadratic, _) => 0.5 * sum_pairs(a, y, |a, y| (y - a) * (y - a)),
            (Cost::Mse, _) => sum_pairs(a, y, |a, y| (y - a) * (y - a)) / k,
            (Cost::Mae, _) => sum_pairs(a, y, |a, y| (y - a).abs()) / k,
            // ln a = −softplus(−z), ln(1 − a) = −softplus(z): exact where a rounds to 0 or 1.
            (Cost::CrossEntropy, Activation::Softmax) => z
                .chunks_exact(width)
                .zip(y.chunks_exact(width))
                .map(|(z, y)| {
                    let lse = log_sum_exp(z);
                    z.iter().zip(y).map(|(&z, &y)| -y.f64() * (z.f64() - lse)).sum::<f64>()
                })
                .sum(),
            (Cost::CrossEntropy, _) => sum_pairs(z, y, |z, y| y * softplus(-z) + (1.0 - y) * softplus(z)),
        }
    }

    /// Writes δᴸ = ∂(mean cost)/∂zᴸ for a batch of `m` rows into `delta`.
    pub fn output_delta<F: Scalar>(self, output: Activation, a: &[F], y: &[F], delta: &mut [F], width: usize) {
        self.output_delta_of_mean(output, a, y, delta, width, a.len() / width);
    }

    /// Like [`Cost::output_delta`] for some rows of a batch of `m` rows: writes δᴸ = ∂(mean cost
    /// over the m rows)/∂zᴸ for the rows given in `a`, `y` and `delta` (a row block of the batch).
    pub fn output_delta_of_mean<F: Scalar>(
        self,
        output: Activation,
        a: &[F],
        y: &[F],
        delta: &mut [F],
        width: usize,
        m: usize,
    ) {
        let inv_m = F::of(1.0 / m as f64);
        let canonical = matches!(
            (self, output),
            (Cost::CrossEntropy, Activation::Sigmoid | Activation::Softmax) | (Cost::Quadratic, Activation::Identity)
        );
        if canonical {
            // Canonical pair: ∇ₐC ⊙ σ'(z) simplifies to a − y (the σ' factor cancels).
            for ((d, &a), &y) in delta.iter_mut().zip(a).zip(y) {
                *d = (a - y) * inv_m;
            }
            return;
        }
        let k = F::of(width as f64);
        let two = F::of(2.0);
        for ((d, &a), &y) in delta.iter_mut().zip(a).zip(y) {
            let grad_a = match self {
                Cost::Quadratic => a - y,
                Cost::Mse => two * (a - y) / k,
                Cost::Mae => sign(a - y) / k,
                Cost::CrossEntropy => (a - y) / (a * (F::one() - a)),
            };
            *d = grad_a * inv_m;
        }
        output.mul_derivative(delta, a);
    }
}

fn sum_pairs<F: Scalar>(u: &[F], v: &[F], f: impl Fn(f64, f64) -> f64) -> f64 {
    u.iter().zip(v).map(|(&u, &v)| f(u.f64(), v.f64())).sum()
}

/// sign(x), with sign(0) = 0 (the MAE subgradient at a = y).
fn sign<F: Scalar>(x: F) -> F {
    if x > F::zero() {
        F::one()
    } else if x < F::zero() {
        -F::one()
    } else {
        F::zero()
    }
}

/// softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^{−|x|}).
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// ln Σₖ e^{zₖ}, stabilised by the maximum.
fn log_sum_exp<F: Scalar>(z: &[F]) -> f64 {
    let max = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v.f64()));
    max + z.iter().map(|&v| (v.f64() - max).exp()).sum::<f64>().ln()
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cost {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Cost::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            let names: Vec<_> = Cost::ALL.iter().map(|c| c.name()).collect();
            format!("unknown cost '{s}'; valid: {}", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_definitions() {
        let a = [0.2, 0.7f64];
        let y = [0.0, 1.0f64];
        let z = [0.2f64.ln() - 0.8f64.ln(), 0.7f64.ln() - 0.3f64.ln()]; // sigmoid⁻¹(a)
        let q = Cost::Quadratic.total(Activation::Sigmoid, &a, &z, &y, 2);
        assert!((q - 0.5 * (0.04 + 0.09)).abs() < 1e-12);
        assert!((Cost::Mse.total(Activation::Sigmoid, &a, &z, &y, 2) - 0.065).abs() < 1e-12);
        assert!((Cost::Mae.total(Activation::Sigmoid, &a, &z, &y, 2) - 0.25).abs() < 1e-12);
        let ce = Cost::CrossEntropy.total(Activation::Sigmoid, &a, &z, &y, 2);
        assert!((ce - (-(0.8f64).ln() - 0.7f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn softmax_cross_entropy_is_stable_for_large_z() {
        let z = [1000.0, 0.0f64];
        let y = [0.0, 1.0f64];
        let mut a = z;
        Activation::Softmax.apply(&mut a, 2);
        let ce = Cost::CrossEntropy.total(Activation::Softmax, &a, &z, &y, 2);
        assert!((ce - 1000.0).abs() < 1e-9, "{ce}");
    }

    #[test]
    fn invalid_pairs_are_refused() {
        assert!(Cost::Mae.check_output(Activation::Softmax).is_err());
        assert!(Cost::CrossEntropy.check_output(Activation::Tanh).is_err());
        assert!(Cost::CrossEntropy.check_output(Activation::Softmax).is_ok());
        assert!(Cost::Mse.check_output(Activation::Identity).is_ok());
    }
}
