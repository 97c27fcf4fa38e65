//! The lecture's error surface: the training MAE of the one-day linear model y = b + w·x₁ on a
//! grid of (w, b), its subgradient (`mae_and_grad`), and the path plain gradient descent takes on
//! it from (0, 0) (`error_surface`), all in k units.

use super::{MAX_LAG, Problem};
use serde::Serialize;

/// The lecture's error surface: the training MAE of y = b + w·x₁ (k) on a grid of (w, b), and the
/// path of plain gradient descent on it from (0, 0).
#[derive(Debug, Clone, Serialize)]
pub struct Surface {
    /// Range of w.
    pub w_range: (f64, f64),
    /// Range of b (k).
    pub b_range: (f64, f64),
    /// Grid cells per axis (the grid has `resolution + 1` nodes per axis).
    pub resolution: usize,
    /// Loss at node (i, j) is `loss[j * (resolution + 1) + i]` (w index i, b index j).
    pub loss: Vec<f64>,
    /// Learning rate of the descent.
    pub eta: f64,
    /// Descent steps taken.
    pub steps: usize,
    /// (w, b) after every `stride`-th step, from the start.
    pub path: Vec<(f64, f64)>,
    /// Final (w, b) and loss.
    pub end: (f64, f64, f64),
}

/// MAE of b + w·x over the pairs, and its subgradient (∂/∂w, ∂/∂b).
fn mae_and_grad(xy: &[(f64, f64)], w: f64, b: f64) -> (f64, f64, f64) {
    let (mut l, mut gw, mut gb) = (0.0, 0.0, 0.0);
    for &(x, y) in xy {
        let r = y - b - w * x;
        l += r.abs();
        let s = if r > 0.0 {
            -1.0
        } else if r < 0.0 {
            1.0
        } else {
            0.0
        };
        gw += s * x;
        gb += s;
    }
    let n = xy.len().max(1) as f64;
    (l / n, gw / n, gb / n)
}

/// Computes the error surface and the descent path on the training days (k units).
pub(super) fn error_surface(p: &Problem, quick: bool) -> Surface {
    let xy: Vec<(f64, f64)> = (0..p.train.len())
        .map(|i| (p.train.x[i * MAX_LAG] as f64, p.train.y[i] as f64))
        .map(|(x, y)| (x * p.scale + p.mean, y * p.scale + p.mean))
        .collect();
    let (eta, steps) = (0.01, if quick { 3_000 } else { 40_000 });
    let stride = (steps / 2000).max(1);
    let (mut w, mut b) = (0.0, 0.0);
    let mut path = vec![(w, b)];
    for step in 1..=steps {
        let (_, gw, gb) = mae_and_grad(&xy, w, b);
        (w, b) = (w - eta * gw, b - eta * gb);
        if step % stride == 0 {
            path.push((w, b));
        }
    }
    let top = p.mean * 1.25;
    let (w_range, b_range, resolution) = ((-0.2, 1.3), (-0.1 * top, top), if quick { 40 } else { 80 });
    let n = resolution + 1;
    let at = |i: usize, r: (f64, f64)| r.0 + (r.1 - r.0) * i as f64 / resolution as f64;
    let loss = (0..n * n).map(|k| mae_and_grad(&xy, at(k % n, w_range), at(k / n, b_range)).0).collect();
    let end = (w, b, mae_and_grad(&xy, w, b).0);
    Surface { w_range, b_range, resolution, loss, eta, steps, path, end }
}
