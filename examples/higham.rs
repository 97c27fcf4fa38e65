//! Higham & Higham's ten O/X points: the 2-2-3-2 sigmoid network trained by Levenberg–Marquardt
//! (the kernel solve, since 23 parameters > 20 residuals) from 0.5·N(0,1) weights, seed 2 — the
//! settings of `experiments/higham-lm.toml`. Should print 18 iterations to reach the paper's
//! Σ‖y−F‖² ≤ 7.3e-4 and `10 of 10 points correct`.
//! Run: cargo run --release --example higham

use neuralnet::{Data, Silent, TrainConfig, fit};
use std::path::Path;

fn main() -> neuralnet::Result<()> {
    let config = TrainConfig::from_toml(&Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/higham-lm.toml"))?;
    let data = Data::load(&config)?;
    let trained = fit(&config, &data, &mut Silent)?;
    // The report's train_loss is the mean of ½‖y − a‖² over the ten points: Σ‖y − F‖² is 20× it.
    let sums: Vec<f64> = trained.history.epochs.iter().map(|e| 20.0 * e.train.map_or(f64::NAN, |m| m.loss)).collect();
    let reached = sums.iter().position(|&s| s <= 7.3e-4);
    println!("Σ‖y−F‖²: {:.2} at the start, {:.2e} at the end", sums[0], sums[sums.len() - 1]);
    println!("iterations to reach 7.3e-4: {reached:?}");
    let m = trained.model.evaluate(&data.splits.train, 1)?;
    println!("{} of 10 points correct", m.correct.unwrap_or(0));
    Ok(())
}
