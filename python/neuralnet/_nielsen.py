"""Shared machinery of ``neuralnet.network`` and ``neuralnet.network2`` (private).

Nielsen's data are lists of ``(x, y)`` tuples; the Rust core wants stacked ``float32`` rows and
integer labels. :class:`PairList` (what ``mnist_loader`` returns) carries both, so training reads
the stacked arrays directly; any other sequence of pairs is stacked here with vectorised NumPy.
:class:`CoreNetwork` holds the seed logic that makes a run bit-identical to the CLI's with the
same configuration and seed, and runs ``SGD`` on the core.
"""

import numbers
import operator

import numpy as np

from . import _core

_SEED_RANGE = 2**62


class PairList(list):
    """A list of Nielsen's ``(x, y)`` tuples that also holds them stacked.

    It is an ordinary ``list`` (index it, ``zip`` it, shuffle it, append to it); ``x`` is the
    rows × features ``float32`` array whose rows the tuples' ``x`` (column vectors) are views of,
    and ``y`` is either the one-hot matrix whose rows the tuples' ``y`` are views of (training
    data) or the integer labels (validation and test data). Slicing gives a ``PairList`` again.
    The stacked arrays are used only while the list still holds exactly the tuples it was made
    with, in the same order; otherwise the tuples are stacked afresh.
    """

    def __init__(self, pairs, x, y):
        super().__init__(pairs)
        self.x = x
        self.y = y
        self._items = list.copy(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            if self._current():
                return PairList(list.__getitem__(self, index), self.x[index], self.y[index])
            return list.__getitem__(self, index)
        return list.__getitem__(self, index)

    def _current(self):
        """Whether the list still holds the tuples it was made with, in order."""
        return len(self) == len(self._items) and all(map(operator.is_, self, self._items))

    def __repr__(self):
        if not self:
            return "PairList([])"
        x, y = list.__getitem__(self, 0)
        y_shape = np.shape(y) if np.ndim(y) else type(y).__name__
        return f"PairList({len(self)} pairs (x {np.shape(x)}, y {y_shape}))"

    def __reduce__(self):
        return (list, (list(self),))


def pairs_with_onehot(x, labels, n_classes=10):
    """Training-format pairs: x as (features, 1) views, y as (n_classes, 1) one-hot views."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    onehot = np.zeros((len(labels), n_classes))
    onehot[np.arange(len(labels)), labels] = 1.0
    n_features = x.shape[1]
    pairs = [(x[i].reshape(n_features, 1), onehot[i].reshape(n_classes, 1)) for i in range(len(x))]
    return PairList(pairs, x, onehot)


def pairs_with_labels(x, labels):
    """Evaluation-format pairs: x as (features, 1) views, y as Python ints."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    n_features = x.shape[1]
    pairs = [(x[i].reshape(n_features, 1), int(c)) for c, i in zip(labels.tolist(), range(len(x)))]
    return PairList(pairs, x, labels)


def _finite_x(x, what):
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{what}: the inputs x must be numbers, not {x.dtype}")
    x = np.asarray(x, dtype=np.float32)
    if not np.isfinite(x).all():
        row = int(np.argwhere(~np.isfinite(x))[0][0])
        raise ValueError(f"{what}: input {row} holds NaN or infinite values")
    return x


def _labels_of(y, n_out, what):
    """Integer labels of stacked targets y: ints, or one-hot rows of n_out."""
    if y.ndim == 1:
        if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0)):
            raise ValueError(f"{what}: labels must be integers 0..{n_out - 1}, got {y.dtype}")
        labels = y.astype(np.int64)
    else:
        y = y.reshape(len(y), -1)
        if y.shape[1] != n_out:
            raise ValueError(f"{what}: targets y have {y.shape[1]} values but the network has {n_out} outputs")
        if y.dtype.kind not in "biuf":
            raise ValueError(f"{what}: targets y must be numbers, not {y.dtype}")
        onehot = (y == 0) | (y == 1)
        if not (onehot.all() and np.all(y.sum(axis=1) == 1)):
            row = int(np.flatnonzero(~(onehot.all(axis=1) & (y.sum(axis=1) == 1)))[0])
            raise ValueError(f"{what}: target {row} is not a one-hot vector (a single 1.0, zeros elsewhere)")
        labels = y.argmax(axis=1).astype(np.int64)
    if len(labels) and (labels.min() < 0 or labels.max() >= n_out):
        bad = int(labels[(labels < 0) | (labels >= n_out)][0])
        raise ValueError(f"{what}: label {bad} is out of range 0..{n_out - 1} for {n_out} outputs")
    return labels


