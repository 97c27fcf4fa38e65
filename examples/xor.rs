//! XOR with a 2-8-2 tanh network, softmax + cross-entropy, Adam.
//! Should print: `xor: accuracy 100% after 300 epochs` and the four predictions (0, 1, 1, 0).
//! Run: cargo run --release --example xor

use neuralnet::train::{Silent, fit};
use neuralnet::{Activation, Dataset, Splits, TrainConfig, Workspace};

fn main() -> neuralnet::Result<()> {
    let x = vec![0., 0., 0., 1., 1., 0., 1., 1.];
    let splits = Splits {
        name: "xor".into(),
        train: Dataset::classification(x.clone(), 2, vec![0, 1, 1, 0], 2),
        ..Default::default()
    };
    let config = TrainConfig {
        layers: Some(vec![2, 8, 2]),
        activation: Some(Activation::Tanh),
        eta: Some(0.05),
        batch_size: Some(4),
        epochs: Some(300),
        ..Default::default()
    };
    let (net, history) = fit(&config.resolve(&splits)?, &splits, &mut Silent)?;
    let accuracy = history.epochs.last().and_then(|e| e.train).and_then(|m| m.accuracy).unwrap_or(0.0);
    println!("xor: accuracy {:.0}% after {} epochs", 100.0 * accuracy, history.epochs.len());
    let mut ws = Workspace::new(&net, 4);
    let a = net.forward(&x, 4, &mut ws);
    for (point, out) in x.chunks(2).zip(a.chunks(2)) {
        println!("  {point:?} → class {} (p = {:.3})", usize::from(out[1] > out[0]), out[0].max(out[1]));
    }
    Ok(())
}
