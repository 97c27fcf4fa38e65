"""network2: Nielsen's improved network (*Neural Networks and Deep Learning*, ``network2.py``,
chapter 3), trained by neuralnet's Rust core.

His driver runs unchanged but for the import line::

    from neuralnet import mnist_loader, network2
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)
    evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = net.SGD(
        training_data, 30, 10, 0.5, lmbda=5.0, evaluation_data=validation_data,
        monitor_evaluation_accuracy=True, monitor_training_cost=True)

Kept from his code: ``QuadraticCost`` and ``CrossEntropyCost`` (static ``fn`` and ``delta``);
``Network`` with ``num_layers``, ``sizes``, ``cost``, ``biases`` (``(n, 1)`` float64),
``weights`` (``(n_out, n_in)`` float64), ``default_weight_initializer`` (W ~ N(0, 1/n_in),
b ~ N(0, 1)) and ``large_weight_initializer`` (W, b ~ N(0, 1)); sigmoid neurons; L2 weight decay
``w ← (1 − ηλ/n) w − (η/m) Σ∇`` with n the training-set size; the per-epoch figures by his
definitions: cost = mean cost + ½(λ/len(data))·Σ‖W‖², where len(data) is the size of the set
measured (his quirk: the evaluation cost's L2 term divides by the evaluation set's size, not the
training set's); accuracies are integer counts (training accuracy counted on one-hot targets as
his ``convert=True`` does); his printed lines, epochs numbered from 0, and a blank line after
each epoch; the four returned lists (empty when not monitored); ``early_stopping_n`` of his
later version (stop once the accuracy has not beaten its best for that many epochs, the best
starting at 0; the last weights are kept, not the best); ``save``/``load`` in his JSON format
(``{"sizes", "weights", "biases", "cost": class name}``); ``vectorized_result``, ``sigmoid``,
``sigmoid_prime``; ``np.random.seed(...)`` before building the network makes a run repeatable.
``accuracy`` and ``total_cost`` compute in NumPy (vectorised over the samples), and
``update_mini_batch`` and ``backprop`` are his NumPy code, for users who call them.

Different:

- ``SGD`` trains in the Rust core in float32 (his code is float64), with the core's seeded
  random stream: a network whose weights are still those drawn from its seed (``net.seed``,
  drawn from ``np.random`` or given as ``Network(sizes, cost, seed=S)``) trains bit for bit as
  ``neuralnet train --activation sigmoid --output-activation sigmoid --cost cross-entropy
  --init normal-scaled --optimizer sgd --lambda λ --seed S`` (``--init normal`` after
  ``large_weight_initializer``). Otherwise (after training, ``load``, edits) it starts from the
  current weights.
- The per-epoch costs and accuracies printed and returned are computed by the core in float32
  (his in float64): they can differ from a later ``total_cost``/``accuracy`` call in the last
  digits. The cross-entropy is computed stably from z (his ``nan_to_num`` form gives the same
  values where it is finite).
- ``SGD`` does not shuffle the caller's list in place (his ``random.shuffle(training_data)``
  did); the core shuffles its own order of the samples.
- ``SGD`` accepts only ``QuadraticCost`` and ``CrossEntropyCost`` (the core's costs); another
  cost class raises ``ValueError``. Evaluation data may hold integer labels or one-hot vectors.
- ``early_stopping_n`` watches the evaluation accuracy when it is monitored, else the training
  accuracy when that is, else the evaluation accuracy (computed without being recorded); with
  neither evaluation data nor a monitored accuracy it raises ``ValueError`` (his code failed
  with a ``NameError``).
- Bad input (shapes not matching ``sizes``, NaN, strings, labels out of range) raises
  ``ValueError`` before training; Ctrl-C raises ``KeyboardInterrupt`` and leaves the weights as
  they were before the call.
"""

import json
import sys

import numpy as np

from ._nielsen import CoreNetwork, check_sizes, forward_rows, stacked
from ._nielsen import sigmoid as _sigmoid

__all__ = ["QuadraticCost", "CrossEntropyCost", "Network", "load", "vectorized_result", "sigmoid", "sigmoid_prime"]


class QuadraticCost:
    """The quadratic cost C = ½‖a − y‖² (the core's ``quadratic``)."""

    core_name = "quadratic"

    @staticmethod
    def fn(a, y):
        """Return the cost associated with an output ``a`` and desired output ``y``."""
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        """Return the error delta from the output layer."""
        return (a - y) * sigmoid_prime(z)


