//! The first-order update rules applied to the flat parameter buffer ([`OptimState`]), and L2
//! weight decay ([`decay_weights`]). Each step receives the gradient ∇C of the mean batch cost,
//! so plain SGD is Nielsen's W ← W − (η/m) Σₓ ∇W Cₓ.

use super::Solver;
use crate::float::Scalar;
use crate::network::Workspace;
use crate::parallel::{Pool, SharedMut};
use std::ops::Range;

/// The state of a first-order optimizer: velocity (momentum) or first and second moments (Adam),
/// in the flat parameter layout, plus the step count t.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimState<F: Scalar = f32> {
    /// The update rule and its settings (each step takes the current η; the solver's is the initial one).
    pub solver: Solver,
    /// Velocity v (momentum, Nesterov) or first moment m (Adam).
    pub m: Vec<F>,
    /// Second moment v (Adam only; empty otherwise).
    pub v: Vec<F>,
    /// Number of steps taken.
    pub t: u64,
}

impl<F: Scalar> OptimState<F> {
    /// Fresh state of `solver` for `n_params` parameters.
    pub fn new(solver: &Solver, n_params: usize) -> Self {
        let (m, v) = solver.moments();
        let zeros = |on: bool| if on { vec![F::zero(); n_params] } else { Vec::new() };
        OptimState { solver: solver.clone(), m: zeros(m), v: zeros(v), t: 0 }
    }

    /// One update of `params` with gradient `grad` and learning rate `eta`.
    pub fn step(&mut self, params: &mut [F], grad: &[F], eta: f64) {
        self.t += 1;
        let rule = Rule::new(&self.solver, self.t, eta);
        rule.apply(params, grad, &mut self.m, &mut self.v);
    }

    /// [`OptimState::step`] on the threads of `ws` (see [`Workspace::with_threads`]); the result
    /// does not depend on their number.
    pub fn step_with(&mut self, params: &mut [F], grad: &[F], eta: f64, ws: &Workspace<F>) {
        self.step_on(params, grad, eta, ws.pool());
    }

    /// [`OptimState::step`] with the element-wise work cut into chunks of [`STEP_CHUNK`]
    /// parameters and run on `pool`. Every parameter's update depends on its own values only, so
    /// the result is the same for any number of threads. For large networks the update streams
    /// four parameter-sized buffers through memory each batch (Adam: 8% of a 784-256-128-10 run on
    /// one thread, 18% on two); a second core brings a second share of memory bandwidth.
    pub(crate) fn step_on(&mut self, params: &mut [F], grad: &[F], eta: f64, pool: &Pool) {
        if pool.threads() == 1 || params.len() < 2 * STEP_CHUNK {
            return self.step(params, grad, eta);
        }
        self.t += 1;
        let rule = Rule::new(&self.solver, self.t, eta);
        let n = params.len();
        let (p, m, v) = (SharedMut::new(params), SharedMut::new(&mut self.m), SharedMut::new(&mut self.v));
        let (has_m, has_v) = (!self.m.is_empty(), !self.v.is_empty());
        pool.run(n.div_ceil(STEP_CHUNK), &|c| {
            let r = c * STEP_CHUNK..((c + 1) * STEP_CHUNK).min(n);
            let empty = 0..0;
            // SAFETY: the chunks of the tasks are disjoint.
            let (p, m, v) = unsafe {
                (
                    p.part(r.clone()),
                    m.part(if has_m { r.clone() } else { empty.clone() }),
                    v.part(if has_v { r.clone() } else { empty }),
                )
            };
            rule.apply(p, &grad[r], m, v);
        });
    }
}

/// Parameters per task of [`OptimState::step_with`].
pub const STEP_CHUNK: usize = 1 << 14;

/// The update rules, with one step's constants.
#[derive(Clone, Copy)]
enum Kind<F> {
    Sgd,
    Momentum {
        mu: F,
    },
    Nesterov {
        mu: F,
    },
    /// β₁, β₂, ε, η/(1−β₁ᵗ) and 1/√(1−β₂ᵗ).
    Adam {
        b1: F,
        b2: F,
        eps: F,
        step: F,
        inv_sqrt_c2: F,
    },
}

/// One step's constants of an update rule.
#[derive(Clone, Copy)]
struct Rule<F: Scalar> {
    kind: Kind<F>,
    eta: F,
}

