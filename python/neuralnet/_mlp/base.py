"""What the classifier and the regressor share: training on arrays, the fitted attributes,
prediction and pickling through the model file's bytes."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_feature_names, _check_n_features, check_is_fitted, validate_data

from .. import _core
from .config import ConfigMixin, _config
from .tables import TableMixin, _is_table, _table_rows


class _BaseMLP(ConfigMixin, TableMixin, BaseEstimator):
    """What the classifier and the regressor share: configuration, training, conversion."""

    _classifier = False

    # ----------------------------------------------------------------------------------------
    # parameters

    # ----------------------------------------------------------------------------------------
    # training
    def _epoch_callback(self, n_train, m, n_outputs, y_val_var):
        """The ``on_epoch`` callback: records loss_curve_ and validation scores, prints if verbose."""
        record = {"loss": [], "val": []}
        alpha = 0.0 if self.solver == "lm" else float(self.alpha)
        batches = -(-n_train // m)

        def on_epoch(e):
            loss = e["train"]["loss"] / n_outputs
            # scikit-learn adds 0.5·α·Σ‖W‖²/m_b to each batch loss and averages the batches' losses
            # weighted by m_b/n: Σ_b 0.5·α·Σ‖W‖²/n = 0.5·α·Σ‖W‖²·batches/n (the epoch's last weights).
            loss += 0.5 * alpha * e.get("weights_squared", 0.0) * batches / n_train
            record["loss"].append(loss)
            if self.verbose:
                print(f"Iteration {e['epoch']}, loss = {loss:.8f}")
            v = e.get("validation")
            if v is not None:
                if self._classifier:
                    score = v.get("accuracy", float("nan"))
                else:
                    # R² = 1 − MSE/Var(y) (exact for one output; for several, of the pooled MSE).
                    mse = 2.0 * v["loss"] / n_outputs
                    score = 1.0 - mse / y_val_var if y_val_var > 0 else float("nan")
                record["val"].append(score)
                if self.verbose:
                    print(f"Validation score: {score:f}")
            sys.stdout.flush() if self.verbose else None

        return on_epoch, record

    def _finish(self, model, report, record, n_train, *, first, incremental, early, dtype):
        """Sets the fitted attributes from a training run's ``model``, ``report`` and ``record``."""
        report = json.loads(report)
        final = report.get("final", {})
        epochs = len(record["loss"])
        self._model = model
        self._dtype = np.dtype(dtype)
        self._set_coefs()
        self.n_layers_ = len(model.sizes)
        self.n_outputs_ = model.sizes[-1]
        self.out_activation_ = "softmax" if self._classifier else "identity"
        if first:
            self.loss_curve_ = []
            self.t_ = 0
            self.best_loss_ = None if early else np.inf
            self.validation_scores_ = [] if early else None
            self.best_validation_score_ = -np.inf if early else None
        self.loss_curve_ = list(self.loss_curve_) + record["loss"]
        self.loss_ = record["loss"][-1] if record["loss"] else None
        self.n_iter_ = epochs
        self.t_ += n_train * epochs
        if early:
            if self.validation_scores_ is None:
                self.validation_scores_, self.best_validation_score_ = [], -np.inf
            self.validation_scores_ = list(self.validation_scores_) + record["val"]
            if record["val"]:
                self.best_validation_score_ = max(self.best_validation_score_, max(record["val"]))
            self.best_loss_ = None
        else:
            if self.best_loss_ is None:
                self.best_loss_ = np.inf
            if record["loss"]:
                self.best_loss_ = min(self.best_loss_, min(record["loss"]))
        if not incremental and final.get("stop_reason") == "epoch-limit" and self.solver != "lm":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.fit_seconds_ = final.get("seconds_total")

    def _set_coefs(self):
        """``coefs_`` and ``intercepts_`` from the model, in scikit-learn's orientation (n_in × n_out)."""
        self.coefs_ = [np.asarray(w, dtype=self._dtype).T.copy() for w in self._model.weights()]
        self.intercepts_ = [np.asarray(b, dtype=self._dtype) for b in self._model.biases()]

    def _fit(self, X, y, *, incremental, classes=None):
        sizes = self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        fitted = hasattr(self, "_model")
        first = not fitted or (not self.warm_start and not incremental)
        if _is_table(X):
            if incremental:
                raise ValueError(
                    "partial_fit does not support DataFrames with text columns (their "
                    "encoding is fitted by fit); encode them first or use fit"
                )
            return self._fit_table(X, y, sizes, first)
        X, y = self._validate_xy(X, y, reset=first)
        y_enc, n_out = self._encode_targets(y, first=first, incremental=incremental, classes=classes)
        dtype = X.dtype
        n = X.shape[0]
        if fitted and not first and sizes != list(self._model.sizes[1:-1]):
            raise ValueError(
                f"hidden_layer_sizes {sizes} differ from the fitted model's "
                f"{list(self._model.sizes[1:-1])} (warm_start / partial_fit)"
            )
        early = self.early_stopping and not incremental
        validation, y_val_var = None, 0.0
        if early:
            stratify = y_enc if self._classifier else None
            X_tr, X_val, y_tr, y_val = train_test_split(
                X,
                y_enc,
                random_state=check_random_state(self.random_state),
                test_size=self.validation_fraction,
                stratify=stratify,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
                )
            X, y_enc, n = X_tr, y_tr, X_tr.shape[0]
            validation = self._split(X_val, y_val)
            if not self._classifier:
                y_val_var = float(np.mean(np.var(y_val, axis=0)))
        if first or not hasattr(self, "_base_seed"):
            self._base_seed = self._seed()
            self._calls = 0
        seed = self._base_seed if first else self._base_seed + self._calls
        self._calls = getattr(self, "_calls", 0) + 1
        epochs = 1 if incremental else self.max_iter
        config = _config(
            self._sections(
                [X.shape[1], *sizes, n_out],
                n,
                epochs,
                seed,
                validation=early,
                incremental=incremental,
                n_outputs=1 if self._classifier else n_out,
            )
        )
        m = self._batch(n) if self.solver != "lm" else n
        on_epoch, record = self._epoch_callback(n, m, 1 if self._classifier else n_out, y_val_var)
        xs, labels, ys = self._split(X, y_enc)
        init = None if first else self._model
        model, report = _core.fit_arrays(
            config,
            xs,
            labels,
            ys,
            n_out if self._classifier else 0,
            validation=validation,
            init=init,
            on_epoch=on_epoch,
            name="X",
        )
        self._table = False
        self._finish(model, report, record, n, first=first, incremental=incremental, early=early, dtype=dtype)
        return self

    def _split(self, X, y_enc):
        """(x, labels, y) as ``fit_arrays`` takes them."""
        x = np.ascontiguousarray(X, dtype=np.float32)
        if self._classifier:
            return x, np.ascontiguousarray(y_enc, dtype=np.int64), None
        y2 = y_enc.reshape(len(y_enc), -1)
        return x, None, np.ascontiguousarray(y2, dtype=np.float32)

    # ----------------------------------------------------------------------------------------
    # prediction
    def _outputs(self, X):
        """The network's outputs for ``X`` (float64 or the training dtype), through the table
        preprocessing for a model fitted on a table."""
        check_is_fitted(self)
        if self._table:
            import pandas as pd

            if hasattr(X, "columns"):
                _check_feature_names(self, X, reset=False)
                _check_n_features(self, X, reset=False)
                frame = X
            else:
                arr = np.asarray(X, dtype=object)
                if arr.ndim != 2 or arr.shape[1] != self.n_features_in_:
                    raise ValueError(
                        f"X has shape {arr.shape}, but {type(self).__name__} is expecting "
                        f"{self.n_features_in_} features as input."
                    )
                frame = pd.DataFrame(arr, columns=self.feature_names_in_)
            rows = _table_rows(frame, list(frame.columns))
            out, _warnings = self._model.outputs_table([str(c) for c in frame.columns], rows)
            return np.asarray(out, dtype=np.float64)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        out = self._model.outputs(np.ascontiguousarray(X, dtype=np.float32))
        return np.asarray(out, dtype=X.dtype)

    # ----------------------------------------------------------------------------------------
    # models that leave
    def export_onnx(self, path):
        """Write the fitted model as an ONNX graph (``neuralnet export --onnx``): raw inputs in
        (one float input ``input`` of n_features columns, or for a model fitted on a DataFrame with
        text columns one input per column), ``probabilities`` and ``label`` (classifier; labels
        as the strings of ``classes_``) or ``values`` (regressor) out. Runs in ONNX Runtime."""
        check_is_fitted(self)
        _core.export_onnx(self._model, str(path))

    def export_torch(self, path):
        """Write the network as a PyTorch ``nn.Sequential`` state dict (safetensors) at ``path``
        and the Python lines that build and load it beside it (``.py``); returns the lines."""
        check_is_fitted(self)
        return _core.export_torch(self._model, str(path))

    # ----------------------------------------------------------------------------------------
    # pickling: parameters, fitted attributes and the model file's bytes (no training data)
    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        if "_model" in state:
            state["_model"] = state["_model"].to_bytes()
            state.pop("coefs_", None)
            state.pop("intercepts_", None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        model = state.get("_model")
        if isinstance(model, (bytes, bytearray)):
            state["_model"] = _core.Model.from_bytes(bytes(model))
        super().__setstate__(state)
        if "_model" in state:
            self._set_coefs()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags
