//! The settings of a Levenberg–Marquardt run: which linear system gives the step, and the
//! damping, stopping and memory rules (MATLAB `trainlm`'s names and defaults).

use serde::{Deserialize, Serialize};

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

/// Settings of [`levenberg_marquardt`](super::levenberg_marquardt); `Default` gives MATLAB
/// `trainlm`'s values, plus geodesic acceleration (see [`LmConfig::geodesic`]).
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
