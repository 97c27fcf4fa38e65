"""neuralnet: feedforward neural networks trained by backpropagation, backed by a Rust core.

- ``neuralnet.MLPClassifier`` / ``neuralnet.MLPRegressor``: scikit-learn estimators (need
  scikit-learn installed).
- ``neuralnet.mnist_loader``, ``neuralnet.network``, ``neuralnet.network2``: Nielsen's API from
  *Neural Networks and Deep Learning*, so his driver code runs with its import line changed.
- ``neuralnet.Model``: a trained model as the model file holds it (``Model.load(path)``);
  ``neuralnet.export_onnx(model, path)`` and ``neuralnet.export_torch(model, path)`` write it for
  ONNX Runtime and PyTorch (the estimators have ``export_onnx``/``export_torch`` methods).
"""

from typing import TYPE_CHECKING

from ._core import Model, __version__, available_threads, export_onnx, export_torch, load_dataset

if TYPE_CHECKING:
    from . import mnist_loader, network, network2
    from .sklearn import MLPClassifier, MLPRegressor

__all__ = [
    "Model",
    "MLPClassifier",
    "MLPRegressor",
    "available_threads",
    "export_onnx",
    "export_torch",
    "load_dataset",
    "mnist_loader",
    "network",
    "network2",
    "__version__",
]


def __getattr__(name):
    # The estimators import scikit-learn, which the notes' API does not need: load them on use.
    if name in ("MLPClassifier", "MLPRegressor"):
        try:
            from . import sklearn as _sklearn
        except ModuleNotFoundError as e:
            if e.name != "sklearn":
                raise
            raise ImportError(
                f"neuralnet.{name} needs scikit-learn: pip install 'scikit-learn>=1.6' "
                "(or pip install './python[sklearn]')"
            ) from e
        return getattr(_sklearn, name)
    if name in ("mnist_loader", "network", "network2"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'neuralnet' has no attribute {name!r}")
