//! Levenberg–Marquardt nonlinear least squares, after MATLAB's `trainlm`.
//!
//! Minimises $S(p) = \lVert r(p) \rVert^2$ with $r(p) = y - F(p) \in \mathbb{R}^m$, $p \in \mathbb{R}^n$.
//! Each epoch takes the damped Gauss–Newton step $(J^T J + \mu I)\,\Delta p = -J^T r$ with
//! $J = \partial r / \partial p$, solved by a `faer` Cholesky factorisation. When $n > m$ the
//! equivalent kernel (Woodbury) form $\Delta p = -J^T (J J^T + \mu I)^{-1} r$ needs only an
//! $m \times m$ factorisation. A step is accepted iff $S(p + \Delta p) < S(p)$, after which
//! $\mu \leftarrow \mu \cdot \mu_{dec}$; otherwise $\mu \leftarrow \mu \cdot \mu_{inc}$ and the step is retried.
//!
//! By default each step also carries geodesic acceleration (Transtrum & Sethna, "Improvements to the
//! Levenberg–Marquardt algorithm for nonlinear least-squares minimization", 2012): with $v$ the step
//! above and $r_{vv}$ the second directional derivative of $r$ along $v$ (a central difference of
//! two extra residual evaluations), $a$ solves the same damped system with $r_{vv}$ for $r$, and the
//! trial point is $p + v + a/2$; a step with $2\lVert a \rVert / \lVert v \rVert > 0.75$ counts as
//! rejected. The factorisation is reused, so the extra cost is two forward passes per trial.
//! [`LmConfig::geodesic`]` = false` gives exactly `trainlm`'s steps.

mod config;
mod network;
mod work;

pub use config::{LmConfig, LmSolve};
pub use network::{NetworkLeastSquares, cost_scale};

use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::Instant;
use work::Work;

/// A nonlinear least-squares problem: residuals r(p) = y − F(p) (length m) of n parameters.
pub trait LeastSquares {
    /// Number of parameters $n$.
    fn n_params(&self) -> usize;
    /// Number of residuals $m$.
    fn n_residuals(&self) -> usize;
    /// Residuals for rows `rows` (a sub-range of 0..m) into `r` (len rows.len()), and, if `jac` is Some,
    /// the Jacobian ∂r/∂p of those rows, row-major rows.len() × n, into it.
    fn residual_block(&mut self, p: &[f64], rows: Range<usize>, r: &mut [f64], jac: Option<&mut [f64]>);
    /// Optional validation cost at p (for max_fail early stopping); None = no validation set.
    fn validation_cost(&mut self, _p: &[f64]) -> Option<f64> {
        None
    }
}

/// State at the start of one epoch: cost $S = \lVert r \rVert^2$, damping $\mu$, $\lVert J^T r \rVert_2$.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LmIteration {
    /// Epoch number (0 = initial parameters).
    pub iteration: usize,
    /// $S(p) = \lVert r(p) \rVert^2$.
    pub cost: f64,
    /// Damping $\mu$ used for this epoch's first step attempt.
    pub mu: f64,
    /// $\lVert J^T r \rVert_2$.
    pub grad_norm: f64,
    /// Validation cost at $p$, if the problem has a validation set.
    pub validation_cost: Option<f64>,
    /// `"normal"` or `"kernel"`.
    pub solve: &'static str,
    /// Seconds since training started.
    pub seconds: f64,
}

/// Why [`levenberg_marquardt`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// $\mu >$ `mu_max` without finding a step with $S(p + \Delta p) < S(p)$.
    MuMax,
    /// $\lVert J^T r \rVert_2 <$ `min_grad`.
    MinGrad,
    /// $S(p) \le$ `goal`.
    Goal,
    /// `epochs` epochs done.
    Epochs,
    /// Validation cost failed to improve `max_fail` times in a row.
    MaxFail,
    /// The caller's callback asked to stop.
    Stopped,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::MuMax => "mu exceeded mu_max",
            StopReason::MinGrad => "gradient norm below min_grad",
            StopReason::Goal => "cost goal met",
            StopReason::Epochs => "epoch limit reached",
            StopReason::MaxFail => "validation cost rose max_fail times",
            StopReason::Stopped => "stopped by the caller",
        })
    }
}

/// Result of [`levenberg_marquardt`]: final $p$ (the best-validation $p$ when a validation set
/// exists, as in `trainlm`), one [`LmIteration`] per epoch, and the stop reason.
#[derive(Debug, Clone)]
pub struct LmOutcome {
    /// Parameters returned.
    pub p: Vec<f64>,
    /// Per-epoch record, starting with epoch 0.
    pub iterations: Vec<LmIteration>,
    /// Why training stopped.
    pub stop_reason: StopReason,
}

