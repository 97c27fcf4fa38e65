"""Reference for Nielsen's chapter-3 runs: network2.py's algorithm in NumPy, whole mini-batch as one matrix.

[784, 30, 10] (or --hidden), sigmoid everywhere, cross-entropy cost (delta^L = a - y),
N(0,1) weights and biases (network2's large_weight_initializer), mini-batch SGD with
L2 as network2 applies it: w <- (1 - eta*lambda/n) w - (eta/m) sum(nabla_w); biases not decayed.
Prints one JSON line: the test accuracy after every epoch and the peak.

  OPENBLAS_NUM_THREADS=1 python scripts/numpy_network2.py --lmbda 5.0 --seed 1 --data-dir ../shared/data/mnist
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
import idx_data  # noqa: E402

np.seterr(over="ignore")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--eta", type=float, default=0.5)
    p.add_argument("--lmbda", type=float, default=5.0)
    p.add_argument("--hidden", type=int, default=30)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", default="../shared/data/mnist")
    a = p.parse_args()
    dt = np.float64 if a.dtype == "float64" else np.float32
    xtr, ytr, xte, yte = idx_data.load(a.data_dir, 50000)
    X, Y, Xte = xtr.astype(dt), idx_data.one_hot(ytr, dtype=dt), xte.astype(dt)
    rng = np.random.default_rng(a.seed)
    h = a.hidden
    W1, b1 = rng.standard_normal((784, h)).astype(dt), rng.standard_normal(h).astype(dt)
    W2, b2 = rng.standard_normal((h, 10)).astype(dt), rng.standard_normal(10).astype(dt)
    one, n = dt(1.0), len(X)
    decay = dt(1.0 - a.eta * a.lmbda / n)
    accs = []
    for _ in range(a.epochs):
        perm = rng.permutation(n)
        for k in range(0, n, a.batch):
            idx = perm[k:k + a.batch]
            xb, yb = X[idx], Y[idx]
            a1 = one / (one + np.exp(-(xb @ W1 + b1)))
            a2 = one / (one + np.exp(-(a1 @ W2 + b2)))
            d2 = a2 - yb                                  # cross-entropy with sigmoid outputs
            d1 = (d2 @ W2.T) * a1 * (one - a1)
            lr = dt(a.eta / len(idx))
            W2 *= decay
            W2 -= lr * (a1.T @ d2)
            b2 -= lr * d2.sum(axis=0)
            W1 *= decay
            W1 -= lr * (xb.T @ d1)
            b1 -= lr * d1.sum(axis=0)
        out = one / (one + np.exp(-((one / (one + np.exp(-(Xte @ W1 + b1)))) @ W2 + b2)))
        accs.append(float((out.argmax(axis=1) == yte).mean()))
    print(json.dumps({"seed": a.seed, "dtype": a.dtype, "lmbda": a.lmbda, "peak": max(accs), "test_accuracy": accs}))


if __name__ == "__main__":
    main()
