"""Type stubs of neuralnet._nielsen (private helpers of Nielsen's API)."""

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

_T = TypeVar("_T")

class PairList(list[_T]):
    x: npt.NDArray[np.float32]
    y: npt.NDArray[Any]
    def __init__(self, pairs: Sequence[_T], x: npt.NDArray[np.float32], y: npt.NDArray[Any]) -> None: ...

def sigmoid(z: Any) -> Any: ...
def sigmoid_prime(z: Any) -> Any: ...

class CoreNetwork:
    num_layers: int
    sizes: list[int]
    weights: list[npt.NDArray[np.float64]]
    biases: list[npt.NDArray[np.float64]]
    seed: int
