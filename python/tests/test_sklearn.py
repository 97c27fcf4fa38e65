"""The scikit-learn estimators: scikit-learn's own estimator checks, pickling, pipelines and
searches, tables with text and missing cells, equality with the CLI, determinism, bad input."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from neuralnet import MLPClassifier, MLPRegressor, _core

REPO = Path(__file__).resolve().parents[2]
PENGUINS = REPO / "tests" / "corpus" / "tables" / "penguins.csv"

# Checks that cannot pass, with the reason (kept short and honest).
EXPECTED_FAILED = {}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [MLPClassifier(max_iter=100, random_state=0), MLPRegressor(max_iter=100, random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


# ------------------------------------------------------------------------------------------
# pickling


def test_pickle_round_trip_same_predictions_and_small():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=20, random_state=0).fit(X / 16, y)
    blob = pickle.dumps(clf)
    back = pickle.loads(blob)
    np.testing.assert_array_equal(back.predict_proba(X / 16), clf.predict_proba(X / 16))
    for a, b in zip(back.coefs_, clf.coefs_):
        np.testing.assert_array_equal(a, b)
    assert back.loss_curve_ == clf.loss_curve_
    # The network's float32 parameters and a little metadata: far below the training data.
    n_params = sum(c.size + i.size for c, i in zip(clf.coefs_, clf.intercepts_))
    assert len(blob) < 4 * n_params + 20_000
    assert len(blob) < X.nbytes / 10


# ------------------------------------------------------------------------------------------
# scikit-learn's tools on real data


def test_pipeline_grid_search_and_cross_validation_on_digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=30, random_state=0))
    grid = GridSearchCV(
        pipe, {"mlpclassifier__hidden_layer_sizes": [(16,), (64,)], "mlpclassifier__alpha": [1e-4, 1e-2]}, cv=3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid.fit(X, y)
        scores = cross_val_score(pipe, X, y, cv=3)
    assert grid.best_score_ > 0.90, grid.cv_results_["mean_test_score"]
    assert grid.best_params_["mlpclassifier__hidden_layer_sizes"] == (64,)
    assert scores.mean() > 0.90, scores


def test_regression_on_diabetes():
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(Xtr, ytr)
        from sklearn.neural_network import MLPRegressor as SkMLP

        theirs = SkMLP(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0)
        theirs.fit(Xtr, ytr)
    # A hard target on this split (scikit-learn's own MLPRegressor gets about 0.30 too).
    assert reg.score(Xte, yte) > 0.25
    assert abs(reg.score(Xte, yte) - theirs.score(Xte, yte)) < 0.1
    # Early stopping: validation scores (R²) recorded, best weights restored.
    es = MLPRegressor(
        hidden_layer_sizes=(32,),
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
        early_stopping=True,
        n_iter_no_change=5,
    )
    es.fit(Xtr, ytr)
    assert es.validation_scores_ is not None and len(es.validation_scores_) == es.n_iter_
    assert es.n_iter_ < 300 and es.best_loss_ is None
    assert es.best_validation_score_ == max(es.validation_scores_) > 0.2
    # 2-D targets: two outputs.
    Y = np.column_stack([ytr, -ytr])
    reg2 = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg2.fit(Xtr, Y)
    assert reg2.predict(Xte).shape == (len(Xte), 2)
    assert reg2.n_outputs_ == 2 and reg2.coefs_[-1].shape == (16, 2)


def test_fitted_attributes_like_scikit_learn():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(8, 6), max_iter=500, random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert [c.shape for c in clf.coefs_] == [(4, 8), (8, 6), (6, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (6,), (3,)]
    assert clf.coefs_[0].dtype == np.float64
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 3 and clf.out_activation_ == "softmax"
    assert clf.n_features_in_ == 4
    assert len(clf.loss_curve_) == clf.n_iter_ and clf.t_ == clf.n_iter_ * len(X)
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.validation_scores_ is None
    assert clf.score(X, labels) > 0.9
    p = clf.predict_proba(X)
    assert p.shape == (150, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), p)
    # The L2 term of loss_curve_: a larger alpha gives a larger loss on the same weights' scale.
    strong = MLPClassifier(hidden_layer_sizes=(8,), alpha=1.0, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weak = MLPClassifier(hidden_layer_sizes=(8,), alpha=0.0, max_iter=5, random_state=0).fit(X, y)
        strong.fit(X, y)
    assert strong.loss_curve_[0] > weak.loss_curve_[0]
    # float32 input keeps float32 coefficients.
    c32 = MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0).fit(X.astype(np.float32), y)
    assert c32.coefs_[0].dtype == np.float32


def test_loss_plateau_rule_stops_where_scikit_learns_does():
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = load_iris(return_X_y=True)
    # With a huge tol no epoch improves: both stop after n_iter_no_change + 1 such epochs.
    ours = MLPClassifier(hidden_layer_sizes=(8,), tol=10.0, n_iter_no_change=4, random_state=0).fit(X, y)
    theirs = SkMLP(hidden_layer_sizes=(8,), tol=10.0, n_iter_no_change=4, random_state=0).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 6


def test_binary_predict_proba_has_two_columns():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3)
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=300, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (200, 2)
    assert clf.score(X, y) > 0.9


def test_partial_fit_and_warm_start():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    losses = []
    for _ in range(60):
        clf.partial_fit(X, y)
        losses.append(clf.loss_curve_[-1])
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 61
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X, y + 5)
    # warm_start continues from the weights: its first loss is near where the first fit ended.
    ws = MLPClassifier(hidden_layer_sizes=(16,), max_iter=50, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws.fit(X, y)
        first = list(ws.loss_curve_)
        ws.fit(X, y)
    assert len(ws.loss_curve_) == len(first) + ws.n_iter_
    assert ws.loss_curve_[len(first)] < first[0]


# ------------------------------------------------------------------------------------------
# tables with text and missing cells, and the CLI


def _penguins():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(PENGUINS)
    return frame.drop(columns=["species"]), frame["species"]


def test_dataframe_with_text_columns_and_missing_cells():
    X, y = _penguins()
    from pandas.api.types import is_numeric_dtype

    assert X.isna().any().any() and not all(is_numeric_dtype(t) for t in X.dtypes)
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=200, random_state=0)
    clf.fit(X, y)
    assert list(clf.feature_names_in_) == list(X.columns) and clf.n_features_in_ == X.shape[1]
    assert list(clf.classes_) == sorted(y.unique())
    assert clf.coefs_[0].shape[0] > X.shape[1]  # one-hot columns and missing indicators
    assert clf.score(X, y) > 0.95
    assert clf.predict_proba(X.iloc[:5]).shape == (5, 3)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X[list(reversed(X.columns))])
    # Regression on the same table: body mass from the rest.
    Xr, yr = X.drop(columns=["body_mass_g"]), X["body_mass_g"]
    keep = yr.notna()
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(Xr[keep], yr[keep])
    assert reg.score(Xr[keep], yr[keep]) > 0.7


def test_dataframe_training_equals_the_cli(cli, tmp_path):
    X, y = _penguins()
    clf = MLPClassifier(
        hidden_layer_sizes=(12,),
        activation="tanh",
        learning_rate_init=0.005,
        alpha=0.001,
        batch_size=32,
        max_iter=15,
        random_state=7,
        n_threads=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(pd_frame := X, y)
    d = clf.coefs_[0].shape[0]
    n = len(X)
    out = tmp_path / "cli.safetensors"
    cli(
        "train",
        "--train",
        PENGUINS,
        "--target",
        "species",
        "--task",
        "classification",
        "--validation-fraction",
        "0",
        "--layers",
        f"{d},12,3",
        "--activation",
        "tanh",
        "--output-activation",
        "softmax",
        "--cost",
        "cross-entropy",
        "--init",
        "glorot-uniform",
        "--optimizer",
        "adam",
        "--eta",
        "0.005",
        "--epochs",
        "15",
        "--batch-size",
        "32",
        "--seed",
        "7",
        "--lambda",
        repr(0.001 * n / 32),
        "--loss-tolerance",
        "0.0001",
        "--loss-patience",
        "11",
        "--threads",
        "1",
        "--out",
        out,
        "--quiet",
    )
    cli_model = _core.Model.load(out)
    ours = clf._model
    assert cli_model.sizes == ours.sizes
    for a, b in zip(cli_model.weights(), ours.weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(cli_model.biases(), ours.biases()):
        np.testing.assert_array_equal(a, b)
    assert pd_frame is X


# ------------------------------------------------------------------------------------------
# determinism


def test_random_state_and_threads():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16
    kw = dict(hidden_layer_sizes=(64,), max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = MLPClassifier(random_state=1, **kw).fit(X, y)
        b = MLPClassifier(random_state=1, **kw).fit(X, y)
        c = MLPClassifier(random_state=2, **kw).fit(X, y)
        t1 = MLPClassifier(random_state=1, n_threads=1, **kw).fit(X, y)
        t2 = MLPClassifier(random_state=1, n_threads=2, **kw).fit(X, y)
    for u, v in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    for u, v in zip(t1.coefs_, t2.coefs_):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(t1.coefs_[0], a.coefs_[0])


# ------------------------------------------------------------------------------------------
# bad input


def test_bad_input_messages():
    rng = np.random.RandomState(0)
    X, y = rng.rand(30, 4), np.arange(30) % 3
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        clf.predict(X[:, :3])
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier().fit(bad, y)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="could not convert string to float"):
        MLPClassifier().fit(np.array([["a", "b"], ["c", "d"]]), [0, 1])
    with pytest.raises(ValueError, match="Found array with dim 3"):
        MLPClassifier().fit(X.reshape(30, 2, 2), y)
    with pytest.raises(ValueError, match="got 1 class"):
        MLPClassifier().fit(X, np.zeros(30))
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, rng.rand(30))
    with pytest.raises(ValueError, match="lbfgs"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="invscaling"):
        MLPRegressor(learning_rate="invscaling").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPRegressor(hidden_layer_sizes=(3, 0)).fit(X, y)
    with pytest.raises(ValueError, match="shuffle=False"):
        MLPRegressor(shuffle=False, batch_size=10).fit(X, y)
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.01).fit(X, y)
    with pytest.raises(TypeError, match="[Ss]parse"):
        import scipy.sparse

        MLPRegressor().fit(scipy.sparse.csr_matrix(X), y)


def test_alpha_shrinks_the_weights():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    kw = dict(hidden_layer_sizes=(32,), solver="sgd", momentum=0.0, learning_rate_init=0.1, max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = MLPClassifier(alpha=0.0, **kw).fit(X / 16, y)
        tied = MLPClassifier(alpha=1.0, **kw).fit(X / 16, y)

    def norm(est):
        return sum(float((c**2).sum()) for c in est.coefs_)

    assert norm(tied) < 0.95 * norm(free)


def test_levenberg_marquardt_regressor():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (80, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    reg = MLPRegressor(solver="lm", hidden_layer_sizes=(8,), alpha=0.0, max_iter=50, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.95
    with pytest.raises(ValueError, match="solver='lm'"):
        MLPClassifier(solver="lm").fit(X, y > 0)
