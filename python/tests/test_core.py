"""The extension module `neuralnet._core`: errors as Python exceptions with the CLI's messages,
model bytes, the GIL released while training, and Ctrl-C as KeyboardInterrupt."""

import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from neuralnet import _core

CONFIG = """
[network]
layers = [64, 30, 10]
activation = "sigmoid"
output_activation = "softmax"
cost = "cross-entropy"
[optimizer]
kind = "sgd"
eta = 0.5
[training]
epochs = {epochs}
batch_size = 10
seed = 3
"""


@pytest.fixture(scope="module")
def digits():
    return _core.load_dataset("digits")["train"]


def test_training_on_arrays_learns_and_reports(digits):
    model, report = _core.fit_arrays(CONFIG.format(epochs=3), digits["x"], digits["labels"], None, 10)
    out = model.outputs(digits["x"])
    assert out.shape == (len(digits["x"]), 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    accuracy = (out.argmax(axis=1) == digits["labels"]).mean()
    assert accuracy > 0.9, accuracy
    assert '"stop_reason": "epoch-limit"' in report


def test_model_bytes_round_trip(digits):
    model, _ = _core.fit_arrays(CONFIG.format(epochs=1), digits["x"], digits["labels"], None, 10)
    again = _core.Model.from_bytes(model.to_bytes())
    for a, b in zip(model.weights() + model.biases(), again.weights() + again.biases()):
        assert np.array_equal(a, b)
    assert again.sizes == [64, 30, 10] and again.activations == ["sigmoid", "softmax"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c, x, l: (c.replace("eta = 0.5", "eta = -1"), x, l), "--eta (optimizer.eta)"),
        (lambda c, x, l: (c.replace("[64, 30, 10]", "[63, 30, 10]"), x, l), "63"),
        (lambda c, x, l: (c + "\nbogus = 1\n", x, l), "bogus"),
        (
            lambda c, x, l: (c, np.where(np.arange(x.size).reshape(x.shape) == 70, np.nan, x).astype(np.float32), l),
            "x has NaN at row 1, column 6",
        ),
        (lambda c, x, l: (c, x, np.where(l == 3, 12, l)), "labels in 0..10"),
        (lambda c, x, l: (c, x, l[:-1]), "labels in 0..10"),
    ],
)
def test_bad_input_is_a_value_error_with_the_clis_message(digits, change, message):
    config, x, labels = change(CONFIG.format(epochs=1), digits["x"], digits["labels"])
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        _core.fit_arrays(config, x, labels, None, 10)


def test_predicting_needs_the_models_width_and_finite_numbers(digits):
    model = _core.new_network([64, 30, 10], "sigmoid", "softmax", "cross-entropy", "normal", 1.0, 1)
    with pytest.raises(ValueError, match="x has 63 columns; the model reads 64"):
        model.outputs(np.zeros((2, 63), np.float32))
    x = np.zeros((2, 64), np.float32)
    x[1, 5] = np.inf
    with pytest.raises(ValueError, match="x has inf at row 1, column 5"):
        model.outputs(x)


def test_a_missing_dataset_names_where_it_looked_and_how_to_fetch(tmp_path):
    with pytest.raises(ValueError, match=r"looked in: .*mnist.*neuralnet data fetch mnist"):
        _core.load_dataset("mnist", str(tmp_path))


def test_the_gil_is_released_while_training(digits):
    """Python code runs on another thread while a model trains: a counter there advances."""
    count, done = [0], threading.Event()

    def count_until_done():
        while not done.is_set():
            count[0] += 1

    counter = threading.Thread(target=count_until_done)
    counter.start()
    t0 = time.perf_counter()
    at_start = count[0]
    _core.fit_arrays(CONFIG.format(epochs=400), digits["x"], digits["labels"], None, 10)
    seconds, during = time.perf_counter() - t0, count[0] - at_start
    done.set()
    counter.join()
    # Holding the GIL would leave the counter at most a switch interval's worth of counts.
    assert seconds > 0.05 and during > 10_000, (seconds, during)


def test_ctrl_c_stops_training_with_keyboard_interrupt():
    script = textwrap.dedent(
        """
        import sys, time
        from neuralnet import _core
        d = _core.load_dataset("digits")["train"]
        print("training", flush=True)
        t0 = time.perf_counter()
        try:
            _core.fit_arrays(sys.argv[1], d["x"], d["labels"], None, 10)
        except KeyboardInterrupt as e:
            print(f"KeyboardInterrupt after {time.perf_counter() - t0:.2f} s", flush=True)
            sys.exit(0)
        print("finished", flush=True)
        sys.exit(1)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, CONFIG.format(epochs=100000)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline().strip()
    assert first == "training", (first, proc.stderr.read() if not first else "")
    time.sleep(1.0)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (out, err)
    assert "KeyboardInterrupt" in out, (out, err)
    assert time.perf_counter() - sent < 5, "training did not stop promptly"
