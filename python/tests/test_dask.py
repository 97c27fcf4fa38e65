"""The Dask example: a grid search over neuralnet estimators on a LocalCluster, and the size of
what the workers send back (a fitted estimator's pickle does not grow with the training set)."""

import importlib.util
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuralnet import MLPClassifier, MLPRegressor

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dask_search.py"


def _example():
    spec = importlib.util.spec_from_file_location("dask_search", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grid_search_on_a_local_cluster():
    from dask import distributed
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    grid = {"mlpclassifier__hidden_layer_sizes": [(2,), (32,)], "mlpclassifier__learning_rate_init": [1e-4, 1e-2]}
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        with warnings.catch_warnings(), distributed.get_task_stream(client) as tasks:
            warnings.simplefilter("ignore")
            gs = _example().search(client, X, y, grid, cv=3, max_iter=100)
        # The fits ran on the cluster's workers.
        assert len(tasks.data) > 0
    assert gs.best_params_ == {"mlpclassifier__hidden_layer_sizes": (32,), "mlpclassifier__learning_rate_init": 1e-2}
    assert gs.best_score_ > 0.9
    scores = dict(zip(map(str, gs.cv_results_["params"]), gs.cv_results_["mean_test_score"]))
    assert min(scores.values()) < 0.8  # 2 hidden units at η = 1e-4 for 100 epochs: far from it
    # The refitted best estimator works here, on the client's side.
    assert gs.score(X, y) > 0.9


@pytest.mark.parametrize("n", [200, 20_000])
def test_pickle_size_does_not_depend_on_the_training_set(n):
    rng = np.random.RandomState(0)
    X = rng.rand(n, 20)
    y = (X[:, 0] > 0.5).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(50,), max_iter=2, random_state=0)
    reg = MLPRegressor(hidden_layer_sizes=(50,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        reg.fit(X, X[:, 0])
    for est in (clf, reg):
        size = len(pickle.dumps(est))
        params = sum(c.size + b.size for c, b in zip(est.coefs_, est.intercepts_))
        # float32 parameters plus metadata: a few KB, the same for 200 or 20,000 rows.
        assert 4 * params < size < 4 * params + 8_000, size
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X[:50]), clf.predict_proba(X[:50]))
