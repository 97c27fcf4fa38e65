//! Where `--augment` applies: image datasets (the transforms move pixels of an h × w grid),
//! first-order optimizers on mini-batches (the distortions are drawn per epoch; Levenberg–Marquardt
//! and full-batch runs read the training set as it is).

use super::TrainConfig;
use super::kinds::Sampling;
use crate::data::Splits;
use crate::error::{Error, Result};
use crate::optim::Solver;

impl TrainConfig {
    /// Refuses `--augment` where it cannot apply, naming the flag.
    pub(super) fn check_augment(&self, splits: &Splits, solver: &Solver, sampling: Sampling) -> Result<()> {
        let Some(augment) = &self.data.augment else { return Ok(()) };
        let fail = |why: String| Err(Error::config("--augment", why));
        let d = splits.train.n_features;
        match splits.image_shape {
            Some((h, w)) if h * w == d => {}
            _ => {
                return fail(format!(
                    "distorts images; '{}' is not an image dataset (mnist, fashion-mnist, digits)",
                    splits.name
                ));
            }
        }
        if matches!(solver, Solver::Lm { .. }) {
            return fail(format!(
                "'{augment}' draws new images every epoch; --optimizer lm needs a fixed training set"
            ));
        }
        if sampling == Sampling::FullBatch {
            return fail("distorts the batches of shuffled or with-replacement sampling, not full-batch".into());
        }
        Ok(())
    }
}
