//! Evaluation of a network on a dataset: mean cost, and accuracy (classification: argmax of the
//! output row against the label) or MSE and MAE (regression), computed in chunks through a
//! preallocated workspace.

use crate::data::Dataset;
use crate::network::{Network, Workspace};
use serde::{Deserialize, Serialize};

/// Figures of one network on one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean cost over the samples.
    pub loss: f64,
    /// Fraction classified correctly (classification).
    pub accuracy: Option<f64>,
    /// Number classified correctly (classification).
    pub correct: Option<usize>,
    /// Number of samples.
    pub n: usize,
    /// Mean over samples and outputs of (y − a)² (regression).
    pub mse: Option<f64>,
    /// Mean over samples and outputs of |y − a| (regression).
    pub mae: Option<f64>,
}

/// Index of the largest value (the first one on ties).
pub fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold(0, |best, (i, &v)| if v > row[best] { i } else { best })
}

/// Evaluates `net` on `data`, `ws.capacity()` rows at a time.
pub fn evaluate(net: &Network<f32>, data: &Dataset, ws: &mut Workspace<f32>) -> Metrics {
    let (d, k, n) = (data.n_features, data.n_outputs, data.len());
    let (mut loss, mut correct, mut se, mut ae) = (0.0f64, 0usize, 0.0f64, 0.0f64);
    let mut start = 0;
    while start < n {
        let rows = ws.capacity().min(n - start);
        let x = &data.x[start * d..(start + rows) * d];
        let y = &data.y[start * k..(start + rows) * k];
        net.forward(x, rows, ws);
        loss += net.cost_sum(y, rows, ws);
        let a = net.output(rows, ws);
        if let Some(labels) = &data.labels {
            for (row, &label) in a.chunks_exact(k).zip(&labels[start..start + rows]) {
                correct += usize::from(argmax(row) == label as usize);
            }
        } else {
            for (&a, &y) in a.iter().zip(y) {
                let r = (y - a) as f64;
                se += r * r;
                ae += r.abs();
            }
        }
        start += rows;
    }
    let nf = n.max(1) as f64;
    let classification = data.labels.is_some();
    Metrics {
        loss: loss / nf,
        accuracy: classification.then(|| correct as f64 / nf),
        correct: classification.then_some(correct),
        n,
        mse: (!classification).then(|| se / (nf * k as f64)),
        mae: (!classification).then(|| ae / (nf * k as f64)),
    }
}
