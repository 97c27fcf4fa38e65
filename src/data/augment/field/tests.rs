//! The field's eigendecomposition against faer's, its factors against the smoothing's covariance,
//! a sample against the product in f64, and sampled fields against the variance and covariance of
//! smoothed uniform noise.

use super::*;
use faer::{Mat, Side};

/// (n, σ): taller and narrower than the kernel, nearly no smoothing, a kernel wider than the image.
const CASES: [(usize, f32); 6] = [(28, 4.0), (28, 2.0), (9, 1.5), (28, 0.8), (5, 4.0), (20, 0.2)];

/// C = X Xᵀ for X n × k, row-major.
fn gram(x: &[f64], n: usize) -> Vec<f64> {
    let k = x.len() / n;
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = (0..k).map(|l| x[i * k + l] * x[j * k + l]).sum();
        }
    }
    c
}

#[test]
fn jacobi_gives_faers_eigenvalues_and_an_orthogonal_basis() {
    let random: Vec<f64> = (0..144).map(|i| ((i * 7919 % 1000) as f64 / 500.0) - 1.0).collect();
    let symmetric: Vec<f64> = (0..144).map(|i| random[i] + random[(i % 12) * 12 + i / 12]).collect();
    let mut matrices: Vec<(usize, Vec<f64>)> = CASES.iter().map(|&(n, s)| (n, band(n, s))).collect();
    matrices.push((12, symmetric));
    for (n, a) in matrices {
        let (mut lambda, q) = jacobi_eigen(a.clone(), n);
        let reference = Mat::from_fn(n, n, |i, j| a[i * n + j]).self_adjoint_eigenvalues(Side::Lower).unwrap();
        lambda.sort_by(f64::total_cmp);
        for (l, r) in lambda.iter().zip(&reference) {
            assert!((l - r).abs() < 1e-12, "n {n}: λ {l} vs faer's {r}");
        }
        let (lambda, _) = jacobi_eigen(a.clone(), n);
        for i in 0..n {
            for j in 0..n {
                let qtq: f64 = (0..n).map(|k| q[k * n + i] * q[k * n + j]).sum();
                assert!((qtq - f64::from(i == j)).abs() < 1e-12, "n {n}: QᵀQ[{i}][{j}] = {qtq}");
                let back: f64 = (0..n).map(|k| q[i * n + k] * lambda[k] * q[j * n + k]).sum();
                assert!((back - a[i * n + j]).abs() < 1e-12, "n {n}: QΛQᵀ[{i}][{j}] = {back}");
            }
        }
    }
}

#[test]
fn the_factor_keeps_all_but_a_hundred_thousandth_of_the_smoothings_covariance() {
    for (n, sigma) in CASES {
        let (a, g) = (factor(n, sigma), band(n, sigma));
        // G² = G Gᵀ (G is symmetric): the covariance factor of smoothed white noise.
        let (kept, full) = (gram(&a, n), gram(&g, n));
        let trace = |c: &[f64]| (0..n).map(|i| c[i * n + i]).sum::<f64>();
        let dropped = 1.0 - trace(&kept) / trace(&full);
        assert!((-1e-12..=1e-5).contains(&dropped), "n {n}, σ {sigma}: {dropped} of the variance dropped");
        let error: f64 = kept.iter().zip(&full).map(|(k, f)| (k - f) * (k - f)).sum::<f64>().sqrt();
        assert!(error <= 1e-5 * trace(&full), "n {n}, σ {sigma}: ‖AAᵀ − G²‖ = {error}");
    }
    assert_eq!(factor(28, 4.0).len(), 28 * 8, "σ = 4 on 28 pixels keeps 8 eigenpairs");
    assert_eq!(factor(20, 0.2).len(), 20 * 20, "an almost diagonal G keeps them all");
}

#[test]
fn a_sample_is_alpha_a_h_m_a_w_transposed() {
    for ((h, w), sigma, alpha) in [((28, 28), 4.0, 34.0), ((9, 5), 1.5, 2.0), ((3, 7), 4.0, 1.0), ((28, 20), 0.8, 5.0)]
    {
        let field = Field::new((h, w), sigma, alpha);
        let (mut m, mut t) = (vec![0.0; field.noise_len()], vec![0.0; field.product_len()]);
        let s = field.stride();
        let mut out = vec![f32::NAN; h * s];
        field.sample(99, &mut out, &mut m, &mut t);
        assert!(s >= w && out.chunks_exact(s).all(|row| row[w..].iter().all(|&v| v == 0.0)), "padding");
        let (a_h, a_w) = (factor(h, sigma), factor(w, sigma));
        let (k_h, k_w) = (a_h.len() / h, a_w.len() / w);
        let mut noise_m = vec![0.0f32; k_h * k_w];
        noise(99, &mut noise_m);
        for y in 0..h {
            for x in 0..w {
                let mut want = 0.0;
                for i in 0..k_h {
                    for j in 0..k_w {
                        want += a_h[y * k_h + i] * noise_m[i * k_w + j] as f64 * a_w[x * k_w + j];
                    }
                }
                want *= alpha as f64;
                let got = out[y * s + x] as f64;
                assert!((got - want).abs() < 1e-5 * alpha as f64, "({h}, {w}) at ({x}, {y}): {got} vs {want}");
            }
        }
    }
}

#[test]
fn sampled_fields_have_the_covariance_of_smoothed_uniform_noise() {
    // Cov(Δ(y, x), Δ(y', x')) = (α²/3)·G²[y][y']·G²[x][x'] for Δ = α·G U G, U uniform in [−1, 1].
    let (n, sigma, alpha, samples) = (28, 4.0, 2.0, 20_000);
    let g2 = gram(&band(n, sigma), n);
    let want = |(y, x): (usize, usize), (v, u): (usize, usize)| alpha * alpha / 3.0 * g2[y * n + v] * g2[x * n + u];
    let pairs = [((14, 14), (14, 14)), ((0, 0), (0, 0)), ((0, 14), (0, 14)), ((14, 14), (14, 18)), ((10, 3), (13, 3))];
    let field = Field::new((n, n), sigma, alpha as f32);
    let (mut m, mut t) = (vec![0.0; field.noise_len()], vec![0.0; field.product_len()]);
    let mut out = vec![0.0; n * field.stride()];
    let mut sums = [0.0f64; 5];
    let mut mean = 0.0;
    for key in 0..samples {
        field.sample(key * 2, &mut out, &mut m, &mut t);
        let at = |(y, x): (usize, usize)| out[y * field.stride() + x] as f64;
        for (sum, &(p, q)) in sums.iter_mut().zip(&pairs) {
            *sum += at(p) * at(q);
        }
        mean += at((14, 14));
    }
    let mean = mean / samples as f64;
    assert!(mean.abs() < 0.05 * want((14, 14), (14, 14)).sqrt(), "mean {mean}");
    for (sum, &(p, q)) in sums.iter().zip(&pairs) {
        let (got, want) = (sum / samples as f64, want(p, q));
        // The sampling error of a variance over 20,000 draws is about 1%.
        assert!((got - want).abs() < 0.05 * want, "{p:?}, {q:?}: {got} vs {want}");
    }
}
