//! Standardisation x' = (x − mean)/std fitted on the training split: of the inputs (stored with
//! the model), and of regression targets (trained on, then folded into the output layer).

use crate::data::Splits;
use crate::network::Network;

/// Per-column standardisation x' = (x − mean)/std, with std 0 replaced by 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Column means.
    pub mean: Vec<f32>,
    /// Column standard deviations (population), 1 where a column is constant.
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Mean and standard deviation of each of the `width` columns of row-major `values`.
    pub fn fit(values: &[f32], width: usize) -> Self {
        let n = (values.len() / width.max(1)).max(1) as f64;
        let mut sum = vec![0.0f64; width];
        let mut sq = vec![0.0f64; width];
        for row in values.chunks_exact(width) {
            for (j, &v) in row.iter().enumerate() {
                sum[j] += v as f64;
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        for row in values.chunks_exact(width) {
            for (j, &v) in row.iter().enumerate() {
                sq[j] += (v as f64 - mean[j]).powi(2);
            }
        }
        let std = sq.iter().map(|s| (s / n).sqrt()).map(|s| if s > 1e-12 { s as f32 } else { 1.0 }).collect();
        Standardizer { mean: mean.iter().map(|&m| m as f32).collect(), std }
    }

    /// [`Standardizer::fit`] on the inputs with `scaled[j]`; the others (one-hot and indicator
    /// inputs) are kept as they are (mean 0, std 1).
    pub fn fit_masked(values: &[f32], scaled: &[bool]) -> Self {
        let mut s = Standardizer::fit(values, scaled.len());
        for (j, _) in scaled.iter().enumerate().filter(|(_, keep)| !**keep) {
            (s.mean[j], s.std[j]) = (0.0, 1.0);
        }
        s
    }

    /// Applies x ← (x − mean)/std to every row of row-major `values`.
    pub fn apply(&self, values: &mut [f32]) {
        for row in values.chunks_exact_mut(self.mean.len()) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Folds the inverse transform y = y'·std + mean into the last layer of `net`, whose outputs
    /// were trained on standardised targets: W_L ← diag(std) W_L, b_L ← std ⊙ b_L + mean. Exact
    /// for identity outputs, so the saved model predicts in the targets' own units.
    pub fn fold_into_output(&self, net: &mut Network<f32>) {
        let last = net.n_layers() - 1;
        let (w, b) = net.layer_ranges(last);
        let n_in = net.sizes()[last];
        let params = net.params_mut();
        for (j, (&m, &s)) in self.mean.iter().zip(&self.std).enumerate() {
            params[w.start + j * n_in..w.start + (j + 1) * n_in].iter_mut().for_each(|v| *v *= s);
            params[b.start + j] = params[b.start + j] * s + m;
        }
    }
}

/// Standardises the regression targets of every split with the training split's statistics and
/// returns the standardiser (fold it into the trained network with
/// [`Standardizer::fold_into_output`]).
pub fn standardize_targets(splits: &mut Splits) -> Standardizer {
    let targets = Standardizer::fit(&splits.train.y, splits.train.n_outputs);
    for part in [Some(&mut splits.train), splits.validation.as_mut(), splits.test.as_mut()].into_iter().flatten() {
        targets.apply(&mut part.y);
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardizer_and_output_fold_invert_each_other() {
        let mut v = vec![1.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&v, 2);
        assert_eq!((s.mean.clone(), s.std.clone()), (vec![2.0, 5.0], vec![1.0, 1.0]));
        s.apply(&mut v);
        assert_eq!(v, [-1.0, 0.0, 1.0, 0.0]);
        let mut net =
            Network::<f32>::new(&[1, 1], crate::Activation::Identity, crate::Activation::Identity, crate::Cost::Mse)
                .unwrap();
        net.params_mut().copy_from_slice(&[2.0, 0.5]);
        Standardizer { mean: vec![10.0], std: vec![3.0] }.fold_into_output(&mut net);
        assert_eq!(net.params(), [6.0, 11.5]); // 3·(2x + 0.5) + 10
    }
}
