"""Type stubs of neuralnet.mnist_loader (Nielsen's MNIST loader)."""

import os
from typing import Union

import numpy as np
import numpy.typing as npt

from ._nielsen import PairList as PairList

_Split = tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]
_Path = Union[str, "os.PathLike[str]"]

def load_data(data_dir: _Path | None = ...) -> tuple[_Split, _Split, _Split]: ...
def load_data_wrapper(
    data_dir: _Path | None = ...,
) -> tuple[
    PairList[tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]],
    PairList[tuple[npt.NDArray[np.float32], int]],
    PairList[tuple[npt.NDArray[np.float32], int]],
]: ...
def vectorized_result(j: int) -> npt.NDArray[np.float64]: ...
