//! Reading the data a configuration names ([`Data::load`]): a dataset by name, or a CSV/TSV
//! table with its fitted preprocessing.

use super::TrainConfig;
use crate::data::columns::ColumnOptions;
use crate::data::{Splits, load_named};
use crate::error::Result;
use crate::preprocess::Data;
use crate::preprocess::table::{CsvOptions, TableOptions, load};

/// The dataset a configuration without data settings trains on.
pub const DEFAULT_DATASET: &str = "digits";

impl TrainConfig {
    /// How this configuration reads a training table: its `[data]` target, task, fractions and
    /// column settings, and the run's seed.
    pub fn table_options(&self) -> TableOptions {
        let c = &self.data;
        TableOptions {
            targets: c.target.clone().unwrap_or_default(),
            task: c.task,
            validation_fraction: c.validation_fraction,
            test_fraction: c.test_fraction.unwrap_or(0.0),
            seed: self.training.seed.unwrap_or(1),
            columns: ColumnOptions {
                ignore: c.ignore.clone().unwrap_or_default(),
                categorical: c.categorical.clone().unwrap_or_default(),
                numeric: c.numeric.clone().unwrap_or_default(),
                missing: c.missing.unwrap_or_default(),
            },
        }
    }
}

impl TrainConfig {
    /// Re-draws the validation split of a named dataset's `splits` as `validation_fraction` says
    /// ([`Splits::resplit_validation`]), if it says; refused outside [0, 1).
    pub(crate) fn resplit_named(&self, splits: &mut Splits) -> Result<()> {
        super::checks::check_fraction("--validation-fraction", self.data.validation_fraction)?;
        if let Some(fraction) = self.data.validation_fraction {
            splits.resplit_validation(fraction);
        }
        Ok(())
    }
}

impl Data {
    /// Loads what `config.data` names: a CSV/TSV file (`train`, with `test`, `target`, `task`
    /// and the held-out fractions; rows shuffled with the run's seed), or a dataset by name
    /// ([`DEFAULT_DATASET`] when none is given; `validation_fraction`, if given, re-draws its
    /// validation split as [`Splits::resplit_validation`] says); then keeps the first `train_size` training rows.
    pub fn load(config: &TrainConfig) -> Result<Data> {
        Self::load_named_or_table(config).map_err(super::name_key)
    }

    fn load_named_or_table(config: &TrainConfig) -> Result<Data> {
        let c = &config.data;
        let mut data = match &c.train {
            Some(train) => {
                load(&CsvOptions { train: train.clone(), test: c.test.clone(), table: config.table_options() })?
            }
            None => {
                let mut splits = load_named(c.dataset.as_deref().unwrap_or(DEFAULT_DATASET), c.dir.as_deref())?;
                config.resplit_named(&mut splits)?;
                Data::from(splits)
            }
        };
        if let Some(n) = c.train_size {
            data.splits.truncate_train(n);
        }
        Ok(data)
    }
}