def stacked(data, n_in, n_out, what):
    """``data`` (pairs of x and y: one-hot vector or integer label) as (x float32 rows × n_in,
    labels int64): from a current :class:`PairList` directly, else stacked."""
    if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
        raise ValueError(f"{what} must be a list of (x, y) tuples, not {type(data).__name__}")
    if not isinstance(data, list):
        data = list(data)
    if len(data) == 0:
        raise ValueError(f"{what} is empty")
    if isinstance(data, PairList) and data._current():
        x, y = data.x, data.y
    else:
        try:
            if any(len(p) != 2 for p in data):
                raise TypeError
            xs, ys = zip(*data)
        except TypeError:
            raise ValueError(f"{what} must be a list of (x, y) tuples") from None
        try:
            x = np.stack([np.asarray(v).reshape(-1) for v in xs])
        except ValueError:
            raise ValueError(f"{what}: the inputs x do not all have the same size") from None
        if all(isinstance(v, numbers.Integral) for v in ys):
            y = np.fromiter((int(v) for v in ys), dtype=np.int64, count=len(ys))
        elif any(isinstance(v, (str, bytes)) for v in ys):
            raise ValueError(f"{what}: targets y must be numbers or vectors, not strings")
        else:
            try:
                y = np.stack([np.asarray(v).reshape(-1) for v in ys])
            except ValueError:
                raise ValueError(f"{what}: the targets y do not all have the same size") from None
    if x.ndim != 2 or x.shape[1] != n_in:
        raise ValueError(
            f"{what}: inputs x have {x.shape[1] if x.ndim == 2 else '?'} values but the network has {n_in} inputs"
        )
    return _finite_x(x, what), _labels_of(np.asarray(y), n_out, what)


def sigmoid(z):
    """The sigmoid function (elementwise on arrays)."""
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z) * (1 - sigmoid(z))


def forward_rows(weights, biases, x):
    """Outputs (rows × n_out, float64) of the sigmoid network for the rows of x."""
    a = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        for w, b in zip(weights, biases):
            a = sigmoid(a @ np.asarray(w).T + np.asarray(b).reshape(-1))
    return a


def _draw_seed():
    return int(np.random.randint(0, _SEED_RANGE, dtype=np.int64))


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def config_toml(sections):
    """The CLI's TOML configuration of a dict of sections."""
    lines = []
    for name, keys in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml(v)}" for k, v in keys.items())
    return "\n".join(lines) + "\n"


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _number(value, name, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'at least 0'}, got {value!r}")
    return float(value)


