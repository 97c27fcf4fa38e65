"""Nielsen's API (``neuralnet.mnist_loader``, ``network``, ``network2``): his driver code runs
with its import line changed, trains bit for bit as the CLI does for the same configuration and
seed, and refuses bad input with a ``ValueError``.

Data-dependent tests use the ``data_dir`` fixture (MNIST); the CLI comparisons the ``cli``
fixture (release binary). Subsets of a few thousand images keep the file under a minute.
"""

import json
import re

import numpy as np
import pytest

from neuralnet import _core, mnist_loader, network, network2


@pytest.fixture(scope="module")
def mnist(data_dir):
    """Nielsen's three lists, loaded once."""
    return mnist_loader.load_data_wrapper(data_dir=data_dir)


def same_weights(model, net):
    """Whether a core model holds exactly the network's weights and biases."""
    return all(np.array_equal(a.astype(np.float64), b) for a, b in zip(model.weights(), net.weights)) and all(
        np.array_equal(a.astype(np.float64), b.ravel()) for a, b in zip(model.biases(), net.biases)
    )


# ---- mnist_loader ---------------------------------------------------------------------------


def test_load_data_wrapper_formats(mnist, data_dir):
    training_data, validation_data, test_data = mnist
    assert (len(training_data), len(validation_data), len(test_data)) == (50000, 10000, 10000)
    assert all(isinstance(d, list) for d in mnist)
    x, y = training_data[0]
    assert isinstance(training_data[0], tuple)
    assert x.shape == (784, 1) and y.shape == (10, 1)
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert y.sum() == 1.0 and set(np.unique(y)) == {0.0, 1.0}
    for data in (validation_data, test_data):
        vx, vy = data[0]
        assert vx.shape == (784, 1) and isinstance(vy, int) and 0 <= vy <= 9
    # The first training image and label are the core's first row (Nielsen's split).
    core = _core.load_dataset("mnist", str(data_dir))
    assert np.array_equal(x.ravel(), core["train"]["x"][0])
    assert int(np.argmax(y)) == core["train"]["labels"][0]
    assert np.array_equal(test_data[-1][0].ravel(), core["test"]["x"][-1])
    assert test_data[-1][1] == core["test"]["labels"][-1]
    # His zip-style use works on the tuples.
    xs, ys = zip(*training_data[:5])
    assert len(xs) == 5 and all(v.shape == (10, 1) for v in ys)


def test_load_data_tuples(data_dir):
    tr, va, te = mnist_loader.load_data(data_dir=data_dir)
    assert tr[0].shape == (50000, 784) and tr[1].shape == (50000,)
    assert va[0].shape == (10000, 784) and te[1].shape == (10000,)
    assert set(np.unique(te[1])) == set(range(10))


def test_missing_data_dir_names_places_and_fetch(tmp_path):
    with pytest.raises(ValueError) as e:
        mnist_loader.load_data_wrapper(data_dir=tmp_path / "nowhere")
    msg = str(e.value)
    assert str(tmp_path / "nowhere") in msg and "neuralnet data fetch mnist" in msg


def test_vectorized_result():
    e = mnist_loader.vectorized_result(3)
    assert e.shape == (10, 1) and e[3, 0] == 1.0 and e.sum() == 1.0
    assert np.array_equal(network2.vectorized_result(3), e)


# ---- network (chapter 1) --------------------------------------------------------------------


