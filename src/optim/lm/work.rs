//! The solver's workspace: the Jacobian (whole, or one row block at a time), the Gram matrix
//! $J^T J$ or $J J^T$ kept as its diagonal and packed lower triangle so that every retry with a
//! new μ refactors $G + \mu I$ in place, the step, and the geodesic correction.

use super::{LeastSquares, LmConfig, LmError, LmSolve, add_jtr, sum_sq};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{LltRegularization, cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::cholesky::llt::solve::solve_in_place;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// Buffers for one problem size, reused across retries and epochs.
/// The Gram matrix $G$ ($J^T J$ or $J J^T$) is built in `a` (column-major), then saved as its
/// diagonal `diag` and packed strict lower triangle `packed`, so that each retry can rebuild
/// $G + \mu I$ in `a` and factor it in place (faer's in-place Cholesky clobbers the upper triangle).
pub(super) struct Work {
    pub(super) kernel: bool,
    pub(super) d: usize,
    pub(super) m: usize,
    pub(super) n: usize,
    pub(super) block_rows: usize,
    pub(super) jac: Vec<f64>,
    pub(super) r: Vec<f64>,
    pub(super) a: Vec<f64>,
    pub(super) packed: Vec<f64>,
    pub(super) diag: Vec<f64>,
    pub(super) g: Vec<f64>,
    pub(super) rhs: Vec<f64>,
    pub(super) dp: Vec<f64>,
    pub(super) p_trial: Vec<f64>,
    pub(super) r_trial: Vec<f64>,
    /// Geodesic acceleration: the first-order step $v$ and $r_{vv}$ (empty when it is off).
    pub(super) v: Vec<f64>,
    pub(super) r_vv: Vec<f64>,
    pub(super) stack: MemBuffer,
}

impl Work {
    /// Checks the memory limit, then allocates; `mode` must be resolved.
    pub(super) fn new(m: usize, n: usize, mode: LmSolve, cfg: &LmConfig) -> Result<Work, LmError> {
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
    pub(super) fn save_gram(&mut self) {
        let (d, mut off) = (self.d, 0);
        for j in 0..d {
            self.diag[j] = self.a[j * d + j];
            let len = d - j - 1;
            self.packed[off..off + len].copy_from_slice(&self.a[j * d + j + 1..(j + 1) * d]);
            off += len;
        }
    }

    /// Normal mode: $A \mathrel{+}= J_b^T J_b$ and $g \mathrel{+}= J_b^T r_b$ for one row block.
    pub(super) fn add_block(a: &mut [f64], g: &mut [f64], jb: &[f64], rb: &[f64], n: usize) {
        let rows = rb.len();
        let j = MatRef::from_row_major_slice(&jb[..rows * n], rows, n);
        matmul(MatMut::from_column_major_slice_mut(a, n, n), Accum::Add, j.transpose(), j, 1.0, Par::Seq);
        add_jtr(g, jb, rb, n);
    }

    /// Kernel mode: $A = J J^T$ and $g = J^T r$ from the whole $J$ held in `jac`.
    pub(super) fn kernel_gram(&mut self) {
        let (m, n) = (self.m, self.n);
        let j = MatRef::from_row_major_slice(&self.jac, m, n);
        let a = MatMut::from_column_major_slice_mut(&mut self.a, m, m);
        matmul(a, Accum::Replace, j, j.transpose(), 1.0, Par::Seq);
        self.g.fill(0.0);
        add_jtr(&mut self.g, &self.jac, &self.r, n);
    }

    /// Computes $r$, $J^T r$ and the Gram matrix at `p`; returns $S(p) = \lVert r \rVert^2$.
    pub(super) fn evaluate<P: LeastSquares + ?Sized>(&mut self, problem: &mut P, p: &[f64]) -> f64 {
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
    pub(super) fn solve(&mut self, mu: f64) -> Result<(), LmError> {
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
    pub(super) fn factor(&mut self, mu: f64) -> Result<(), LmError> {
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
    pub(super) fn solve_rhs(&mut self) {
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
    pub(super) fn geodesic<P: LeastSquares + ?Sized>(&mut self, problem: &mut P, p: &[f64], h: f64) -> f64 {
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
