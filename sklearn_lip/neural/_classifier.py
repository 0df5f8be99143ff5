"""LIPClassifier: the estimator, its parameters and the steps of its ``fit``.

The networks are trained by :class:`~sklearn_lip.neural._training.Trainer`; this module holds
the scikit-learn side: parameters (skorch-style ones included), validation, label encoding, the
LIP step on the head and the predictions of the refined head.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from .._compat import Interval, StrOptions, _check_sample_weight, _fit_context
from .._head import DEFAULT_LAP, checked_k, fit_head, label_targets, unchanged_head
from .._partial import encode_candidates, encode_labels, is_candidate_matrix
from ..losses import CrossEntropy, ForwardCorrectedCrossEntropy, ProdenLoss
from ._criteria import NOISY_LABEL_CRITERIA, PARTIAL_LABEL_CRITERIA, loss_factory, resolve_criterion
from ._head_layer import head_inputs, head_layer, head_weights
from ._net import SKORCH_PREFIXES, check_device, is_skorch_param
from ._training import Task, Trainer, ctrl_c_recorded

__all__ = ["LIPClassifier"]


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
        - a ``torch.nn.Module`` class (not an instance), built from its ``module__<name>``
          parameters as in skorch, plus ``n_features=`` and ``n_classes=`` (the data's) for
          those of the two that its ``__init__`` names. A module that names neither takes
          its sizes from its own parameters (e.g. ``module__in_dim=X.shape[1]``) or learns
          the input size from the first batch (``torch.nn.LazyLinear``). Its ``forward``
          must return the output of the ``nn.Linear`` layer named by ``head``; the module
          is built once before any training to check that.

          .. versionchanged:: 0.3
             ``n_features`` and ``n_classes`` only where ``__init__`` names them; they were
             always passed.
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
        Choose the number of epochs on held-out training rows (see ``validation``): training
        stops when their accuracy against their own (noisy) labels has not improved for
        ``n_iter_no_change`` epochs, and the epoch with the best held-out accuracy (lowest
        held-out loss among ties) is chosen. Without it the network trains ``max_epochs``
        epochs on every row, as skorch does, and memorises noisy labels. With too few rows to
        hold out (fewer than 2 in some class), training falls back to ``max_epochs`` epochs on
        every row with an :class:`EarlyStoppingSkippedWarning`.
    validation : {"auto", "holdout"} or int, default="auto"
        Which rows ``early_stopping`` ranks the epochs on.

        - ``"holdout"``: one stratified slice of ``validation_fraction`` of the rows.
        - int: cross-validated curves. That many fold networks (stratified folds) train side
          by side, each scored on its held-out fold after every epoch; the epoch with the best
          mean accuracy over the folds (every row counts once) is chosen, and patience applies
          to the mean curve. The final network is then trained on every row for that many
          epochs, so this needs ``refit=True``. It costs about ``int - 1`` fits more than
          a hold-out, and is far less noisy on small tables.
        - ``"auto"``: 3-fold curves when a hold-out would rank the epochs on fewer than 120
          rows (tables of fewer than 600 rows at ``validation_fraction=0.2``) and ``refit``
          is on; a hold-out otherwise. On tables of a few hundred rows one hold-out leaves a
          few rows per class and picks poor epochs (:ref:`small_tables`).

        .. versionadded:: 0.3
    refit : bool, default=True
        With ``early_stopping``: ``True`` trains a second network on every row for the number
        of epochs early stopping chose, so no row is left out of the final model (the
        early-stopped networks validate ``k="auto"``); ``False`` keeps the early-stopped
        network at its best epoch, which trained on every row except the held-out ones
        (``validation_indices_``), at about half the cost. :ref:`neural_benchmark` compares
        the two.
    validation_fraction : float in (0, 1), default=0.2
        Fraction of the rows held out by a hold-out (``validation``), and for ``k="auto"``
        without ``early_stopping``.
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
          trained. With ``early_stopping`` the held-out rows are those that chose the epoch
          (the hold-out, or every fold of cross-validated curves, each scored by its fold
          network at the chosen epoch), and no extra network is trained; without it, a second
          network is trained on ``1 - validation_fraction`` of the rows. With fewer than 2
          rows in some class the head is left unchanged.
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
    epoch_rule_ : str
        How the number of epochs was chosen: ``"holdout"``, ``"cv"`` (cross-validated
        curves) or ``"max_epochs"`` (no early stopping, or too few rows to hold out).
    epoch_rule_reason_ : str
        Why that rule, e.g. ``"validation='auto': a hold-out of validation_fraction=0.2
        would rank epochs on 60 rows, fewer than 120"``.

        .. versionadded:: 0.3
    stop_reason_ : str
        Why training ended: ``"patience"`` (no better held-out epoch for
        ``n_iter_no_change`` epochs), ``"max_epochs"``, ``"early_stopping=False"``,
        ``"too few rows to hold out"`` or ``"stopped by a callback"`` (cross-validated
        curves, when a user callback stopped a fold network).
    validation_curve_ : dict of ndarray or None
        Per epoch of the early-stopped network: ``"epoch"``, ``"train_loss"``,
        ``"valid_loss"`` and ``"valid_acc"`` (held-out loss and accuracy against the noisy
        labels; for cross-validated curves, their means over the folds, weighted by the
        folds' row weights); ``None`` when nothing was held out.
    validation_indices_ : ndarray of int or None
        The rows of the hold-out that chose the epoch and validated ``k="auto"``. Without
        ``refit`` the final network (and the LIP re-fit) used every other row; with ``refit``
        it trained on all rows. ``None`` when nothing was held out (every row trained the
        network) and for cross-validated curves (every row was held out once).
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
    validation_threshold_ : float or None
        The pooled z a candidate needed to change the weights, ``norm.isf(significance /
        n_candidates)``; ``None`` unless ``k`` was validated.

        .. versionadded:: 0.3
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
    sklearn_lip.cleaning.CleanLabelClassifier : Removes likely wrong labels before fitting;
        wraps this classifier too.
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
    >>> clf.epoch_rule_, clf.stop_reason_ in {"patience", "max_epochs"}  # 150 rows: 3-fold curves
    ('cv', True)
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
        "validation": [StrOptions({"auto", "holdout"}), Interval(Integral, 2, None, closed="left")],
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
        validation="auto",
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
        self.validation = validation
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
            if is_skorch_param(name) and (prefix is None or name.startswith(f"{prefix}__"))
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
        skorch_style = {name: value for name, value in params.items() if is_skorch_param(name)}
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
        unknown = sorted(name for name in self._keyword_params() if not is_skorch_param(name))
        if unknown:
            raise TypeError(
                f"LIPClassifier got unexpected keyword arguments {unknown}; besides its own "
                f"parameters it accepts <prefix>__<name> for prefixes {list(SKORCH_PREFIXES)}."
            )
        check_device(self.device)
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
        k = checked_k(self.k, n_classes, "LIPClassifier")  # the head has one column per class
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if not weight.sum() > 0:
            raise ValueError("sample_weight must have a positive sum.")
        net_seed, split_seed = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=2
        )
        trainer = self._trainer()
        with ctrl_c_recorded(trainer.interrupted):
            task = self._task(
                trainer, X, labels, candidates, weight, n_classes, net_seed, split_seed
            )
            training = trainer.fit_network(task, np.arange(n_samples), "final network")
            self.net_ = training.net
            self.n_iter_ = len(self.net_.history)
            self.best_epoch_ = training.best_epoch
            self.epoch_rule_ = training.rule
            self.epoch_rule_reason_ = training.rule_reason
            self.stop_reason_ = training.stop_reason
            self.validation_indices_ = training.held_out
            self.validation_curve_ = training.curve
            layer = head_layer(self.net_.module_, self.head, n_classes)
            W = head_weights(layer)
            self.lap_ = DEFAULT_LAP["network"] if self.lap == "auto" else self.lap
            Y = candidates if partial else label_targets(labels, n_classes, "log", self.lap_)
            fit_weight = None if sample_weight is None else weight
            rows = training.rows
            if k is None:  # no LIP: the head as trained, without a pass over the rows
                head = unchanged_head(W, self.lap_)
            else:
                head = fit_head(
                    W,
                    head_inputs(self.net_, layer, X[rows]),
                    Y[rows],
                    k=k,
                    lap=self.lap_,
                    folds=trainer.validation_folds(task, self.head, Y, fit_weight, training),
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
        self.validation_threshold_ = head.validation_threshold
        return self

    def _trainer(self):
        """The :class:`Trainer` of this fit: the training parameters, the skorch ones split."""
        return Trainer(
            module=self.module,
            hidden_units=self.hidden_units,
            module_params=self._skorch_params("module"),
            net_params={
                name: value
                for name, value in self._skorch_params().items()
                if not name.startswith(("module__", "criterion__"))
            },
            callbacks=self.callbacks,
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            early_stopping=self.early_stopping,
            validation=self.validation,
            refit=self.refit,
            validation_fraction=self.validation_fraction,
            patience=self.n_iter_no_change,
            device=self.device,
            verbose=self.verbose,
        )

    def _task(self, trainer, X, labels, candidates, weight, n_classes, net_seed, split_seed):
        """The training task of the criterion: what its loss reads per row, and the loss."""
        partial = labels is None
        params = {
            name.partition("__")[2]: value
            for name, value in self._skorch_params("criterion").items()
        }
        name, criterion = resolve_criterion(self.criterion, params, partial)
        self.criterion_ = name
        hits = candidates > 0 if partial else np.eye(n_classes, dtype=bool)[labels]
        target = candidates.astype(np.float32) if partial else labels
        estimates_transition = (
            criterion is ForwardCorrectedCrossEntropy and "transition_matrix" not in params
        )
        trainer.check_callbacks(estimates_transition)
        trainer.check_module(X.shape[1], n_classes, self.head, net_seed)
        if criterion is ForwardCorrectedCrossEntropy:
            if estimates_transition:
                ce_task = Task(
                    X, labels, weight, labels, hits, n_classes, CrossEntropy, net_seed, split_seed
                )
                params["transition_matrix"] = trainer.estimate_transition_matrix(ce_task)
            self.transition_matrix_ = np.asarray(params["transition_matrix"], dtype=np.float64)
        elif criterion is ProdenLoss:
            # ProdenLoss keeps the candidates and their confidences and reads row indices.
            params["candidates"] = candidates
            target = np.arange(len(candidates))
        make_loss = loss_factory(criterion, params)
        return Task(X, target, weight, labels, hits, n_classes, make_loss, net_seed, split_seed)

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        layer = head_layer(self.net_.module_, self.head, len(self.classes_))
        features = head_inputs(self.net_, layer, X).astype(np.float64)
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
