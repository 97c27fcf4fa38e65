//! # neuralnet
//!
//! Feedforward neural networks trained by backpropagation, as the classic study notes (Nielsen's
//! *Neural Networks and Deep Learning*, Higham & Higham's *Deep Learning: An Introduction for
//! Applied Mathematicians*, Hung-yi Lee's lectures) describe them.
//!
//! ## One call trains
//! [`fit`] takes a [`TrainConfig`] (plain data: a TOML file, command-line flags or Rust code),
//! the [`Data`] (a named dataset, a CSV table with its preprocessing, or splits in memory) and an
//! [`Observer`], and returns the [`Model`] — the network with its preprocessing and class names —
//! with the [`History`] and the typed [`Report`]. Every optimizer goes through it, Adam and
//! Levenberg–Marquardt alike:
//!
//! ```
//! use neuralnet::{Data, Optimizer, Silent, TrainConfig, fit};
//! // Higham & Higham's ten points in the plane, two categories, a 2-2-3-2 sigmoid network.
//! let data = Data::from(neuralnet::data::builtin::load("higham").unwrap());
//! let mut config: TrainConfig = toml::from_str(
//!     r#"
//!     [network]
//!     layers = [2, 2, 3, 2]
//!     activation = "sigmoid"
//!     output_activation = "sigmoid"
//!     cost = "quadratic"
//!     init = "normal"
//!     init_scale = 0.5
//!     [training]
//!     seed = 2
//!     "#,
//! ).unwrap();
//! // Levenberg–Marquardt: 50 iterations at most on the whole training set.
//! config.optimizer.kind = Some(Optimizer::Lm);
//! config.training.epochs = Some(50);
//! let lm = fit(&config, &data, &mut Silent)?;
//! // Adam: 2,000 full-batch epochs with η = 0.01.
//! config.optimizer.kind = Some(Optimizer::Adam);
//! config.optimizer.eta = Some(0.01);
//! config.training.epochs = Some(2000);
//! config.training.sampling = Some(neuralnet::Sampling::FullBatch);
//! let adam = fit(&config, &data, &mut Silent)?;
//! for trained in [&lm, &adam] {
//!     // Every point classified; the model predicts from raw inputs.
//!     assert_eq!(trained.report.final_figures.figures.train_accuracy, Some(1.0));
//! }
//! assert!(lm.history.epochs.len() < 51);
//! let neuralnet::Predictions::Classes { class, .. } = lm.model.predict(&[0.1, 0.1, 0.7, 0.2])? else { panic!() };
//! assert_eq!(class, [0, 1]);
//! # Ok::<(), neuralnet::Error>(())
//! ```
//!
//! ## Notation
//! The notes write a sample as a column vector: a¹ = x, zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ), with Wˡ of
//! shape nₗ × nₗ₋₁, and backpropagation as
//! δᴸ = ∇ₐC ⊙ σ'(zᴸ), δˡ = ((Wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ'(zˡ), ∂C/∂bˡ = δˡ, ∂C/∂Wˡ = δˡ(aˡ⁻¹)ᵀ.
//! This crate stores a batch of m samples as a row-major m × n matrix, one sample per row, so a
//! layer computes Z = A Wᵀ + b and the equations above appear transposed (see [`network`], which
//! holds all four). Weights keep the notes' orientation: W is n_out × n_in.
//!
//! ## A loop by hand
//! [`Network::forward`], [`Network::backprop`] (the gradient of the mean batch cost),
//! [`OptimState::step`], [`gradcheck::check`] and [`optim::lm::levenberg_marquardt`] are the pieces
//! for a training loop of one's own; `examples/custom_loop.rs` writes one.
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod activation;
pub mod atomic;
pub(crate) mod canonical;
pub mod config;
pub mod cost;
pub mod data;
pub mod error;
pub mod export;
#[cfg(feature = "plot")]
pub mod figures;
pub mod float;
pub mod gradcheck;
pub mod init;
pub mod metrics;
pub mod model;
pub mod network;
pub mod optim;
pub(crate) mod parallel;
#[cfg(feature = "plot")]
pub mod plot;
pub mod preprocess;
#[cfg(feature = "plot")]
pub mod reproduce;
pub mod train;

pub use activation::Activation;
pub use config::{Plan, Precision, Sampling, Schedule, TrainConfig};
pub use cost::Cost;
pub use data::{Dataset, Splits};
pub use error::{Error, Result};
pub use float::Scalar;
pub use init::Init;
pub use metrics::Metrics;
pub use model::{Model, Predictions};
pub use network::{Network, Workspace};
pub use optim::{OptimState, Optimizer, Solver};
pub use preprocess::Data;
pub use train::report::Report;
pub use train::{Control, EpochStats, History, Observer, Silent, StopReason, Trained, Warning, fit};

/// The number of threads the machine offers (what a run uses when it is not told otherwise).
pub fn available_threads() -> usize {
    parallel::default_threads()
}