/// Errors of the Levenberg–Marquardt solver.
#[derive(Debug, thiserror::Error)]
pub enum LmError {
    /// Cholesky of $A + \mu I$ hit a non-positive pivot.
    #[error("{what} + mu*I ({dim}x{dim}, mu = {mu:e}) is not positive definite (pivot {pivot})")]
    NotPositiveDefinite {
        /// Which matrix (`"J^T J"` or `"J J^T"`).
        what: &'static str,
        /// Its dimension.
        dim: usize,
        /// Index of the failing pivot.
        pivot: usize,
        /// The damping μ at the failure.
        mu: f64,
    },
    /// The dense matrices would exceed `memory_limit_bytes`.
    #[error(
        "Levenberg-Marquardt {what} needs {needed_bytes} bytes ({:.2} GiB), above the memory limit of \
         {limit_bytes} bytes ({:.2} GiB); use a first-order optimizer instead (e.g. `--optimizer adam`) \
         or raise the memory limit", gib(*.needed_bytes), gib(*.limit_bytes)
    )]
    TooLarge {
        /// Bytes the solve would need.
        needed_bytes: u64,
        /// The configured limit.
        limit_bytes: u64,
        /// Which form (normal or kernel) and its sizes.
        what: String,
    },
    /// Slice lengths do not match the stated sizes.
    #[error("dimension mismatch: {0}")]
    Dimension(String),
}

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

/// $g \mathrel{+}= J^T r$ for row-major `jac` with `r.len()` rows of `n` columns.
pub(super) fn add_jtr(g: &mut [f64], jac: &[f64], r: &[f64], n: usize) {
    for (jrow, &ri) in jac.chunks_exact(n).zip(r) {
        g.iter_mut().zip(jrow).for_each(|(gk, &jk)| *gk += jk * ri);
    }
}

/// $\lVert x \rVert_2^2$.
pub(super) fn sum_sq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// One Levenberg–Marquardt step from a given row-major $m \times n$ Jacobian $J$ and residual $r$:
/// solves $(J^T J + \mu I)\,\Delta p = -J^T r$ (`Normal`) or $\Delta p = -J^T (J J^T + \mu I)^{-1} r$
/// (`Kernel`); `Auto` picks `Kernel` iff $n > m$.
pub fn lm_step(jac: &[f64], r: &[f64], m: usize, n: usize, mu: f64, solve: LmSolve) -> Result<Vec<f64>, LmError> {
    if jac.len() != m * n || r.len() != m {
        return Err(LmError::Dimension(format!("jac {} (want {m}x{n}), r {} (want {m})", jac.len(), r.len())));
    }
    let mode = solve.resolve(m, n);
    let cfg = LmConfig { block_bytes: 8 * m.max(1) * n.max(1), memory_limit_bytes: u64::MAX, ..LmConfig::default() };
    let mut w = Work::new(m, n, mode, &cfg)?;
    w.r.copy_from_slice(r);
    if w.kernel {
        w.jac.copy_from_slice(jac);
        w.kernel_gram();
    } else {
        Work::add_block(&mut w.a, &mut w.g, jac, r, n);
    }
    w.save_gram();
    w.solve(mu)?;
    Ok(w.dp)
}

/// Minimises $S(p) = \lVert y - F(p) \rVert^2$ from `p0` by Levenberg–Marquardt (see the module doc).
pub fn levenberg_marquardt<P: LeastSquares + ?Sized>(
    problem: &mut P,
    p0: &[f64],
    cfg: &LmConfig,
) -> Result<LmOutcome, LmError> {
    levenberg_marquardt_with_callback(problem, p0, cfg, &mut |_| true)
}

