"""Type stubs of ``neuralnet._core``, the Rust extension module (see ``python/src``)."""

from collections.abc import Sequence
from os import PathLike
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

__version__: str

_F32_2D = npt.NDArray[np.float32]
_Labels = npt.NDArray[np.int64]
_Split = tuple[_F32_2D, _Labels | None, _F32_2D | None]
_OnEpoch = Callable[[dict], Any]

class Model:
    """A trained network with its preprocessing, class and column names (the model file's content)."""

    @staticmethod
    def from_bytes(data: bytes, name: str = "<bytes>") -> Model:
        """The model of a model file's bytes (``name`` is named in errors)."""
    def to_bytes(self) -> bytes:
        """The model file's bytes (safetensors), the same bytes ``save`` writes."""
    @staticmethod
    def load(path: str | PathLike[str]) -> Model:
        """Reads a model file (``ValueError`` naming the file when it is not one)."""
    def save(self, path: str | PathLike[str]) -> None:
        """Writes the model file atomically (temporary file, then rename)."""
    @property
    def sizes(self) -> list[int]:
        """Layer sizes, inputs first."""
    @property
    def activations(self) -> list[str]:
        """The activation of each layer."""
    @property
    def cost(self) -> str:
        """The cost the network was trained with."""
    @property
    def class_names(self) -> list[str] | None:
        """Class names, index = class (classification)."""
    @property
    def columns(self) -> list[str] | None:
        """The columns the model was trained on, in order (those left out included), for tables."""
    @property
    def columns_json(self) -> str | None:
        """The fitted columns as JSON (type, categories, median, ...), for tables."""
    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``."""
    def weights(self) -> list[_F32_2D]:
        """The weight matrices, each n_out × n_in (copies)."""
    def biases(self) -> list[npt.NDArray[np.float32]]:
        """The bias vectors, each of n_out (copies)."""
    def set_parameters(self, weights: Sequence[_F32_2D], biases: Sequence[npt.NDArray[np.float32]]) -> None:
        """Replaces every weight and bias (shapes as ``weights()`` and ``biases()`` give them)."""
    def outputs(self, x: _F32_2D) -> _F32_2D:
        """The network's outputs for the rows of ``x`` (probabilities for softmax classifiers,
        values in the targets' units for regression); the model's preprocessing is applied."""
    def outputs_table(
        self, columns: Sequence[str], rows: Sequence[Sequence[str]], strict: bool = False
    ) -> tuple[_F32_2D, list[str]]:
        """As ``outputs`` for table cells read by column name; also the encoding's warnings."""

def new_network(
    sizes: Sequence[int],
    activation: str,
    output_activation: str,
    cost: str,
    init: str,
    init_scale: float,
    seed: int,
) -> Model:
    """A network with weights drawn by ``init`` from the seeded stream ``seed``, as training draws them."""

def fit_arrays(
    config: str,
    x: _F32_2D,
    labels: _Labels | None,
    y: _F32_2D | None,
    n_classes: int,
    validation: _Split | None = None,
    test: _Split | None = None,
    init: Model | None = None,
    on_epoch: _OnEpoch | None = None,
    name: str = "python",
) -> tuple[Model, str]:
    """Trains on arrays used as given, as the TOML ``config`` says; returns the model and the
    report as JSON. ``on_epoch(dict)`` sees every epoch (returning ``True`` stops training)."""

def fit_matrix(
    config: str,
    x: _F32_2D,
    names: Sequence[str],
    target_columns: Sequence[str],
    target_rows: Sequence[Sequence[str]],
    init: Model | None = None,
    on_epoch: _OnEpoch | None = None,
) -> tuple[Model, str]:
    """Trains on a matrix of numbers with text targets, read as the CLI reads the table of both."""

def fit_table(
    config: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    init: Model | None = None,
    on_epoch: _OnEpoch | None = None,
    name: str = "DataFrame",
) -> tuple[Model, str]:
    """Trains on a table of text cells, read exactly as the CLI reads a CSV file."""

def load_dataset(name: str, data_dir: str | PathLike[str] | None = None) -> dict:
    """A named dataset (``mnist``, ``fashion-mnist``, ``digits``, ...) as NumPy arrays by split."""

def available_threads() -> int:
    """Number of cores training uses by default."""

def export_onnx(model: Model, path: str | PathLike[str]) -> None:
    """Writes the model as an ONNX graph (atomically): raw inputs in; ``probabilities`` and
    ``label``, or ``values``, out."""

def export_torch(model: Model, path: str | PathLike[str]) -> str:
    """Writes the network as a PyTorch ``nn.Sequential`` state dict (safetensors) and the Python
    lines building it beside it (``.py``); returns the lines."""
