//! XOR with a 2-8-2 tanh network, softmax + cross-entropy, Adam.
//! Should print: `xor: accuracy 100% after 300 epochs` and the four predictions (0, 1, 1, 0).
//! Run: cargo run --release --example xor

use neuralnet::config::{NetworkConfig, OptimizerConfig, TrainingConfig};
use neuralnet::{Activation, Data, Dataset, Predictions, Silent, Splits, TrainConfig, fit};

fn main() -> neuralnet::Result<()> {
    let x = vec![0., 0., 0., 1., 1., 0., 1., 1.];
    let data = Data::from(Splits {
        name: "xor".into(),
        train: Dataset::classification(x.clone(), 2, vec![0, 1, 1, 0], 2),
        ..Default::default()
    });
    let config = TrainConfig {
        network: NetworkConfig {
            layers: Some(vec![2, 8, 2]),
            activation: Some(Activation::Tanh),
            ..Default::default()
        },
        optimizer: OptimizerConfig { eta: Some(0.05), ..Default::default() },
        training: TrainingConfig { batch_size: Some(4), epochs: Some(300), ..Default::default() },
        ..Default::default()
    };
    let trained = fit(&config, &data, &mut Silent)?;
    let accuracy = trained.report.final_figures.figures.train_accuracy.unwrap_or(0.0);
    println!("xor: accuracy {:.0}% after {} epochs", 100.0 * accuracy, trained.history.epochs.len());
    let Predictions::Classes { class, probabilities, .. } = trained.model.predict(&x)? else {
        unreachable!("a classification model predicts classes")
    };
    for ((point, c), p) in x.chunks(2).zip(class).zip(probabilities.chunks(2)) {
        println!("  {point:?} → class {c} (p = {:.3})", p[c]);
    }
    Ok(())
}
