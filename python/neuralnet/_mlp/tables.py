"""pandas DataFrames with text columns, read as the neuralnet CLI reads a CSV table: cells as
text, the table's encoding fitted and kept in the model, class names matched back to labels."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_feature_names, _check_n_features, column_or_1d

from .. import _core
from .config import _config


def _is_table(X):
    """Whether ``X`` is a DataFrame with a column that is not numeric (read as a CSV table)."""
    if not (hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")):
        return False
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return any(not is_numeric_dtype(t) or is_bool_dtype(t) for t in X.dtypes)


def _cells(values):
    """A column of values as text cells; missing (None, NaN, NA) as the empty cell."""
    import pandas as pd

    s = pd.Series(values, copy=False)
    missing = s.isna().to_numpy()
    if s.dtype.kind == "f":
        text = [repr(float(v)) for v in s.to_numpy()]
    elif s.dtype.kind == "b":
        text = ["true" if v else "false" for v in s.to_numpy()]
    else:
        text = [str(v) for v in s.to_numpy(dtype=object)]
    return ["" if m else t for t, m in zip(text, missing)]


def _table_rows(X, columns):
    """The rows of DataFrame ``X`` (its ``columns``, in order) as lists of text cells."""
    cols = [_cells(X[c]) for c in columns]
    return [list(r) for r in zip(*cols)] if cols else []


class TableMixin:
    """Training on a DataFrame through ``fit_table`` (mixed into the estimators)."""

    def _fit_table(self, X, y, sizes, first):
        """Trains on DataFrame ``X`` through the CLI's table reading (``fit_table``)."""
        _check_feature_names(self, X, reset=True)
        _check_n_features(self, X, reset=True)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
        if self._classifier:
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"got 1 class: {self.classes_[0]!r}"
                )
            targets = ["target"]
        else:
            y = np.asarray(y, dtype=np.float64)
            if y.ndim == 2 and y.shape[1] == 1:
                y = column_or_1d(y, warn=True)
            if not np.all(np.isfinite(y)):
                raise ValueError("Input y contains NaN or infinity.")
            targets = ["target"] if y.ndim == 1 else [f"target_{j}" for j in range(y.shape[1])]
        columns = [str(c) for c in X.columns]
        while any(t in columns for t in targets):
            targets = ["_" + t for t in targets]
        rows = _table_rows(X, list(X.columns))
        y2 = y.reshape(len(y), -1)
        for r, t in zip(rows, y2):
            r.extend(_cells(t) if not self._classifier else [str(t[0])])
        from pandas.api.types import CategoricalDtype

        categorical = [str(c) for c, t in X.dtypes.items() if isinstance(t, CategoricalDtype)]
        n_out = 1 if self._classifier else len(targets)
        seed = self._seed()
        early = bool(self.early_stopping)
        n_val = int(np.ceil(len(X) * self.validation_fraction)) if early else 0
        n_train = len(X) - n_val

        def sections():
            s = self._sections(None, n_train, self.max_iter, seed, validation=early, incremental=False, n_outputs=n_out)
            # The input width is the table's after encoding: give the hidden sizes only.
            s["network"]["hidden"] = sizes
            data = {
                "target": targets,
                "task": "classification" if self._classifier else "regression",
                "validation_fraction": float(self.validation_fraction) if early else 0.0,
                "categorical": categorical or None,
            }
            return {"data": data, **s}

        config = _config(sections())
        m = self._batch(n_train) if self.solver != "lm" else n_train
        on_epoch, record = self._epoch_callback(
            n_train, m, n_out, float(np.mean(np.var(y2, axis=0))) if not self._classifier else 1.0
        )
        same = hasattr(self, "_model") and list(self._model.sizes[1:-1]) == list(sizes)
        init = self._model if not first and self._table and same else None
        model, report = _core.fit_table(config, columns + targets, rows, init=init, on_epoch=on_epoch, name="X")
        self._table = True
        if self._classifier:
            names = list(model.class_names or [])
            self._class_index = self._match_classes(names)
        self._finish(model, report, record, n_train, first=first, incremental=False, early=early, dtype=np.float64)
        return self

    def _match_classes(self, names):
        """For each of ``classes_``, its output column of a table model (−1: never trained on)."""
        index = {n: i for i, n in enumerate(names)}
        numeric = {}
        for i, n in enumerate(names):
            try:
                numeric.setdefault(float(n), i)
            except ValueError:
                pass
        out = []
        for c in self.classes_:
            i = index.get(str(c))
            if i is None and isinstance(c, (numbers.Real, np.number)):
                i = numeric.get(float(c))
            out.append(-1 if i is None else i)
        return np.array(out)
