//! Compares GEMM crates on the exact products a training step of the benchmark networks makes,
//! with the exact layouts (row-major, transposes as strided views), one thread.
//!
//! ```text
//! cargo run --release --example gemm_shapes
//! ```
//!
//! For each configuration and product it prints the median time per call over many calls and the
//! resulting GFLOP/s for `matrixmultiply` (0.3), `gemm` (0.19) and `faer` (0.24, `matmul`).
//! The products of layer l (n_in → n_out) for a batch of m rows are:
//! - `fwd`:   Z = A Wᵀ        (m × n_in)·(n_in × n_out), Wᵀ a strided view of W
//! - `dW`:    ∇W = δᵀ A       (n_out × m)·(m × n_in), δᵀ a strided view of δ
//! - `dprev`: δ W             (m × n_out)·(n_out × n_in)

#![allow(clippy::too_many_arguments)]

use std::time::Instant;

type Gemm = fn(usize, usize, usize, f32, &[f32], [usize; 2], &[f32], [usize; 2], f32, &mut [f32], usize);

fn mm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    sa: [usize; 2],
    b: &[f32],
    sb: [usize; 2],
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    // SAFETY: the caller's buffers are sized for the shapes and strides.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            sa[0] as isize,
            sa[1] as isize,
            b.as_ptr(),
            sb[0] as isize,
            sb[1] as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            1,
        )
    }
}

fn gm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    sa: [usize; 2],
    b: &[f32],
    sb: [usize; 2],
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    // SAFETY: as above. gemm's convention: dst = alpha·dst + beta·lhs·rhs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            rsc as isize,
            beta != 0.0,
            a.as_ptr(),
            sa[1] as isize,
            sa[0] as isize,
            b.as_ptr(),
            sb[1] as isize,
            sb[0] as isize,
            beta,
            alpha,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

fn fa(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    sa: [usize; 2],
    b: &[f32],
    sb: [usize; 2],
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    use faer::linalg::matmul::matmul;
    use faer::{Accum, MatMut, MatRef, Par};
    // SAFETY: as above.
    let (a, b, c) = unsafe {
        (
            MatRef::from_raw_parts(a.as_ptr(), m, k, sa[0] as isize, sa[1] as isize),
            MatRef::from_raw_parts(b.as_ptr(), k, n, sb[0] as isize, sb[1] as isize),
            MatMut::from_raw_parts_mut(c.as_mut_ptr(), m, n, rsc as isize, 1),
        )
    };
    let accum = if beta == 0.0 { Accum::Replace } else { Accum::Add };
    matmul(c, accum, a, b, alpha, Par::Seq);
}

fn median_ns(mut f: impl FnMut()) -> f64 {
    // Aim for ≈ 20 ms per sample, 7 samples.
    let t = Instant::now();
    let mut reps = 0usize;
    while t.elapsed().as_secs_f64() < 0.005 {
        f();
        reps += 1;
    }
    let reps = (reps * 4).max(1);
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / reps as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[3]
}

fn main() {
    let configs: [(&str, usize, &[usize]); 5] = [
        ("nielsen b10", 10, &[784, 30, 10]),
        ("eval chunk 1000", 1000, &[784, 30, 10]),
        ("b100 784-100-10", 100, &[784, 100, 10]),
        ("b64 784-256-128-10", 64, &[784, 256, 128, 10]),
        ("b10 784-100-10", 10, &[784, 100, 10]),
    ];
    let libs: [(&str, Gemm); 3] = [("matrixmultiply", mm), ("gemm", gm), ("faer", fa)];
    println!("{:<22} {:<6} {:>18} {}", "config", "op", "m×k×n", libs.map(|l| format!("{:>22}", l.0)).join(""));
    for (name, m, sizes) in configs {
        let mut totals = [0.0f64; 3];
        let mut flops = 0.0;
        for (l, s) in sizes.windows(2).enumerate() {
            let (n_in, n_out) = (s[0], s[1]);
            let a: Vec<f32> = (0..m * n_in).map(|i| ((i * 7919) % 1000) as f32 / 1000.0).collect();
            let w: Vec<f32> = (0..n_out * n_in).map(|i| ((i * 104_729) % 997) as f32 / 997.0 - 0.5).collect();
            let d: Vec<f32> = (0..m * n_out).map(|i| ((i * 31) % 101) as f32 / 101.0 - 0.5).collect();
            let mut z = vec![0.0f32; m * n_out];
            let mut gw = vec![0.0f32; n_out * n_in];
            let mut dp = vec![0.0f32; m * n_in];
            let eval_only = m == 1000;
            let mut ops: Vec<(&str, usize, usize, usize)> = vec![("fwd", m, n_in, n_out)];
            if !eval_only {
                ops.push(("dW", n_out, m, n_in));
                if l > 0 {
                    ops.push(("dprev", m, n_out, n_in));
                }
            }
            for (op, mm_, kk, nn) in ops {
                let f = 2.0 * (mm_ * kk * nn) as f64;
                flops += f;
                let mut line = format!("{name:<22} {op:<6} {:>18}", format!("{mm_}×{kk}×{nn}"));
                for (i, (_, g)) in libs.iter().enumerate() {
                    let ns = match op {
                        "fwd" => median_ns(|| g(m, n_in, n_out, 1.0, &a, [n_in, 1], &w, [1, n_in], 0.0, &mut z, n_out)),
                        "dW" => median_ns(|| g(n_out, m, n_in, 1.0, &d, [1, n_out], &a, [n_in, 1], 0.0, &mut gw, n_in)),
                        _ => median_ns(|| g(m, n_out, n_in, 1.0, &d, [n_out, 1], &w, [n_in, 1], 0.0, &mut dp, n_in)),
                    };
                    totals[i] += ns;
                    line += &format!("{:>13.0} ns {:>5.1} GF", ns, f / ns);
                }
                println!("{line}");
            }
        }
        let mut line = format!("{name:<22} {:<6} {:>18}", "total", format!("{:.0} kFLOP", flops / 1e3));
        for t in totals {
            line += &format!("{:>13.0} ns {:>5.1} GF", t, flops / t);
        }
        println!("{line}\n");
    }
}
