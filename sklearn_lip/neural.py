"""LIPClassifier: a neural network trained with skorch whose last linear layer LIP refines.

Design: composition. :class:`LIPClassifier` is a plain scikit-learn classifier that builds a
skorch ``NeuralNetClassifier`` in ``fit`` and keeps it as ``net_``. Subclassing skorch would
make every attribute skorch sets in ``__init__`` a constructor parameter and fail
``check_no_attributes_set_in_init``; instead the skorch conventions users know are accepted
as parameters and forwarded: ``module__<name>`` (constructor arguments of the module),
``criterion__<name>``, ``optimizer`` and ``optimizer__<name>``, ``callbacks`` and
``callbacks__<name>__<param>``, ``iterator_train__<name>`` and ``iterator_valid__<name>``.
They are listed by ``get_params`` and accepted by ``set_params``, so ``clone`` and
``GridSearchCV`` see them. Labels are encoded here (skorch does not), candidate-set targets are
ours, and predictions come from the refined head, not from the module's own output layer.

Training data reach skorch as ``X`` (float32) and a dict ``y = {"target", "weight"}``: the
loss reads the per-row weights from it, so the module's ``forward`` needs no extra argument.
By default a stratified slice of the (noisy) training rows is held out and training stops when
the held-out accuracy on those noisy labels stops improving (:class:`_HeldOutMonitor`); a
network trained to convergence on noisy labels memorises them. After training, the inputs of
the head layer (the body's features) are collected with a forward hook in evaluation mode, and
:func:`sklearn_lip._head.fit_head` refines ``W = [head.weight.T; head.bias]`` exactly as
:class:`~sklearn_lip.LIPMetaClassifier` does for linear models.

Importing this module requires torch and skorch; ``import sklearn_lip`` does not import it.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import functools
import inspect
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

try:
    import torch
    from skorch import NeuralNetClassifier
    from skorch.callbacks import Callback, ProgressBar
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split
    from skorch.utils import to_tensor
    from torch import nn
    from torch.nn import functional as F
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'LIPClassifier needs PyTorch and skorch: pip install "sklearn-lip[torch]"'
    ) from exc

from ._compat import Interval, StrOptions, _fit_context
from ._head import DEFAULT_LAP, Fold, fit_head, label_targets
from ._partial import encode_candidates, encode_labels, is_candidate_matrix
from .cleaning import estimate_noise_matrix
from .losses import (
    ClassifierConsistentLoss,
    CrossEntropy,
    ForwardCorrectedCrossEntropy,
    GeneralizedCrossEntropy,
    LabelSmoothingCrossEntropy,
    ProdenLoss,
    SymmetricCrossEntropy,
)

__all__ = [
    "EarlyStoppingSkippedWarning",
    "LIPClassifier",
    "NOISY_LABEL_CRITERIA",
    "PARTIAL_LABEL_CRITERIA",
]

#: Criteria for 1-D (possibly noisy) labels; the loss reads class indices.
NOISY_LABEL_CRITERIA = {
    "ce": CrossEntropy,
    "label_smoothing": LabelSmoothingCrossEntropy,
    "gce": GeneralizedCrossEntropy,
    "sce": SymmetricCrossEntropy,
    "forward": ForwardCorrectedCrossEntropy,
}
#: Criteria for candidate sets (partial labels).
PARTIAL_LABEL_CRITERIA = {"cc": ClassifierConsistentLoss, "proden": ProdenLoss}

#: Prefixes of the skorch-style parameters ``<prefix>__<name>`` that LIPClassifier accepts.
#: ``module__*`` and ``criterion__*`` build the module and the loss here; the others go to the
#: skorch net unchanged.
SKORCH_PREFIXES = (
    "module",
    "criterion",
    "optimizer",
    "callbacks",
    "iterator_train",
    "iterator_valid",
)


def _is_skorch_param(name):
    """Whether ``name`` is a ``<prefix>__<name>`` parameter of :data:`SKORCH_PREFIXES`."""
    prefix, separator, rest = name.partition("__")
    return bool(separator and rest) and prefix in SKORCH_PREFIXES


class EarlyStoppingSkippedWarning(UserWarning):
    """Warning raised when too few rows can be held out for early stopping.

    Holding out a stratified slice needs at least 2 rows in every class (and enough rows for
    ``validation_fraction`` to contain one per class); otherwise the network trains on every
    row for ``max_epochs`` epochs, which can memorise noisy labels.
    """


class _MLP(nn.Module):
    """Fully connected ReLU network: ``body`` (the hidden layers) and a linear ``head``.

    With ``hidden_units=()`` the body is the identity and the network is a multinomial
    logistic regression.
    """

    def __init__(self, n_features, n_classes, hidden_units=(256, 256)):
        super().__init__()
        layers, width = [], n_features
        for units in hidden_units:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_classes)

    def forward(self, X):
        return self.head(self.body(X))


def _softmax(logits):
    """``predict_nonlinearity`` of the skorch net: its ``predict_proba`` gives probabilities."""
    return torch.softmax(logits, dim=-1)


class _Net(NeuralNetClassifier):
    """skorch classifier whose ``y`` is ``{"target": ..., "weight": ...}``.

    ``check_data`` is skipped because the targets are already encoded (and ``np.unique`` cannot
    read a dict), and the ``valid_acc`` scorer, which compares ``predict`` with ``y``, is dropped.
    """

    @property
    def _default_callbacks(self):
        return [(name, cb) for name, cb in super()._default_callbacks if name != "valid_acc"]

    def check_data(self, X, y):
        pass

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred, y_true["target"], y_true["weight"])


@contextmanager
def _own_torch_rng(seed=None):
    """Restore torch's global RNG state on exit, seeding it first when ``seed`` is given.

    Training draws from the global RNG (initialisation, shuffling), and so does every
    ``DataLoader`` iteration, even an unshuffled one (it draws a base seed for its workers).
    """
    devices = range(torch.cuda.device_count()) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield


def _holdout(rows, strata, fraction, seed):
    """Split ``rows`` into (kept, held-out), stratified when ``strata`` is given.

    Returns None when the rows are too few (or a class too small) to hold any out.
    """
    splitter_class = ShuffleSplit if strata is None else StratifiedShuffleSplit
    splitter = splitter_class(n_splits=1, test_size=fraction, random_state=seed)
    try:
        kept, held_out = next(splitter.split(rows, None if strata is None else strata[rows]))
    except ValueError:  # scikit-learn's message: a class has 1 row, or test/train too small
        return None
    return rows[kept], rows[held_out]


def _head_layer(net, head, n_classes):
    """The module's head: an ``nn.Linear`` producing ``n_classes`` outputs."""
    try:
        layer = net.module_.get_submodule(head)
    except AttributeError as exc:
        raise ValueError(
            f"The module {type(net.module_).__name__} has no submodule head={head!r}; name its "
            "last nn.Linear layer with the head parameter."
        ) from exc
    if not isinstance(layer, nn.Linear) or layer.out_features != n_classes:
        raise ValueError(
            f"head={head!r} must be an nn.Linear layer with {n_classes} outputs (one per "
            f"class); got {layer!r}."
        )
    return layer


