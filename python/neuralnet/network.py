"""network: Nielsen's chapter-1 network (*Neural Networks and Deep Learning*, ``network.py``),
trained by neuralnet's Rust core.

His driver runs unchanged but for the import line::

    from neuralnet import mnist_loader, network
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network.Network([784, 30, 10])
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

Kept from his code: the class, its attributes (``num_layers``, ``sizes``, ``biases`` as
``(n, 1)`` float64 arrays, ``weights`` as ``(n_out, n_in)`` float64 arrays) and methods with his
signatures; sigmoid neurons, the quadratic cost ½‖a − y‖², weights and biases drawn from N(0, 1);
mini-batch SGD that reshuffles the training data each epoch and takes consecutive mini-batches
(the last one smaller when the batch size does not divide n), each step ``w ← w − (η/m) Σ∇``;
his printed lines (``Epoch 0: 9012 / 10000``, or ``Epoch 0 complete`` without test data), epochs
numbered from 0; ``np.random.seed(...)`` before building the network makes a run repeatable.
``feedforward``, ``evaluate``, ``update_mini_batch``, ``backprop`` and ``cost_derivative`` are
his NumPy code, for users who call them (``evaluate`` is vectorised over the samples).

Different:

- ``SGD`` trains in the Rust core in float32 (his code is float64), with the core's seeded random
  stream for the shuffling: the same network seed and data give the weights the CLI gives
  (``neuralnet train --config experiments/nielsen-ch1.toml --seed S``), bit for bit. The
  network's seed is ``net.seed`` (drawn from ``np.random``, or given as ``Network(sizes,
  seed=S)``, which his API lacks).
- ``SGD`` does not shuffle the caller's list in place (his ``random.shuffle(training_data)``
  did): the core shuffles its own order of the samples.
- Bad input (shapes not matching ``sizes``, NaN, strings, labels out of range, non-one-hot
  training targets, non-positive epochs or batch size) raises ``ValueError`` before training.
- The test accuracy printed each epoch is computed by the core in float32; ``evaluate`` computes
  it in float64 and can, rarely, differ by a sample whose two top outputs tie in float32.
- Ctrl-C during ``SGD`` raises ``KeyboardInterrupt`` and leaves the weights as they were before
  the call.
"""

import numpy as np

from ._nielsen import CoreNetwork, check_sizes, forward_rows, stacked
from ._nielsen import sigmoid as _sigmoid

__all__ = ["Network", "sigmoid", "sigmoid_prime"]


class Network(CoreNetwork):
    """A feedforward network of sigmoid neurons with the quadratic cost (Nielsen's chapter 1)."""

    _cost_name = "quadratic"

    def __init__(self, sizes, seed=None):
        """``sizes`` lists the number of neurons in each layer, inputs first (e.g. ``[784, 30,
        10]``). Weights and biases are drawn from a Gaussian of mean 0 and variance 1 by the
        core's seeded stream; the seed (``self.seed``) is ``seed`` if given, else drawn from
        ``np.random``. The first layer is the input layer and has no biases."""
        sizes = check_sizes(sizes)
        self.num_layers = len(sizes)
        self.sizes = sizes
        self._drawn = None
        self._draw("normal", seed)

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None):
        """Train the network by mini-batch stochastic gradient descent, in the Rust core.

        ``training_data`` is a list of tuples ``(x, y)`` (``x`` of ``sizes[0]`` values, ``y``
        the one-hot vector of the desired output); ``epochs``, ``mini_batch_size`` and the
        learning rate ``eta`` are as in his code. With ``test_data`` (tuples ``(x, digit)``) the
        network is evaluated after each epoch and ``Epoch j: correct / n`` printed; without it,
        ``Epoch j complete``. The trained weights replace ``weights`` and ``biases``; the caller's
        list is not reordered.
        """
        if test_data is not None and not isinstance(test_data, list):
            test_data = list(test_data)  # e.g. the zip objects of his Python 3 ports' loader
        n_test = len(test_data) if test_data else 0

        def report(d):
            j = d["epoch"] - 1
            if test_data:
                print("Epoch {}: {} / {}".format(j, d["test"]["correct"], n_test), flush=True)
            else:
                print(f"Epoch {j} complete", flush=True)

        self._train(
            training_data,
            epochs,
            mini_batch_size,
            eta,
            evaluation_data=test_data if test_data else None,
            on_epoch=report,
            evaluation_name="test_data",
        )

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step on the list of ``(x, y)`` tuples ``mini_batch`` with learning
        rate ``eta``, by backpropagation (his NumPy code; ``SGD`` does not use it)."""
        nabla_b, nabla_w = self._summed_gradient(mini_batch)
        self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def evaluate(self, test_data):
        """Return the number of test inputs (tuples ``(x, digit)``) for which the network's most
        active output neuron is the right digit."""
        x, labels = stacked(test_data, self.sizes[0], self.sizes[-1], "test_data")
        return int(np.sum(np.argmax(forward_rows(self.weights, self.biases, x), axis=1) == labels))

    def _output_delta(self, z, a, y):
        """δᴸ = (a − y) ⊙ σ'(z): the quadratic cost's."""
        return self.cost_derivative(a, y) * sigmoid_prime(z)

    def cost_derivative(self, output_activations, y):
        """Return the vector of partial derivatives ∂C_x/∂a for the output activations."""
        return output_activations - y


def sigmoid(z):
    """The sigmoid function."""
    return _sigmoid(z)


def sigmoid_prime(z):
    """Derivative of the sigmoid function."""
    return sigmoid(z) * (1 - sigmoid(z))
