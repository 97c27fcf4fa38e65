//! Predictions from a saved model: the forward pass over many rows, the model's stored input
//! standardisation applied first, and class probabilities read off the output layer.

use crate::activation::Activation;
use crate::metrics::argmax;
use crate::model_io::ModelMeta;
use crate::network::{Network, Workspace};
use crate::train::EVAL_CHUNK;

/// Applies the model's stored input standardisation x' = (x − mean)/std to row-major `x`, if it
/// has one.
pub fn normalize_inputs(meta: &ModelMeta, x: &mut [f32]) {
    if let Some((mean, std)) = &meta.normalization {
        for row in x.chunks_exact_mut(mean.len()) {
            for ((v, m), s) in row.iter_mut().zip(mean).zip(std) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// The network's outputs a^L for every row of `x` (rows × n_inputs), as rows × n_outputs.
pub fn outputs(net: &Network<f32>, x: &[f32]) -> Vec<f32> {
    let d = net.n_inputs();
    let rows = x.len() / d;
    let mut ws = Workspace::new(net, EVAL_CHUNK.min(rows.max(1)));
    let mut out = Vec::with_capacity(rows * net.n_outputs());
    for chunk in x.chunks(ws.capacity() * d) {
        out.extend_from_slice(net.forward(chunk, chunk.len() / d, &mut ws));
    }
    out
}

/// Class probabilities from one output row. Softmax outputs already are probabilities. Other
/// outputs (e.g. one sigmoid per class, each in (0, 1) on its own) are clipped at 0 and
/// normalised to sum to 1 — a ranking of the classes, not a calibrated probability.
pub fn class_probabilities(output: Activation, a: &[f32]) -> Vec<f32> {
    if output == Activation::Softmax {
        return a.to_vec();
    }
    let clipped: Vec<f32> = a.iter().map(|&v| v.max(0.0)).collect();
    let sum: f32 = clipped.iter().sum();
    if sum > 0.0 { clipped.iter().map(|v| v / sum).collect() } else { vec![1.0 / a.len() as f32; a.len()] }
}

/// The predicted class of one output row and its probability ([`class_probabilities`]).
pub fn predicted_class(output: Activation, a: &[f32]) -> (usize, f32) {
    let p = class_probabilities(output, a);
    let c = argmax(&p);
    (c, p[c])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_outputs_are_normalised_softmax_kept() {
        assert_eq!(class_probabilities(Activation::Sigmoid, &[0.6, 0.2]), [0.75, 0.25]);
        assert_eq!(class_probabilities(Activation::Softmax, &[0.6, 0.4]), [0.6, 0.4]);
        assert_eq!(predicted_class(Activation::Sigmoid, &[0.1, 0.3]), (1, 0.75));
    }
}
