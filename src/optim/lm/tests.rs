//! Tests of the Levenberg–Marquardt solver on problems with known answers: linear least squares
//! against the closed form, an exponential fit, Rosenbrock's valley, the normal and kernel forms
//! against each other, the memory limit and the validation stop rule.

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
    let mut cb = |it: &LmIteration| {
        seen = it.iteration + 1;
        true
    };
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
