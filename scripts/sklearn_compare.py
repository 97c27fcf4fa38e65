#!/usr/bin/env python3
"""neuralnet's default flags against scikit-learn's default MLP on small real tables.

For each table: a 75/25 split (random_state=0, stratified for classification) written to CSV as
the user would have it (text columns as text, missing cells as NA). Then, for seeds 1..N:

- scikit-learn: MLPClassifier() / MLPRegressor() with default arguments (random_state=seed)
  behind the usual preprocessing, fitted on the training file: numeric columns median-imputed
  with a missing indicator and standardised; text columns imputed with a "missing" category and
  one-hot encoded (unknown categories ignored); rows without a target dropped;
- neuralnet: `neuralnet train --train train.csv --test test.csv --target T --seed S` and no other
  flag (it types the columns, imputes, one-hot encodes and standardises by itself).

Prints a Markdown table of test accuracy (classification) or test R² (regression, the mean over
target columns), means over the seeds, the difference in test samples (accuracy × n_test; for R²
the difference × n_test, which is what one sample moves R² by when it carries an average share of
the variance), and the verdict: a "loss" is more than one test sample behind scikit-learn.

Tables: scikit-learn's bundled iris, wine, breast_cancer, digits, diabetes, linnerud; penguins
(the `palmerpenguins` package's CSV: text columns, missing values); vega_datasets' cars (MPG from
text and numeric columns, missing values) and barley (yield from two text columns and the year).

Usage: python scripts/sklearn_compare.py [--bin target/release/neuralnet] [--work /tmp/skcmp] [--seeds 3]
Needs: pip install scikit-learn pandas palmerpenguins vega_datasets. Data goes under --work only.
"""
import argparse, json, os, subprocess, warnings

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def bundled(loader, text_labels=None):
    """A scikit-learn bundled dataset as a DataFrame with target column(s) y / y0, y1, ..."""
    d = loader()
    df = pd.DataFrame(d.data, columns=[f"x{i}" for i in range(d.data.shape[1])])
    y = np.asarray(d.target)
    if y.ndim == 1:
        df["y"] = np.asarray(text_labels)[y] if text_labels is not None else y
        return df, ["y"]
    names = [f"y{j}" for j in range(y.shape[1])]
    for j, n in enumerate(names):
        df[n] = y[:, j]
    return df, names


def penguins():
    import palmerpenguins
    return palmerpenguins.load_penguins(), ["species"]


def cars():
    from vega_datasets import local_data
    return local_data.cars(), ["Miles_per_Gallon"]


def barley():
    from vega_datasets import local_data
    return local_data.barley(), ["yield"]


TABLES = [
    ("iris", True, lambda: bundled(datasets.load_iris, ["setosa", "versicolor", "virginica"])),
    ("wine", True, lambda: bundled(datasets.load_wine)),
    ("breast_cancer", True, lambda: bundled(datasets.load_breast_cancer)),
    ("digits", True, lambda: bundled(datasets.load_digits)),
    ("penguins", True, penguins),
    ("diabetes", False, lambda: bundled(datasets.load_diabetes)),
    ("linnerud", False, lambda: bundled(datasets.load_linnerud)),
    ("cars", False, cars),
    ("barley", False, barley),
]


def sklearn_model(train, targets, classification, seed):
    """The default MLP behind imputation, scaling and one-hot encoding, fitted on `train`."""
    features = train.drop(columns=targets)
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c])]
    text = [c for c in features.columns if c not in numeric]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")), text),
    ])
    mlp = MLPClassifier(random_state=seed) if classification else MLPRegressor(random_state=seed)
    rows = train.dropna(subset=targets)
    y = rows[targets[0]] if len(targets) == 1 else rows[targets]
    return make_pipeline(prep, mlp).fit(rows.drop(columns=targets), y)


def score(y_true, y_pred, classification):
    if classification:
        return accuracy_score(y_true, y_pred)
    return r2_score(y_true, y_pred, multioutput="uniform_average")


def ours(binary, work, name, targets, seed):
    tr, te, rep = (os.path.join(work, f"{name}_{s}") for s in ("train.csv", "test.csv", f"report{seed}.json"))
    cmd = [binary, "train", "--train", tr, "--test", te, "--target", ",".join(targets), "--quiet",
           "--report", rep, "--out", os.path.join(work, f"{name}_{seed}.safetensors"), "--seed", str(seed)]
    subprocess.run(cmd, check=True)
    return os.path.join(work, f"{name}_{seed}.safetensors"), json.load(open(rep))


def our_predictions(binary, model, test_csv):
    out = subprocess.run([binary, "predict", "--model", model, test_csv], check=True, capture_output=True, text=True)
    return pd.read_csv(__import__("io").StringIO(out.stdout))


def compare(name, classification, loader, a):
    df, targets = loader()
    strat = df[targets[0]] if classification else None
    tr, te = train_test_split(df, test_size=0.25, random_state=0, stratify=strat)
    paths = [os.path.join(a.work, f"{name}_{s}.csv") for s in ("train", "test")]
    tr.to_csv(paths[0], index=False, na_rep="NA")
    te.to_csv(paths[1], index=False, na_rep="NA")
    has_target = te[targets].notna().all(axis=1).values
    te = te[has_target]
    y_te = te[targets[0]] if len(targets) == 1 else te[targets]
    sk, nn = [], []
    for seed in range(1, a.seeds + 1):
        sk.append(score(y_te, sklearn_model(tr, targets, classification, seed).predict(te.drop(columns=targets)),
                        classification))
        model, _ = ours(a.bin, a.work, name, targets, seed)
        pred = our_predictions(a.bin, model, paths[1])[has_target]  # one row per test row, in order
        if classification:
            nn.append(accuracy_score(y_te.astype(str), pred.iloc[:, 0].astype(str)))
        else:
            nn.append(score(y_te, pred[targets].values.squeeze(), classification))
    n_test = len(te)
    behind = (np.mean(sk) - np.mean(nn)) * n_test
    return (name, "accuracy" if classification else "R²", len(tr), n_test, np.mean(sk), np.mean(nn), behind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/neuralnet")
    ap.add_argument("--work", default="/tmp/skcmp")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rows = [compare(n, c, l, a) for n, c, l in TABLES if not a.only or n in a.only]
    print("| table | metric | n train | n test | scikit-learn | neuralnet | samples behind | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    for name, metric, n, n_test, s, o, behind in rows:
        verdict = "loss" if behind > 1.0 else ("win" if behind < -1.0 else "tie")
        print(f"| {name} | {metric} | {n} | {n_test} | {s:.4f} | {o:.4f} | {behind:+.2f} | {verdict} |")


if __name__ == "__main__":
    main()
