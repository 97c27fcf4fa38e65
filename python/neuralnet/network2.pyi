"""Type stubs of neuralnet.network2 (Nielsen's chapter-3 network)."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._nielsen import CoreNetwork

_Array = npt.NDArray[Any]
_Pairs = Sequence[tuple[_Array, Any]]

class QuadraticCost:
    core_name: str
    @staticmethod
    def fn(a: _Array, y: _Array) -> float: ...
    @staticmethod
    def delta(z: _Array, a: _Array, y: _Array) -> _Array: ...

class CrossEntropyCost:
    core_name: str
    @staticmethod
    def fn(a: _Array, y: _Array) -> float: ...
    @staticmethod
    def delta(z: Any, a: _Array, y: _Array) -> _Array: ...

_Cost = type[QuadraticCost] | type[CrossEntropyCost]

class Network(CoreNetwork):
    num_layers: int
    sizes: list[int]
    cost: _Cost
    weights: list[npt.NDArray[np.float64]]
    biases: list[npt.NDArray[np.float64]]
    seed: int
    def __init__(self, sizes: Sequence[int], cost: _Cost = ..., seed: int | None = ...) -> None: ...
    def default_weight_initializer(self, seed: int | None = ...) -> None: ...
    def large_weight_initializer(self, seed: int | None = ...) -> None: ...
    def feedforward(self, a: _Array) -> npt.NDArray[np.float64]: ...
    def SGD(
        self,
        training_data: _Pairs,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        lmbda: float = ...,
        evaluation_data: _Pairs | None = ...,
        monitor_evaluation_cost: bool = ...,
        monitor_evaluation_accuracy: bool = ...,
        monitor_training_cost: bool = ...,
        monitor_training_accuracy: bool = ...,
        early_stopping_n: int = ...,
    ) -> tuple[list[float], list[int], list[float], list[int]]: ...
    def update_mini_batch(self, mini_batch: _Pairs, eta: float, lmbda: float, n: int) -> None: ...
    def backprop(self, x: _Array, y: _Array) -> tuple[list[_Array], list[_Array]]: ...
    def accuracy(self, data: _Pairs, convert: bool = ...) -> int: ...
    def total_cost(self, data: _Pairs, lmbda: float, convert: bool = ...) -> float: ...
    def save(self, filename: str) -> None: ...

def load(filename: str) -> Network: ...
def vectorized_result(j: int) -> npt.NDArray[np.float64]: ...
def sigmoid(z: Any) -> Any: ...
def sigmoid_prime(z: Any) -> Any: ...
