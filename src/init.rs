//! Weight initialisation schemes. Every scheme draws from one explicitly passed, seeded RNG, so a
//! seed fixes the initial network bit for bit.

use crate::float::Scalar;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How the weights W (n_out × n_in) and biases b of each layer are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// W, b ~ N(0, 1), as in Nielsen's `network.py`.
    #[default]
    Normal,
    /// W ~ N(0, 1/n_in), b ~ N(0, 1), as in Nielsen's `network2.py` (`default_weight_initializer`).
    NormalScaled,
    /// W ~ U(−√(6/(n_in+n_out)), +√(6/(n_in+n_out))), b = 0 (Glorot & Bengio 2010).
    GlorotUniform,
    /// W ~ N(0, 2/(n_in+n_out)), b = 0.
    GlorotNormal,
    /// W ~ N(0, 2/n_in), b = 0 (He et al. 2015, for ReLU layers).
    He,
}

impl Init {
    /// Every scheme, in the order of their command-line names.
    pub const ALL: [Init; 5] = [Init::Normal, Init::NormalScaled, Init::GlorotUniform, Init::GlorotNormal, Init::He];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Init::Normal => "normal",
            Init::NormalScaled => "normal-scaled",
            Init::GlorotUniform => "glorot-uniform",
            Init::GlorotNormal => "glorot-normal",
            Init::He => "he",
        }
    }

    /// Fills one layer's `w` (n_out × n_in, row-major) and `b` (n_out), each drawn value times `scale`.
    /// Weights are drawn first, row by row, then biases.
    pub fn fill<F: Scalar, R: Rng + ?Sized>(self, w: &mut [F], b: &mut [F], n_in: usize, scale: f64, rng: &mut R) {
        let n_out = b.len();
        let normal = |rng: &mut R, sd: f64| -> F {
            let x: f64 = StandardNormal.sample(rng);
            F::of(x * sd * scale)
        };
        let (fan_in, fan_sum) = (n_in as f64, (n_in + n_out) as f64);
        match self {
            Init::GlorotUniform => {
                let limit = (6.0 / fan_sum).sqrt();
                let u = Uniform::new_inclusive(-limit, limit).expect("finite bounds");
                w.iter_mut().for_each(|v| *v = F::of(u.sample(rng) * scale));
            }
            _ => {
                let sd = match self {
                    Init::Normal => 1.0,
                    Init::NormalScaled => 1.0 / fan_in.sqrt(),
                    Init::GlorotNormal => (2.0 / fan_sum).sqrt(),
                    _ => (2.0 / fan_in).sqrt(),
                };
                w.iter_mut().for_each(|v| *v = normal(rng, sd));
            }
        }
        match self {
            Init::Normal | Init::NormalScaled => b.iter_mut().for_each(|v| *v = normal(rng, 1.0)),
            _ => b.iter_mut().for_each(|v| *v = F::zero()),
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Init {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Init::ALL.into_iter().find(|i| i.name() == s).ok_or_else(|| {
            let names: Vec<_> = Init::ALL.iter().map(|i| i.name()).collect();
            format!("unknown init '{s}'; valid: {}", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn moments(init: Init, n_in: usize, n_out: usize) -> (f64, f64) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let (mut w, mut b) = (vec![0.0f64; n_in * n_out], vec![0.0f64; n_out]);
        init.fill(&mut w, &mut b, n_in, 1.0, &mut rng);
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / w.len() as f64;
        (mean, var)
    }

    #[test]
    fn variances_follow_the_schemes() {
        let (n_in, n_out) = (400, 100);
        for (init, want) in [
            (Init::Normal, 1.0f64),
            (Init::NormalScaled, 1.0 / 400.0),
            (Init::GlorotUniform, 2.0 / 500.0),
            (Init::GlorotNormal, 2.0 / 500.0),
            (Init::He, 2.0 / 400.0),
        ] {
            let (mean, var) = moments(init, n_in, n_out);
            assert!(mean.abs() < 0.1 * want.sqrt(), "{init}: mean {mean}");
            assert!((var / want - 1.0).abs() < 0.05, "{init}: var {var}, want {want}");
        }
    }
}
