"""Nielsen's chapter-1 run (784-30-10 sigmoid, quadratic cost, η = 3, mini-batches of 10) on full
MNIST, three ways, timed in one sitting:

1. his driver on ``neuralnet.network`` (the import line changed, and the network given the
   CLI's seed so that both runs are the same run), timing the ``SGD`` call;
2. the CLI: ``neuralnet train experiments/nielsen-ch1.toml --no-monitor-validation`` (the same
   run: test accuracy each epoch, no validation), timed as a process;
3. optionally (``--numpy-epochs N``, default 1; 0 skips it) his own per-sample NumPy loop,
   ``/work/shared/bench/numpy_nielsen.py --variant loop``, in this Python.

Prints a table of seconds per epoch and ratios. Usage::

    python python/bench/nielsen_ch1.py [DATA_DIR] [--epochs 30] [--numpy-epochs 1]

``DATA_DIR`` (the datasets directory holding ``mnist/``) defaults to ``$NEURALNET_DATA``. Run
from anywhere; the CLI is ``target/release/neuralnet`` of this repository (``cargo build
--release``).
"""

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NUMPY_NIELSEN = Path("/work/shared/bench/numpy_nielsen.py")


def run_python(data_dir, epochs, seed):
    """His driver on neuralnet.network; returns (seconds of SGD, last printed line)."""
    import numpy as np

    from neuralnet import mnist_loader, network

    t0 = time.perf_counter()
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper(data_dir)
    load_s = time.perf_counter() - t0
    np.random.seed(seed)
    # His line is `network.Network([784, 30, 10])`; the seed makes it the CLI's run, bit for bit.
    net = network.Network([784, 30, 10], seed=seed)
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        net.SGD(training_data, epochs, 10, 3.0, test_data=test_data)
    seconds = time.perf_counter() - t0
    lines = out.getvalue().splitlines()
    for line in lines:
        print("  " + line)
    return seconds, load_s, lines[-1]


def run_cli(data_dir, epochs, seed):
    """The CLI's run of experiments/nielsen-ch1.toml; returns (seconds, last epoch line)."""
    binary = REPO / "target" / "release" / "neuralnet"
    if not binary.is_file():
        sys.exit(f"no CLI at {binary}: run cargo build --release")
    cmd = [
        str(binary),
        "train",
        str(REPO / "experiments" / "nielsen-ch1.toml"),
        "--data",
        str(data_dir),
        "--epochs",
        str(epochs),
        "--seed",
        str(seed),
        "--no-monitor-validation",
    ]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr}")
    epoch_lines = [line for line in out.stdout.splitlines() if line.startswith("epoch ")]
    for line in epoch_lines:
        print("  " + line)
    return seconds, epoch_lines[-1] if epoch_lines else out.stdout.strip().splitlines()[-1]


def run_numpy(data_dir, epochs, seed):
    """His per-sample NumPy loop; returns (seconds of training per epoch, accuracy) or None."""
    if not NUMPY_NIELSEN.is_file():
        print(f"  (skipped: no {NUMPY_NIELSEN})")
        return None
    cmd = [
        sys.executable,
        str(NUMPY_NIELSEN),
        "--variant",
        "loop",
        "--epochs",
        str(epochs),
        "--seed",
        str(seed),
        "--data-dir",
        str(Path(data_dir) / "mnist"),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"  (failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode})")
        return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    per_epoch = [e["train_s"] + e["eval_s"] for e in result["epochs"]]
    for e in result["epochs"]:
        print(f"  epoch {e['epoch']}: train {e['train_s']:.1f} s, eval {e['eval_s']:.1f} s, accuracy {e['acc']:.4f}")
    return sum(per_epoch) / len(per_epoch), result["epochs"][-1]["acc"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "data_dir",
        nargs="?",
        default=os.environ.get("NEURALNET_DATA"),
        help="datasets directory holding mnist/ [default: $NEURALNET_DATA]",
    )
    p.add_argument("--epochs", type=int, default=30, help="epochs of runs 1 and 2 [default: 30]")
    p.add_argument("--numpy-epochs", type=int, default=1, help="epochs of his NumPy loop, 0 to skip [default: 1]")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if not a.data_dir:
        sys.exit("give the datasets directory (holding mnist/) or set NEURALNET_DATA")

    print(f"1. neuralnet.network, his driver ({a.epochs} epochs):")
    py_s, load_s, py_last = run_python(a.data_dir, a.epochs, a.seed)
    print(f"2. CLI, experiments/nielsen-ch1.toml --no-monitor-validation ({a.epochs} epochs):")
    cli_s, cli_last = run_cli(a.data_dir, a.epochs, a.seed)
    numpy = None
    if a.numpy_epochs > 0:
        print(f"3. his per-sample NumPy loop ({a.numpy_epochs} epoch(s)):")
        numpy = run_numpy(a.data_dir, a.numpy_epochs, a.seed)

    rows = [
        ("neuralnet.network SGD", py_s / a.epochs, py_last),
        ("CLI (process, incl. loading)", cli_s / a.epochs, cli_last),
    ]
    if numpy:
        rows.append(("Nielsen NumPy loop (train+eval)", numpy[0], f"accuracy {numpy[1]:.4f}"))
    base = rows[0][1]
    print()
    print(f"(MNIST loading for the Python run: {load_s:.2f} s, not counted; cores: {os.cpu_count()})")
    print(f"{'run':34} {'s/epoch':>9} {'× Python':>9}  last line")
    for name, s, last in rows:
        print(f"{name:34} {s:9.3f} {s / base:9.2f}  {re.sub(r'  +', ' ', last)}")


if __name__ == "__main__":
    main()