impl<F: Scalar> Rule<F> {
    fn new(solver: &Solver, t: u64, eta: f64) -> Self {
        let kind = match *solver {
            Solver::Sgd { .. } | Solver::Lm { .. } => Kind::Sgd,
            Solver::Momentum { momentum, .. } => Kind::Momentum { mu: F::of(momentum) },
            Solver::Nesterov { momentum, .. } => Kind::Nesterov { mu: F::of(momentum) },
            Solver::Adam { beta1, beta2, epsilon, .. } => {
                let t = t as i32;
                let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
                let (b1, b2, eps) = (F::of(beta1), F::of(beta2), F::of(epsilon));
                Kind::Adam { b1, b2, eps, step: F::of(eta / c1), inv_sqrt_c2: F::of(1.0 / c2.sqrt()) }
            }
        };
        Rule { kind, eta: F::of(eta) }
    }

    /// Updates `params` (and the moments `m`, `v` the rule keeps; empty otherwise) from `grad`;
    /// with AVX2 where the CPU has it (chosen at run time). Adam's square root and division are
    /// most of a deep network's step, and the baseline x86-64 build does them 4 lanes at a time.
    /// Both paths give the same bits: IEEE √ and ÷ are exactly rounded at any width, and Rust
    /// never fuses a multiply with an add on its own.
    fn apply(&self, params: &mut [F], grad: &[F], m: &mut [F], v: &mut [F]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { self.apply_avx2(params, grad, m, v) };
        }
        self.apply_lanes(params, grad, m, v);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn apply_avx2(&self, params: &mut [F], grad: &[F], m: &mut [F], v: &mut [F]) {
        self.apply_lanes(params, grad, m, v);
    }

    #[inline(always)]
    fn apply_lanes(&self, params: &mut [F], grad: &[F], m: &mut [F], v: &mut [F]) {
        let eta_f = self.eta;
        match self.kind {
            Kind::Sgd => {
                params.iter_mut().zip(grad).for_each(|(p, &g)| *p = *p - eta_f * g);
            }
            Kind::Momentum { mu } => {
                for ((p, &g), v) in params.iter_mut().zip(grad).zip(m) {
                    *v = mu * *v + g;
                    *p = *p - eta_f * *v;
                }
            }
            Kind::Nesterov { mu } => {
                for ((p, &g), v) in params.iter_mut().zip(grad).zip(m) {
                    *v = mu * *v + g;
                    *p = *p - eta_f * (g + mu * *v);
                }
            }
            Kind::Adam { b1, b2, eps, step, inv_sqrt_c2 } => {
                Self::adam(params, grad, m, v, [b1, b2, eps, step, inv_sqrt_c2]);
            }
        }
    }

    /// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − η m̂ / (√v̂ + ε),
    /// with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
    #[inline(always)]
    /// `k` = [β₁, β₂, ε, η/(1−β₁ᵗ), 1/√(1−β₂ᵗ)].
    fn adam(params: &mut [F], grad: &[F], m: &mut [F], v: &mut [F], k: [F; 5]) {
        let ([b1, b2, eps, step, inv_sqrt_c2], one) = (k, F::one());
        for (((p, &g), m), v) in params.iter_mut().zip(grad).zip(m).zip(v) {
            *m = b1 * *m + (one - b1) * g;
            *v = b2 * *v + (one - b2) * g * g;
            *p = *p - step * *m / (v.sqrt() * inv_sqrt_c2 + eps);
        }
    }
}