def check_sizes(sizes):
    """``sizes`` as a list of positive ints (at least two layers), or a ValueError."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes must be a list of at least two layer sizes, e.g. [784, 30, 10], got {sizes!r}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"sizes must hold positive integers, got {sizes!r}")
    return [int(s) for s in sizes]


class CoreNetwork:
    """The weights and the seed logic shared by ``network.Network`` and ``network2.Network``.

    Weights are drawn by the core from a seed taken from ``np.random`` (so ``np.random.seed``
    makes runs repeatable, as in Nielsen's code); ``SGD`` hands the core that seed as long as the
    weights are still the ones drawn, so the run is the CLI's with ``--seed`` that seed, bit for
    bit. Once they differ (trained, loaded, edited, re-initialised by hand) it starts from them.
    """

    _cost_name = "quadratic"

    def feedforward(self, a):
        """Return the output of the network if ``a`` is input (a column vector, or a matrix of
        column vectors)."""
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def _output_delta(self, z, a, y):
        """δᴸ = ∂C_x/∂zᴸ of one sample (each network's cost says it)."""
        raise NotImplementedError

    def backprop(self, x, y):
        """Return ``(nabla_b, nabla_w)``, the gradient of the cost C_x for one sample, layer by
        layer like ``biases`` and ``weights`` (his NumPy code): δᴸ from the cost, then
        δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹ ⊙ σ'(zˡ), ∇_b = δˡ, ∇_W = δˡ (aˡ⁻¹)ᵀ."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self._output_delta(zs[-1], activations[-1], y)
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def _summed_gradient(self, mini_batch):
        """Σₓ ∇C_x over the ``(x, y)`` tuples of ``mini_batch``, as ``(nabla_b, nabla_w)``."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        return nabla_b, nabla_w

    def _draw(self, init, seed=None):
        """Draws weights by `init` ("normal" or "normal-scaled") from `seed` (else np.random)."""
        seed = _draw_seed() if seed is None else int(seed)
        if not 0 <= seed < 2**64:
            raise ValueError(f"seed must be in 0..2**64-1, got {seed}")
        model = _core.new_network(self.sizes, "sigmoid", "sigmoid", self._cost_name, init, 1.0, seed)
        self.weights = [w.astype(np.float64) for w in model.weights()]
        self.biases = [b.astype(np.float64).reshape(-1, 1) for b in model.biases()]
        self.seed = seed
        self._drawn = (init, seed, [w.copy() for w in self.weights], [b.copy() for b in self.biases])

    def _pristine(self):
        """The (init, seed) the current weights were drawn with, if they are untouched."""
        if self._drawn is None:
            return None
        init, seed, ws, bs = self._drawn
        same = (
            isinstance(self.weights, list)
            and isinstance(self.biases, list)
            and len(self.weights) == len(ws)
            and len(self.biases) == len(bs)
            and all(np.shape(a) == b.shape and np.array_equal(a, b) for a, b in zip(self.weights, ws))
            and all(np.shape(a) == b.shape and np.array_equal(a, b) for a, b in zip(self.biases, bs))
        )
        return (init, seed) if same else None

    def _start_model(self):
        """A core model holding the current weights (checked against ``sizes``)."""
        n = len(self.sizes) - 1
        if len(self.weights) != n or len(self.biases) != n:
            raise ValueError(f"expected {n} weight matrices and {n} bias vectors for sizes {self.sizes}")
        ws, bs = [], []
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            w, b = np.asarray(w), np.asarray(b)
            n_in, n_out = self.sizes[l], self.sizes[l + 1]
            if w.shape != (n_out, n_in) or b.size != n_out:
                raise ValueError(
                    f"layer {l}: weights {w.shape} and biases {b.shape} do not fit sizes {self.sizes} "
                    f"(want ({n_out}, {n_in}) and ({n_out}, 1))"
                )
            if w.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
                raise ValueError(f"layer {l}: weights and biases must be numbers")
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise ValueError(f"layer {l}: weights or biases hold NaN or infinite values")
            ws.append(np.ascontiguousarray(w, dtype=np.float32))
            bs.append(np.ascontiguousarray(b.reshape(-1), dtype=np.float32))
        model = _core.new_network(self.sizes, "sigmoid", "sigmoid", self._cost_name, "normal", 1.0, 0)
        model.set_parameters(ws, bs)
        return model

    def _train(
        self,
        training_data,
        epochs,
        mini_batch_size,
        eta,
        lmbda=0.0,
        evaluation_data=None,
        monitor_train=False,
        on_epoch=None,
        evaluation_name="evaluation_data",
    ):
        """Runs the core's SGD; replaces the weights by the trained ones; returns the epochs seen
        (the dicts ``on_epoch`` got)."""
        epochs = _positive_int(epochs, "epochs")
        mini_batch_size = _positive_int(mini_batch_size, "mini_batch_size")
        eta = _number(eta, "eta", positive=True)
        lmbda = _number(lmbda, "lmbda")
        n_in, n_out = self.sizes[0], self.sizes[-1]
        x, labels = stacked(training_data, n_in, n_out, "training_data")
        test = None
        if evaluation_data is not None:
            ex, elabels = stacked(evaluation_data, n_in, n_out, evaluation_name)
            test = (ex, elabels, None)
        start = self._start_model() if self._pristine() is None else None
        if start is None:
            init, seed = self._pristine()
        else:
            init, seed = "normal", _draw_seed()
        config = config_toml(
            {
                "network": {
                    "layers": self.sizes,
                    "activation": "sigmoid",
                    "output_activation": "sigmoid",
                    "cost": self._cost_name,
                    "init": init,
                },
                "optimizer": {"kind": "sgd", "eta": eta},
                "training": {"epochs": epochs, "batch_size": mini_batch_size, "seed": seed},
                "regularization": {"lambda": lmbda},
                "monitor": {"train": bool(monitor_train), "validation": False, "test": test is not None},
            }
        )
        seen = []

        def callback(d):
            seen.append(d)
            if on_epoch is not None:
                return on_epoch(d)
            return None

        model, _report = _core.fit_arrays(
            config, x, labels, None, n_out, test=test, init=start, on_epoch=callback, name="nielsen"
        )
        self.weights = [w.astype(np.float64) for w in model.weights()]
        self.biases = [b.astype(np.float64).reshape(-1, 1) for b in model.biases()]
        return seen
