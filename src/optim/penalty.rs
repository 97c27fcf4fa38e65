//! What a first-order run does to the weights after each gradient step besides L2's decay
//! ([`super::decay_weights`]): Nielsen's L1 step and the max-norm constraint of Srivastava et al.
//! (2014), both row by row of each W ([`WeightRules`], [`Constrain`]); and the L1 term of the cost
//! with its subgradient ([`l1_cost`], [`add_l1_gradient`]), which the gradient checks verify.
//!
//! Every rule acts on one row of one W at a time — unit j's incoming weights wⱼ — so any cut of the
//! rows among threads (the pool of the general path, the blocks of hidden units of the fast path)
//! gives the same bits.

use crate::float::Scalar;
use crate::parallel::{Pool, SharedMut};
use std::ops::Range;

/// sgn(w) with sgn(0) = 0, as Nielsen's L1 rule takes it (`num_traits`' `signum` gives 1 at +0).
pub fn sgn<F: Scalar>(w: F) -> F {
    if w > F::zero() {
        F::one()
    } else if w < F::zero() {
        -F::one()
    } else {
        F::zero()
    }
}

/// C₁ = (λ/n) Σ_w |w| over the weights (`weight_ranges` of `params`; biases are not penalised):
/// the L1 term of Nielsen's cost C = C₀ + (λ/n)Σ|w|, n the training-set size.
pub fn l1_cost<F: Scalar>(params: &[F], weight_ranges: &[Range<usize>], lambda: f64, n: usize) -> f64 {
    let sum: f64 = weight_ranges.iter().flat_map(|r| &params[r.clone()]).map(|w| w.f64().abs()).sum();
    lambda / n as f64 * sum
}

/// ∂C₁/∂w = (λ/n) sgn(w) added to `grad` for every weight (a subgradient: 0 at w = 0, where |w|
/// has a kink); biases untouched.
pub fn add_l1_gradient<F: Scalar>(params: &[F], weight_ranges: &[Range<usize>], lambda: f64, n: usize, grad: &mut [F]) {
    let c = F::of(lambda / n as f64);
    for r in weight_ranges {
        grad[r.clone()].iter_mut().zip(&params[r.clone()]).for_each(|(g, &w)| *g = *g + c * sgn(w));
    }
}

/// Nielsen's L1 step with c = ηλ/n, taken after the gradient step: w ← w − c·sgn(w) where
/// |w| > c, and w ← 0 where the step would cross zero (|w| ≤ c) — the proximal form of his rule,
/// which leaves weights the data do not need at exactly 0 (a weight at 0 stays there: sgn(0) = 0).
pub fn l1_step<F: Scalar>(w: &mut [F], c: F) {
    // max(|w| − c, 0) with w's sign: the same bits as w − c·sgn(w) where |w| > c (negation is
    // exact), without branches, so that it vectorises.
    for w in w {
        *w = (w.abs() - c).max(F::zero()).copysign(*w);
    }
}

/// Max-norm on one unit's incoming weights w (a row of W): w ← w · C/‖w‖ when ‖w‖ > C, ‖w‖²
/// summed in f64 in eight interleaved partial sums (a fixed order, which vectorises); unchanged
/// otherwise.
pub fn max_norm_row<F: Scalar>(w: &mut [F], c: f64) {
    let mut lanes = [0.0f64; 8];
    let chunks = w.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().map(|v| v.f64() * v.f64()).sum();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(s, v)| *s += v.f64() * v.f64());
    }
    let norm = (lanes.iter().sum::<f64>() + tail).sqrt();
    if norm > c {
        let scale = F::of(c / norm);
        w.iter_mut().for_each(|v| *v = *v * scale);
    }
}

/// L1 λ₁ and max-norm C of a run: what is done to the weights after every update.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WeightRules {
    /// L1 λ₁ (0: none).
    pub l1: f64,
    /// Max-norm C (`None`: none).
    pub max_norm: Option<f64>,
}

impl WeightRules {
    /// Whether either rule is on.
    pub fn any(&self) -> bool {
        self.l1 > 0.0 || self.max_norm.is_some()
    }

