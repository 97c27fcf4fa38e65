//! Training methods through the library API: sampling modes and update counts, schedules, early
//! stopping, warm starts, and CI-sized versions of Nielsen's chapter-3 orderings.

mod common;
use neuralnet::config::{NetworkConfig, OptimizerConfig, TrainingConfig};
use neuralnet::data::{builtin, load_named};
use neuralnet::{Activation, Cost, Data, Optimizer, Sampling, Schedule, Silent, StopReason, TrainConfig, fit};

fn digits() -> Data {
    Data::from(builtin::load("digits").unwrap())
}

/// 64-32-10, 3 epochs, seed 5, everything else by default (ReLU, softmax, Adam).
fn base() -> TrainConfig {
    TrainConfig {
        network: NetworkConfig { layers: Some(vec![64, 32, 10]), ..Default::default() },
        training: TrainingConfig { epochs: Some(3), seed: Some(5), ..Default::default() },
        ..Default::default()
    }
}

fn run(config: &TrainConfig, data: &Data) -> neuralnet::History {
    fit(config, data, &mut Silent).unwrap().history
}

#[test]
fn updates_count_batches_not_epochs() {
    let s = digits();
    let n = s.splits.train.len() as u64; // 1,293
    let mut c = base();
    c.training.batch_size = Some(10);
    assert_eq!(run(&c, &s).updates, 3 * n.div_ceil(10));
    let mut c = base();
    c.training.sampling = Some(Sampling::FullBatch);
    assert_eq!(run(&c, &s).updates, 3);
    let mut c = base();
    c.training.sampling = Some(Sampling::WithReplacement);
    c.training.batch_size = Some(1);
    assert_eq!(run(&c, &s).updates, 3 * n);
}

#[test]
fn every_sampling_mode_and_optimizer_learns_digits() {
    let s = digits();
    for (sampling, optimizer, eta, batch) in [
        (Sampling::ShuffledBatches, Optimizer::Sgd, 0.1, 10),
        (Sampling::WithReplacement, Optimizer::Sgd, 0.05, 1),
        (Sampling::FullBatch, Optimizer::Adam, 0.01, 1),
        (Sampling::ShuffledBatches, Optimizer::Momentum, 0.02, 16),
        (Sampling::ShuffledBatches, Optimizer::Nesterov, 0.02, 16),
        (Sampling::ShuffledBatches, Optimizer::Adam, 0.002, 32),
    ] {
        let epochs = if sampling == Sampling::FullBatch { 60 } else { 10 };
        let mut c = base();
        c.optimizer = OptimizerConfig { kind: Some(optimizer), eta: Some(eta), ..Default::default() };
        c.training =
            TrainingConfig { sampling: Some(sampling), batch_size: Some(batch), epochs: Some(epochs), ..c.training };
        let h = run(&c, &s);
        let acc = h.epochs.last().unwrap().test.unwrap().accuracy.unwrap();
        assert!(acc > 0.9, "{sampling:?} {optimizer}: test accuracy {acc}");
    }
}