def _head_weights(layer):
    """``[weight.T; bias]`` of a linear layer, float64, shape (in_features + 1, out_features)."""
    weight = layer.weight.detach().cpu().double().numpy().T
    bias = (
        np.zeros(weight.shape[1])
        if layer.bias is None
        else layer.bias.detach().cpu().double().numpy()
    )
    return np.vstack([weight, bias])


def _head_inputs(net, layer, X):
    """The head layer's inputs (the body's features) for ``X``, batched, in eval mode, no grad.

    Also checks that the head's output is the module's output, so that refining the head
    refines the predictions. The last batch is padded with zero rows to the full batch size:
    float32 matrix products round differently for different numbers of rows, and a row's
    features should not depend on which other rows are predicted with it.
    """
    batch_size = getattr(net, "iterator_valid__batch_size", net.batch_size)
    n_samples = len(X)
    if batch_size > 0 and n_samples % batch_size:
        padding = np.zeros((batch_size - n_samples % batch_size, *X.shape[1:]), dtype=X.dtype)
        X = np.concatenate([X, padding])
    seen = {}

    def record(module, args, output):
        seen["features"], seen["logits"] = args[0], output

    handle = layer.register_forward_hook(record)
    features = []
    try:
        with _own_torch_rng():
            for logits in net.forward_iter(X, training=False):
                seen_logits = seen.pop("logits", None)
                if not (
                    isinstance(logits, torch.Tensor)
                    and seen_logits is not None
                    and torch.equal(logits, seen_logits.to(logits.device))
                ):
                    raise ValueError(
                        f"The output of {type(net.module_).__name__} must be the output of its "
                        "head layer (a single tensor of logits); LIP refines that layer."
                    )
                features.append(seen.pop("features").detach().cpu().numpy())
    finally:
        handle.remove()
    return np.concatenate(features)[:n_samples]


@dataclass
class _Task:
    """What every network of one ``fit`` trains on; rows are selected by index."""

    X: np.ndarray  # float32 features
    target: np.ndarray  # what the loss reads per row (labels, candidate rows or row indices)
    weight: np.ndarray  # sample weights, ones when none were given
    strata: np.ndarray  # labels for stratified splits; None for candidate sets
    hits: np.ndarray  # (n_samples, n_classes) bool: the predictions that count as right
    n_classes: int
    make_loss: object  # callable returning a fresh criterion
    net_seed: int  # torch seed of every network
    split_seed: int  # seed of every hold-out split


@dataclass
class _Training:
    """One network trained under the early-stopping policy, and what decided its length."""

    net: object  # the network predictions come from
    rows: np.ndarray  # the rows that trained it
    held_out: np.ndarray  # rows held out to choose the epoch; None when nothing was held out
    validation_net: object  # the network scored on ``held_out`` (``net`` itself unless refit)
    validation_rows: np.ndarray  # the rows that trained ``validation_net``
    best_epoch: int  # None when nothing was held out
    stop_reason: str