    /// The rules of one update with learning rate η on a training set of n samples.
    pub fn at<F: Scalar>(&self, eta: f64, n: usize) -> Constrain<F> {
        Constrain { shrink: (self.l1 > 0.0).then(|| F::of(eta * self.l1 / n as f64)), max_norm: self.max_norm }
    }
}

/// One update's rules for the rows of W: the L1 step c = ηλ₁/n, then max-norm C.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constrain<F> {
    shrink: Option<F>,
    max_norm: Option<f64>,
}

impl<F: Scalar> Constrain<F> {
    /// Whether the rules change anything.
    pub fn any(&self) -> bool {
        self.shrink.is_some() || self.max_norm.is_some()
    }

    /// [`l1_step`] and then [`max_norm_row`] on each row (`n_in` weights) of `w`.
    pub fn rows(&self, w: &mut [F], n_in: usize) {
        for row in w.chunks_exact_mut(n_in) {
            if let Some(c) = self.shrink {
                l1_step(row, c);
            }
            if let Some(c) = self.max_norm {
                max_norm_row(row, c);
            }
        }
    }

    /// [`Constrain::rows`] on every layer's W in `params`, given as (weight range, n_in), the rows
    /// cut into tasks of about [`super::STEP_CHUNK`] weights run on `pool` (the same bits on any
    /// number of threads: each row is done by one task).
    pub(crate) fn layers_on(&self, params: &mut [F], layers: &[(Range<usize>, usize)], pool: &Pool) {
        if !self.any() {
            return;
        }
        let per_task = |n_in: usize| (super::STEP_CHUNK / n_in).max(1);
        let tasks = |(w, n_in): &(Range<usize>, usize)| (w.len() / n_in).div_ceil(per_task(*n_in));
        let n_tasks: usize = layers.iter().map(tasks).sum();
        let shared = SharedMut::new(params);
        pool.run(n_tasks, &|mut t| {
            let mut l = 0;
            while t >= tasks(&layers[l]) {
                t -= tasks(&layers[l]);
                l += 1;
            }
            let (w, n_in) = &layers[l];
            let rows = t * per_task(*n_in)..((t + 1) * per_task(*n_in)).min(w.len() / n_in);
            // SAFETY: the rows of the tasks are disjoint.
            let part = unsafe { shared.part(w.start + rows.start * n_in..w.start + rows.end * n_in) };
            self.rows(part, *n_in);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_step_is_nielsens_rule_stopping_at_zero() {
        let mut w = vec![0.5f64, -0.5, 0.05, -0.05, 0.0, 0.1];
        l1_step(&mut w, 0.1);
        // |w| > c: w − c·sgn(w); |w| ≤ c: 0 (no crossing); 0 stays 0.
        assert_eq!(w, vec![0.4, -0.4, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!([sgn(0.0f32), sgn(-0.0), sgn(2.0), sgn(-3.0)], [0.0, 0.0, 1.0, -1.0]);
    }

    #[test]
    fn max_norm_scales_long_rows_only() {
        let mut w = vec![3.0f64, 4.0, 0.3, 0.4];
        WeightRules { l1: 0.0, max_norm: Some(1.0) }.at::<f64>(0.1, 10).rows(&mut w, 2);
        assert!((w[0] - 0.6).abs() < 1e-15 && (w[1] - 0.8).abs() < 1e-15, "{w:?}");
        assert_eq!(&w[2..], &[0.3, 0.4]);
    }

    #[test]
    fn the_rules_give_the_same_bits_on_any_number_of_threads() {
        let wave = |n: usize| (0..n).map(|i| ((i as f32) * 0.37).sin() * 0.2).collect::<Vec<f32>>();
        let layers = [(0..700 * 90, 90), (700 * 90 + 7..700 * 90 + 7 + 10 * 700, 700)];
        let rules = WeightRules { l1: 0.5, max_norm: Some(0.9) }.at::<f32>(0.3, 1000);
        let n = layers[1].0.end + 10;
        let (mut one, mut two) = (wave(n), wave(n));
        rules.layers_on(&mut one, &layers, &Pool::new(1));
        rules.layers_on(&mut two, &layers, &Pool::new(2));
        assert!(one == two && one != wave(n));
        assert_eq!(one[700 * 90..700 * 90 + 7], wave(n)[700 * 90..700 * 90 + 7], "biases untouched");
    }
}