def test_chapter1_driver_prints_his_lines_and_learns(mnist, capsys):
    training_data, validation_data, test_data = mnist
    np.random.seed(0)
    net = network.Network([784, 30, 10])
    net.SGD(training_data[:10000], 3, 10, 3.0, test_data=test_data[:2000])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for j, line in enumerate(lines):
        m = re.fullmatch(r"Epoch (\d+): (\d+) / 2000", line)
        assert m and int(m.group(1)) == j, line
    counts = [int(line.split()[2]) for line in lines]
    # 75-97.5% after 3 epochs on 10,000 images (seeds 0-7 give 77-86%), and learning.
    assert 1500 <= counts[-1] <= 1950 and counts[-1] > counts[0], counts
    # The printed count (core, float32) is his evaluate's (NumPy, float64) up to rare ties.
    assert abs(counts[-1] - net.evaluate(test_data[:2000])) <= 2
    assert net.weights[0].shape == (30, 784) and net.weights[0].dtype == np.float64
    assert net.biases[1].shape == (10, 1)
    # Without test data: his "complete" lines.
    net.SGD(training_data[:500], 2, 10, 3.0)
    assert capsys.readouterr().out.splitlines() == ["Epoch 0 complete", "Epoch 1 complete"]


def test_np_random_seed_makes_runs_repeatable(mnist):
    training_data = mnist[0][:1000]
    runs = []
    for _ in range(2):
        np.random.seed(42)
        net = network.Network([784, 20, 10])
        net.SGD(training_data, 1, 10, 3.0)
        runs.append(net.weights[0])
    assert np.array_equal(*runs)
    assert training_data[0] is mnist[0][0]  # the caller's list is not shuffled


def test_chapter1_bit_identical_to_cli(mnist, cli, data_dir, tmp_path):
    out = tmp_path / "m.safetensors"
    cli(
        "train",
        "experiments/nielsen-ch1.toml",
        "--data",
        data_dir,
        "--train-size",
        3000,
        "--epochs",
        2,
        "--seed",
        7,
        "--out",
        out,
        "--quiet",
    )
    net = network.Network([784, 30, 10], seed=7)
    start = _core.new_network([784, 30, 10], "sigmoid", "sigmoid", "quadratic", "normal", 1.0, 7)
    assert same_weights(start, net)
    net.SGD(mnist[0][:3000], 2, 10, 3.0)
    assert same_weights(_core.Model.load(out), net)
    # A plain list of his tuples (no stacked arrays) trains the same.
    again = network.Network([784, 30, 10], seed=7)
    again.SGD([(x.copy(), y.copy()) for x, y in mnist[0][:3000]], 2, 10, 3.0)
    assert same_weights(_core.Model.load(out), again)


def test_numpy_methods_match_his_code(mnist):
    net = network.Network([784, 10, 10], seed=3)
    batch = mnist[0][:10]
    x, y = batch[0]
    out = net.feedforward(x)
    assert out.shape == (10, 1)
    nabla_b, nabla_w = net.backprop(x, y)
    assert [w.shape for w in nabla_w] == [(10, 784), (10, 10)]
    w0 = net.weights[0].copy()
    net.update_mini_batch(batch, 3.0)
    assert not np.array_equal(w0, net.weights[0])
    assert np.array_equal(net.cost_derivative(out, y), out - y)


# ---- network2 (chapter 3) -------------------------------------------------------------------


def test_network2_lists_and_lines(mnist, capsys):
    training_data, validation_data, _ = mnist
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost, seed=5)
    ec, ea, tc, ta = net.SGD(
        training_data[:2000],
        2,
        10,
        0.5,
        lmbda=5.0,
        evaluation_data=validation_data[:1000],
        monitor_evaluation_cost=True,
        monitor_evaluation_accuracy=True,
        monitor_training_cost=True,
        monitor_training_accuracy=True,
    )
    assert [len(v) for v in (ec, ea, tc, ta)] == [2, 2, 2, 2]
    assert all(isinstance(v, float) for v in ec + tc) and all(isinstance(v, int) for v in ea + ta)
    assert 700 <= ea[-1] <= 1000 and 1500 <= ta[-1] <= 2000
    # His definitions: the NumPy total_cost/accuracy of the trained network give the same figures.
    assert tc[-1] == pytest.approx(net.total_cost(training_data[:2000], 5.0), rel=1e-5)
    assert ec[-1] == pytest.approx(net.total_cost(validation_data[:1000], 5.0, convert=True), rel=1e-5)
    assert ta[-1] == net.accuracy(training_data[:2000], convert=True)
    assert ea[-1] == net.accuracy(validation_data[:1000])
    out = capsys.readouterr().out
    assert out.startswith("Epoch 0 training complete\nCost on training data: ")
    assert f"Accuracy on training data: {ta[0]} / 2000\n" in out
    assert f"Accuracy on evaluation data: {ea[0]} / 1000\n\nEpoch 1 training complete" in out
    # Nothing monitored: four empty lists.
    assert net.SGD(training_data[:200], 1, 10, 0.5) == ([], [], [], [])