class _HeldOutMonitor(Callback):
    """Scores every epoch on held-out rows and stops when they stop improving.

    Records ``valid_acc`` (weighted accuracy against the held-out rows' *noisy* labels, or
    membership in their candidate sets) in the history beside skorch's ``valid_loss``, from
    the predictions of skorch's own validation pass (its batches follow the rows' order). An
    epoch is better when its accuracy is higher, or equal with a lower loss; training stops
    after ``patience`` epochs without a better one (skorch's ``KeyboardInterrupt``
    convention), and with ``restore_best`` the best epoch's weights are loaded at the end of
    training.
    """

    def __init__(self, hits, weight, patience, restore_best):
        self.hits = hits
        self.weight = weight
        self.patience = patience
        self.restore_best = restore_best

    def on_train_begin(self, net, **kwargs):
        self.best_key_, self.best_epoch_, self.best_state_ = None, None, None
        self.misses_, self.stopped_ = 0, False

    def on_epoch_begin(self, net, **kwargs):
        self.predicted_ = []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training:
            self.predicted_.append(y_pred.argmax(dim=1).cpu().numpy())

    def on_epoch_end(self, net, **kwargs):
        predicted = np.concatenate(self.predicted_)
        right = self.hits[np.arange(len(predicted)), predicted]
        accuracy = float(np.average(right, weights=self.weight))
        net.history.record("valid_acc", accuracy)
        key = (accuracy, -float(net.history[-1, "valid_loss"]))
        if self.best_key_ is None or key > self.best_key_:
            self.best_key_, self.best_epoch_, self.misses_ = key, len(net.history), 0
            net.history.record("valid_acc_best", True)
            if self.restore_best:
                self.best_state_ = copy.deepcopy(net.module_.state_dict())
            return
        self.misses_ += 1
        if self.misses_ >= self.patience:
            self.stopped_ = True
            raise KeyboardInterrupt  # how skorch callbacks end training

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None and self.best_epoch_ != len(net.history):
            net.module_.load_state_dict(self.best_state_)
        self.best_state_ = None  # a copy of the weights the network now holds, or stale


class _TorchLoss(nn.Module):
    """A loss called as ``loss(input, target)`` (any torch loss), made to take row weights.

    The package's losses take ``sample_weight`` themselves. Here, with weights that are not
    all 1, the wrapped loss is evaluated with ``reduction="none"`` and the weighted mean (or
    sum) of its rows is returned. ``nn.NLLLoss`` expects log-probabilities: it receives the
    log-softmax of the logits (skorch applies ``log`` to a module's probabilities instead).
    """

    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, input, target, sample_weight=None):
        if isinstance(self.loss, nn.NLLLoss):
            input = F.log_softmax(input, dim=1)
        if sample_weight is None or bool(torch.all(sample_weight == 1)):
            return self.loss(input, target)
        reduction = getattr(self.loss, "reduction", None)
        if reduction not in ("mean", "sum"):
            raise ValueError(
                f"sample_weight needs a criterion that accepts it: {type(self.loss).__name__} "
                "has no reduction='mean' or 'sum' to evaluate per row; use one of the "
                "package's criteria or fit without sample_weight."
            )
        self.loss.reduction = "none"
        try:
            rows = self.loss(input, target)
        finally:
            self.loss.reduction = reduction
        rows = rows.reshape(len(sample_weight), -1)
        if reduction == "mean":
            return (rows.mean(dim=1) * sample_weight).mean()
        return (rows.sum(dim=1) * sample_weight).sum()


