"""LIPMetaClassifier: add LIP to any fitted linear classifier that exposes ``coef_``."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax
from sklearn.base import clone
from sklearn.linear_model import (
    LogisticRegression,
    LogisticRegressionCV,
    RidgeClassifier,
    RidgeClassifierCV,
)
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _dask
from ._base import BaseWrappingClassifier, wrapped_estimator
from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_method_params,
    _fit_context,
)
from ._head import DEFAULT_LAP, Fold, checked_k, fit_head, label_targets
from ._row_sums import is_dask

__all__ = ["LIPMetaClassifier", "fit_lip_dask", "loss_family"]


def loss_family(estimator):
    """Which loss a linear classifier minimizes: ``"log"``, ``"squared"`` or ``"margin"``.

    The family decides the target scale LAP re-fits against (0/1 for log-loss models, -1/+1
    otherwise), the default LAP mode, and whether ``predict_proba`` is a softmax of the logits.

    Parameters
    ----------
    estimator : estimator instance
        A classifier, fitted or not.

    Returns
    -------
    family : {"log", "squared", "margin"}
    """
    if type(estimator).__module__.startswith("dask_ml.wrappers"):
        # Incremental / ParallelPostFit fit the estimator they wrap, which defines the loss.
        return loss_family(estimator.estimator)
    loss = getattr(estimator, "loss", None)
    if isinstance(estimator, (LogisticRegression, LogisticRegressionCV)) or loss == "log_loss":
        return "log"
    if isinstance(estimator, (RidgeClassifier, RidgeClassifierCV)) or loss == "squared_error":
        return "squared"
    return "margin"


def _softmax_available(self):
    """``predict_proba`` exists only for log-loss inner models that have it themselves."""
    inner = wrapped_estimator(self)
    return loss_family(inner) == "log" and hasattr(inner, "predict_proba")


class LIPMetaClassifier(BaseWrappingClassifier):
    """Add LIP to any linear classifier that exposes ``coef_`` and ``intercept_``.

    Fits a clone of ``estimator``, then refines its weight matrix
    ``W = [coef_.T; intercept_]`` with LIP (Si et al., 2025): the top-``k`` singular
    components are kept (principal subspace preservation) and the singular values of the rest
    are re-fitted on the training data with their directions fixed (label ambiguity
    purification). Predictions come from the refined weights.

    Parameters
    ----------
    estimator : estimator instance, default=None
        A classifier with ``coef_`` and ``intercept_`` after ``fit``. ``None`` means
        ``LogisticRegression()``.
    k : int, float in (0, 1), "auto", list of int or None, default="auto"
        Number of principal components kept.

        - int: exactly that many; ``1 <= k < rank(W)``, otherwise ``fit`` raises.
        - float: the smallest k whose singular values hold that fraction of the squared
          spectrum (``W`` is left unchanged when that is every component).
        - ``"auto"``: cross-validate a grid of k (every k up to rank 33, about 32 values
          above) on stratified splits of the training data, comparing each with the
          *unchanged* weights on the same held-out rows. The best k is used only when its net
          gain over the unchanged weights is significant (a one-sided paired McNemar test at
          level ``significance``, Bonferroni-corrected for the number of candidates) and no
          single split shows a significant loss; otherwise ``W`` stays as fitted. Costs up to
          ``cv`` extra fits of ``estimator``: the splits are fitted one at a time and the rest
          are skipped once the answer is "unchanged" (see ``early_stop`` and
          ``n_validation_folds_``).
        - list of int: like ``"auto"`` over these candidates. Entries outside
          ``1 <= k < rank(W)`` are dropped with a ``UserWarning`` that names them; an empty
          list, or one with no entry in range, raises a ``ValueError``.
        - None: no LIP; the base estimator's weights (a baseline for grid searches).
    lap : {"auto", "paper", "scaled", "log"}, default="auto"
        How the lower singular values are re-fitted (see :func:`~sklearn_lip.lip_refine`).
        ``"auto"`` picks per loss family of ``estimator`` (see :func:`loss_family`) the re-fit
        that is well posed for its loss (the user guide gives the measurements):

        - log-loss models (``LogisticRegression``, ``SGDClassifier(loss="log_loss")``):
          ``"paper"``. On logit-scale weights the re-fitted lower values are small, so this acts
          as a validated low-rank truncation; validation leaves W unchanged where truncation
          does not help.
        - squared-loss models (``RidgeClassifier``): ``"paper"``, which is exact least
          squares on the -1/+1 targets these models fit.
        - margin models (``LinearSVC``, ``Perceptron``, hinge ``SGDClassifier``): ``"scaled"``,
          which is invariant to the weights' arbitrary scale.
    cv : int, cross-validation generator or iterable, default=3
        Validation splits used by ``k="auto"`` (and a list of ``k``). An int is the number of
        shuffled stratified folds and must not exceed the rows of the smallest class (a
        ``ValueError`` before any fit, as in :class:`CleanLabelClassifier`). Folds whose
        training part misses a class are skipped.

        .. versionchanged:: 0.3
           An int larger than the smallest class is an error; it was lowered to the
           smallest class count (with fewer than 2 rows, ``W`` was left unchanged).
    significance : float in (0, 1], default=0.05
        Level of the test ``k="auto"`` applies before it changes ``W``. Smaller is more
        conservative; with 9 candidates, 0.05 asks for a z statistic of 2.54. Validation
        labels are as noisy as the training labels, and on small data one held-out row is
        worth several tenths of a point, so a permissive level can pick a k that loses on
        clean test data.
    early_stop : {"futility", "exact"}, default="futility"
        When ``k="auto"`` (or a list of ``k``) stops fitting validation splits and keeps ``W``
        unchanged:

        - ``"exact"``: once every candidate has shown a significant loss on a split fitted so
          far (such a candidate is never used, whatever the other splits show), so the choice
          is exactly that of all ``cv`` splits.
        - ``"futility"``: also before the first split when no candidate changes the
          predicted class of enough training rows to pass the test: a candidate that changes
          ``b`` held-out rows, all of them to its gain, reaches a z of ``sqrt(b)``, so it
          needs ``max(1, validation_threshold_) ** 2`` of them, and the training rows stand
          for the held-out ones (paper and scaled LAP modes); and after the first split when
          no candidate gets more of its held-out rows right than the unchanged weights. Both
          can only keep ``W`` where ``"exact"`` would change it, never choose another k. In
          the package's benchmarks (see the user guide) they fitted no split in 154 of 396
          multi-class fits (every ``RidgeClassifier`` fit: its re-fitted lower values are
          nearly its own) and one in 108, and changed 3 of 864 decisions (two gains of 1.9
          and 1.3 points missed, a loss of 2.2 points avoided).

        .. versionadded:: 0.3
    random_state : int, RandomState instance or None, default=None
        Seeds the validation splits of ``k="auto"``.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted clone of ``estimator`` (its own ``coef_`` is not modified).
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        Refined weights, in the precision of ``estimator_.coef_`` (float32 stays float32:
        the SVD and the re-fit run in float64 and only the result is rounded).
    intercept_ : ndarray of shape (n_classes,) or (1,)
        Refined intercept.
    raw_coef_ : ndarray
        ``estimator_.coef_`` before LIP.
    raw_intercept_ : ndarray
        ``estimator_.intercept_`` before LIP.
    k_ : int or None
        Number of kept components, ``None`` when ``W`` was left unchanged.
    lap_ : str
        LAP mode used.
    singular_values_ : ndarray
        Singular values of the unrefined ``W``.
    refined_singular_values_ : ndarray
        Singular values of the refined ``W`` in the same basis (not re-sorted).
    validation_scores_ : dict or None
        Held-out accuracy of the unchanged weights (key ``"unchanged"``) and of each candidate
        k, on the noisy training labels; ``{}`` when no split was fitted, ``None`` unless ``k``
        was validated.
    validation_z_ : float or None
        Paired z statistic against the unchanged weights of the chosen candidate (of the
        candidate with the largest net gain when none was chosen).
    validation_threshold_ : float or None
        The pooled z a candidate needed to change the weights, ``norm.isf(significance /
        n_candidates)``; ``None`` unless ``k`` was validated.

        .. versionadded:: 0.3
    n_validation_folds_ : int or None
        Number of validation splits fitted and scored by ``k="auto"`` (or a list of ``k``);
        fewer than the splits of ``cv`` when the rest were skipped, and 0 when the training rows
        showed that no candidate could pass (see ``early_stop``).
        ``validation_scores_`` and ``validation_z_`` cover these splits. ``None`` unless ``k``
        was validated.

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
    lip_refine : The refinement on raw arrays.
    LIPClassifier : A neural network with LIP on its last layer.

    Notes
    -----
    Binary problems give a single-row ``coef_`` (rank 1), which has no lower components: the
    classifier warns (:class:`~sklearn_lip.LIPSkippedWarning`) and behaves exactly like the
    base estimator.

    References
    ----------
    .. [1] C. Si, Y. Cui, X. Yang, Y. Yang, W. Shen, "Why Can Accurate Models Be Learned from
           Inaccurate Annotations?", arXiv:2505.16159, 2025.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from sklearn_lip import LIPMetaClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LIPMetaClassifier(RidgeClassifier(), k=1).fit(X, y)
    >>> clf.k_, clf.lap_
    (1, 'paper')
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "k": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            StrOptions({"auto"}),
            "array-like",
            None,
        ],
        "lap": [StrOptions({"auto", "paper", "scaled", "log"})],
        "cv": ["cv_object"],
        "significance": [Interval(Real, 0, 1, closed="right")],
        "early_stop": [StrOptions({"futility", "exact"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        k="auto",
        lap="auto",
        cv=3,
        significance=0.05,
        early_stop="futility",
        random_state=None,
    ):
        self.estimator = estimator
        self.k = k
        self.lap = lap
        self.cv = cv
        self.significance = significance
        self.early_stop = early_stop
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the estimator, then refine its weights with LIP.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target labels (possibly noisy).
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the LIP re-fit and passed to ``estimator.fit`` (a
            ``ValueError`` when it does not accept them; with metadata routing, as requested).

            .. versionchanged:: 0.2
               An estimator whose ``fit`` takes no weights raises a ``ValueError``, as in
               every wrapping classifier of the package; it was a warning.
        **fit_params : dict
            Further metadata for ``estimator.fit``.

            Only available if `enable_metadata_routing=True`. See the
            :ref:`Metadata Routing User Guide <metadata_routing>` for more details.

            .. versionchanged:: 0.2
               Without routing they raise a ``ValueError``; they were passed on.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], ensure_all_finite=False)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"LIPMetaClassifier needs samples of at least 2 classes; got one class: "
                f"{self.classes_[0]!r}."
            )
        sample_weight = self._validate_sample_weight(sample_weight, X)
        k = self._k_candidates(len(self.classes_))  # a k no fit can use fails before any fit
        if isinstance(k, (str, list)):  # chosen on validation folds
            self._check_cv_fits_classes(y)
        base = self._get_estimator()
        inner_params = self._inner_fit_params(sample_weight, fit_params)

        self.estimator_ = clone(base).fit(X, y, **inner_params)
        W, targets = self._weights_and_targets()
        Y = targets(y)
        folds = self._folds(base, X, y, Y, inner_params)
        return self._refine(W, X, Y, k, folds, sample_weight)

    @_fit_context(prefer_skip_nested_validation=False)
    def _fit_dask(self, X, y, validation, fit_params):
        """:meth:`fit` on Dask arrays, out of core: the code path of :func:`fit_lip_dask`."""
        _dask.import_dask()
        if not (is_dask(X) and is_dask(y)):
            raise TypeError(
                f"fit_lip_dask needs Dask arrays X and y; got {type(X).__name__} and "
                f"{type(y).__name__}. Use LIPMetaClassifier.fit for data in memory."
            )
        k = self._k_candidates()
        validated = isinstance(k, (str, list))
        if validated and validation is None:
            raise ValueError(
                f"k={self.k!r} is chosen on held-out rows: pass validation=(X_val, y_val), "
                "or an int or float k."
            )
        self.n_features_in_ = X.shape[1]
        vars(self).pop("feature_names_in_", None)  # Dask arrays carry no feature names
        self.estimator_ = clone(self._get_estimator()).fit(X, y, **fit_params)
        self.classes_ = np.asarray(self.estimator_.classes_)
        W, targets = self._weights_and_targets()
        Y = y.map_blocks(targets, new_axis=1, chunks=(y.chunks[0], (W.shape[1],)), dtype=np.float64)
        folds = None
        if validated:
            X_val, y_val = validation
            # The held-out block validates the final head itself: one pass over X serves both.
            folds = [Fold(None, None, None, X_val=X_val, Y_val=targets(np.asarray(y_val)))]
        return self._refine(W, X, Y, k, folds, sample_weight=None)

    def _k_candidates(self, n_classes=None):
        """``k`` as :func:`~sklearn_lip._head.fit_head` takes it (:func:`checked_k`).

        With ``n_classes`` (more than 2: a binary model has one column, which LIP skips), a
        ``k`` that no fit can use fails here, before the fits of ``estimator``.
        """
        n_columns = n_classes if n_classes is not None and n_classes > 2 else None
        return checked_k(self.k, n_columns, type(self).__name__)

    def _weights_and_targets(self):
        """The fitted ``estimator_``'s weights, and the function that makes LAP's target rows.

        Sets ``lap_`` from the loss family of ``estimator_``.
        """
        W = self._weights_of(self.estimator_)
        family = loss_family(self.estimator_)
        self.lap_ = DEFAULT_LAP[family] if self.lap == "auto" else self.lap
        targets = partial(
            _label_rows,
            classes=self.classes_,
            family=family,
            lap=self.lap_,
            binary=W.shape[1] == 1,
        )
        return W, targets

    def _refine(self, W, X, Y, k, folds, sample_weight):
        """Refine ``W`` with :func:`~sklearn_lip._head.fit_head`, store the result; ``self``."""
        head = fit_head(
            W,
            X,
            Y,
            k=k,
            lap=self.lap_,
            folds=folds,
            sample_weight=sample_weight,
            fit_intercept=True,
            significance=self.significance,
            early_stop=self.early_stop,
        )
        self.raw_coef_ = self.estimator_.coef_
        self.raw_intercept_ = np.broadcast_to(
            self.estimator_.intercept_, (head.coef.shape[1],)
        ).astype(head.coef.dtype)
        self.coef_ = head.coef[:-1].T
        self.intercept_ = head.coef[-1]
        self.k_ = head.k
        self.singular_values_ = head.singular_values
        self.refined_singular_values_ = head.refined_singular_values
        self.validation_scores_ = head.validation_scores
        self.validation_z_ = head.validation_z
        self.validation_threshold_ = head.validation_threshold
        self.n_validation_folds_ = head.validation_folds
        return self

    def _weights_of(self, fitted):
        """``[coef_.T; intercept_]`` of a fitted inner estimator, features x classes."""
        if not hasattr(fitted, "coef_"):
            raise TypeError(
                f"LIPMetaClassifier needs an estimator with coef_ after fit; "
                f"{type(fitted).__name__} has none."
            )
        if not np.array_equal(fitted.classes_, self.classes_):
            raise ValueError(
                f"{type(fitted).__name__}.classes_ does not match the sorted training labels."
            )
        coef = np.atleast_2d(np.asarray(fitted.coef_))
        # LIP keeps the inner model's precision: float32 weights stay float32.
        dtype = np.float32 if coef.dtype == np.float32 else np.float64
        coef = coef.astype(dtype, copy=False)
        if coef.ndim != 2 or coef.shape[1] != self.n_features_in_:
            raise TypeError(
                f"{type(fitted).__name__}.coef_ has shape {coef.shape}; expected "
                f"(n_classes, {self.n_features_in_}) as for a linear classifier."
            )
        intercept = np.broadcast_to(getattr(fitted, "intercept_", 0.0), (coef.shape[0],))
        return np.vstack([coef.T, intercept.astype(dtype)])

    def _splitter(self, y):
        if isinstance(self.cv, Integral):
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            return StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        return check_cv(self.cv, y, classifier=True)

    def _folds(self, base, X, y, Y, inner_params):
        """Lazily fit ``base`` on validation splits; consumed only when k is validated.

        Each split is fitted when :func:`~sklearn_lip._head.fit_head` asks for it, so the splits
        it does not draw (no candidate can pass any more) cost nothing.
        """
        splitter = self._splitter(y)
        for train, val in splitter.split(X, y):
            fitted = clone(base).fit(
                X[train], y[train], **_check_method_params(X, inner_params, train)
            )
            if not np.array_equal(fitted.classes_, self.classes_):
                continue  # a class is missing from this training part
            weights = inner_params.get("sample_weight")
            yield Fold(
                W=self._weights_of(fitted),
                X_train=X[train],
                Y_train=Y[train],
                X_val=X[val],
                Y_val=Y[val],
                sample_weight=None if weights is None else np.asarray(weights)[train],
            )

    def decision_function(self, X):
        """Scores from the refined weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Refined logits; 1-D for binary problems, as in scikit-learn.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predict class labels from the refined weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        scores = self.decision_function(X)
        indices = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[indices]

    @available_if(_softmax_available)
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)

    @available_if(_softmax_available)
    def predict_proba(self, X):
        """Class probabilities: the softmax of the refined logits (sigmoid for binary).

        Only available for log-loss inner models, whose logits are log-odds.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, rows sum to one.
        """
        return np.exp(self.predict_log_proba(X))

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            ``sample_weight`` is consumed by the LIP re-fit and routed to ``estimator.fit``.
        """
        return super().get_metadata_routing().add_self_request(self)