/// L2 weight decay as Nielsen's `network2.py` applies it: w ← (1 − ηλ/n) w on the weights only
/// (`weight_ranges`), biases untouched; n is the training-set size.
pub fn decay_weights<F: Scalar>(params: &mut [F], weight_ranges: &[Range<usize>], eta: f64, lambda: f64, n: usize) {
    if lambda == 0.0 {
        return;
    }
    let factor = F::of(1.0 - eta * lambda / n as f64);
    for r in weight_ranges {
        params[r.clone()].iter_mut().for_each(|w| *w = *w * factor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Optimizer;

    /// SGD, momentum and Nesterov (μ = 0.9), Adam (PyTorch's defaults), with learning rate `eta`.
    fn rules(eta: f64) -> [Solver; 4] {
        [Solver::Sgd { eta }, Solver::momentum(eta, 0.9), Solver::nesterov(eta, 0.9), Solver::adam(eta)]
    }

    /// The step chosen at run time (AVX2 where the CPU has it) gives bit for bit the baseline
    /// step, for every rule, with tiny (subnormal), zero and large gradients among the values.
    #[test]
    fn dispatched_step_equals_the_baseline_step() {
        let n = 1001;
        let wave = |k: f32, scale: f32| (0..n).map(|i| ((i as f32) * k).sin() * scale).collect::<Vec<f32>>();
        let mut g = wave(0.11, 1.0);
        g[3] = 1e-41;
        g[4] = 0.0;
        g[5] = 3e4;
        for solver in rules(0.01) {
            let rule = Rule::<f32>::new(&solver, 7, 0.01);
            let kind = solver.kind();
            let (mut p1, mut p2) = (wave(0.37, 1.0), wave(0.37, 1.0));
            let moments = |on: bool| if on { wave(0.23, 1e-3) } else { Vec::new() };
            let (has_m, has_v) = solver.moments();
            let (mut m1, mut m2, mut v1, mut v2) = (moments(has_m), moments(has_m), moments(has_v), moments(has_v));
            v1.iter_mut().chain(v2.iter_mut()).for_each(|v| *v = v.abs());
            rule.apply(&mut p1, &g, &mut m1, &mut v1);
            rule.apply_lanes(&mut p2, &g, &mut m2, &mut v2);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p1), bits(&p2), "{kind:?}");
            assert!(bits(&m1) == bits(&m2) && bits(&v1) == bits(&v2), "{kind:?}");
            assert!(p1 != wave(0.37, 1.0), "{kind:?} moved the parameters");
        }
    }

    /// The chunked, threaded step gives bit for bit the single-threaded step, for every rule.
    #[test]
    fn threaded_step_equals_the_plain_step() {
        let n = 5 * STEP_CHUNK + 123;
        let wave = |k: f32| (0..n).map(|i| ((i as f32) * k).sin()).collect::<Vec<f32>>();
        let pool = Pool::new(2);
        for solver in rules(0.01) {
            let kind = solver.kind();
            let (mut p1, mut p2) = (wave(0.37), wave(0.37));
            let (mut s1, mut s2) = (OptimState::new(&solver, n), OptimState::new(&solver, n));
            for step in 0..3 {
                let g = wave(0.11 + step as f32);
                s1.step(&mut p1, &g, 0.01);
                s2.step_on(&mut p2, &g, 0.01, &pool);
            }
            assert!(p1 == p2 && s1 == s2, "{kind:?}");
            assert!(p1 != wave(0.37), "{kind:?} moved the parameters");
        }
    }

    /// Least squares f(p) = ½‖A p − b‖² with a known minimiser; each rule must reach it.
    fn minimise(solver: &Solver, eta: f64, steps: usize) -> Vec<f64> {
        // A = [[2,0],[0,1],[1,1]], b = [2,3,4]: normal equations give p* = (1, 2.5) ... computed below.
        let a = [[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
        let b = [2.0, 3.0, 4.0];
        let mut p = vec![0.0f64; 2];
        let mut state = OptimState::new(solver, 2);
        for _ in 0..steps {
            let mut g = [0.0; 2];
            for (row, &bi) in a.iter().zip(&b) {
                let r = row[0] * p[0] + row[1] * p[1] - bi;
                g[0] += row[0] * r;
                g[1] += row[1] * r;
            }
            state.step(&mut p, &g, eta);
        }
        p
    }

    fn closed_form() -> [f64; 2] {
        // AᵀA = [[5,1],[1,2]], Aᵀb = [8,7] → p* = (9/9, 27/9) = (1, 3).
        let (a, b, c, d) = (5.0, 1.0, 1.0, 2.0);
        let det: f64 = a * d - b * c;
        [(d * 8.0 - b * 7.0) / det, (a * 7.0 - c * 8.0) / det]
    }

    #[test]
    fn every_rule_reaches_the_least_squares_minimum() {
        let want = closed_form();
        for (solver, steps) in rules(0.0).into_iter().zip([500, 500, 500, 3000]) {
            let kind = solver.kind();
            let eta = if kind == Optimizer::Sgd { 0.2 } else { 0.05 };
            let p = minimise(&solver, eta, steps);
            let err = ((p[0] - want[0]).powi(2) + (p[1] - want[1]).powi(2)).sqrt();
            assert!(err < 1e-4, "{kind}: {p:?} vs {want:?}");
        }
    }

    #[test]
    fn weight_decay_leaves_biases() {
        let mut p = vec![1.0f64, 1.0, 1.0];
        decay_weights(&mut p, &[0..2, 3..3], 0.5, 2.0, 10);
        assert_eq!(p, vec![0.9, 0.9, 1.0]);
    }
}