def test_network2_bit_identical_to_cli(mnist, cli, data_dir, tmp_path):
    out = tmp_path / "m.safetensors"
    cli(
        "train",
        "--dataset",
        "mnist",
        "--data",
        data_dir,
        "--train-size",
        2000,
        "--layers",
        "784,30,10",
        "--activation",
        "sigmoid",
        "--output-activation",
        "sigmoid",
        "--cost",
        "cross-entropy",
        "--init",
        "normal-scaled",
        "--optimizer",
        "sgd",
        "--eta",
        0.5,
        "--batch-size",
        10,
        "--lambda",
        5.0,
        "--epochs",
        2,
        "--seed",
        11,
        "--out",
        out,
        "--quiet",
    )
    net = network2.Network([784, 30, 10], seed=11)
    net.SGD(mnist[0][:2000], 2, 10, 0.5, lmbda=5.0, evaluation_data=mnist[1][:500], monitor_evaluation_accuracy=True)
    assert same_weights(_core.Model.load(out), net)


def test_large_weight_initializer_then_sgd(mnist, cli, data_dir, tmp_path):
    out = tmp_path / "m.safetensors"
    cli(
        "train",
        "--dataset",
        "mnist",
        "--data",
        data_dir,
        "--train-size",
        1000,
        "--layers",
        "784,20,10",
        "--activation",
        "sigmoid",
        "--output-activation",
        "sigmoid",
        "--cost",
        "quadratic",
        "--init",
        "normal",
        "--optimizer",
        "sgd",
        "--eta",
        3.0,
        "--batch-size",
        10,
        "--epochs",
        1,
        "--seed",
        9,
        "--out",
        out,
        "--quiet",
    )
    net = network2.Network([784, 20, 10], cost=network2.QuadraticCost)
    scaled = net.weights[0].std()
    net.large_weight_initializer(seed=9)
    assert net.weights[0].std() > 5 * scaled  # N(0, 1) instead of N(0, 1/784)
    net.SGD(mnist[0][:1000], 1, 10, 3.0)
    assert same_weights(_core.Model.load(out), net)


def test_early_stopping_n(mnist, capsys):
    net = network2.Network([784, 10, 10], seed=1)
    # η tiny: the accuracy barely moves, so it stops 2 epochs after its best, long before 50.
    _, ea, _, _ = net.SGD(
        mnist[0][:500],
        50,
        10,
        1e-6,
        evaluation_data=mnist[1][:200],
        monitor_evaluation_accuracy=True,
        early_stopping_n=2,
    )
    assert 3 <= len(ea) < 50
    best = max(range(len(ea)), key=lambda i: (ea[i], -i))
    assert len(ea) == best + 3 and all(a <= ea[best] for a in ea[best + 1 :])
    assert capsys.readouterr().out.count("training complete") == len(ea)


def test_save_load_round_trip(mnist, tmp_path):
    net = network2.Network([784, 15, 10], cost=network2.QuadraticCost, seed=2)
    net.SGD(mnist[0][:300], 1, 10, 0.5)
    path = tmp_path / "net.json"
    net.save(str(path))
    data = json.loads(path.read_text())
    assert set(data) == {"sizes", "weights", "biases", "cost"} and data["cost"] == "QuadraticCost"
    assert np.array(data["weights"][0]).shape == (15, 784) and np.array(data["biases"][1]).shape == (10, 1)
    back = network2.load(str(path))
    assert back.cost is network2.QuadraticCost and back.sizes == [784, 15, 10]
    assert all(np.array_equal(a, b) for a, b in zip(back.weights, net.weights))
    assert all(np.array_equal(a, b) for a, b in zip(back.biases, net.biases))
    assert back.accuracy(mnist[2][:500]) == net.accuracy(mnist[2][:500])
    back.SGD(mnist[0][:300], 1, 10, 0.5)  # trains on from the loaded weights
    assert not np.array_equal(back.weights[0], net.weights[0])


