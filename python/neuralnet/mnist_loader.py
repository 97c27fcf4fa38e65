"""mnist_loader: Nielsen's MNIST loader (*Neural Networks and Deep Learning*), on neuralnet's data.

``load_data()`` and ``load_data_wrapper()`` return what his functions return, in his 50,000 /
10,000 / 10,000 split (the first 50,000 training images train, the last 10,000 validate, the
10,000 test images test), read from the canonical IDX files of the data directory instead of his
``../data/mnist.pkl.gz``.

Kept from his code: the tuple formats (training ``y`` one-hot ``(10, 1)`` float64 vectors,
validation and test ``y`` integer labels), ``x`` as ``(784, 1)`` column vectors of ``float32``
pixels in [0, 1] (his pickle held float32 too), and ``vectorized_result``.

Different: the data are found by neuralnet's rules (``data_dir`` argument, else
``$NEURALNET_DATA``, else ``~/.cache/neuralnet``; a missing dataset raises ``ValueError`` naming
every place looked at and ``neuralnet data fetch mnist``); the lists are real lists (Python 3's
``zip`` objects of his Python 3 ports are not needed), of the :class:`PairList` subclass, which
also holds the images stacked so that ``SGD`` hands them to the Rust core without a per-sample
Python loop. The tuples' ``x`` are views of that stacked array (and the training ``y`` of a
one-hot matrix): editing one in place edits the other. Validation and test labels are Python
``int`` (his were NumPy integers).
"""

import numpy as np

from . import _core
from ._nielsen import PairList, pairs_with_labels, pairs_with_onehot

__all__ = ["load_data", "load_data_wrapper", "vectorized_result", "PairList"]


def load_data(data_dir=None):
    """Return the MNIST data as ``(training_data, validation_data, test_data)``.

    Each is a tuple ``(x, y)``: ``x`` an ``n × 784`` float32 array of pixels in [0, 1], ``y`` the
    ``n`` digit labels (int64); ``n`` is 50,000 for training data and 10,000 for the others.
    ``data_dir`` (not in Nielsen's API) is the datasets directory holding ``mnist/``; by default
    ``$NEURALNET_DATA``, else ``~/.cache/neuralnet``. A missing dataset raises ``ValueError``.
    """
    d = _core.load_dataset("mnist", None if data_dir is None else str(data_dir))
    return tuple((d[s]["x"], d[s]["labels"]) for s in ("train", "validation", "test"))


def load_data_wrapper(data_dir=None):
    """Return ``(training_data, validation_data, test_data)`` in the format his networks use.

    ``training_data`` is a list of 50,000 tuples ``(x, y)``: ``x`` a ``(784, 1)`` float32 array,
    ``y`` the ``(10, 1)`` one-hot float64 vector of its digit. ``validation_data`` and
    ``test_data`` are lists of 10,000 tuples ``(x, y)`` with ``y`` the digit (an ``int``). The
    lists are :class:`PairList` objects that also hold the data stacked, for fast training.
    """
    tr_d, va_d, te_d = load_data(data_dir)
    return (pairs_with_onehot(tr_d[0], tr_d[1]), pairs_with_labels(*va_d), pairs_with_labels(*te_d))


def vectorized_result(j):
    """Return a 10-dimensional unit vector (``(10, 1)``) with a 1.0 in the j'th position and
    zeroes elsewhere: a digit (0...9) as the desired output of the network."""
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e