class CrossEntropyCost:
    """The cross-entropy cost C = −Σ [y ln a + (1 − y) ln(1 − a)] (the core's ``cross-entropy``
    on sigmoid outputs)."""

    core_name = "cross-entropy"

    @staticmethod
    def fn(a, y):
        """Return the cost associated with an output ``a`` and desired output ``y``;
        ``np.nan_to_num`` turns the 0·log 0 of a saturated output into 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        """Return the error delta from the output layer (``z`` is unused, kept for the common
        interface)."""
        return a - y


def _core_cost(cost):
    if cost is QuadraticCost or cost is CrossEntropyCost:
        return cost.core_name
    raise ValueError(
        f"cost must be network2.QuadraticCost or network2.CrossEntropyCost (the costs the core "
        f"trains with), not {getattr(cost, '__name__', cost)!r}"
    )


class Network(CoreNetwork):
    """A feedforward network of sigmoid neurons with a choice of cost (Nielsen's chapter 3)."""

    def __init__(self, sizes, cost=CrossEntropyCost, seed=None):
        """``sizes`` lists the number of neurons in each layer, inputs first; ``cost`` is
        ``CrossEntropyCost`` (default) or ``QuadraticCost``. Weights are drawn by
        ``default_weight_initializer``; ``seed`` (not in his API) fixes the seed it uses."""
        sizes = check_sizes(sizes)
        self.num_layers = len(sizes)
        self.sizes = sizes
        self.cost = cost
        self._drawn = None
        self._draw("normal-scaled", seed)

    @property
    def _cost_name(self):
        return _core_cost(self.cost)

    def _draw(self, init, seed=None):
        # The cost does not change the drawn weights; draw with a known one if it is not ours.
        cost = getattr(self, "cost", CrossEntropyCost)
        if cost is not QuadraticCost and cost is not CrossEntropyCost:
            self.cost = CrossEntropyCost
            try:
                super()._draw(init, seed)
            finally:
                self.cost = cost
        else:
            super()._draw(init, seed)

    def default_weight_initializer(self, seed=None):
        """Draw each weight from a Gaussian of mean 0 and standard deviation 1/√n_in (n_in the
        number of weights into the same neuron) and each bias from N(0, 1), by the core's stream
        from a seed drawn from ``np.random`` (or ``seed``)."""
        self._draw("normal-scaled", seed)

    def large_weight_initializer(self, seed=None):
        """Draw weights and biases from N(0, 1), as chapter 1's network does (for comparison;
        the default initializer usually works better)."""
        self._draw("normal", seed)

    def SGD(
        self,
        training_data,
        epochs,
        mini_batch_size,
        eta,
        lmbda=0.0,
        evaluation_data=None,
        monitor_evaluation_cost=False,
        monitor_evaluation_accuracy=False,
        monitor_training_cost=False,
        monitor_training_accuracy=False,
        early_stopping_n=0,
    ):
        """Train by mini-batch stochastic gradient descent with L2 regularisation ``lmbda``, in
        the Rust core.

        ``training_data`` is a list of tuples ``(x, y)`` with one-hot ``y``; ``evaluation_data``
        (usually the validation or test data) tuples ``(x, digit)``. The ``monitor_*`` flags
        choose the figures computed, printed and returned after each epoch. With
        ``early_stopping_n`` > 0, training stops once the accuracy has not improved on its best
        for that many epochs. Returns ``(evaluation_cost, evaluation_accuracy, training_cost,
        training_accuracy)``, per-epoch lists (empty when not monitored); the trained weights
        replace ``weights`` and ``biases``.
        """
        if isinstance(early_stopping_n, bool) or not isinstance(early_stopping_n, int) or early_stopping_n < 0:
            raise ValueError(f"early_stopping_n must be an integer ≥ 0, got {early_stopping_n!r}")
        if evaluation_data is not None and not isinstance(evaluation_data, list):
            evaluation_data = list(evaluation_data)
        if evaluation_data is not None and len(evaluation_data) == 0:
            evaluation_data = None
        if (monitor_evaluation_cost or monitor_evaluation_accuracy) and evaluation_data is None:
            raise ValueError("monitor_evaluation_cost/monitor_evaluation_accuracy need evaluation_data")
        if early_stopping_n > 0 and evaluation_data is None and not monitor_training_accuracy:
            raise ValueError("early_stopping_n needs evaluation_data or monitor_training_accuracy")
        n_data = len(evaluation_data) if evaluation_data is not None else 0
        lmbda_f = float(lmbda) if isinstance(lmbda, (int, float)) and not isinstance(lmbda, bool) else lmbda
        evaluation_cost, evaluation_accuracy = [], []
        training_cost, training_accuracy = [], []
        watch = "test" if monitor_evaluation_accuracy or not monitor_training_accuracy else "train"
        state = {"best": 0, "stale": 0}

        def report(d):
            j = d["epoch"] - 1
            print(f"Epoch {j} training complete")
            w2 = d.get("weights_squared", 0.0)
            if monitor_training_cost:
                t = d["train"]
                cost = t["loss"] + 0.5 * (lmbda_f / t["n"]) * w2
                training_cost.append(cost)
                print(f"Cost on training data: {cost}")
            if monitor_training_accuracy:
                accuracy = int(d["train"]["correct"])
                training_accuracy.append(accuracy)
                print("Accuracy on training data: {} / {}".format(accuracy, d["train"]["n"]))
            if monitor_evaluation_cost:
                t = d["test"]
                cost = t["loss"] + 0.5 * (lmbda_f / t["n"]) * w2
                evaluation_cost.append(cost)
                print(f"Cost on evaluation data: {cost}")
            if monitor_evaluation_accuracy:
                accuracy = int(d["test"]["correct"])
                evaluation_accuracy.append(accuracy)
                print(f"Accuracy on evaluation data: {accuracy} / {n_data}")
            print(flush=True)
            if early_stopping_n > 0:
                accuracy = int(d[watch]["correct"])
                if accuracy > state["best"]:
                    state["best"], state["stale"] = accuracy, 0
                else:
                    state["stale"] += 1
                if state["stale"] == early_stopping_n:
                    return True
            return None

        self._train(
            training_data,
            epochs,
            mini_batch_size,
            eta,
            lmbda=lmbda,
            evaluation_data=evaluation_data,
            monitor_train=monitor_training_cost or monitor_training_accuracy,
            on_epoch=report,
        )
        return evaluation_cost, evaluation_accuracy, training_cost, training_accuracy

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        """One regularised gradient-descent step on the list of ``(x, y)`` tuples ``mini_batch``
        (``n`` is the training-set size), by backpropagation (his NumPy code; ``SGD`` does not
        use it)."""
        nabla_b, nabla_w = self._summed_gradient(mini_batch)
        self.weights = [
            (1 - eta * (lmbda / n)) * w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)
        ]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def _output_delta(self, z, a, y):
        """δᴸ as the network's cost gives it (``cost.delta``)."""
        return (self.cost).delta(z, a, y)

    def accuracy(self, data, convert=False):
        """Return the number of inputs in ``data`` for which the most active output neuron is the
        right class. His ``convert`` flag (True for training data, whose ``y`` are one-hot) is
        accepted; the format of ``y`` is recognised either way."""
        x, labels = stacked(data, self.sizes[0], self.sizes[-1], "data")
        return int(np.sum(np.argmax(forward_rows(self.weights, self.biases, x), axis=1) == labels))

    def total_cost(self, data, lmbda, convert=False):
        """Return the total cost on ``data``: the mean cost plus ½(λ/len(data))·Σ‖W‖². His
        ``convert`` flag (True for validation or test data, whose ``y`` are digits) is accepted;
        the format of ``y`` is recognised either way."""
        x, labels = stacked(data, self.sizes[0], self.sizes[-1], "data")
        a = forward_rows(self.weights, self.biases, x)
        y = np.zeros_like(a)
        y[np.arange(len(labels)), labels] = 1.0
        cost = (
            float(sum(self.cost.fn(a[i], y[i]) for i in range(len(a))) / len(a))
            if self.cost not in (QuadraticCost, CrossEntropyCost)
            else _mean_cost(self.cost, a, y)
        )
        return cost + 0.5 * (lmbda / len(data)) * sum(np.linalg.norm(w) ** 2 for w in self.weights)

    def save(self, filename):
        """Save the network to the file ``filename`` as his JSON (sizes, weights, biases, cost)."""
        data = {
            "sizes": self.sizes,
            "weights": [np.asarray(w).tolist() for w in self.weights],
            "biases": [np.asarray(b).tolist() for b in self.biases],
            "cost": str(self.cost.__name__),
        }
        with open(filename, "w") as f:
            json.dump(data, f)


def _mean_cost(cost, a, y):
    if cost is QuadraticCost:
        return float(np.mean(0.5 * np.sum((a - y) ** 2, axis=1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)), axis=1)))


def load(filename):
    """Load a network saved by ``Network.save`` (his JSON format) from ``filename``."""
    with open(filename) as f:
        data = json.load(f)
    try:
        cost = getattr(sys.modules[__name__], data["cost"])
        net = Network(data["sizes"], cost=cost)
        net.weights = [np.array(w, dtype=np.float64) for w in data["weights"]]
        net.biases = [np.array(b, dtype=np.float64) for b in data["biases"]]
    except (KeyError, AttributeError, TypeError) as e:
        raise ValueError(f"{filename}: not a network2 JSON file ({e})") from None
    return net


def vectorized_result(j):
    """Return a 10-dimensional unit vector (``(10, 1)``) with a 1.0 in the j'th position."""
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e


def sigmoid(z):
    """The sigmoid function."""
    return _sigmoid(z)


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z) * (1 - sigmoid(z))
