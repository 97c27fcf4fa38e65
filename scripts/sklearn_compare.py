#!/usr/bin/env python3
"""Compare `neuralnet train` defaults with scikit-learn's MLPClassifier/MLPRegressor defaults.

Exports scikit-learn's bundled datasets (and a synthetic Friedman #1 regression) to CSV, splits
each 75/25 with random_state=0, fits sklearn's default MLP on the training file, trains
`neuralnet train --train tr.csv --test te.csv --target y --report r.json` with no other flags,
and prints a Markdown table of test accuracy (classification) or R² (regression).

Usage: python scripts/sklearn_compare.py [--bin target/release/neuralnet] [--work /tmp/skcmp] [--seeds 3]
Needs scikit-learn and pandas. The data is written under --work, never into the repository.
"""
import argparse, json, os, subprocess, warnings
import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

CLASSIFICATION = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}
REGRESSION = {
    "diabetes": datasets.load_diabetes,
    "friedman1": lambda: datasets.make_friedman1(n_samples=2000, noise=1.0, random_state=0),
}


def frames(name, loader, classification):
    data = loader()
    X, y = (data if isinstance(data, tuple) else (data.data, data.target))
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    if classification and name == "iris":
        df["y"] = np.array(["setosa", "versicolor", "virginica"])[y]  # text labels
    else:
        df["y"] = y
    return train_test_split(df, test_size=0.25, random_state=0,
                            stratify=df["y"] if classification else None)


def ours(binary, work, name, seed):
    tr, te, rep = (os.path.join(work, f"{name}_{s}") for s in ("train.csv", "test.csv", f"report{seed}.json"))
    cmd = [binary, "train", "--train", tr, "--test", te, "--target", "y", "--quiet", "--report", rep]
    if seed != 1:
        cmd += ["--seed", str(seed)]
    subprocess.run(cmd, check=True)
    return json.load(open(rep))["final"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/neuralnet")
    ap.add_argument("--work", default="/tmp/skcmp")
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rows = []
    for name, loader in list(CLASSIFICATION.items()) + list(REGRESSION.items()):
        if loader is None:
            continue
        cls = name in CLASSIFICATION
        tr, te = frames(name, loader, cls)
        tr.to_csv(os.path.join(a.work, f"{name}_train.csv"), index=False)
        te.to_csv(os.path.join(a.work, f"{name}_test.csv"), index=False)
        Xtr, ytr, Xte, yte = tr.drop(columns="y").values, tr["y"].values, te.drop(columns="y").values, te["y"].values
        sk, nn = [], []
        for seed in range(1, a.seeds + 1):
            model = (MLPClassifier if cls else MLPRegressor)(random_state=seed).fit(Xtr, ytr)
            pred = model.predict(Xte)
            sk.append(accuracy_score(yte, pred) if cls else r2_score(yte, pred))
            f = ours(a.bin, a.work, name, seed)
            nn.append(f["test_accuracy"] if cls else 1 - f["test_mse"] / np.var(yte))
        metric = "accuracy" if cls else "R²"
        rows.append((name, metric, len(tr), np.mean(sk), np.mean(nn)))
    print(f"| dataset | metric | n train | sklearn defaults | neuralnet defaults |")
    print(f"|---|---|---|---|---|")
    for name, metric, n, s, o in rows:
        print(f"| {name} | {metric} | {n} | {s:.4f} | {o:.4f} |")
    print(f"| **mean** | | | {np.mean([r[3] for r in rows]):.4f} | {np.mean([r[4] for r in rows]):.4f} |")


if __name__ == "__main__":
    main()