def test_cost_classes():
    a, y = np.array([[0.8], [0.2]]), np.array([[1.0], [0.0]])
    assert network2.QuadraticCost.fn(a, y) == pytest.approx(0.5 * (0.04 + 0.04))
    assert network2.CrossEntropyCost.fn(a, y) == pytest.approx(-2 * np.log(0.8))
    assert np.array_equal(network2.CrossEntropyCost.delta(None, a, y), a - y)
    assert network2.sigmoid(0.0) == 0.5 and network2.sigmoid_prime(0.0) == 0.25


# ---- bad input ------------------------------------------------------------------------------


def _bad_inputs(tr):
    one_hot = tr[0][1]
    return [
        (lambda: network.Network("784,30,10"), "sizes"),
        (lambda: network.Network([784, 0, 10]), "sizes"),
        (lambda: network.Network([784, 30, 10]).SGD([(np.zeros((783, 1)), one_hot)], 1, 10, 3.0), "784 inputs"),
        (lambda: network.Network([784, 30, 10]).SGD([(np.full((784, 1), np.nan), one_hot)], 1, 10, 3.0), "NaN"),
        (
            lambda: network.Network([784, 30, 10]).SGD([(np.array(["a"] * 784).reshape(784, 1), one_hot)], 1, 10, 3.0),
            "numbers",
        ),
        (lambda: network.Network([784, 30, 10]).SGD([(tr[0][0], 12)], 1, 10, 3.0), "out of range"),
        (lambda: network.Network([784, 30, 10]).SGD([(tr[0][0], "3")], 1, 10, 3.0), "strings"),
        (lambda: network.Network([784, 30, 10]).SGD([(tr[0][0], one_hot * 0.5)], 1, 10, 3.0), "one-hot"),
        (lambda: network.Network([784, 30, 3]).SGD(tr[:10], 1, 10, 3.0), "3 outputs"),
        (lambda: network.Network([784, 30, 10]).SGD(tr[:10], 0, 10, 3.0), "epochs"),
        (lambda: network.Network([784, 30, 10]).SGD(tr[:10], 1, 10, float("nan")), "eta"),
        (lambda: network.Network([784, 30, 10]).SGD("training", 1, 10, 3.0), "list of (x, y) tuples"),
        (
            lambda: network.Network([784, 30, 10]).SGD(tr[:10], 1, 10, 3.0, test_data=[(np.zeros((5, 1)), 1)]),
            "test_data",
        ),
        (lambda: network2.Network([784, 30, 10]).SGD(tr[:10], 1, 10, 0.5, lmbda=-1.0), "lmbda"),
        (
            lambda: network2.Network([784, 30, 10]).SGD(tr[:10], 1, 10, 0.5, monitor_evaluation_cost=True),
            "evaluation_data",
        ),
        (lambda: network2.Network([784, 30, 10], cost=object).SGD(tr[:10], 1, 10, 0.5), "cost"),
    ]


def test_bad_input_is_value_error(mnist):
    for make, words in _bad_inputs(mnist[0]):
        with pytest.raises(ValueError) as e:
            make()
        msg = str(e.value)
        assert words in msg and "\n" not in msg, msg


def test_edited_weights_with_wrong_shape(mnist):
    net = network.Network([784, 30, 10], seed=1)
    net.weights[1] = np.zeros((10, 29))
    with pytest.raises(ValueError, match="layer 1"):
        net.SGD(mnist[0][:10], 1, 10, 3.0)
