"""Type stubs of neuralnet.network (Nielsen's chapter-1 network)."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._nielsen import CoreNetwork

_Array = npt.NDArray[Any]
_Pairs = Sequence[tuple[_Array, Any]]

class Network(CoreNetwork):
    num_layers: int
    sizes: list[int]
    weights: list[npt.NDArray[np.float64]]
    biases: list[npt.NDArray[np.float64]]
    seed: int
    def __init__(self, sizes: Sequence[int], seed: int | None = ...) -> None: ...
    def feedforward(self, a: _Array) -> npt.NDArray[np.float64]: ...
    def SGD(
        self,
        training_data: _Pairs,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        test_data: _Pairs | None = ...,
    ) -> None: ...
    def update_mini_batch(self, mini_batch: _Pairs, eta: float) -> None: ...
    def backprop(self, x: _Array, y: _Array) -> tuple[list[_Array], list[_Array]]: ...
    def evaluate(self, test_data: _Pairs) -> int: ...
    def cost_derivative(self, output_activations: _Array, y: _Array) -> _Array: ...

def sigmoid(z: Any) -> Any: ...
def sigmoid_prime(z: Any) -> Any: ...