#[test]
fn step_schedule_and_plateau_halving() {
    let s = digits();
    let mut c = base();
    c.schedule.eta = Some(Schedule::Step { every: 2, factor: 0.5 });
    c.optimizer.eta = Some(0.1);
    c.training.epochs = Some(5);
    let etas: Vec<f64> = run(&c, &s).epochs.iter().map(|e| e.eta).collect();
    assert_eq!(etas, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
    // A learning rate too small to improve anything: η halves after every epoch without a better
    // validation score and training stops after the 7th halving.
    let mut c = base();
    c.schedule.eta = Some(Schedule::HalveOnPlateau { patience: 1 });
    c.optimizer = OptimizerConfig { kind: Some(Optimizer::Sgd), eta: Some(1e-12), ..Default::default() };
    c.training.epochs = Some(100);
    let h = run(&c, &s);
    assert_eq!(h.stop_reason, StopReason::ScheduleExhausted);
    assert_eq!(h.epochs.len(), 8);
    assert!((h.epochs.last().unwrap().eta - 1e-12 / 64.0).abs() < 1e-20);
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let s = digits();
    let mut c = base();
    c.schedule.patience = Some(3);
    c.training.epochs = Some(200);
    c.optimizer.eta = Some(0.01);
    let trained = fit(&c, &s, &mut Silent).unwrap();
    let h = &trained.history;
    assert_eq!(h.stop_reason, StopReason::EarlyStopping);
    assert!(h.epochs.len() < 200);
    let best = h.epochs.iter().map(|e| e.validation.unwrap().accuracy.unwrap()).fold(0.0, f64::max);
    assert_eq!(h.epochs.len(), h.kept_epoch + 3);
    let now = trained.model.evaluate(s.splits.validation.as_ref().unwrap(), 1).unwrap().accuracy.unwrap();
    assert_eq!(now, best, "restored weights score the best validation accuracy");
    assert_eq!(trained.report.final_figures.kept_epoch, h.kept_epoch);
    assert_eq!(trained.report.final_figures.figures.validation_accuracy, Some(best));
}

#[test]
fn init_from_starts_where_a_model_left_off_and_refuses_other_shapes() {
    let s = digits();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let trained = fit(&base(), &s, &mut Silent).unwrap();
    trained.model.save(&path).unwrap();
    let mut warm = base();
    warm.network.init_from = Some(path.clone());
    let (start, _) = warm.resolve(&s.splits).unwrap().initial_network::<f32>().unwrap();
    assert_eq!(start.params(), trained.model.network.params());
    warm.network.layers = Some(vec![64, 16, 10]);
    let err = fit(&warm, &s, &mut Silent).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("--init-from"), "{err}");
}

#[test]
fn invalid_training_settings_name_the_flag_and_the_key() {
    let s = digits().splits;
    let higham = builtin::load("higham").unwrap();
    let with = |f: &dyn Fn(&mut TrainConfig)| {
        let mut c = base();
        f(&mut c);
        c
    };
    let cases: Vec<(TrainConfig, &neuralnet::Splits, &str)> = vec![
        (with(&|c| c.optimizer.momentum.mu = Some(1.0)), &s, "--momentum"),
        (with(&|c| c.regularization.lambda = Some(-1.0)), &s, "--lambda (regularization.lambda)"),
        (with(&|c| c.schedule.patience = Some(0)), &s, "--patience (schedule.patience)"),
        (with(&|c| (c.schedule.patience, c.network.layers) = (Some(3), Some(vec![2, 3, 2]))), &higham, "--patience"),
        (
            with(&|c| (c.network.output_activation, c.network.cost) = (Some(Activation::Softmax), Some(Cost::Mae))),
            &s,
            "--output-activation",
        ),
        (with(&|c| c.network.activation = Some(Activation::Softmax)), &s, "--activation"),
        (with(&|c| c.network.init_scale = Some(0.0)), &s, "--init-scale"),
        (with(&|c| c.optimizer.adam.beta2 = Some(1.0)), &s, "--beta2 (optimizer.adam.beta2)"),
        // A setting of another optimizer would be ignored: refused.
        (with(&|c| c.optimizer.momentum.mu = Some(0.5)), &s, "--momentum (optimizer.momentum.mu): applies to"),
        (with(&|c| c.optimizer.lm.mu = Some(0.5)), &s, "--optimizer (optimizer.kind)"),
    ];
    for (config, splits, flag) in cases {
        let err = config.resolve(splits).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains(flag), "{flag}: {err}");
    }
}

/// Counts the warnings an observer receives.
#[derive(Default)]
struct Warnings(Vec<String>);

impl neuralnet::Observer for Warnings {
    fn warning(&mut self, w: &neuralnet::Warning) {
        self.0.push(w.to_string());
    }
}

