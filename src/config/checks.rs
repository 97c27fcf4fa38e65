//! Range checks of a [`TrainConfig`] that need no data, and the checks that a setting applies to
//! the chosen optimizer and data source. Each error names the flag and the TOML key.

use super::sections::LmSettings;
use super::{MAX_PARAMS, TABULAR_VALIDATION_FRACTION, TrainConfig};
use crate::error::{Error, Result};
use crate::optim::{LmConfig, Optimizer};

/// `Err(Error::Config)` for `flag` unless `ok`.
fn require(ok: bool, flag: &str, reason: impl FnOnce() -> String) -> Result<()> {
    if ok { Ok(()) } else { Err(Error::config(flag, reason())) }
}

/// A held-out fraction (`flag`'s value, if given) lies in [0, 1).
pub(super) fn check_fraction(flag: &str, f: Option<f64>) -> Result<()> {
    require(f.is_none_or(|f| (0.0..1.0).contains(&f)), flag, || format!("must be in [0, 1), got {}", f.unwrap_or(0.0)))
}

impl TrainConfig {
    /// Range checks that do not need the data; each error names the flag and the key.
    pub fn validate(&self) -> Result<()> {
        self.check_ranges().map_err(super::name_key)
    }

    fn check_ranges(&self) -> Result<()> {
        let (o, t) = (&self.optimizer, &self.training);
        let positive = |v: Option<f64>| v.is_none_or(|v| v > 0.0 && v.is_finite());
        require(positive(o.eta), "--eta", || format!("must be a positive number, got {}", o.eta.unwrap_or(0.0)))?;
        require(t.batch_size != Some(0), "--batch-size", || "must be at least 1".into())?;
        // 0 epochs only for a warm start: the network as it comes in (to evaluate or convert it).
        let no_epochs = t.epochs == Some(0) && self.network.init_from.is_none();
        require(!no_epochs, "--epochs", || "must be at least 1 (0 only with --init-from)".into())?;
        let lambda = self.regularization.lambda.unwrap_or(0.0);
        require(lambda >= 0.0 && lambda.is_finite(), "--lambda", || format!("must be ≥ 0, got {lambda}"))?;
        self.check_regularization()?;
        let unit = |v: Option<f64>| v.is_none_or(|v| (0.0..1.0).contains(&v));
        let mu = o.momentum.mu;
        require(unit(mu), "--momentum", || format!("must be in [0, 1), got {}", mu.unwrap_or(0.0)))?;
        for (flag, beta) in [("--beta1", o.adam.beta1), ("--beta2", o.adam.beta2)] {
            require(unit(beta), flag, || format!("must be in [0, 1), got {}", beta.unwrap_or(0.0)))?;
        }
        let eps = o.adam.epsilon;
        require(positive(eps), "--epsilon", || format!("must be a positive number, got {}", eps.unwrap_or(0.0)))?;
        require(self.schedule.patience != Some(0), "--patience", || "must be at least 1".into())?;
        require(self.schedule.loss_patience != Some(0), "--loss-patience", || "must be at least 1".into())?;
        require(self.schedule.loss_tolerance.is_none_or(|t| t.is_finite() && t >= 0.0), "--loss-tolerance", || {
            "must be a number of at least 0".into()
        })?;
        let scale = self.network.init_scale;
        let why = || format!("must be a positive number, got {}", scale.unwrap_or(0.0));
        require(positive(scale), "--init-scale", why)?;
        require(self.data.train_size != Some(0), "--train-size", || "must be at least 1".into())?;
        if let Some(hidden) = &self.network.hidden {
            require(!hidden.contains(&0), "--hidden", || format!("layer sizes must be positive, got {hidden:?}"))?;
        }
        if let Some(layers) = &self.network.layers {
            let fits = crate::model::param_count(layers).is_some_and(|n| n <= MAX_PARAMS);
            require(fits, "--layers", || format!("{layers:?} has more than {MAX_PARAMS} parameters"))?;
        }
        self.validate_tabular()
    }

    /// L1 λ₁ ≥ 0, max-norm C > 0, each dropout probability in [0, 1) (their number is checked
    /// against the layers when the plan is resolved).
    fn check_regularization(&self) -> Result<()> {
        let r = &self.regularization;
        let l1 = r.l1.unwrap_or(0.0);
        require(l1 >= 0.0 && l1.is_finite(), "--l1", || format!("must be ≥ 0, got {l1}"))?;
        let c = r.max_norm;
        let why = || format!("must be a positive number, got {}", c.unwrap_or(0.0));
        require(c.is_none_or(|c| c > 0.0 && c.is_finite()), "--max-norm", why)?;
        if let Some(p) = &r.dropout {
            require(!p.is_empty(), "--dropout", || "give at least one probability, e.g. 0.5".into())?;
            let bad = p.iter().find(|p| !(0.0..1.0).contains(*p));
            require(bad.is_none(), "--dropout", || format!("probabilities must be in [0, 1), got {}", bad.unwrap()))?;
        }
        Ok(())
    }

