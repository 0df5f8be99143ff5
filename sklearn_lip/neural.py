"""LIPClassifier: a neural network trained with skorch whose last linear layer LIP refines.

Design: composition. :class:`LIPClassifier` is a plain scikit-learn classifier that builds a
skorch ``NeuralNetClassifier`` in ``fit`` and keeps it as ``net_``. Subclassing skorch would
make every attribute skorch sets in ``__init__`` a constructor parameter, fail
``check_no_attributes_set_in_init`` and mix skorch's many parameters with ours in
``get_params``; here ``get_params`` lists exactly the documented parameters, while anything
else skorch offers (optimizer, callbacks, iterators) goes through ``net_params``. Labels are
encoded here (skorch does not), candidate-set targets are ours, and predictions come from the
refined head, not from the module's own output layer.

Training data reach skorch as ``X`` (float32) and a dict ``y = {"target", "weight"}``: the
loss reads the per-row weights from it, so the module's ``forward`` needs no extra argument.
After training, the inputs of the head layer (the body's features) are collected with a
forward hook in evaluation mode, and :func:`sklearn_lip._head.fit_head` refines
``W = [head.weight.T; head.bias]`` exactly as :class:`~sklearn_lip.LIPMetaClassifier` does for
linear models.

Importing this module requires torch and skorch; ``import sklearn_lip`` does not import it.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
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
    from skorch.callbacks import EarlyStopping, ProgressBar
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split
    from skorch.utils import to_tensor
    from torch import nn
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

__all__ = ["LIPClassifier", "NOISY_LABEL_CRITERIA", "PARTIAL_LABEL_CRITERIA"]

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

# Parameters of the skorch net that LIPClassifier sets itself.
_RESERVED_NET_PARAMS = {
    "module",
    "criterion",
    "lr",
    "max_epochs",
    "batch_size",
    "train_split",
    "classes",
    "device",
    "verbose",
    "predict_nonlinearity",
}


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


@dataclass
class _Task:
    """What every network of one ``fit`` trains on; rows are selected by index."""

    X: np.ndarray  # float32 features
    target: np.ndarray  # what the loss reads per row (labels, candidate rows or row indices)
    weight: np.ndarray  # sample weights, ones when none were given
    strata: np.ndarray  # labels for stratified splits; None for candidate sets
    n_classes: int
    make_loss: object  # callable returning a fresh criterion
    net_seed: int  # torch seed of every network
    split_seed: int  # seed of every hold-out split


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
    refines the predictions.
    """
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
    return np.concatenate(features)


