"""The estimators' parameters checked and turned into a neuralnet training configuration (the
CLI's TOML format): scikit-learn's names and meanings mapped onto neuralnet's settings."""

from __future__ import annotations

import json
import numbers
import warnings

import numpy as np
from sklearn.utils import check_random_state

#: scikit-learn's activation names (and neuralnet's own) -> neuralnet's.
_ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "leaky-relu": "leaky-relu",
    "hard-sigmoid": "hard-sigmoid",
}
_SOLVERS = ("adam", "sgd", "lm")


def _toml(value):
    """A Python value as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value)
    return "[" + ", ".join(_toml(v) for v in value) + "]"


def _config(sections):
    """TOML text of ``{section: {key: value}}`` (``None`` values left out)."""
    out = []
    for name, keys in sections.items():
        keys = {k: v for k, v in keys.items() if v is not None}
        if keys:
            out.append(f"[{name}]")
            out.extend(f"{k} = {_toml(v)}" for k, v in keys.items())
    return "\n".join(out) + "\n"


class ConfigMixin:
    """Parameter checks and the configuration of a training run (mixed into the estimators)."""

    def _check_params(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = [sizes]
        try:
            sizes = [int(s) for s in sizes]
        except TypeError:
            raise ValueError(f"hidden_layer_sizes must be an int or a sequence of ints, got {sizes!r}") from None
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {list(sizes)}.")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}")
        if self.solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' is not supported by neuralnet; use 'lm' (Levenberg–Marquardt) "
                "for small full-batch problems, or 'adam' or 'sgd'"
            )
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {list(_SOLVERS)}, got {self.solver!r}")
        if self.learning_rate != "constant":
            raise ValueError(f"learning_rate={self.learning_rate!r} is not supported by neuralnet; only 'constant' is")
        checks = [
            ("alpha", self.alpha, lambda v: v >= 0, "≥ 0"),
            ("learning_rate_init", self.learning_rate_init, lambda v: v > 0, "> 0"),
            ("tol", self.tol, lambda v: v >= 0, "≥ 0"),
            ("momentum", self.momentum, lambda v: 0 <= v < 1, "in [0, 1)"),
            ("beta_1", self.beta_1, lambda v: 0 <= v < 1, "in [0, 1)"),
            ("beta_2", self.beta_2, lambda v: 0 <= v < 1, "in [0, 1)"),
            ("epsilon", self.epsilon, lambda v: v > 0, "> 0"),
            ("validation_fraction", self.validation_fraction, lambda v: 0 <= v < 1, "in [0, 1)"),
        ]
        for name, value, ok, what in checks:
            if (
                not isinstance(value, numbers.Real)
                or isinstance(value, bool)
                or not np.isfinite(value)
                or not ok(value)
            ):
                raise ValueError(f"{name} must be a number {what}, got {value!r}")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be an int ≥ 1, got {self.max_iter!r}")
        nic = self.n_iter_no_change
        if not (nic == np.inf or (isinstance(nic, numbers.Integral) and nic >= 1)):
            raise ValueError(f"n_iter_no_change must be an int ≥ 1 or np.inf, got {nic!r}")
        bs = self.batch_size
        if not (bs == "auto" or (isinstance(bs, numbers.Integral) and not isinstance(bs, bool) and bs >= 1)):
            raise ValueError(f"batch_size must be 'auto' or an int ≥ 1, got {bs!r}")
        nt = self.n_threads
        if nt is not None and not (isinstance(nt, numbers.Integral) and nt >= 1):
            raise ValueError(f"n_threads must be None or an int ≥ 1, got {nt!r}")
        return sizes

    def _batch(self, n):
        """scikit-learn's batch size for ``n`` training samples."""
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped", stacklevel=2
            )
        return int(np.clip(self.batch_size, 1, n))

    def _seed(self):
        """The seed of neuralnet's random stream: ``random_state`` itself when it is an int."""
        rs = self.random_state
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool) and rs >= 0:
            return int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _sections(self, sizes, n_train, epochs, seed, *, validation, incremental, n_outputs=1):
        """The training configuration: ``sizes`` (None: the table's, filled in later)."""
        m = self._batch(n_train)
        if not self.shuffle and m < n_train:
            raise ValueError(
                "shuffle=False is not supported by neuralnet (batches are drawn in a new random "
                "order each epoch) unless batch_size covers the whole training set"
            )
        lm = self.solver == "lm"
        if self.solver == "sgd":
            kind = "sgd" if self.momentum == 0 else ("nesterov" if self.nesterovs_momentum else "momentum")
        else:
            kind = self.solver
        if lm and self.alpha != 0:
            warnings.warn("solver='lm' has no L2 penalty: alpha is ignored", UserWarning, stacklevel=2)
        act = _ACTIVATIONS[self.activation]
        plateau = not validation and not incremental and not lm and self.n_iter_no_change != np.inf
        stop = None if self.n_iter_no_change == np.inf else int(self.n_iter_no_change) + 1
        return {
            "network": {
                "layers": sizes,
                "activation": act,
                "output_activation": "softmax" if self._classifier else "identity",
                "cost": "cross-entropy" if self._classifier else "quadratic",
                "init": "glorot-uniform",
                "init_scale": (1 / 3) ** 0.5 if act == "sigmoid" else 1.0,
            },
            "optimizer": {"kind": kind, "eta": None if lm else float(self.learning_rate_init)},
            "optimizer.momentum": {"mu": float(self.momentum)} if kind in ("momentum", "nesterov") else {},
            "optimizer.adam": (
                {"beta1": float(self.beta_1), "beta2": float(self.beta_2), "epsilon": float(self.epsilon)}
                if kind == "adam"
                else {}
            ),
            "training": {"epochs": int(epochs), "batch_size": None if lm else m, "seed": int(seed)},
            "regularization": {"lambda": None if lm else float(self.alpha) * n_train / m},
            "schedule": {
                # neuralnet's loss is the sum over outputs; scikit-learn's the mean.
                "loss_tolerance": float(self.tol) * n_outputs if plateau and stop else None,
                "loss_patience": stop if plateau else None,
                "patience": stop if validation else None,
            },
            "monitor": {"train": True, "validation": bool(validation), "test": False},
            "performance": {"threads": self.n_threads},
        }
