"""Type stubs of neuralnet.sklearn: scikit-learn estimators over the Rust core."""

from collections.abc import Sequence
from os import PathLike
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

_Activation = Literal["identity", "logistic", "tanh", "relu", "sigmoid", "leaky-relu", "hard-sigmoid"]
_Solver = Literal["adam", "sgd", "lm"]

class _BaseMLP(BaseEstimator):
    hidden_layer_sizes: int | Sequence[int]
    activation: _Activation
    solver: _Solver
    alpha: float
    batch_size: int | Literal["auto"]
    learning_rate: Literal["constant"]
    learning_rate_init: float
    max_iter: int
    shuffle: bool
    random_state: int | np.random.RandomState | None
    tol: float
    verbose: bool
    warm_start: bool
    momentum: float
    nesterovs_momentum: bool
    early_stopping: bool
    validation_fraction: float
    beta_1: float
    beta_2: float
    epsilon: float
    n_iter_no_change: int | float
    n_threads: int | None
    # fitted
    loss_: float
    best_loss_: float | None
    loss_curve_: list[float]
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    t_: int
    coefs_: list[NDArray[np.floating]]
    intercepts_: list[NDArray[np.floating]]
    n_features_in_: int
    feature_names_in_: NDArray[np.object_]
    n_iter_: int
    n_layers_: int
    n_outputs_: int
    out_activation_: str
    def export_onnx(self, path: str | PathLike[str]) -> None: ...
    def export_torch(self, path: str | PathLike[str]) -> str: ...

class MLPClassifier(ClassifierMixin, _BaseMLP):
    classes_: NDArray[Any]
    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = ...,
        activation: _Activation = ...,
        *,
        solver: _Solver = ...,
        alpha: float = ...,
        batch_size: int | Literal["auto"] = ...,
        learning_rate: Literal["constant"] = ...,
        learning_rate_init: float = ...,
        max_iter: int = ...,
        shuffle: bool = ...,
        random_state: int | np.random.RandomState | None = ...,
        tol: float = ...,
        verbose: bool = ...,
        warm_start: bool = ...,
        momentum: float = ...,
        nesterovs_momentum: bool = ...,
        early_stopping: bool = ...,
        validation_fraction: float = ...,
        beta_1: float = ...,
        beta_2: float = ...,
        epsilon: float = ...,
        n_iter_no_change: int | float = ...,
        n_threads: int | None = ...,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPClassifier: ...
    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = ...) -> MLPClassifier: ...
    def predict(self, X: ArrayLike) -> NDArray[Any]: ...
    def predict_proba(self, X: ArrayLike) -> NDArray[np.floating]: ...
    def predict_log_proba(self, X: ArrayLike) -> NDArray[np.floating]: ...
    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = ...) -> float: ...

class MLPRegressor(RegressorMixin, _BaseMLP):
    loss: Literal["squared_error"]
    def __init__(
        self,
        loss: Literal["squared_error"] = ...,
        hidden_layer_sizes: int | Sequence[int] = ...,
        activation: _Activation = ...,
        *,
        solver: _Solver = ...,
        alpha: float = ...,
        batch_size: int | Literal["auto"] = ...,
        learning_rate: Literal["constant"] = ...,
        learning_rate_init: float = ...,
        max_iter: int = ...,
        shuffle: bool = ...,
        random_state: int | np.random.RandomState | None = ...,
        tol: float = ...,
        verbose: bool = ...,
        warm_start: bool = ...,
        momentum: float = ...,
        nesterovs_momentum: bool = ...,
        early_stopping: bool = ...,
        validation_fraction: float = ...,
        beta_1: float = ...,
        beta_2: float = ...,
        epsilon: float = ...,
        n_iter_no_change: int | float = ...,
        n_threads: int | None = ...,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPRegressor: ...
    def partial_fit(self, X: ArrayLike, y: ArrayLike) -> MLPRegressor: ...
    def predict(self, X: ArrayLike) -> NDArray[np.floating]: ...
    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = ...) -> float: ...

__all__ = ["MLPClassifier", "MLPRegressor"]