class LIPClassifier(ClassifierMixin, BaseEstimator):
    """Neural network classifier whose last linear layer is refined with LIP.

    Trains a PyTorch module with skorch, then refines its head
    ``W = [head.weight.T; head.bias]`` with LIP (Si et al., 2025) on the body's features of the
    training rows: the top-``k`` singular components are kept and the singular values of the
    rest are re-fitted on the training labels. Predictions come from the refined head; the
    trained head stays available as ``raw_coef_`` / ``raw_intercept_`` (and ``net_``).

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
        - ``"linear"``: the head alone, a multinomial logistic regression trained by Adam.
        - a ``torch.nn.Module`` class (not an instance), built as
          ``module(n_features=..., n_classes=..., **module_params)``. Its ``forward`` must
          return the output of the ``nn.Linear`` layer named by ``head``.
    hidden_units : int or tuple of int, default=(256, 256)
        Widths of the hidden layers of ``module="mlp"``.
    module_params : dict, default=None
        Further constructor arguments of a user ``module`` class.
    head : str, default="head"
        Name of the module's last ``nn.Linear`` layer, as for ``module.get_submodule`` (a dotted
        path such as ``"classifier.2"`` works).
    criterion : str, default="auto"
        Training loss (see :mod:`sklearn_lip.losses`). For 1-D labels: ``"ce"``
        (cross-entropy), ``"label_smoothing"``, ``"gce"`` (generalized cross-entropy),
        ``"sce"`` (symmetric cross-entropy) or ``"forward"`` (forward loss correction). For a
        candidate matrix: ``"cc"`` (classifier-consistent) or ``"proden"`` (progressive
        identification). ``"auto"``: ``"ce"`` for labels, ``"cc"`` for candidate sets
        (stateless; ``"proden"`` reached the same test accuracy within 0.2 points on average in
        ``benchmarks/bench_partial.py``: digits, wine and a 20-class task, ambiguity 0.1-0.5).
        A criterion of the other kind raises a ``ValueError``.
    criterion_params : dict, default=None
        Arguments of the loss: ``smoothing`` (label_smoothing, 0.1), ``q`` (gce, 0.7),
        ``alpha``, ``beta``, ``log_zero`` (sce: 0.1, 1.0, -4.0), ``transition_matrix``
        (forward). Without a ``transition_matrix``, ``"forward"`` estimates it with the
        confident joint (:func:`~sklearn_lip.cleaning.estimate_noise_matrix`) from 2-fold
        out-of-fold probabilities of cross-entropy networks of the same architecture, which
        costs about one extra training.
    max_epochs : int, default=50
        Training epochs (the most, with ``early_stopping``).
    lr : float, default=1e-3
        Learning rate of the optimizer (Adam unless ``net_params`` names another).
    batch_size : int, default=128
        Rows per training batch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified for labels) and stop
        when their loss has not improved for ``n_iter_no_change`` epochs, restoring the best
        epoch's weights. Off by default: no row is silently left out of training.
    validation_fraction : float in (0, 1), default=0.2
        Fraction held out for ``early_stopping`` and for ``k="auto"``.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``, in epochs.
    k : int, float in (0, 1), "auto", list of int or None, default="auto"
        Number of principal components of the head kept by LIP.

        - int: exactly that many, ``1 <= k < rank(W)``.
        - float: the smallest k whose singular values hold that fraction of the squared
          spectrum (``W`` is left unchanged when that is every component).
        - ``"auto"``: hold out ``validation_fraction`` of the rows (stratified for labels),
          train a second network on the rest, and compare each candidate k with the unchanged
          head on the held-out rows (a held-out prediction counts as right when it is the
          row's label, or one of its candidates). A k is used only when its net gain over the
          unchanged head is significant (a one-sided paired McNemar test at level
          ``significance``, Bonferroni-corrected for the number of candidates); otherwise the
          head is left as trained. The final network is trained on all rows, so ``"auto"`` costs one
          extra training on ``1 - validation_fraction`` of the data; int and float ``k`` cost
          nothing extra. With fewer than 2 rows in some class the head is left unchanged.
        - list of int: like ``"auto"`` over these candidates.
        - None: no LIP; predictions come from the trained head (a baseline).
    lap : {"auto", "paper", "scaled", "log"}, default="auto"
        How the lower singular values are re-fitted (see :func:`~sklearn_lip.lip_refine`);
        ``"log"`` minimizes the cross-entropy (for candidate sets the classifier-consistent
        loss) of the refined head. ``"auto"`` is ``"log"``: in
        ``benchmarks/bench_neural.py`` it was the only mode whose best k did not lose on
        average (+0.19 points; ``"paper"`` -2.50, ``"scaled"`` -6.61). LIP targets are the
        one-hot training labels, or the candidate matrix.
    significance : float in (0, 1], default=0.05
        Level of the test ``k="auto"`` applies before it changes the head; smaller is more
        conservative.
    classes : array-like, default=None
        Class labels. For a candidate matrix: the label of each column, in column order
        (default ``0 .. n_classes - 1``). For 1-D labels: every class the network should have,
        in output order, possibly some absent from ``y`` (default: the sorted labels of ``y``).
    net_params : dict, default=None
        Further parameters of the skorch ``NeuralNetClassifier``, e.g.
        ``{"optimizer": torch.optim.SGD, "optimizer__momentum": 0.9}`` or ``{"callbacks":
        [...]}``. The parameters LIPClassifier sets itself (``module*``, ``criterion*``,
        ``lr``, ``max_epochs``, ``batch_size``, ``train_split``, ``classes``, ``device``,
        ``verbose``, ``predict_nonlinearity``) are refused.
    device : str, default="cpu"
        Torch device, e.g. ``"cuda"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the network initialisation, batch order and hold-out splits. Torch is seeded
        inside ``torch.random.fork_rng``, so the global torch RNG state is left as it was.
        With an int, fits on CPU are reproducible.
    verbose : int, default=0
        0: silent; 1: skorch's epoch log for every network trained; 2: also a progress bar.

    Attributes
    ----------
    net_ : skorch.NeuralNetClassifier
        The network trained on all rows, with the *unrefined* head (its ``predict_proba`` is the
        raw head's softmax). Its ``history`` holds the training log.
    criterion_ : str
        The criterion used (``"auto"`` resolved).
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The transition matrix of ``criterion="forward"``, given or estimated. Only defined for
        that criterion.
    n_iter_ : int
        Epochs the final network was trained.
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
    sklearn_lip.noise.PartialLabelNoise : Makes candidate matrices that ``fit`` accepts.

    Notes
    -----
    ``X`` is cast to float32. ``sample_weight`` multiplies each row's loss (rescaled to mean 1,
    so the learning rate keeps its meaning) and weighs the LIP re-fit. To cross-validate
    with a candidate matrix, pass a splitter that accepts 2-D targets (e.g. ``KFold``):
    stratified splitters reject them. :meth:`score` then counts a prediction as right when it
    lies in the row's candidate set.

    What LIP does to a network's head is measured in ``benchmarks/bench_neural.py`` and
    ``benchmarks/bench_partial.py`` (default MLP; digits, wine and a 20-class task; symmetric,
    pair and instance-dependent noise, candidate sets): ``k="auto"`` left the head unchanged in
    every fit, and even with k chosen on the clean test labels, ``"paper"`` and ``"scaled"`` lost
    accuracy on average at their best k, while ``"log"`` gained 0.0-0.4 points. The criteria
    matter far more: at 40% symmetric noise, ``"gce"`` beat ``"ce"`` by 20 points on digits and
    27 on the 20-class task.

    Small networks gain little from several CPU threads. On a machine whose cores are busy with
    other processes, torch's OpenMP threads spin while they wait for each other and training can
    be many times slower (measured on 2 cores at a load average of 4-5: 33-210 s instead of
    about 5 s with one thread for the default network on digits; 3-4 s either way when the
    cores were free); set ``OMP_WAIT_POLICY=PASSIVE`` before starting Python, or
    call ``torch.set_num_threads(1)``.

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
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "module": [StrOptions({"mlp", "linear"}), type],
        "hidden_units": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "module_params": [dict, None],
        "head": [str],
        "criterion": [StrOptions({"auto", *NOISY_LABEL_CRITERIA, *PARTIAL_LABEL_CRITERIA})],
        "criterion_params": [dict, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
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
        "net_params": [dict, None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        module="mlp",
        hidden_units=(256, 256),
        module_params=None,
        head="head",
        criterion="auto",
        criterion_params=None,
        max_epochs=50,
        lr=1e-3,
        batch_size=128,
        early_stopping=False,
        validation_fraction=0.2,
        n_iter_no_change=10,
        k="auto",
        lap="auto",
        significance=0.05,
        classes=None,
        net_params=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.module = module
        self.hidden_units = hidden_units
        self.module_params = module_params
        self.head = head
        self.criterion = criterion
        self.criterion_params = criterion_params
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.k = k
        self.lap = lap
        self.significance = significance
        self.classes = classes
        self.net_params = net_params
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network, then refine its head with LIP.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (cast to float32).
        y : array-like of shape (n_samples,) or {array-like, sparse matrix} of shape \
                (n_samples, n_classes)
            Labels (possibly noisy), or a 0/1 candidate matrix (partial labels) whose columns
            follow ``classes``.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the training loss and of the LIP re-fit.

        Returns
        -------
        self : object
            Fitted classifier.
        """
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
        self.criterion_ = self._resolve_criterion(partial)
        net_seed, split_seed = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=2
        )
        task = self._task(X, labels, candidates, weight, n_classes, net_seed, split_seed)
        self.net_ = self._train(task, np.arange(n_samples))
        self.n_iter_ = len(self.net_.history)
        layer = _head_layer(self.net_, self.head, n_classes)
        W = _head_weights(layer)
        self.lap_ = DEFAULT_LAP["network"] if self.lap == "auto" else self.lap
        Y = candidates if partial else label_targets(labels, n_classes, "log", self.lap_)
        k = self.k if self.k is None or isinstance(self.k, (str, Real)) else list(self.k)
        fit_weight = None if sample_weight is None else weight
        head = fit_head(
            W,
            _head_inputs(self.net_, layer, X),
            Y,
            k=k,
            lap=self.lap_,
            folds=self._validation_folds(task, Y, fit_weight),
            sample_weight=fit_weight,
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
        """``criterion`` with "auto" resolved; a criterion of the wrong kind raises."""
        if self.criterion == "auto":
            return "cc" if partial else "ce"
        if partial and self.criterion in NOISY_LABEL_CRITERIA:
            raise ValueError(
                f"criterion={self.criterion!r} is a noisy-label loss, but y is a candidate "
                f"matrix (2-D); use one of {sorted(PARTIAL_LABEL_CRITERIA)} or 'auto'."
            )
        if not partial and self.criterion in PARTIAL_LABEL_CRITERIA:
            raise ValueError(
                f"criterion={self.criterion!r} is a partial-label loss and needs y as a 2-D "
                f"candidate matrix; with 1-D labels use one of {sorted(NOISY_LABEL_CRITERIA)} "
                "or 'auto'."
            )
        return self.criterion

    def _task(self, X, labels, candidates, weight, n_classes, net_seed, split_seed):
        """The training task of ``criterion_``: what its loss reads per row, and the loss."""
        params = dict(self.criterion_params or {})
        target = labels
        if self.criterion_ == "forward":
            if "transition_matrix" not in params:
                ce_task = _Task(
                    X, labels, weight, labels, n_classes, CrossEntropy, net_seed, split_seed
                )
                params["transition_matrix"] = self._estimate_transition_matrix(ce_task)
            self.transition_matrix_ = np.asarray(params["transition_matrix"], dtype=np.float64)
        elif self.criterion_ == "cc":
            target = candidates.astype(np.float32)
        elif self.criterion_ == "proden":
            # ProdenLoss keeps the candidates and their confidences and reads row indices.
            params["candidates"] = candidates
            target = np.arange(len(candidates))
        make_loss = _loss_factory(self.criterion_, params)
        return _Task(X, target, weight, labels, n_classes, make_loss, net_seed, split_seed)

    def _module_and_params(self, n_features, n_classes):
        """The module class and its constructor arguments."""
        if isinstance(self.module, str):
            if self.module_params:
                raise ValueError(
                    f"module_params is for a user module class; with module={self.module!r} "
                    "set hidden_units instead."
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
            params = {"hidden_units": hidden}
            module = _MLP
        elif issubclass(self.module, nn.Module):
            params, module = dict(self.module_params or {}), self.module
        else:
            raise ValueError(
                f"module must be 'mlp', 'linear' or a torch.nn.Module subclass; got "
                f"{self.module!r}."
            )
        params.update(n_features=n_features, n_classes=n_classes)
        return module, {f"module__{name}": value for name, value in params.items()}

    def _net_params(self):
        """``net_params`` over the defaults they may replace (Adam, shuffled batches)."""
        params = dict(self.net_params or {})
        clashes = sorted(name for name in params if name.split("__")[0] in _RESERVED_NET_PARAMS)
        if clashes:
            raise ValueError(
                f"net_params may not set {clashes}: LIPClassifier sets them from its own "
                "parameters."
            )
        return {"optimizer": torch.optim.Adam, "iterator_train__shuffle": True, **params}

    def _train(self, task, rows):
        """Train one network on ``task`` restricted to ``rows``; return the skorch net."""
        module, module_params = self._module_and_params(task.X.shape[1], task.n_classes)
        params = self._net_params()
        callbacks = list(params.pop("callbacks", None) or [])
        train_split = None
        if self.early_stopping:
            split = _holdout(rows, task.strata, self.validation_fraction, task.split_seed)
            if split is None:
                raise ValueError(
                    f"early_stopping=True holds out validation_fraction="
                    f"{self.validation_fraction} of the rows, which needs at least 2 rows "
                    f"per class; got {len(rows)} rows."
                )
            rows, held_out = split
            train_split = predefined_split(Dataset(*_net_data(task, held_out)))
            callbacks.append(
                EarlyStopping(patience=self.n_iter_no_change, load_best=True)
            )
        if self.verbose > 1:
            callbacks.append(ProgressBar())
        net = _Net(
            module,
            criterion=task.make_loss(),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            classes=list(range(task.n_classes)),
            callbacks=callbacks,
            predict_nonlinearity=_softmax,
            device=self.device,
            verbose=self.verbose,
            **module_params,
            **params,
        )
        with _own_torch_rng(task.net_seed):
            net.fit(*_net_data(task, rows))
        return net

    def _estimate_transition_matrix(self, task):
        """Confident-joint estimate of T from 2-fold out-of-fold probabilities of ``task``."""
        labels = task.target
        if np.bincount(labels, minlength=task.n_classes).min() < 2:
            raise ValueError(
                "criterion='forward' without a transition_matrix estimates it from 2-fold "
                "out-of-fold predictions, which needs at least 2 rows of every class; pass "
                "criterion_params={'transition_matrix': ...}."
            )
        proba = np.zeros((len(labels), task.n_classes))
        folds = StratifiedKFold(2, shuffle=True, random_state=task.split_seed)
        for train, test in folds.split(task.X, labels):
            net = self._train(task, train)
            with _own_torch_rng():
                proba[test] = net.predict_proba(task.X[test])
        return estimate_noise_matrix(labels, proba)

    def _validation_folds(self, task, Y, sample_weight):
        """The one hold-out fold of ``k="auto"``: a network trained without its rows.

        A generator, so the network is trained only when ``fit_head`` validates k.
        """
        rows = np.arange(task.X.shape[0])
        split = _holdout(rows, task.strata, self.validation_fraction, task.split_seed)
        if split is None:
            return
        train, held_out = split
        net = self._train(task, train)
        layer = _head_layer(net, self.head, task.n_classes)
        yield Fold(
            W=_head_weights(layer),
            X_train=_head_inputs(net, layer, task.X[train]),
            Y_train=Y[train],
            X_val=_head_inputs(net, layer, task.X[held_out]),
            Y_val=Y[held_out],
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


def _net_data(task, rows):
    """``(X, y)`` for skorch: the rows' features and ``{"target", "weight"}``, weights of mean 1."""
    weight = task.weight[rows]
    total = weight.sum()
    return task.X[rows], {
        "target": task.target[rows],
        "weight": (weight * (len(weight) / total if total > 0 else 0.0)).astype(np.float32),
    }


def _loss_factory(name, params):
    """A callable returning a fresh criterion ``name`` built with ``params``; checks them once."""
    loss_class = {**NOISY_LABEL_CRITERIA, **PARTIAL_LABEL_CRITERIA}[name]
    factory = functools.partial(loss_class, **params)
    try:
        factory()
    except TypeError as exc:
        raise ValueError(
            f"criterion_params {sorted(params)} do not fit criterion={name!r} "
            f"({loss_class.__name__}): {exc}"
        ) from exc
    return factory