/// As [`levenberg_marquardt`], calling `on_iter` with each epoch's [`LmIteration`]
/// ($S$, $\mu$, $\lVert J^T r \rVert_2$) before its step is taken; when it returns `false`
/// the solver stops there ([`StopReason::Stopped`]).
pub fn levenberg_marquardt_with_callback<P: LeastSquares + ?Sized>(
    problem: &mut P,
    p0: &[f64],
    cfg: &LmConfig,
    on_iter: &mut dyn FnMut(&LmIteration) -> bool,
) -> Result<LmOutcome, LmError> {
    let (m, n) = (problem.n_residuals(), problem.n_params());
    if p0.len() != n {
        return Err(LmError::Dimension(format!("p0 has {} entries, problem has {n} parameters", p0.len())));
    }
    let mode = cfg.solve.resolve(m, n);
    let mut w = Work::new(m, n, mode, cfg)?;
    let solve = ["normal", "kernel"][usize::from(w.kernel)];
    let (start, mut p) = (Instant::now(), p0.to_vec());
    let (mut mu, mut iterations, mut fails) = (cfg.mu, Vec::new(), 0usize);
    let mut best: Option<(f64, Vec<f64>)> = None;
    let stop_reason = loop {
        let cost = w.evaluate(problem, &p);
        let grad_norm = sum_sq(&w.g).sqrt();
        let validation_cost = problem.validation_cost(&p);
        if let Some(v) = validation_cost {
            track_validation(&mut best, &mut fails, v, &p);
        }
        let iteration = iterations.len();
        let it = LmIteration {
            iteration,
            cost,
            mu,
            grad_norm,
            validation_cost,
            solve,
            seconds: start.elapsed().as_secs_f64(),
        };
        let go_on = on_iter(&it);
        iterations.push(it);
        if let Some(reason) = check_stop(cfg, cost, grad_norm, mu, fails, iteration) {
            break reason;
        }
        if !go_on {
            break StopReason::Stopped;
        }
        if !damped_step(&mut w, problem, &mut p, &mut mu, cost, cfg) {
            break StopReason::MuMax;
        }
    };
    let p = best.map_or(p, |(_, bp)| bp);
    Ok(LmOutcome { p, iterations, stop_reason })
}

/// `trainlm` validation rule: a new best resets `fails` and saves $p$; a worse value counts a fail.
fn track_validation(best: &mut Option<(f64, Vec<f64>)>, fails: &mut usize, v: f64, p: &[f64]) {
    match best {
        None => *best = Some((v, p.to_vec())),
        Some((bv, bp)) if v < *bv => {
            (*bv, *fails) = (v, 0);
            bp.copy_from_slice(p);
        }
        Some((bv, _)) if v > *bv => *fails += 1,
        Some(_) => {}
    }
}

/// MATLAB `trainlm` stop tests, in its order.
fn check_stop(cfg: &LmConfig, cost: f64, grad: f64, mu: f64, fails: usize, epoch: usize) -> Option<StopReason> {
    if cost <= cfg.goal {
        Some(StopReason::Goal)
    } else if epoch >= cfg.epochs {
        Some(StopReason::Epochs)
    } else if grad < cfg.min_grad {
        Some(StopReason::MinGrad)
    } else if mu > cfg.mu_max {
        Some(StopReason::MuMax)
    } else if fails >= cfg.max_fail {
        Some(StopReason::MaxFail)
    } else {
        None
    }
}

/// Tries $\Delta p$ for increasing $\mu$ until $S(p + \Delta p) < S(p)$ (then $p \leftarrow p + \Delta p$,
/// $\mu \leftarrow \mu\,\mu_{dec}$, returns true) or $\mu > \mu_{max}$ (returns false). A failed
/// Cholesky counts as a rejected step.
fn damped_step<P: LeastSquares + ?Sized>(
    w: &mut Work,
    problem: &mut P,
    p: &mut [f64],
    mu: &mut f64,
    cost: f64,
    cfg: &LmConfig,
) -> bool {
    while *mu <= cfg.mu_max {
        if w.solve(*mu).is_ok() {
            if cfg.geodesic {
                // Step v + a/2, or a rejection when the acceleration is too large beside v.
                if w.geodesic(problem, p, cfg.geodesic_h) > cfg.geodesic_alpha {
                    *mu = (*mu * cfg.mu_inc).max(f64::MIN_POSITIVE);
                    continue;
                }
                w.dp.iter_mut().zip(&w.v).for_each(|(a, &v)| *a = v + 0.5 * *a);
            }
            let pt = &mut w.p_trial;
            pt.iter_mut().zip(p.iter().zip(&w.dp)).for_each(|(t, (&pk, &dk))| *t = pk + dk);
            problem.residual_block(pt, 0..w.m, &mut w.r_trial, None);
            let new_cost = sum_sq(&w.r_trial);
            if new_cost < cost {
                p.copy_from_slice(&w.p_trial);
                *mu *= cfg.mu_dec;
                return true;
            }
        }
        *mu = (*mu * cfg.mu_inc).max(f64::MIN_POSITIVE);
    }
    false
}

#[cfg(test)]
mod tests;
