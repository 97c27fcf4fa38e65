//! # neuralnet
//!
//! Feedforward neural networks trained by backpropagation, as the classic study notes (Nielsen's
//! *Neural Networks and Deep Learning*, Higham & Higham's *Deep Learning: An Introduction for
//! Applied Mathematicians*, Hung-yi Lee's lectures) describe them.
//!
//! ## Notation
//! The notes write a sample as a column vector: a¹ = x, zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = σ(zˡ), with Wˡ of
//! shape nₗ × nₗ₋₁, and backpropagation as
//! δᴸ = ∇ₐC ⊙ σ'(zᴸ), δˡ = ((Wˡ⁺¹)ᵀδˡ⁺¹) ⊙ σ'(zˡ), ∂C/∂bˡ = δˡ, ∂C/∂Wˡ = δˡ(aˡ⁻¹)ᵀ.
//! This crate stores a batch of m samples as a row-major m × n matrix, one sample per row, so a
//! layer computes Z = A Wᵀ + b and the equations above appear transposed (see [`network`]).
//! Weights keep the notes' orientation: W is n_out × n_in.
//!
//! ## Quick start
//! ```
//! use neuralnet::{Activation, Cost, Dataset, Splits, TrainConfig, Optimizer, train::{fit, Silent}};
//! // XOR: four points, two classes.
//! let x = vec![0., 0., 0., 1., 1., 0., 1., 1.];
//! let data = Dataset::classification(x, 2, vec![0, 1, 1, 0], 2);
//! let splits = Splits { name: "xor".into(), train: data, ..Default::default() };
//! let config = TrainConfig {
//!     layers: Some(vec![2, 8, 2]),
//!     activation: Some(Activation::Tanh),
//!     optimizer: Some(Optimizer::Adam),
//!     eta: Some(0.05),
//!     batch_size: Some(4),
//!     epochs: Some(300),
//!     ..Default::default()
//! };
//! let plan = config.resolve(&splits)?;
//! assert_eq!(plan.cost, Cost::CrossEntropy); // softmax + cross-entropy by default
//! let (net, history) = fit(&plan, &splits, &mut Silent)?;
//! assert_eq!(history.epochs.last().unwrap().train.unwrap().accuracy, Some(1.0));
//! // Predict: the forward pass of one batch.
//! let mut ws = neuralnet::Workspace::new(&net, 4);
//! let a = net.forward(&[0., 1., 1., 1.], 2, &mut ws);
//! assert!(a[1] > 0.5 && a[2] > 0.5); // (0,1) is class 1, (1,1) is class 0
//! # Ok::<(), neuralnet::Error>(())
//! ```
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod activation;
pub mod atomic;
pub mod canonical;
pub mod checkpoint;
pub mod config;
pub mod cost;
pub mod data;
pub mod error;
pub mod figures;
pub mod float;
pub mod gradcheck;
pub mod hidden_split;
pub mod init;
pub mod lm;
pub mod lm_fit;
pub mod metrics;
pub mod model_io;
pub mod network;
pub mod optim;
pub mod parallel;
pub mod plot;
pub mod predict;
pub mod report;
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
pub use network::{Network, Workspace};
pub use optim::{OptimState, Optimizer};
pub use train::{EpochStats, History, Observer};