class LIPClassifier(ClassifierMixin, BaseEstimator):
    """Neural network classifier trained to survive noisy labels, its last layer refined by LIP.

    Trains a PyTorch module with skorch, stopping when a held-out slice of the (noisy)
    training rows stops improving, then refines its head ``W = [head.weight.T; head.bias]``
    with LIP (Si et al., 2025) on the body's features of the training rows: the top-``k``
    singular components are kept and the singular values of the rest are re-fitted on the
    training labels. Predictions come from the refined head; the trained head stays available
    as ``raw_coef_`` / ``raw_intercept_`` (and ``net_``).

    ``y`` is either 1-D labels (possibly noisy) or a 2-D 0/1 candidate matrix of shape
    (n_samples, n_classes) for partial-label learning: each row lists the classes that may be
    the true one. scikit-learn would read such a matrix as multilabel targets; here exactly
    one candidate per row is assumed true and ``predict`` returns one label per row.
    Requires PyTorch and skorch (``pip install "sklearn-lip[torch]"``).

    Parameters
    ----------
    module : {"mlp", "linear"} or torch.nn.Module subclass, default="mlp"
        - ``"mlp"``: fully connected ReLU layers of ``hidden_units`` (the body) followed by a
          linear head.
        - ``"linear"``: the head alone, a multinomial logistic regression.
        - a ``torch.nn.Module`` class (not an instance), built as
          ``module(n_features=..., n_classes=..., **module__params)`` from the
          ``module__<name>`` parameters. Its ``forward`` must return the output of the
          ``nn.Linear`` layer named by ``head``.
    hidden_units : int or tuple of int, default=(256, 256)
        Widths of the hidden layers of ``module="mlp"``.
    head : str, default="head"
        Name of the module's last ``nn.Linear`` layer, as for ``module.get_submodule`` (a dotted
        path such as ``"classifier.2"`` works).
    criterion : str, torch.nn.Module subclass or instance, default="auto"
        Training loss. By name (see :mod:`sklearn_lip.losses`), for 1-D labels: ``"ce"``
        (cross-entropy), ``"label_smoothing"``, ``"gce"`` (generalized cross-entropy),
        ``"sce"`` (symmetric cross-entropy) or ``"forward"`` (forward loss correction); for a
        candidate matrix: ``"cc"`` (classifier-consistent) or ``"proden"`` (progressive
        identification). ``"auto"``: ``"ce"`` for labels, ``"cc"`` for candidate sets. As in
        skorch, also a loss class, built with the ``criterion__<name>`` parameters (one of the
        package's losses, or any torch loss such as ``torch.nn.CrossEntropyLoss``), or an
        instance (copied for every network). A torch loss is called as ``loss(logits,
        target)`` with class indices as targets (for a candidate matrix: its 0/1 rows);
        ``torch.nn.NLLLoss`` receives the log-softmax of the logits. A named criterion of
        the other kind of target raises a ``ValueError``. Without a ``transition_matrix``
        parameter, ``"forward"`` estimates it with the confident joint
        (:func:`~sklearn_lip.cleaning.estimate_noise_matrix`) from 2-fold out-of-fold
        probabilities of cross-entropy networks of the same architecture, which costs about
        one extra training.
    optimizer : torch.optim.Optimizer subclass, default=torch.optim.Adam
        Built by skorch with ``lr`` and the ``optimizer__<name>`` parameters.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks of every network trained; ``callbacks__<name>__<param>`` sets
        their parameters. A callback that reads the validation scores (``valid_loss``,
        ``valid_acc``) needs a held-out split: with ``early_stopping=False``, or in the refit
        network, it raises a ``ValueError`` saying so.
    max_epochs : int, default=50
        Most training epochs (exactly these with ``early_stopping=False``).
    lr : float, default=1e-3
        Learning rate of the optimizer.
    batch_size : int, default=128
        Rows per training batch.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training rows (stratified for labels) and stop
        training when their accuracy against their own (noisy) labels has not improved for
        ``n_iter_no_change`` epochs; the epoch with the best held-out accuracy (lowest held-out
        loss among ties) is chosen. Without it the network trains ``max_epochs`` epochs on
        every row, as skorch does, and memorises noisy labels. With too few rows to hold out
        (fewer than 2 in some class), training falls back to ``max_epochs`` epochs on every
        row with an :class:`EarlyStoppingSkippedWarning`.
    refit : bool, default=True
        With ``early_stopping``: ``True`` trains a second network on every row for the number
        of epochs early stopping chose, so no row is left out of the final model (the
        early-stopped network validates ``k="auto"``); ``False`` keeps the early-stopped
        network at its best epoch, which trained on every row except the held-out ones
        (``validation_indices_``), at about half the cost. :ref:`neural_benchmark` compares
        the two.
    validation_fraction : float in (0, 1), default=0.2
        Fraction of the rows held out for ``early_stopping`` and for ``k="auto"``.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``, in epochs.
    k : int, float in (0, 1), "auto", list of int or None, default="auto"
        Number of principal components of the head kept by LIP.

        - int: exactly that many, ``1 <= k < rank(W)``.
        - float: the smallest k whose singular values hold that fraction of the squared
          spectrum (``W`` is left unchanged when that is every component).
        - ``"auto"``: compare each candidate k with the unchanged head on held-out rows (a
          held-out prediction counts as right when it is the row's label, or one of its
          candidates). A k is used only when its net gain over the unchanged head is
          significant (a one-sided paired McNemar test at level ``significance``,
          Bonferroni-corrected for the number of candidates); otherwise the head is left as
          trained. With ``early_stopping`` the held-out rows are those that chose the epoch,
          and no extra network is trained; without it, a second network is trained on
          ``1 - validation_fraction`` of the rows. With fewer than 2 rows in some class the
          head is left unchanged.
        - list of int: like ``"auto"`` over these candidates.
        - None: no LIP; predictions come from the trained head (a baseline).
    lap : {"auto", "paper", "scaled", "log"}, default="auto"
        How the lower singular values are re-fitted (see :func:`~sklearn_lip.lip_refine`);
        ``"log"`` minimizes the cross-entropy (for candidate sets the classifier-consistent
        loss) of the refined head. ``"auto"`` is ``"log"`` (why: :ref:`neural_benchmark`).
        LIP targets are the one-hot training labels, or the candidate matrix.
    significance : float in (0, 1], default=0.05
        Level of the test ``k="auto"`` applies before it changes the head; smaller is more
        conservative.
    classes : array-like, default=None
        Class labels. For a candidate matrix: the label of each column, in column order
        (default ``0 .. n_classes - 1``). For 1-D labels: every class the network should have,
        in output order, possibly some absent from ``y`` (default: the sorted labels of ``y``).
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``; a device torch cannot use raises at the start of
        ``fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds the network initialisation, batch order and hold-out splits. Torch is seeded
        inside ``torch.random.fork_rng``, so the global torch RNG state is left as it was.
        With an int, fits on CPU are reproducible.
    verbose : int, default=0
        0: silent; 1: for every network trained, a line saying which one it is (early
        stopping, refit, k validation, transition-matrix fold) and skorch's epoch log;
        2: also a progress bar.
    **kwargs : skorch-style parameters
        ``module__<name>``, ``criterion__<name>``, ``optimizer__<name>``,
        ``callbacks__<name>__<param>``, ``iterator_train__<name>`` and
        ``iterator_valid__<name>``, as in skorch (e.g. ``optimizer__momentum=0.9``,
        ``criterion__q=0.5``, ``iterator_train__drop_last=True``). Training batches are
        shuffled unless ``iterator_train__shuffle=False``.

    Attributes
    ----------
    net_ : skorch.NeuralNetClassifier
        The network predictions come from, with the *unrefined* head (its ``predict_proba`` is
        the raw head's softmax). Its ``history`` holds the training log.
    best_epoch_ : int or None
        The epoch early stopping chose (1-based); ``None`` when nothing was held out.
    stop_reason_ : str
        Why training ended: ``"patience"`` (no better held-out epoch for
        ``n_iter_no_change`` epochs), ``"max_epochs"``, ``"early_stopping=False"`` or
        ``"too few rows to hold out"``.
    validation_curve_ : dict of ndarray or None
        Per epoch of the early-stopped network: ``"epoch"``, ``"train_loss"``,
        ``"valid_loss"`` and ``"valid_acc"`` (held-out loss and accuracy against the noisy
        labels); ``None`` when nothing was held out.
    validation_indices_ : ndarray of int or None
        The rows held out for early stopping and ``k="auto"``. Without ``refit`` the final
        network (and the LIP re-fit) used every other row; with ``refit`` it trained on all
        rows. ``None`` when nothing was held out: every row trained the network.
    criterion_ : str
        The criterion used: its name (``"auto"`` resolved) or the loss class's name.
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The transition matrix of ``criterion="forward"``, given or estimated. Only defined for
        that criterion.
    n_iter_ : int
        Epochs the network ``net_`` was trained (including the epochs after the best one when
        early stopping restored it).
    coef_ : ndarray of shape (n_classes, n_head_features)
        Refined head weights.
    intercept_ : ndarray of shape (n_classes,)
        Refined head bias.
    raw_coef_ : ndarray of shape (n_classes, n_head_features)
        Head weights before LIP.
    raw_intercept_ : ndarray of shape (n_classes,)
        Head bias before LIP.
    k_ : int or None
        Number of kept components, ``None`` when the head was left unchanged.
    lap_ : str
        LAP mode used.
    singular_values_ : ndarray
        Singular values of the unrefined ``W``.
    refined_singular_values_ : ndarray
        Singular values of the refined ``W`` in the same basis (not re-sorted).
    validation_scores_ : dict or None
        Held-out accuracy of the unchanged head (key ``"unchanged"``) and of each candidate k,
        against the training labels or candidate sets; ``None`` unless k was validated.
    validation_z_ : float or None
        Paired z statistic of the best candidate k against the unchanged head.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X` has feature names that
        are all strings.

    See Also
    --------
    LIPMetaClassifier : LIP for any fitted linear classifier.
    sklearn_lip.CleanLabelClassifier : Removes likely wrong labels before fitting; wraps this
        classifier too.
    sklearn_lip.noise.PartialLabelNoise : Makes candidate matrices that ``fit`` accepts.

    Notes
    -----
    ``X`` is cast to float32. ``sample_weight`` multiplies each row's loss (rescaled to mean 1,
    so the learning rate keeps its meaning), the held-out accuracy, and weighs the LIP re-fit.
    To cross-validate with a candidate matrix, pass a splitter that accepts 2-D targets (e.g.
    ``KFold``): stratified splitters reject them. :meth:`score` then counts a prediction as
    right when it lies in the row's candidate set.

    Early stopping on noisy held-out labels is what protects a network from memorising the
    noise. What early stopping, the criteria and LIP gained in the package's benchmarks is in
    :ref:`neural_benchmark`.

    Small networks gain little from several CPU threads. On a machine whose cores are busy with
    other processes, torch's OpenMP threads spin while they wait for each other and training can
    be many times slower; set ``OMP_WAIT_POLICY=PASSIVE`` before starting Python, or call
    ``torch.set_num_threads(1)``.

    References
    ----------
    .. [1] C. Si, Y. Cui, X. Yang, Y. Yang, W. Shen, "Why Can Accurate Models Be Learned from
           Inaccurate Annotations?", arXiv:2505.16159, 2025.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_lip.neural import LIPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LIPClassifier(hidden_units=(16,), k=2, random_state=0).fit(X, y)
    >>> clf.k_, clf.lap_, clf.coef_.shape
    (2, 'log', (3, 16))
    >>> clf.stop_reason_ in {"patience", "max_epochs"}, len(clf.validation_indices_)
    (True, 30)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "module": [StrOptions({"mlp", "linear"}), type],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "head": [str],
        "criterion": [
            StrOptions({"auto", *NOISY_LABEL_CRITERIA, *PARTIAL_LABEL_CRITERIA}),
            type,
            nn.Module,
        ],
        "optimizer": [type],
        "callbacks": [list, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "refit": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "k": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            StrOptions({"auto"}),
            "array-like",
            None,
        ],
        "lap": [StrOptions({"auto", "paper", "scaled", "log"})],
        "significance": [Interval(Real, 0, 1, closed="right")],
        "classes": ["array-like", None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        module="mlp",
        hidden_units=(256, 256),
        head="head",
        criterion="auto",
        optimizer=torch.optim.Adam,
        callbacks=None,
        max_epochs=50,
        lr=1e-3,
        batch_size=128,
        early_stopping=True,
        refit=True,
        validation_fraction=0.2,
        n_iter_no_change=10,
        k="auto",
        lap="auto",
        significance=0.05,
        classes=None,
        device="cpu",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.module = module
        self.hidden_units = hidden_units
        self.head = head
        self.criterion = criterion
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.refit = refit
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.k = k
        self.lap = lap
        self.significance = significance
        self.classes = classes
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        # Stored as given, like every other parameter (and listed by get_params, so that
        # clone keeps them); fit refuses names that are not skorch-style.
        for name, value in kwargs.items():
            setattr(self, name, value)

    def _keyword_params(self):
        """The parameters given beyond the signature's (the ``**kwargs`` of ``__init__``)."""
        own = set(self._get_param_names())
        return {
            name: value
            for name, value in vars(self).items()
            if name not in own and not name.startswith("_") and not name.endswith("_")
        }

    def _skorch_params(self, prefix=None):
        """The ``<prefix>__<name>`` parameters set on this estimator (of ``prefix`` if given)."""
        return {
            name: value
            for name, value in self._keyword_params().items()
            if _is_skorch_param(name) and (prefix is None or name.startswith(f"{prefix}__"))
        }

    def get_params(self, deep=True):
        """Parameters of this estimator, including the skorch-style ``<prefix>__<name>`` ones.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators (there are none).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._keyword_params()}

    def set_params(self, **params):
        """Set parameters; ``<prefix>__<name>`` ones may be new, as in skorch.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : LIPClassifier
            This estimator.
        """
        skorch_style = {name: value for name, value in params.items() if _is_skorch_param(name)}
        for name, value in skorch_style.items():
            setattr(self, name, value)
        super().set_params(
            **{name: value for name, value in params.items() if name not in skorch_style}
        )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network (early-stopped on held-out noisy rows), then refine its head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (cast to float32).
        y : array-like of shape (n_samples,) or {array-like, sparse matrix} of shape \
                (n_samples, n_classes)
            Labels (possibly noisy), or a 0/1 candidate matrix (partial labels) whose columns
            follow ``classes``.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the training loss, the held-out accuracy and the LIP re-fit.

        Returns
        -------
        self : object
            Fitted classifier.
        """
        unknown = sorted(name for name in self._keyword_params() if not _is_skorch_param(name))
        if unknown:
            raise TypeError(
                f"LIPClassifier got unexpected keyword arguments {unknown}; besides its own "
                f"parameters it accepts <prefix>__<name> for prefixes {list(SKORCH_PREFIXES)}."
            )
        _check_device(self.device)
        partial = is_candidate_matrix(y)
        X, y = validate_data(self, X, y, dtype=np.float32, multi_output=partial)
        if partial:
            candidates, self.classes_ = encode_candidates(y, self.classes)
            labels = None
        else:
            check_classification_targets(y)
            self.classes_, labels = encode_labels(y, self.classes)
            candidates = None
        n_samples, n_classes = X.shape[0], len(self.classes_)
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if not weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        net_seed, split_seed = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=2
        )
        task = self._task(X, labels, candidates, weight, n_classes, net_seed, split_seed)
        training = self._fit_network(task, np.arange(n_samples), "final network")
        self.net_ = training.net
        self.n_iter_ = len(self.net_.history)
        self.best_epoch_ = training.best_epoch
        self.stop_reason_ = training.stop_reason
        self.validation_indices_ = training.held_out
        self.validation_curve_ = None
        if training.held_out is not None:
            history = training.validation_net.history
            self.validation_curve_ = {
                key: np.asarray(history[:, key])
                for key in ("epoch", "train_loss", "valid_loss", "valid_acc")
            }
        layer = _head_layer(self.net_, self.head, n_classes)
        W = _head_weights(layer)
        self.lap_ = DEFAULT_LAP["network"] if self.lap == "auto" else self.lap
        Y = candidates if partial else label_targets(labels, n_classes, "log", self.lap_)
        k = self.k if self.k is None or isinstance(self.k, (str, Real)) else list(self.k)
        fit_weight = None if sample_weight is None else weight
        rows = training.rows
        head = fit_head(
            W,
            _head_inputs(self.net_, layer, X[rows]),
            Y[rows],
            k=k,
            lap=self.lap_,
            folds=self._validation_folds(task, Y, fit_weight, training),
            sample_weight=None if fit_weight is None else fit_weight[rows],
            fit_intercept=True,
            significance=self.significance,
        )
        self.raw_coef_ = W[:-1].T
        self.raw_intercept_ = W[-1]
        self.coef_ = head.coef[:-1].T
        self.intercept_ = head.coef[-1]
        self.k_ = head.k
        self.singular_values_ = head.singular_values
        self.refined_singular_values_ = head.refined_singular_values
        self.validation_scores_ = head.validation_scores
        self.validation_z_ = head.validation_z
        return self

    def _resolve_criterion(self, partial):
        """``(name, loss class or instance, its parameters)``; a loss of the wrong kind raises."""
        params = {
            name.partition("__")[2]: value
            for name, value in self._skorch_params("criterion").items()
        }
        criteria = {**NOISY_LABEL_CRITERIA, **PARTIAL_LABEL_CRITERIA}
        criterion = self.criterion
        if isinstance(criterion, str):
            name = ("cc" if partial else "ce") if criterion == "auto" else criterion
            criterion = criteria[name]
        else:
            loss_class = criterion if isinstance(criterion, type) else type(criterion)
            if not issubclass(loss_class, nn.Module):
                raise ValueError(
                    f"criterion must be a name, a torch.nn.Module subclass or an instance of "
                    f"one; got {criterion!r}."
                )
            if params and not isinstance(criterion, type):
                raise ValueError(
                    f"criterion__ parameters {sorted(params)} need criterion as a class; got "
                    f"an instance of {loss_class.__name__}."
                )
            names = {loss: name for name, loss in criteria.items()}
            name = names.get(loss_class, loss_class.__name__)
        if partial and name in NOISY_LABEL_CRITERIA:
            raise ValueError(
                f"criterion={name!r} is a noisy-label loss, but y is a candidate matrix (2-D); "
                f"use one of {sorted(PARTIAL_LABEL_CRITERIA)} or 'auto'."
            )
        if not partial and name in PARTIAL_LABEL_CRITERIA:
            raise ValueError(
                f"criterion={name!r} is a partial-label loss and needs y as a 2-D candidate "
                f"matrix; with 1-D labels use one of {sorted(NOISY_LABEL_CRITERIA)} or 'auto'."
            )
        return name, criterion, params

    def _task(self, X, labels, candidates, weight, n_classes, net_seed, split_seed):
        """The training task of the criterion: what its loss reads per row, and the loss."""
        partial = labels is None
        name, criterion, params = self._resolve_criterion(partial)
        self.criterion_ = name
        hits = candidates > 0 if partial else np.eye(n_classes, dtype=bool)[labels]
        target = candidates.astype(np.float32) if partial else labels
        if criterion is ForwardCorrectedCrossEntropy:
            if "transition_matrix" not in params:
                ce_task = _Task(
                    X, labels, weight, labels, hits, n_classes, CrossEntropy, net_seed, split_seed
                )
                params["transition_matrix"] = self._estimate_transition_matrix(ce_task)
            self.transition_matrix_ = np.asarray(params["transition_matrix"], dtype=np.float64)
        elif criterion is ProdenLoss:
            # ProdenLoss keeps the candidates and their confidences and reads row indices.
            params["candidates"] = candidates
            target = np.arange(len(candidates))
        make_loss = _loss_factory(criterion, params)
        return _Task(X, target, weight, labels, hits, n_classes, make_loss, net_seed, split_seed)

    def _module_and_params(self, n_features, n_classes):
        """The module class and its ``module__*`` constructor arguments."""
        params = self._skorch_params("module")
        if isinstance(self.module, str):
            if params:
                raise ValueError(
                    f"module__ parameters {sorted(params)} are for a user module class; with "
                    f"module={self.module!r} set hidden_units instead."
                )
            if self.module == "linear":
                hidden = ()
            else:
                hidden = (
                    (self.hidden_units,)
                    if isinstance(self.hidden_units, Integral)
                    else tuple(self.hidden_units)
                )
                if not all(isinstance(h, Integral) and h >= 1 for h in hidden):
                    raise ValueError(
                        f"hidden_units must be positive integers; got {self.hidden_units!r}."
                    )
            params = {"module__hidden_units": hidden}
            module = _MLP
        elif issubclass(self.module, nn.Module):
            module = self.module
        else:
            raise ValueError(
                f"module must be 'mlp', 'linear' or a torch.nn.Module subclass; got "
                f"{self.module!r}."
            )
        return module, {**params, "module__n_features": n_features, "module__n_classes": n_classes}

    def _train(self, task, rows, description, *, held_out=None, restore_best=False, epochs=None):
        """Train one network on ``task`` restricted to ``rows``; return the skorch net.

        With ``held_out``, those rows are the validation split and a :class:`_HeldOutMonitor`
        stops training (it is the network's ``monitor_`` callback).
        """
        module, module_params = self._module_and_params(task.X.shape[1], task.n_classes)
        callbacks = list(self.callbacks or [])
        train_split = None
        if held_out is not None:
            train_split = predefined_split(Dataset(*_net_data(task, held_out)))
            monitor = _HeldOutMonitor(
                task.hits[held_out],
                task.weight[held_out],
                self.n_iter_no_change,
                restore_best,
            )
            callbacks.append(("monitor_", monitor))
        if self.verbose > 1:
            callbacks.append(ProgressBar())
        net = _Net(
            module,
            criterion=task.make_loss(),
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=epochs or self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            classes=list(range(task.n_classes)),
            callbacks=callbacks,
            predict_nonlinearity=_softmax,
            device=self.device,
            verbose=self.verbose,
            iterator_train__shuffle=True,
            **module_params,
            **{
                name: value
                for name, value in self._skorch_params().items()
                if not name.startswith(("module__", "criterion__"))
            },
        )
        if self.verbose:
            print(f"[LIPClassifier] {description}")
        with _own_torch_rng(task.net_seed):
            try:
                net.fit(*_net_data(task, rows))
            except KeyError as exc:
                if held_out is None and "valid_" in str(exc):
                    raise ValueError(
                        f"A callback reads a validation score ({exc.args[0]}), but the "
                        f"{description} has no held-out rows (early_stopping=False, or a "
                        "network refitted on every row); remove that callback or train "
                        "with early_stopping=True and refit=False."
                    ) from exc
                raise
        return net

    def _fit_network(self, task, rows, role):
        """Train on ``rows`` under the early-stopping policy; see :class:`_Training`."""
        split = None
        if self.early_stopping:
            split = _holdout(rows, task.strata, self.validation_fraction, task.split_seed)
        if split is None:
            reason = "early_stopping=False"
            if self.early_stopping:
                reason = "too few rows to hold out"
                warnings.warn(
                    f"early_stopping holds out validation_fraction={self.validation_fraction} "
                    f"of the {len(rows)} rows, which needs at least 2 rows of every class; "
                    f"training the {role} on every row for max_epochs={self.max_epochs} epochs "
                    "instead.",
                    EarlyStoppingSkippedWarning,
                    stacklevel=3,
                )
            net = self._train(task, rows, f"{role}: {len(rows)} rows, {self.max_epochs} epochs")
            return _Training(net, rows, None, None, None, None, reason)
        kept, held_out = split
        network = "early-stopped network" if self.refit else role
        net = self._train(
            task,
            kept,
            f"{network}: {len(kept)} rows, {len(held_out)} held out to choose the epoch",
            held_out=held_out,
            restore_best=not self.refit,
        )
        monitor = dict(net.callbacks_)["monitor_"]
        reason = "patience" if monitor.stopped_ else "max_epochs"
        if not self.refit:
            return _Training(net, kept, held_out, net, kept, monitor.best_epoch_, reason)
        final = self._train(
            task,
            rows,
            f"{role}, refitted: all {len(rows)} rows, {monitor.best_epoch_} epochs",
            epochs=monitor.best_epoch_,
        )
        return _Training(final, rows, held_out, net, kept, monitor.best_epoch_, reason)

    def _estimate_transition_matrix(self, task):
        """Confident-joint estimate of T from 2-fold out-of-fold probabilities of ``task``."""
        labels = task.target
        if np.bincount(labels, minlength=task.n_classes).min() < 2:
            raise ValueError(
                "criterion='forward' without a transition_matrix estimates it from 2-fold "
                "out-of-fold predictions, which needs at least 2 rows of every class; pass "
                "criterion__transition_matrix=..."
            )
        proba = np.zeros((len(labels), task.n_classes))
        folds = StratifiedKFold(2, shuffle=True, random_state=task.split_seed)
        for fold, (train, test) in enumerate(folds.split(task.X, labels), start=1):
            net = self._fit_network(task, train, f"transition-matrix network, fold {fold}/2").net
            with _own_torch_rng():
                proba[test] = net.predict_proba(task.X[test])
        return estimate_noise_matrix(labels, proba)

    def _validation_folds(self, task, Y, sample_weight, training):
        """The one hold-out fold of ``k="auto"``, from the rows early stopping held out.

        Without ``refit`` the held-out rows validate the final head itself; with it, the
        early-stopped network's head. Without early stopping a network is trained on part of
        the rows for it. A generator: that network is trained only when ``fit_head``
        validates k.
        """
        if training.held_out is not None:
            net, train = training.validation_net, training.validation_rows
            held_out = training.held_out
        elif self.early_stopping:
            return  # too few rows to hold out
        else:
            rows = np.arange(task.X.shape[0])
            split = _holdout(rows, task.strata, self.validation_fraction, task.split_seed)
            if split is None:
                return
            train, held_out = split
            description = f"k validation network: {len(train)} rows, {len(held_out)} held out"
            net = self._train(task, train, description)
        layer = _head_layer(net, self.head, task.n_classes)
        X_val, Y_val = _head_inputs(net, layer, task.X[held_out]), Y[held_out]
        if net is training.net:
            yield Fold(W=None, X_train=None, Y_train=None, X_val=X_val, Y_val=Y_val)
            return
        yield Fold(
            W=_head_weights(layer),
            X_train=_head_inputs(net, layer, task.X[train]),
            Y_train=Y[train],
            X_val=X_val,
            Y_val=Y_val,
            sample_weight=None if sample_weight is None else sample_weight[train],
        )

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        layer = _head_layer(self.net_, self.head, len(self.classes_))
        features = _head_inputs(self.net_, layer, X).astype(np.float64)
        return features @ self.coef_.T + self.intercept_

    def decision_function(self, X):
        """Logits of the refined head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Refined logits; for two classes the 1-D difference ``logit_1 - logit_0``, as in
            scikit-learn.
        """
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict(self, X):
        """Predict class labels from the refined head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            One label of ``classes_`` per row.
        """
        indices = np.argmax(self._logits(X), axis=1)
        return self.classes_[indices]

    def predict_proba(self, X):
        """Class probabilities: the softmax of the refined logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in ``classes_`` order.
        """
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in ``classes_`` order.
        """
        return log_softmax(self._logits(X), axis=1)

    def score(self, X, y, sample_weight=None):
        """Accuracy; for a candidate matrix, the fraction of predictions inside the candidates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test data.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            True labels, or a 0/1 candidate matrix with columns in ``classes_`` order.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights.

        Returns
        -------
        score : float
            Weighted fraction of correct predictions.
        """
        if not is_candidate_matrix(y):
            return super().score(X, y, sample_weight=sample_weight)
        candidates, _ = encode_candidates(y, self.classes_)
        predicted = np.argmax(self._logits(X), axis=1)
        hits = candidates[np.arange(len(predicted)), predicted] > 0
        return float(np.average(hits, weights=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


def _check_device(device):
    """Raise at the start of ``fit`` when torch cannot use ``device``."""
    try:
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not available to torch here ({exc}); use device='cpu'"
            + (" or install a CUDA build of torch." if "cuda" in str(device) else ".")
        ) from exc


def _net_data(task, rows):
    """``(X, y)`` for skorch: the rows' features and ``{"target", "weight"}``, weights of mean 1."""
    weight = task.weight[rows]
    total = weight.sum()
    return task.X[rows], {
        "target": task.target[rows],
        "weight": (weight * (len(weight) / total if total > 0 else 0.0)).astype(np.float32),
    }


def _loss_factory(criterion, params):
    """A callable returning a fresh criterion module; checks ``params`` once.

    ``criterion`` is a loss class (built with ``params``) or an instance (deep-copied, so that
    no state is shared between networks). Losses other than the package's own are wrapped in
    :class:`_TorchLoss`, which gives them the ``sample_weight`` argument.
    """
    if isinstance(criterion, type):
        factory = functools.partial(criterion, **params)
        try:
            factory()
        except TypeError as exc:
            raise ValueError(
                f"criterion parameters {sorted(params)} do not fit {criterion.__name__}: {exc}"
            ) from exc
    else:
        factory = functools.partial(copy.deepcopy, criterion)
    if "sample_weight" in inspect.signature(factory().forward).parameters:
        return factory
    return functools.partial(_torch_loss, factory)


def _torch_loss(factory):
    """A fresh loss of ``factory`` that takes ``sample_weight`` (see :class:`_TorchLoss`)."""
    return _TorchLoss(factory())
