//! Higham & Higham's ten O/X points: the 2-2-3-2 sigmoid network trained by Levenberg–Marquardt
//! (the kernel solve, since 23 parameters > 20 residuals) from 0.5·N(0,1) weights, seed 2.
//! Should print 18 iterations to reach the paper's Σ‖y−F‖² ≤ 7.3e-4 and `10 of 10 points correct`.
//! Run: cargo run --release --example higham

use neuralnet::data::builtin;
use neuralnet::lm_fit::train_lm;
use neuralnet::metrics::evaluate;
use neuralnet::train::init_network;
use neuralnet::{Optimizer, Workspace};

fn main() -> neuralnet::Result<()> {
    let splits = builtin::load("higham").expect("built in");
    // 2-2-3-2 sigmoid network, quadratic cost, 0.5·N(0,1) weights and biases, LM, 50 iterations, seed 2.
    let config = neuralnet::reproduce::higham::config(2, 50, Optimizer::Lm);
    let plan = config.resolve(&splits)?;
    let (mut net, _) = init_network(&plan)?;
    let history = train_lm(&mut net, &splits, &plan, plan.lm.as_ref().expect("lm plan"), &mut |_| {})?;
    // The report's train_loss is the mean of ½‖y − a‖² over the ten points: Σ‖y − F‖² is 20× it.
    let sums: Vec<f64> = history.epochs.iter().map(|e| 20.0 * e.train.map_or(f64::NAN, |m| m.loss)).collect();
    let reached = sums.iter().position(|&s| s <= 7.3e-4);
    println!("Σ‖y−F‖²: {:.2} at the start, {:.2e} at the end", sums[0], sums[sums.len() - 1]);
    println!("iterations to reach 7.3e-4: {reached:?}");
    let m = evaluate(&net, &splits.train, &mut Workspace::new(&net, 10));
    println!("{} of 10 points correct", m.correct.unwrap_or(0));
    Ok(())
}