    /// Checks the data keys: fractions lie in [0, 1); the CSV-only ones need a training file.
    fn validate_tabular(&self) -> Result<()> {
        let d = &self.data;
        if d.train.is_some() && d.dataset.is_some() {
            return Err(Error::config("--train", "give either --dataset or --train FILE, not both"));
        }
        for (flag, f) in [("--validation-fraction", d.validation_fraction), ("--test-fraction", d.test_fraction)] {
            check_fraction(flag, f)?;
        }
        if d.train.is_none() {
            let given = [
                ("--test", d.test.is_some()),
                ("--target", d.target.is_some()),
                ("--task", d.task.is_some()),
                ("--test-fraction", d.test_fraction.is_some()),
            ];
            return match given.iter().find(|(_, set)| *set) {
                Some((flag, _)) => Err(Error::config(*flag, "applies to CSV data only; add --train FILE.csv")),
                None => Ok(()),
            };
        }
        let has_target = d.target.as_ref().is_some_and(|t| !t.is_empty());
        require(has_target, "--target", || "CSV training data needs --target COLUMN[,COLUMN...]".into())?;
        let both = d.test.is_some() && d.test_fraction.is_some_and(|f| f > 0.0);
        require(!both, "--test-fraction", || "give either --test FILE or --test-fraction, not both".into())?;
        let total = d.validation_fraction.unwrap_or(TABULAR_VALIDATION_FRACTION) + d.test_fraction.unwrap_or(0.0);
        require(total < 1.0, "--test-fraction", || {
            format!("validation + test fractions leave no training rows ({total})")
        })
    }

    /// Refuses a setting given for an optimizer other than `kind`: it would be ignored.
    pub(super) fn check_settings_apply(&self, kind: Optimizer) -> Result<()> {
        let o = &self.optimizer;
        let first_order = kind != Optimizer::Lm;
        let momentum = matches!(kind, Optimizer::Momentum | Optimizer::Nesterov);
        let adam = kind == Optimizer::Adam;
        let lm = o.lm != LmSettings::default();
        let only = |to: &str| format!("applies to --optimizer {to} only, not {kind}; drop it or change the optimizer");
        let given = [
            ("--eta", o.eta.is_some() && !first_order, "sgd, momentum, nesterov or adam"),
            ("--momentum", o.momentum.mu.is_some() && !momentum, "momentum or nesterov"),
            ("--beta1", o.adam.beta1.is_some() && !adam, "adam"),
            ("--beta2", o.adam.beta2.is_some() && !adam, "adam"),
            ("--epsilon", o.adam.epsilon.is_some() && !adam, "adam"),
        ];
        if let Some((flag, _, to)) = given.iter().find(|g| g.1) {
            return Err(Error::config(*flag, only(to)));
        }
        if lm && first_order {
            let why = format!("[optimizer.lm] settings (the --lm-* flags) apply to lm only, not {kind}");
            return Err(Error::config("--optimizer", why));
        }
        Ok(())
    }

    /// Levenberg–Marquardt is full-batch least squares: refuse what it cannot honour.
    pub(super) fn check_lm(&self) -> Result<()> {
        let why = |key: &str, reason: String| Err(Error::config(key, reason));
        if let Some(cost) = self.network.cost
            && !cost.is_least_squares()
        {
            return why(
                "--cost",
                format!(
                    "--optimizer lm minimises a sum of squares; use --cost quadratic or mse, or a first-order optimizer (adam) for {cost}"
                ),
            );
        }
        let t = &self.training;
        if t.batch_size.is_some() || t.sampling == Some(crate::config::Sampling::WithReplacement) {
            return why("--batch-size", "--optimizer lm uses the whole training set each iteration; drop --batch-size/--sampling, or use sgd/adam for mini-batches".into());
        }
        if self.regularization.lambda.is_some_and(|l| l != 0.0) {
            return why(
                "--lambda",
                "--optimizer lm does not support L2 regularisation; use sgd/adam with --lambda".into(),
            );
        }
        let r = &self.regularization;
        let given = [
            ("--l1", r.l1.is_some_and(|l| l != 0.0), "L1 regularisation"),
            ("--max-norm", r.max_norm.is_some(), "max-norm constraints"),
            ("--dropout", r.dropout.as_ref().is_some_and(|p| p.iter().any(|&p| p != 0.0)), "dropout"),
        ];
        if let Some((flag, _, what)) = given.iter().find(|g| g.1) {
            return why(flag, format!("--optimizer lm does not support {what}; use sgd/adam with {flag}"));
        }
        let lm = self.optimizer.lm.resolve();
        if !(lm.mu > 0.0 && lm.mu_dec > 0.0 && lm.mu_dec < 1.0 && lm.mu_inc > 1.0 && lm.mu_max > lm.mu) {
            return why("--lm-mu", "need mu > 0, 0 < mu_dec < 1, mu_inc > 1, mu_max > mu".into());
        }
        if lm.geodesic && !(lm.geodesic_alpha > 0.0 && lm.geodesic_h > 0.0) {
            return why("--lm-geodesic-alpha", "need geodesic_alpha > 0 and geodesic_h > 0".into());
        }
        if lm.max_fail == 0 {
            return why("--lm-max-fail", "must be at least 1".into());
        }
        Ok(())
    }
}

impl LmSettings {
    /// The solver's settings: each one given, else MATLAB `trainlm`'s default ([`LmConfig::default`]).
    /// `epochs` is the run's and is set by the plan.
    pub fn resolve(&self) -> LmConfig {
        let d = LmConfig::default();
        LmConfig {
            mu: self.mu.unwrap_or(d.mu),
            mu_dec: self.mu_dec.unwrap_or(d.mu_dec),
            mu_inc: self.mu_inc.unwrap_or(d.mu_inc),
            mu_max: self.mu_max.unwrap_or(d.mu_max),
            min_grad: self.min_grad.unwrap_or(d.min_grad),
            goal: self.goal.unwrap_or(d.goal),
            max_fail: self.max_fail.unwrap_or(d.max_fail),
            memory_limit_bytes: self.memory_limit.map_or(d.memory_limit_bytes, |mib| mib.saturating_mul(1 << 20)),
            solve: self.solve.unwrap_or(d.solve),
            geodesic: self.geodesic.unwrap_or(d.geodesic),
            geodesic_alpha: self.geodesic_alpha.unwrap_or(d.geodesic_alpha),
            geodesic_h: self.geodesic_h.unwrap_or(d.geodesic_h),
            ..d
        }
    }
}