/// Settings that cannot train are said once each, naming the key, to the observer and in the
/// report: Adam with η = 3 (and, after its first epoch, accuracy at chance), SGD with η = 10⁻⁷
/// (and a loss that barely moves). Sound settings, Nielsen's η = 3 for his sigmoid network among
/// them, give none.
#[test]
fn settings_that_cannot_train_are_warned_about_once() {
    let s = digits();
    let run = |optimizer, eta: Option<f64>, nielsen: bool| {
        let mut c = base();
        if nielsen {
            c.network.activation = Some(Activation::Sigmoid);
            c.network.output_activation = Some(Activation::Sigmoid);
            c.network.cost = Some(Cost::Quadratic);
        }
        c.optimizer = OptimizerConfig { kind: Some(optimizer), eta, ..Default::default() };
        (c.training.batch_size, c.training.epochs) = (Some(8), Some(2));
        let mut seen = Warnings::default();
        let trained = fit(&c, &s, &mut seen).unwrap();
        assert_eq!(trained.report.warnings, seen.0, "the report keeps what the observer was told");
        seen.0
    };
    let adam = run(Optimizer::Adam, Some(3.0), false);
    assert_eq!(adam.len(), 2, "{adam:?}");
    assert!(adam[0].starts_with("--eta (optimizer.eta): 3 is far above adam's usual range"), "{adam:?}");
    assert!(adam[1].starts_with("epoch 1: validation accuracy") && adam[1].contains("no better than guessing"));
    let crawl = run(Optimizer::Sgd, Some(1e-7), false);
    assert!(crawl[0].starts_with("--eta (optimizer.eta): 1e-7 is far below sgd's usual range"), "{crawl:?}");
    assert!(crawl.iter().any(|w| w.starts_with("epoch 1: the training loss barely moved")), "{crawl:?}");
    assert_eq!(run(Optimizer::Adam, None, false), Vec::<String>::new());
    // Nielsen's sigmoid network learns with η = 3 (a ReLU network with softmax does not: warned).
    assert_eq!(run(Optimizer::Sgd, Some(3.0), true), Vec::<String>::new());
    assert_eq!(run(Optimizer::Sgd, Some(3.0), false).len(), 1);
}

/// The same configuration and seed give the same weights, run after run in one process.
#[test]
fn training_is_bit_reproducible_in_process() {
    let s = digits();
    let run = || fit(&base(), &s, &mut Silent).unwrap().model.network;
    assert_eq!(run().params(), run().params());
}

#[test]
fn validation_fraction_redraws_a_named_datasets_split() {
    let load = |fraction: Option<f64>| {
        let mut c = base();
        c.data.dataset = Some("digits".into());
        c.data.validation_fraction = fraction;
        Data::load(&c).unwrap().splits
    };
    let (own, all, fifth) = (load(None), load(Some(0.0)), load(Some(0.2)));
    let n = own.train.len() + own.validation.as_ref().unwrap().len();
    assert_eq!((own.train.len(), all.train.len(), all.validation.is_none()), (1293, n, true));
    assert_eq!(fifth.validation.as_ref().unwrap().len(), (0.2 * n as f64).ceil() as usize);
    assert_eq!(fifth.train.x[..], all.train.x[..fifth.train.x.len()]);
    // Trains on every row; a rule that watches the validation split is refused.
    assert_eq!(fit(&base(), &Data::from(all.clone()), &mut Silent).unwrap().report.data.train, n);
    let mut c = base();
    c.schedule.patience = Some(3);
    assert!(c.resolve(&all).unwrap_err().to_string().contains("needs a validation split"));
    let mut c = base();
    c.data.validation_fraction = Some(1.0);
    let Err(err) = Data::load(&c) else { panic!("a fraction of 1 leaves no training rows: refused") };
    assert!(err.to_string().contains("--validation-fraction (data.validation_fraction)"), "{err}");
}

