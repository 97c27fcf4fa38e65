"""scikit-learn estimators over the Rust core: :class:`MLPClassifier` and :class:`MLPRegressor`.

They take scikit-learn's ``MLPClassifier``/``MLPRegressor`` parameters (same names, defaults and
meanings where both have them) and train with ``neuralnet``'s library, so a pipeline, a grid search
or a Dask cluster runs them unchanged. What differs from scikit-learn, and why:

- **L2 penalty** ``alpha``. scikit-learn adds ``alpha * W / m`` to the gradient of each batch of
  ``m`` samples. ``neuralnet`` decays the weights before each step, ``W <- (1 - eta*lambda/n) W``
  (``n`` = training-set size), so ``lambda = alpha * n / m`` is passed. With ``solver="sgd"`` and
  ``momentum=0`` this is the same update exactly (except on the last, smaller batch of an epoch
  when ``m`` does not divide ``n``, where scikit-learn's term uses that batch's size). With momentum,
  Nesterov momentum or Adam it is *decoupled* weight decay (as AdamW): the shrink per step is the
  same, but it does not pass through the velocity or Adam's moments, so the trajectories differ.
  ``solver="lm"`` has no L2 term: ``alpha`` is ignored there (with a warning when it is not 0).
- **Stopping rules.** ``early_stopping=False``: scikit-learn's training-loss plateau rule (stop
  once the loss has not fallen below ``best - tol`` for more than ``n_iter_no_change`` epochs in a
  row). ``neuralnet`` applies it to the training loss evaluated after each epoch (without the L2
  term), where scikit-learn uses the running mean of the batch losses during the epoch (with it).
  ``early_stopping=True``: a validation split held out as scikit-learn does (stratified for
  classifiers, drawn with ``random_state``); training stops once the validation score (accuracy,
  or minus the validation loss for regression) has not improved for more than
  ``n_iter_no_change`` epochs, and the best weights are restored. ``tol`` is not used there (any
  improvement counts).
- **Classifier output.** Always a softmax layer with one unit per class and cross-entropy, also
  for two classes (scikit-learn uses one logistic unit there): ``out_activation_`` is
  ``"softmax"`` and ``n_outputs_`` is the number of classes. Multilabel targets are not supported.
- **Optimizer state** restarts at each call of ``fit`` (also with ``warm_start=True``) and of
  ``partial_fit``: each ``partial_fit`` runs one epoch from the current weights with fresh momentum
  or Adam moments (scikit-learn keeps them between calls).
- **Initialisation**: Glorot uniform, as scikit-learn (scaled by ``1/sqrt(3)`` for
  ``activation="logistic"``, as scikit-learn's factor 2 instead of 6), drawn from ``neuralnet``'s
  random stream seeded by ``random_state``: the same seed gives the same weights as the CLI's
  ``--seed``, not scikit-learn's.
- **Not supported** (``ValueError``): ``solver="lbfgs"`` (use ``"lm"``, Levenberg–Marquardt, for
  small full-batch problems), ``learning_rate`` other than ``"constant"``, ``shuffle=False``
  (unless one batch holds the whole training set), regression ``loss="poisson"``, sparse input.
  ``power_t`` and ``max_fun`` (used only by what is not supported) and ``sample_weight`` are left
  out.
- **Tables.** A pandas DataFrame with a non-numeric column is read as the CLI reads a CSV file:
  column typing, one-hot encoding of text columns, imputation of missing cells (NaN allowed),
  standardisation are fitted on the training data and kept in the model, and ``predict`` applies
  them to raw DataFrames. ``coefs_[0]`` then has one row per encoded input, not per column.
  Everything else (NumPy arrays, all-numeric DataFrames) is used as given, as in scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._mlp.base import _BaseMLP
from ._mlp.docs import _ATTRS_DOC, _PARAMS_DOC

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier trained by neuralnet's Rust core.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`: a softmax output
    layer with cross-entropy (log-loss), one output unit per class (also for two classes).
    Labels of any type; NumPy arrays are used as given, pandas DataFrames with text columns are
    encoded as the ``neuralnet`` CLI encodes CSV tables.
"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from neuralnet import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(30,), max_iter=300, random_state=1).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """
    )

    _classifier = True

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        n_threads=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.n_threads = n_threads

    def _check_params(self):
        if self.solver == "lm":
            raise ValueError(
                "solver='lm' (Levenberg–Marquardt) minimises a sum of squares and a classifier "
                "uses cross-entropy: use 'adam' or 'sgd' (MLPRegressor supports 'lm')"
            )
        return super()._check_params()

    def _validate_xy(self, X, y, reset):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), reset=reset)
        return X, y

    def _encode_targets(self, y, *, first, incremental, classes):
        check_classification_targets(y)
        if incremental and (first or not hasattr(self, "classes_")):
            if classes is None and not hasattr(self, "classes_"):
                raise ValueError("classes must be passed on the first call to partial_fit.")
            if classes is not None:
                self.classes_ = np.unique(np.asarray(classes))
        elif first:
            self.classes_ = np.unique(y)
        present = np.unique(y)
        if self.warm_start and not incremental and not first:
            if set(present) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {present}"
                )
        unknown = np.setdiff1d(present, self.classes_)
        if len(unknown):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. 'y' has {present}."
            )
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"got 1 class: {self.classes_[0]!r}"
            )
        return np.searchsorted(self.classes_, y), len(self.classes_)

    def fit(self, X, y):
        """Fit the model to data matrix X and class labels y.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The input data. A DataFrame with a non-numeric column is encoded as the CLI encodes a
            CSV table (missing cells allowed there).

        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """Train one epoch over the given data, from the current weights.

        Adam's moments or the momentum restart at each call (scikit-learn keeps them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data (numeric).

        y : array-like of shape (n_samples,)
            Class labels, among ``classes``.

        classes : array-like of shape (n_classes,), default=None
            Every class of all calls; required on the first call.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The probability of each class of ``classes_`` (in that order).
        """
        check_is_fitted(self)
        out = self._outputs(X)
        if self._table:
            full = np.zeros((out.shape[0], len(self.classes_)), dtype=out.dtype)
            ok = self._class_index >= 0
            full[:, ok] = out[:, self._class_index[ok]]
            out = full
        out = np.asarray(out, dtype=np.float64 if out.dtype != np.float32 else np.float32)
        total = out.sum(axis=1, keepdims=True)
        return out / np.where(total > 0, total, 1)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        p = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(p)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            The most probable class of each sample.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor trained by neuralnet's Rust core.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`: identity output
    layer and the squared error (quadratic cost), one or several targets. NumPy arrays are used
    as given, pandas DataFrames with text columns are encoded as the ``neuralnet`` CLI encodes
    CSV tables.

    Parameters
    ----------
    loss : {'squared_error'}, default='squared_error'
        The loss (scikit-learn's 'poisson' is not supported).
"""
        + _PARAMS_DOC.split("----------\n", 1)[1]
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from neuralnet import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(hidden_layer_sizes=(30,), random_state=1, max_iter=50).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """
    )

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        n_threads=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.n_threads = n_threads

    def _check_params(self):
        if self.loss != "squared_error":
            raise ValueError(f"loss={self.loss!r} is not supported by neuralnet; only 'squared_error' is")
        return super()._check_params()

    def _validate_xy(self, X, y, reset):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), multi_output=True, y_numeric=True, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _encode_targets(self, y, *, first, incremental, classes):
        y2 = y.reshape(len(y), -1)
        if not first and hasattr(self, "_model") and y2.shape[1] != self._model.sizes[-1]:
            raise ValueError(f"y has {y2.shape[1]} outputs, the fitted model {self._model.sizes[-1]}")
        self._y_ndim = y.ndim
        return y2, y2.shape[1]

    def fit(self, X, y):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The input data. A DataFrame with a non-numeric column is encoded as the CLI encodes a
            CSV table (missing cells allowed there).

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """Train one epoch over the given data, from the current weights.

        Adam's moments or the momentum restart at each call (scikit-learn keeps them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data (numeric).

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.
        """
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values (1-D for one output).
        """
        out = self._outputs(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
