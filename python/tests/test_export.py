"""ONNX and PyTorch exports checked outside neuralnet.

ONNX Runtime runs the graph of four models the CLI trains here — MNIST, digits, a regression
table and a table with text columns and missing values — and must give ``neuralnet predict``'s
probabilities (to 1e-5) and labels (exactly): the tables against the CLI's printed predictions,
the image models against the library's outputs (``neuralnet._core``, what ``predict`` computes;
the CLI prints only the top probability of an image). The PyTorch state dict is checked with
``safetensors.numpy`` and a NumPy forward pass of the Sequential the generated lines build, and a
state dict written from NumPy in PyTorch's layout comes in with ``--init-from``.
"""

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import safetensors.numpy as st_numpy

from neuralnet import _core

PENGUINS = Path(__file__).resolve().parents[2] / "tests" / "corpus" / "tables" / "penguins.csv"
MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}


def session(path):
    """The checked graph at ``path`` and an ONNX Runtime session of it."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    return model, ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def table_feeds(sess, rows):
    """ONNX inputs from CSV rows (dicts of trimmed cells): numbers as float (NaN when missing),
    text columns as strings."""
    feeds = {}
    for i in sess.get_inputs():
        cells = [r[i.name].strip() for r in rows]
        if i.type == "tensor(float)":
            values = [np.nan if c.lower() in MISSING else float(c) for c in cells]
            feeds[i.name] = np.array(values, dtype=np.float32).reshape(-1, 1)
        else:
            feeds[i.name] = np.array(cells, dtype=object).reshape(-1, 1)
    return feeds


def cli_predictions(cli, model, table):
    """The header and rows ``neuralnet predict`` prints for ``table``."""
    out = list(csv.reader(io.StringIO(cli("predict", "--model", model, table).stdout)))
    return out[0], out[1:]


def train_and_export(cli, tmp_path, name, *args):
    model, graph = tmp_path / f"{name}.model", tmp_path / f"{name}.onnx"
    cli("train", "-q", "--out", model, *args)
    cli("export", model, "--onnx", graph)
    return model, graph


@pytest.mark.parametrize(
    "dataset, args",
    [
        ("mnist", ["--layers", "784,30,10", "--activation", "sigmoid", "--train-size", "3000", "--epochs", "1"]),
        ("digits", ["--layers", "64,24,10", "--activation", "hard-sigmoid", "--epochs", "3"]),
    ],
)
def test_onnx_image_models_equal_the_library(cli, data_dir, tmp_path, dataset, args):
    model, graph = train_and_export(cli, tmp_path, dataset, "--dataset", dataset, "--data", data_dir, *args)
    proto, sess = session(graph)
    x = _core.load_dataset(dataset, data_dir)["test"]["x"][:2000]
    probabilities, labels = sess.run(["probabilities", "label"], {"input": x})
    ours = _core.Model.load(model)
    expected = ours.outputs(x)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5, rtol=0)
    assert list(labels) == [ours.class_names[i] for i in expected.argmax(axis=1)]
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["sizes"] == ",".join(map(str, ours.sizes)) and json.loads(meta["class_names"]) == ours.class_names


@pytest.mark.parametrize("output", [[], ["--output-activation", "sigmoid", "--cost", "quadratic"]])
def test_onnx_table_with_text_and_missing_values_equals_predict(cli, tmp_path, output):
    """Softmax outputs, and sigmoid outputs normalised into probabilities as predict does."""
    args = ["--train", PENGUINS, "--target", "species", "--activation", "tanh", "--epochs", "15", *output]
    model, graph = train_and_export(cli, tmp_path, "penguins", *args)
    rows = list(csv.DictReader(open(PENGUINS)))
    # Missing cells in other spellings, and a category training never saw (all zeros in both).
    rows[0].update(sex="N/A", bill_length_mm="?")
    rows[1].update(sex="NULL", island="Atlantis", body_mass_g="nan")
    table = tmp_path / "rows.csv"
    with open(table, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    _, sess = session(graph)
    probabilities, labels = sess.run(["probabilities", "label"], table_feeds(sess, rows))
    header, predicted = cli_predictions(cli, model, table)
    assert header == ["species", "p_Adelie", "p_Chinstrap", "p_Gentoo"]
    np.testing.assert_allclose(probabilities, [[float(v) for v in r[1:]] for r in predicted], atol=1e-5, rtol=0)
    assert list(labels) == [r[0] for r in predicted]


def regression_table(path, n, seed):
    """A regression table: a number with missing cells, a yes/no column in mixed case, a
    categorical column of 40 values (capped at 32 inputs, the rest '(other)') with missing cells."""
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "flag", "city", "y"])
        for i in range(n):
            a, city = rng.normal(), int(rng.integers(0, 40))
            flag = ["yes", "no", "Yes", "NO", "YES"][i % 5]
            y = 3.0 * a + (2.0 if flag.lower() == "yes" else -1.0) + 0.1 * city + 100.0
            cells = ["NA" if i % 7 == 0 else f"{a:.4f}", flag, "" if i % 11 == 0 else f"c{city}", f"{y:.4f}"]
            w.writerow(cells)


def test_onnx_regression_values_equal_predict(cli, tmp_path):
    train, rows_csv = tmp_path / "train.csv", tmp_path / "rows.csv"
    regression_table(train, 300, 1)
    regression_table(rows_csv, 60, 2)
    args = ["--train", train, "--target", "y", "--activation", "leaky-relu", "--epochs", "20"]
    model, graph = train_and_export(cli, tmp_path, "regression", *args)
    columns = json.loads(_core.Model.load(model).columns_json)
    assert any(c["name"] == "city" and c["categories"][-1] == "(other)" for c in columns)
    proto, sess = session(graph)
    (values,) = sess.run(["values"], table_feeds(sess, list(csv.DictReader(open(rows_csv)))))
    header, predicted = cli_predictions(cli, model, rows_csv)
    assert header == ["y"]
    expected = np.array([[float(v) for v in r] for r in predicted])
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-4)
    assert [o.name for o in proto.graph.output] == ["values"]


ACTIVATIONS = {
    "Sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "ReLU": lambda z: np.maximum(z, 0),
    "LeakyReLU": lambda z: np.where(z < 0, 0.01 * z, z),
    "Hardsigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1),
    "Tanh": np.tanh,
    "Identity": lambda z: z,
    "Softmax": lambda z: softmax(z),
}


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def numpy_sequential(lines, state):
    """A NumPy forward pass of the nn.Sequential that the generated Python ``lines`` build."""
    modules = re.findall(r"^    nn\.(\w+)\(", lines, flags=re.M)

    def forward(x):
        a = x.astype(np.float64)
        for i, m in enumerate(modules):
            linear = m == "Linear"
            a = a @ state[f"{i}.weight"].T.astype(np.float64) + state[f"{i}.bias"] if linear else ACTIVATIONS[m](a)
        return a

    return modules, forward


def test_torch_export_runs_in_numpy_as_the_model_does(cli, data_dir, tmp_path):
    args = ["--dataset", "digits", "--layers", "64,20,16,10", "--activation", "leaky-relu", "--epochs", "2"]
    model = tmp_path / "d.model"
    cli("train", "-q", "--out", model, *args)
    printed = cli("export", model, "--torch", tmp_path / "d.safetensors").stdout
    lines = (tmp_path / "d.py").read_text()
    assert printed.startswith(lines)
    assert 'model.load_state_dict(load_file("d.safetensors"), strict=True)' in lines
    state = st_numpy.load_file(str(tmp_path / "d.safetensors"))
    assert sorted(state) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    assert state["2.weight"].shape == (16, 20) and state["2.weight"].dtype == np.float32
    modules, forward = numpy_sequential(lines, state)
    assert modules == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "Softmax"]
    ours = _core.Model.load(model)
    x = _core.load_dataset("digits", data_dir)["test"]["x"]
    np.testing.assert_allclose(forward(x), ours.outputs(x), atol=1e-5, rtol=0)
    for i, (w, b) in enumerate(zip(ours.weights(), ours.biases())):
        assert np.array_equal(state[f"{2 * i}.weight"], w) and np.array_equal(state[f"{2 * i}.bias"], b)


def test_a_numpy_state_dict_in_torch_layout_comes_in_with_init_from(cli, data_dir, tmp_path):
    rng = np.random.default_rng(7)
    state = {
        "0.weight": rng.normal(0, 0.5, (20, 64)).astype(np.float32),
        "0.bias": rng.normal(0, 0.5, 20).astype(np.float32),
        "2.weight": rng.normal(0, 0.5, (10, 20)).astype(np.float32),
        "2.bias": rng.normal(0, 0.5, 10).astype(np.float32),
    }
    st_numpy.save_file(state, str(tmp_path / "torch.safetensors"), metadata={"format": "pt"})
    test = _core.load_dataset("digits", data_dir)["test"]
    lines = "    nn.Linear(64, 20),\n    nn.Sigmoid(),\n    nn.Linear(20, 10),\n    nn.Softmax(dim=1),\n"
    _, forward = numpy_sequential(lines, state)
    a = forward(test["x"])
    accuracy = float((a.argmax(1) == test["labels"]).mean())
    loss = float(-np.log(a[np.arange(len(a)), test["labels"]]).mean())
    model = tmp_path / "in.model"
    init = ["--init-from", tmp_path / "torch.safetensors", "--epochs", "0", "--activation", "sigmoid"]
    cli("train", "-q", "--dataset", "digits", "--data", data_dir, *init, "--out", model)
    figures = json.loads(cli("eval", "--model", model, "--json").stdout)
    assert figures["accuracy"] == pytest.approx(accuracy, abs=1e-12)
    assert figures["loss"] == pytest.approx(loss, rel=1e-5)
    cli("export", model, "--torch", tmp_path / "out.safetensors")
    back = st_numpy.load_file(str(tmp_path / "out.safetensors"))
    assert sorted(back) == sorted(state)
    for k, v in state.items():
        assert back[k].dtype == v.dtype and back[k].tobytes() == v.tobytes(), k


def test_python_export_functions_write_what_the_cli_writes(cli, tmp_path):
    model = tmp_path / "p.model"
    cli("train", "-q", "--train", PENGUINS, "--target", "species", "--epochs", "2", "--out", model)
    cli("export", model, "--onnx", tmp_path / "cli.onnx", "--torch", tmp_path / "cli.safetensors")
    loaded = _core.Model.load(model)
    _core.export_onnx(loaded, tmp_path / "py.onnx")
    lines = _core.export_torch(loaded, tmp_path / "py.safetensors")
    assert (tmp_path / "py.onnx").read_bytes() == (tmp_path / "cli.onnx").read_bytes()
    assert (tmp_path / "py.safetensors").read_bytes() == (tmp_path / "cli.safetensors").read_bytes()
    assert lines == (tmp_path / "py.py").read_text() and "15 preprocessed features" in lines
    with pytest.raises(ValueError, match="no/such/dir"):
        _core.export_onnx(loaded, tmp_path / "no/such/dir/x.onnx")


def test_estimators_export_graphs_that_onnx_runtime_runs_as_they_predict(tmp_path):
    """An estimator fitted on arrays and one fitted on a DataFrame with text columns and missing
    cells: ONNX Runtime's probabilities equal ``predict_proba`` and its labels ``predict``."""
    import pandas as pd
    from sklearn.datasets import load_iris

    from neuralnet import MLPClassifier

    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    clf.export_onnx(tmp_path / "iris.onnx")
    _, sess = session(tmp_path / "iris.onnx")
    probabilities, label = sess.run(["probabilities", "label"], {"input": X.astype(np.float32)})
    np.testing.assert_allclose(probabilities, clf.predict_proba(X), atol=1e-5)
    assert list(label) == [str(c) for c in clf.predict(X)]

    frame = pd.read_csv(PENGUINS)
    target = frame.pop("species")
    keep = target.notna()
    frame, target = frame[keep], target[keep]
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(frame, target)
    clf.export_onnx(tmp_path / "penguins.onnx")
    _, sess = session(tmp_path / "penguins.onnx")
    rows = [{c: "" if pd.isna(v) else str(v) for c, v in r.items()} for r in frame.to_dict("records")]
    probabilities, label = sess.run(["probabilities", "label"], table_feeds(sess, rows))
    np.testing.assert_allclose(probabilities, clf.predict_proba(frame), atol=1e-5)
    assert list(label) == list(clf.predict(frame))
    lines = clf.export_torch(tmp_path / "net.safetensors")
    assert "nn.Sequential(" in lines and (tmp_path / "net.py").is_file()