def _label_rows(y, classes, family, lap, binary):
    """Target rows of a block of labels, on the scale of the base model's loss family.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels, each one of ``classes``.
    classes : ndarray of shape (n_classes,)
        Sorted class labels of the fitted estimator.
    family : {"log", "squared", "margin"}
        Loss family of the base model (:func:`loss_family`).
    lap : {"paper", "scaled", "log"}
        Resolved LAP mode.
    binary : bool
        Whether the weights have a single score column (binary ``coef_``); the rows then keep
        the positive class's column only.

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes) or (n_samples, 1)
        Target rows for :func:`~sklearn_lip._head.fit_head`.
    """
    indices = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
    if not np.array_equal(classes[indices], y):
        unknown = np.setdiff1d(y, classes)[:5].tolist()
        raise ValueError(f"y has labels {unknown} that are not in classes_ {classes.tolist()}.")
    Y = label_targets(indices, len(classes), family, lap)
    return Y[:, 1:] if binary else Y


def fit_lip_dask(classifier, X, y, *, validation=None, **fit_params):
    """Fit a :class:`~sklearn_lip.LIPMetaClassifier` on Dask arrays, out of core.

    The recipe for data that does not fit in memory: the base estimator trains on the Dask
    arrays itself (``dask_ml.wrappers.Incremental`` calls ``partial_fit`` block by block),
    ``k`` is chosen on a held-out block, and the LIP statistics are Dask reductions over ``X``.
    ``X`` is never brought into memory; what comes back is the weights, ``X_val``'s projection
    (``n_val x min(q, l)``) and ``y_val``.

    Passes over ``X``: the base estimator's (one per ``Incremental.fit``), then one for the
    LIP statistics, whether ``k`` is given or validated (the held-out comparison and the final
    refinement share them; the ``"log"`` mode keeps ``n x (min(q, l) + l)`` floats on the
    workers).

    Parameters
    ----------
    classifier : LIPMetaClassifier
        Fitted in place, as by ``classifier.fit``. Its ``estimator`` must train on Dask arrays
        without materializing them, e.g. ``Incremental(SGDClassifier(loss="log_loss"))``.
        ``k``, ``lap`` and ``significance`` mean what they mean for ``fit``; ``cv`` and
        ``random_state`` are not used: a validated ``k`` (``"auto"`` or a list) is compared
        with the unchanged weights on ``validation``.
    X : dask array of shape (n_samples, n_features)
        Training features (NumPy or SciPy sparse blocks).
    y : dask array of shape (n_samples,)
        Training labels, chunked like the rows of ``X``.
    validation : tuple of (X_val, y_val), default=None
        Held-out rows, disjoint from ``X``, that choose ``k`` when it is validated (required
        then). Dask or NumPy arrays; sized for memory, as only their projection is computed.
    **fit_params : dict
        Passed to ``estimator.fit``, e.g. ``classes=`` for ``Incremental``.

    Returns
    -------
    classifier : LIPMetaClassifier
        The fitted classifier; ``classes_`` comes from the fitted base estimator. Predict on
        NumPy blocks, or on Dask arrays through ``dask_ml.wrappers.ParallelPostFit``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from dask_ml.wrappers import Incremental
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_lip import LIPMetaClassifier, fit_lip_dask
    >>> rng = np.random.RandomState(0)
    >>> centers = rng.normal(scale=3, size=(4, 5))
    >>> y_all = rng.randint(0, 4, 1200)
    >>> X_all = centers[y_all] + rng.normal(size=(1200, 5))
    >>> X, y = da.from_array(X_all, chunks=300), da.from_array(y_all, chunks=300)
    >>> base = Incremental(SGDClassifier(loss="log_loss", random_state=0), shuffle_blocks=False)
    >>> clf = fit_lip_dask(LIPMetaClassifier(base, k="auto"), X[:900], y[:900],
    ...                    classes=np.arange(4), validation=(X[900:], y[900:]))
    >>> clf.lap_, clf.coef_.shape
    ('paper', (4, 5))
    >>> {k: round(score, 2) for k, score in clf.validation_scores_.items()}
    {'unchanged': 0.96, 1: 0.44, 2: 0.61, 3: 0.91}
    >>> print(clf.k_)  # no k beat the unchanged weights on the held-out block
    None
    """
    return classifier._fit_dask(X, y, validation, fit_params)
