"""A hyperparameter search over neuralnet estimators, run on a Dask cluster.

scikit-learn's ``GridSearchCV`` fits one estimator per (parameters, fold) pair through joblib;
``joblib.parallel_backend("dask")`` sends those fits to the workers of a ``dask.distributed``
client. The estimators pickle as their parameters plus the model file's bytes (a few KB to a few
MB whatever the size of the training set), so results come back cheaply.

Run it::

    python examples/dask_search.py                          # a LocalCluster on this machine
    python examples/dask_search.py --scheduler tcp://host:8786   # an existing cluster

On a cluster every worker needs ``neuralnet`` (``pip install ./python``) and scikit-learn
installed. Each fit uses ``n_threads`` threads (1 by default here: the cluster gives the
parallelism).
"""

from __future__ import annotations

import argparse
import time

import joblib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuralnet import MLPClassifier

#: The default grid: 2 × 2 × 2 = 8 candidates.
GRID = {
    "mlpclassifier__hidden_layer_sizes": [(32,), (100,)],
    "mlpclassifier__alpha": [1e-4, 1.0],
    "mlpclassifier__learning_rate_init": [1e-3, 1e-2],
}


def search(client, X, y, grid=None, *, cv=3, max_iter=50, n_threads=1, random_state=0):
    """Runs ``GridSearchCV`` over a ``StandardScaler`` + :class:`neuralnet.MLPClassifier` pipeline
    on the workers of ``client`` (a ``dask.distributed.Client``) and returns the fitted search.

    Parameters
    ----------
    client : dask.distributed.Client
        The cluster's client; joblib's Dask backend uses it.
    X, y : array-like
        Training data and labels.
    grid : dict, default=None
        The parameter grid (pipeline step names prefixed); ``GRID`` when None.
    cv : int, default=3
        Folds of the cross-validation.
    max_iter, n_threads, random_state :
        Passed to every ``MLPClassifier``.
    """
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier(max_iter=max_iter, n_threads=n_threads, random_state=random_state)
    )
    gs = GridSearchCV(pipe, grid or GRID, cv=cv, n_jobs=-1)
    with joblib.parallel_backend("dask", client=client):
        gs.fit(X, y)
    return gs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scheduler", help="address of a Dask scheduler, e.g. tcp://host:8786 [default: start a LocalCluster]"
    )
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers [default: 2]")
    parser.add_argument("--max-iter", type=int, default=50, help="epochs per fit [default: 50]")
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    print(f"dask: {client}")
    X, y = load_digits(return_X_y=True)
    start = time.perf_counter()
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gs = search(client, X, y, max_iter=args.max_iter)
    print(f"{len(gs.cv_results_['params'])} candidates × {gs.n_splits_} folds in {time.perf_counter() - start:.1f} s")
    for mean, params in sorted(zip(gs.cv_results_["mean_test_score"], gs.cv_results_["params"]), key=lambda t: -t[0]):
        print(f"  {mean:.4f}  {params}")
    print(f"best: {gs.best_score_:.4f} with {gs.best_params_}")
    client.close()
    if cluster is not None:
        cluster.close()
    return gs


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