#[test]
fn mnist_validation_fraction_zero_trains_on_all_60000_images() {
    let Some(dir) = common::mnist_dir("mnist_validation_fraction_zero_trains_on_all_60000_images") else { return };
    let load = |fraction: f64| {
        let mut c = base();
        (c.data.dataset, c.data.dir, c.data.validation_fraction) =
            (Some("mnist".into()), Some(dir.clone()), Some(fraction));
        Data::load(&c).unwrap().splits
    };
    let nielsen = load_named("mnist", Some(&dir)).unwrap();
    let (all, sixth) = (load(0.0), load(1.0 / 6.0));
    assert_eq!((all.train.len(), all.validation.is_none(), all.test.as_ref().unwrap().len()), (60_000, true, 10_000));
    assert_eq!(all.train.x[..50_000 * 784], nielsen.train.x[..]);
    assert_eq!(all.train.x[50_000 * 784..], nielsen.validation.as_ref().unwrap().x[..]);
    // A sixth held out is Nielsen's split itself.
    assert_eq!((sixth.train, sixth.validation), (nielsen.train, nielsen.validation));
}

fn mnist(train_size: usize, test: &str) -> Option<Data> {
    let dir = common::mnist_dir(test)?;
    let mut s = load_named("mnist", Some(&dir)).ok()?;
    s.truncate_train(train_size);
    Some(Data::from(s))
}

fn nielsen(cost: Cost, eta: f64, lambda: f64, epochs: usize) -> TrainConfig {
    let toml = format!(
        r#"
        [network]
        layers = [784, 30, 10]
        activation = "sigmoid"
        output_activation = "sigmoid"
        cost = "{cost}"
        init = "normal"
        [optimizer]
        kind = "sgd"
        eta = {eta:?}
        [training]
        batch_size = 10
        epochs = {epochs}
        seed = 1
        [regularization]
        lambda = {lambda:?}
        [monitor]
        validation = false
        "#
    );
    TrainConfig::from_toml_str(&toml, std::path::Path::new("nielsen.toml")).unwrap()
}

/// Nielsen ch. 3: with the same η, cross-entropy learns faster than the quadratic cost from
/// saturated sigmoid outputs. 5,000 images, 2 epochs, η = 0.5, seed 1 (measured: 83.95% vs 39.88%).
#[test]
fn cross_entropy_beats_quadratic_early() {
    let Some(s) = mnist(5000, "cross_entropy_beats_quadratic_early") else { return };
    let acc = |cost| run(&nielsen(cost, 0.5, 0.0, 2), &s).epochs[1].test.unwrap().accuracy.unwrap();
    let (ce, quad) = (acc(Cost::CrossEntropy), acc(Cost::Quadratic));
    assert!(ce > quad + 0.02, "cross-entropy {ce} vs quadratic {quad}");
}

/// Nielsen ch. 3's overfitting demo, shortened: 1,000 training images, 60 epochs; L2 with λ = 0.1
/// narrows the gap between training and test accuracy (measured, seed 1: gap 18.8 → 17.0 points,
/// test 81.12% → 82.89%).
#[test]
fn l2_narrows_the_train_test_gap() {
    let Some(s) = mnist(1000, "l2_narrows_the_train_test_gap") else { return };
    let gap = |lambda| {
        let h = run(&nielsen(Cost::CrossEntropy, 0.5, lambda, 60), &s);
        let last = h.epochs.last().unwrap();
        let (train, test) = (last.train.unwrap().accuracy.unwrap(), last.test.unwrap().accuracy.unwrap());
        (train - test, test)
    };
    let ((gap0, test0), (gap1, test1)) = (gap(0.0), gap(0.1));
    assert!(gap1 < gap0 - 0.01, "gap with λ=0.1 {gap1} vs λ=0 {gap0}");
    assert!(test1 > test0, "test accuracy with λ=0.1 {test1} vs λ=0 {test0}");
}
