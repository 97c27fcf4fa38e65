"""Shared fixtures of the Python package's tests.

Data-dependent tests need the datasets directory (``$NEURALNET_DATA``, else ``../shared/data``
next to the repository). Without it they skip with the reason shown, except when
``NEURALNET_REQUIRE_DATA=1`` (as in CI), where they fail instead. Tests that compare with the CLI
need the release binary ``target/release/neuralnet`` (``cargo build --release``), under the same
rule.
"""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _missing(reason):
    if os.environ.get("NEURALNET_REQUIRE_DATA") == "1":
        pytest.fail(f"{reason} (NEURALNET_REQUIRE_DATA=1: required)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def data_dir():
    """The datasets directory holding mnist/ (and the others)."""
    env = os.environ.get("NEURALNET_DATA")
    candidates = [Path(env)] if env else [REPO.parent / "shared" / "data"]
    for d in candidates:
        if (d / "mnist" / "train-labels-idx1-ubyte.gz").is_file():
            return d
    _missing(f"no MNIST in {', '.join(map(str, candidates))}: set NEURALNET_DATA")


@pytest.fixture(scope="session")
def cli():
    """A function running the release CLI with arguments; returns the CompletedProcess."""
    binary = REPO / "target" / "release" / "neuralnet"
    if not binary.is_file():
        _missing(f"no CLI binary at {binary}: run cargo build --release")

    def run(*args, check=True):
        out = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, cwd=REPO)
        if check and out.returncode != 0:
            raise AssertionError(f"neuralnet {' '.join(map(str, args))} exited {out.returncode}: {out.stderr}")
        return out

    return run
