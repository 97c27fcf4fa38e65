"""neuralnet.MLPClassifier against sklearn.neural_network.MLPClassifier on MNIST, in one sitting.

Both get the same 60,000 training images (Nielsen's 50,000 + 10,000 validation images, pixels in
[0, 1], float32) and the same parameters: ``hidden_layer_sizes=(100,), max_iter=5,
random_state=0`` (Adam, batch 200, alpha 1e-4). Prints fit seconds and test accuracy of each and
the ratio. Usage: ``python bench/sklearn_mnist.py [DATA_DIR] [--threads N]`` (DATA_DIR default:
$NEURALNET_DATA, else the user cache).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP

import neuralnet
from neuralnet import _core


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", nargs="?")
    parser.add_argument("--threads", type=int, default=None, help="neuralnet's n_threads [default: all]")
    parser.add_argument("--max-iter", type=int, default=5)
    args = parser.parse_args()
    d = _core.load_dataset("mnist", args.data_dir)
    X = np.concatenate([d["train"]["x"], d["validation"]["x"]])
    y = np.concatenate([d["train"]["labels"], d["validation"]["labels"]])
    Xt, yt = d["test"]["x"], d["test"]["labels"]
    print(f"MNIST: {X.shape[0]} training, {Xt.shape[0]} test images, {X.dtype}; cores: {neuralnet.available_threads()}")
    params = dict(hidden_layer_sizes=(100,), max_iter=args.max_iter, random_state=0)
    rows = []
    for name, est in [
        ("neuralnet", neuralnet.MLPClassifier(n_threads=args.threads, **params)),
        ("scikit-learn", SkMLP(**params)),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            est.fit(X, y)
            seconds = time.perf_counter() - start
        acc = est.score(Xt, yt)
        rows.append((name, seconds, acc, est.loss_curve_[-1]))
        print(
            f"{name:13s} fit {seconds:7.2f} s   test accuracy {100 * acc:.2f}%   final loss {est.loss_curve_[-1]:.4f}",
            flush=True,
        )
    (_, s_ours, a_ours, _), (_, s_sk, a_sk, _) = rows
    print(f"speed-up {s_sk / s_ours:.1f}x; accuracy difference {100 * (a_ours - a_sk):+.2f} points")


if __name__ == "__main__":
    main()
