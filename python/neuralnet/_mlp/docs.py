"""The parameter and attribute sections of the estimators' docstrings (numpydoc)."""

_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of the hidden layers. neuralnet's own names are accepted too: 'sigmoid'
        (= 'logistic'), 'leaky-relu', 'hard-sigmoid'.

    solver : {'adam', 'sgd', 'lm'}, default='adam'
        'adam': Adam. 'sgd': stochastic gradient descent, with heavy-ball or Nesterov momentum
        when ``momentum > 0``. 'lm' (MLPRegressor only): Levenberg–Marquardt on the whole
        training set (small problems; ``batch_size``, ``learning_rate_init``, ``alpha``, ``tol``
        unused).
        scikit-learn's 'lbfgs' is not supported.

    alpha : float, default=0.0001
        Strength of the L2 penalty, as scikit-learn defines it (``alpha * W / batch_size`` added
        to each batch's gradient). Passed to neuralnet as weight decay ``lambda = alpha * n /
        batch_size``: exact for plain SGD, decoupled weight decay with momentum or Adam (see the
        module documentation).

    batch_size : int or 'auto', default='auto'
        Minibatch size; 'auto' is ``min(200, n_samples)``.

    learning_rate : {'constant'}, default='constant'
        Only the constant learning rate is supported.

    learning_rate_init : float, default=0.001
        The learning rate (step size) of 'sgd' and 'adam'.

    max_iter : int, default=200
        Maximum number of epochs.

    shuffle : bool, default=True
        Samples are shuffled each epoch. ``False`` is only accepted when one batch holds the
        whole training set.

    random_state : int, RandomState instance or None, default=None
        Seed of the initial weights, the batch order and the early-stopping split. An int is
        neuralnet's ``--seed``: the same int gives the same weights as the CLI.

    tol : float, default=1e-4
        Tolerance of the training-loss plateau rule (``early_stopping=False``): training stops
        once the loss has not fallen below its best minus ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Print the loss (and the validation score) after each epoch, as scikit-learn.

    warm_start : bool, default=False
        Start ``fit`` from the weights of the previous fit (the optimizer's state restarts).

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1); 0 gives plain SGD.

    nesterovs_momentum : bool, default=True
        Nesterov's momentum for 'sgd' when ``momentum > 0``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for classifiers) and
        stop once the validation score has not improved for more than ``n_iter_no_change``
        epochs; the best weights are restored.

    validation_fraction : float, default=0.1
        Fraction of the training data held out with ``early_stopping``.

    beta_1 : float, default=0.9
        Adam's decay of the first moment, in [0, 1).

    beta_2 : float, default=0.999
        Adam's decay of the second moment, in [0, 1).

    epsilon : float, default=1e-8
        Adam's epsilon.

    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement tolerated by the stopping rules (np.inf: no rule).

    n_threads : int or None, default=None
        Threads of training and prediction; None uses all cores. Results do not depend on it.
"""

_ATTRS_DOC = """
    Attributes
    ----------
    loss_ : float
        The last epoch's loss (as in ``loss_curve_``).

    best_loss_ : float or None
        The smallest loss of ``loss_curve_``; None with ``early_stopping``.

    loss_curve_ : list of float
        The training loss after each epoch, as scikit-learn defines it: the mean cost plus
        ``0.5 * alpha * sum(||W||²) * n_batches / n_samples`` (scikit-learn's L2 term averaged
        over the epoch's batches). neuralnet evaluates it on the weights at the end of each
        epoch, where scikit-learn averages the batch losses during the epoch.

    validation_scores_ : list of float or None
        The validation score after each epoch with ``early_stopping``, else None.

    best_validation_score_ : float or None
        The best of ``validation_scores_``, else None.

    t_ : int
        Number of training samples seen (epochs × training-set size).

    coefs_ : list of ndarray
        The ith element is the weight matrix of layer i, of shape (n_in, n_out) (a copy of the
        model's; predictions use the model).

    intercepts_ : list of ndarray
        The ith element is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when ``X`` had string column names.

    n_iter_ : int
        Number of epochs the last call of fit (or partial_fit) ran.

    n_layers_ : int
        Number of layers, inputs and outputs included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        The output activation.
"""
