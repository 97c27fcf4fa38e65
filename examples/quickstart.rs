//! The README's library example, verbatim (a test keeps the two equal): train on the built-in
//! Higham points with Levenberg–Marquardt and with Adam through the same call, save, load, predict.
//! Run: cargo run --release --example quickstart

use neuralnet::{Data, Model, Optimizer, Predictions, Silent, TrainConfig, fit};

fn main() -> neuralnet::Result<()> {
    // Settings as a TOML file gives them (TrainConfig::from_toml reads one; every field is optional).
    let mut config = TrainConfig::from_toml_str(
        r#"
        [data]
        dataset = "higham"            # the ten O/X points of Higham & Higham, built in
        [network]
        layers = [2, 2, 3, 2]
        activation = "sigmoid"
        output_activation = "sigmoid"
        cost = "quadratic"
        [optimizer]
        kind = "lm"                   # Levenberg–Marquardt
        "#,
        "quickstart.toml".as_ref(),
    )?;
    let data = Data::load(&config)?;
    let lm = fit(&config, &data, &mut Silent)?;
    println!(
        "LM: {} iterations, train accuracy {:?}",
        lm.history.updates, lm.report.final_figures.figures.train_accuracy
    );

    // The same call trains Adam: change the settings, not the code.
    config.optimizer.kind = Some(Optimizer::Adam);
    config.optimizer.eta = Some(0.2);
    config.training.epochs = Some(2000);
    let adam = fit(&config, &data, &mut Silent)?;
    println!("Adam: train accuracy {:?}", adam.report.final_figures.figures.train_accuracy);

    // A model file holds the network and its preprocessing; it predicts from raw inputs.
    let path = std::env::temp_dir().join("quickstart.safetensors");
    lm.model.save(&path)?;
    let model = Model::load(&path)?;
    if let Predictions::Classes { class, names, .. } = model.predict(&[0.1, 0.1, 0.7, 0.2])? {
        println!("(0.1, 0.1) is {}, (0.7, 0.2) is {}", names[class[0]], names[class[1]]);
    }
    Ok(())
}
