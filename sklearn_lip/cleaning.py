"""Finding label issues with confident learning, and a classifier that trains without them.

Confident learning (Northcutt, Jiang and Chuang, JAIR 2021) compares each row's given label
with out-of-fold predicted probabilities. A row *confidently* belongs to class ``j`` when its
predicted probability of ``j`` reaches the per-class threshold ``t_j``, the mean probability of
``j`` over the rows labelled ``j``. Counting (given label, confident class) pairs gives the
*confident joint*, from which the number of label issues in each class and the noise matrix are
estimated. Within each class, the rows to flag are ranked by their margin (given label's
probability minus the largest other one). :class:`CleanLabelClassifier` ranks by the margin
of a blend of the out-of-fold probabilities with the *in-sample* probabilities of the fold
models that trained on the row: a label that even a model trained on it fits poorly is
likely wrong (the "small-loss" evidence of Han et al., 2018), and that adds information the
out-of-fold probabilities lack. The counts always come from the out-of-fold probabilities.

The functions take ``labels`` as integer indices ``0..K-1`` into the columns of ``pred_proba``
(encode string labels first, e.g. with :class:`~sklearn.preprocessing.LabelEncoder`).
:class:`CleanLabelClassifier` does the encoding itself, computes the out-of-fold probabilities,
flags the issues and refits its estimator on the rows that are kept.
"""

# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, check_array, column_or_1d, get_tags, indexable
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ._compat import (
    HasMethods,
    Interval,
    MetadataRouter,
    MethodMapping,
    StrOptions,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from ._utils import estimator_has

__all__ = [
    "CleanLabelClassifier",
    "MinPerClassWarning",
    "confident_joint",
    "estimate_noise_matrix",
    "find_label_issues",
    "label_quality_scores",
]

_METHODS = ("class_margin", "confident_joint")
# Tolerance on probabilities: rows must sum to 1, values lie in [0, 1], up to float32 rounding.
_PROBA_TOL = 1e-4


class MinPerClassWarning(UserWarning):
    """Warning raised when ``min_per_class`` un-flags label issues so that no class is emptied.

    :func:`find_label_issues` and :class:`CleanLabelClassifier` keep at least ``min_per_class``
    rows of every given class (all of them when the class is smaller). When the method flagged
    more rows than that allows, the flagged rows with the highest label quality are kept and this
    warning names the classes concerned.
    """


def _check_proba(proba, name):
    """Validate a matrix of probabilities: 2-D, at least 2 columns, rows summing to one."""
    proba = check_array(proba, dtype=np.float64, input_name=name)
    if proba.shape[1] < 2:
        raise ValueError(
            f"{name} must have one column per class and at least 2 columns; "
            f"got shape {proba.shape}."
        )
    if proba.min() < -_PROBA_TOL or proba.max() > 1 + _PROBA_TOL:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got values in "
            f"[{proba.min():.6g}, {proba.max():.6g}]."
        )
    row_sums = proba.sum(axis=1)
    off = np.flatnonzero(np.abs(row_sums - 1) > _PROBA_TOL)
    if off.size:
        raise ValueError(
            f"{name} rows must sum to 1 (tolerance {_PROBA_TOL}); {off.size} rows do not, "
            f"e.g. row {off[0]} sums to {row_sums[off[0]]:.6g}. Pass probabilities such as "
            "predict_proba output or a softmax of decision_function scores."
        )
    return proba


def _check_labels_proba(labels, pred_proba):
    """Validate ``labels`` (integer indices) and ``pred_proba`` (rows summing to one)."""
    pred_proba = _check_proba(pred_proba, "pred_proba")
    n_samples, n_classes = pred_proba.shape
    labels = column_or_1d(labels)
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but pred_proba has {n_samples} rows."
        )
    if labels.dtype.kind == "f" and np.array_equal(labels, np.round(labels)):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise ValueError(
            "labels must be integer indices 0..K-1 into the columns of pred_proba; got dtype "
            f"{labels.dtype}. Encode them first, e.g. with sklearn.preprocessing.LabelEncoder."
        )
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        raise ValueError(
            f"labels must be integer indices 0..{n_classes - 1} into the {n_classes} columns of "
            f"pred_proba; got {np.unique(labels[outside]).tolist()}."
        )
    return labels.astype(np.intp), pred_proba


def _ranking_proba(pred_proba, in_sample_proba, in_sample_weight):
    """The probabilities whose margins rank the rows: a blend when ``in_sample_proba`` is given."""
    if not isinstance(in_sample_weight, Real) or not 0 <= in_sample_weight <= 1:
        raise ValueError(f"in_sample_weight must be a number in [0, 1]; got {in_sample_weight!r}.")
    if in_sample_proba is None:
        return pred_proba
    in_sample_proba = _check_proba(in_sample_proba, "in_sample_proba")
    if in_sample_proba.shape != pred_proba.shape:
        raise ValueError(
            f"in_sample_proba must have the shape of pred_proba, {pred_proba.shape}; got "
            f"{in_sample_proba.shape}."
        )
    return (1 - in_sample_weight) * pred_proba + in_sample_weight * in_sample_proba


def _confident_classes(labels, pred_proba):
    """For each row, the class it confidently belongs to, or -1 when there is none.

    The threshold of class ``j`` is the mean of ``pred_proba[:, j]`` over the rows labelled ``j``
    (infinite when no row is, so such a class is never a confident class). A row's confident class
    is the most probable among the classes whose threshold it reaches.
    """
    n_samples, n_classes = pred_proba.shape
    self_confidence = pred_proba[np.arange(n_samples), labels]
    counts = np.bincount(labels, minlength=n_classes)
    sums = np.bincount(labels, weights=self_confidence, minlength=n_classes)
    thresholds = np.full(n_classes, np.inf)
    np.divide(sums, counts, out=thresholds, where=counts > 0)
    # A small tolerance so that a row equal to its class mean is not lost to rounding in the mean.
    above = pred_proba >= thresholds - 1e-12
    confident = np.where(above, pred_proba, -1.0).argmax(axis=1)
    confident[~above.any(axis=1)] = -1
    return confident


def _joint(labels, confident, n_classes, calibrate):
    """Count (given, confident) pairs; calibrated rows sum to the given-label counts."""
    counted = confident >= 0
    joint = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(joint, (labels[counted], confident[counted]), 1)
    if not calibrate:
        return joint
    counts = np.bincount(labels, minlength=n_classes)
    row_sums = joint.sum(axis=1, keepdims=True)
    # A given class with no confidently counted row carries no evidence of noise: keep it whole.
    return np.where(
        row_sums > 0, joint / np.maximum(row_sums, 1) * counts[:, None], np.diag(counts)
    )


def _margins(labels, pred_proba):
    rows = np.arange(pred_proba.shape[0])
    others = pred_proba.copy()
    others[rows, labels] = -np.inf
    return pred_proba[rows, labels] - others.max(axis=1)


def _flag_lowest(labels, scores, n_flag):
    """Flag, within each class ``k``, the ``n_flag[k]`` rows with the lowest ``scores``."""
    order = np.lexsort((scores, labels))  # by class, then by score; ties keep row order
    sorted_labels = labels[order]
    rank_in_class = np.arange(labels.size) - np.searchsorted(sorted_labels, sorted_labels)
    flags = np.zeros(labels.size, dtype=bool)
    flags[order] = rank_in_class < n_flag[sorted_labels]
    return flags


def confident_joint(labels, pred_proba, *, calibrate=True):
    """Compute the confident joint of given and confident labels.

    Entry ``[i, j]`` counts the rows labelled ``i`` that confidently belong to class ``j``: their
    predicted probability of ``j`` reaches the threshold of ``j`` (the mean predicted
    probability of ``j`` over the rows labelled ``j``), and ``j`` is the most probable class
    among those whose threshold they reach. Rows that reach no threshold are not counted.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one.

    calibrate : bool, default=True
        If True, scale each row so that it sums to the number of rows with that given label
        (the calibration of Northcutt et al., 2021); a given class without any counted row is put
        entirely on the diagonal. If False, return the raw integer counts.

    Returns
    -------
    joint : ndarray of shape (K, K)
        Rows are given labels, columns are confident (estimated true) labels. Integer counts
        when ``calibrate=False``, floats otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.cleaning import confident_joint
    >>> labels = np.array([0, 0, 0, 1, 1])
    >>> proba = np.array([[.9, .1], [.8, .2], [.2, .8], [.3, .7], [.1, .9]])
    >>> confident_joint(labels, proba, calibrate=False)
    array([[2, 1],
           [0, 1]])
    """
    labels, pred_proba = _check_labels_proba(labels, pred_proba)
    confident = _confident_classes(labels, pred_proba)
    return _joint(labels, confident, pred_proba.shape[1], calibrate)


def estimate_noise_matrix(labels, pred_proba):
    """Estimate the label-noise transition matrix from the calibrated confident joint.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one.

    Returns
    -------
    noise_matrix : ndarray of shape (K, K)
        Row-stochastic: ``noise_matrix[i, j]`` estimates ``P(given = j | true = i)``, the
        convention of :mod:`sklearn_lip.noise`. A class that no row confidently belongs to
        gets an identity row (no evidence of noise).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.cleaning import estimate_noise_matrix
    >>> labels = np.array([0, 0, 0, 1, 1])
    >>> proba = np.array([[.9, .1], [.8, .2], [.2, .8], [.3, .7], [.1, .9]])
    >>> estimate_noise_matrix(labels, proba).round(2)
    array([[1.  , 0.  ],
           [0.33, 0.67]])
    """
    joint = confident_joint(labels, pred_proba)
    per_true_class = joint.sum(axis=0)[:, None]
    return np.where(
        per_true_class > 0,
        joint.T / np.maximum(per_true_class, 1e-300),
        np.eye(joint.shape[0]),
    )


def label_quality_scores(labels, pred_proba, *, in_sample_proba=None, in_sample_weight=0.5):
    """Score each given label by its margin over the most probable other class.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one.

    in_sample_proba : array-like of shape (n_samples, K), default=None
        Predicted probabilities of models that *were* trained on each row (in cross-validation,
        the mean over the fold models whose training part holds the row). When given, rows are
        ranked by the margin of ``(1 - in_sample_weight) * pred_proba + in_sample_weight *
        in_sample_proba``: a label that a model fits poorly even after training on it is
        likely wrong. None ranks by ``pred_proba`` alone.

    in_sample_weight : float in [0, 1], default=0.5
        Weight of ``in_sample_proba`` in the blend; ignored when it is None. 0 ranks by
        ``pred_proba`` alone.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        ``p[i, labels[i]] - max(p[i, j] for j != labels[i])``, in ``[-1, 1]``, where ``p``
        is ``pred_proba`` or its blend with ``in_sample_proba``. Lower means the given label
        is more likely wrong; a negative score means another class is more probable than the
        given one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.cleaning import label_quality_scores
    >>> label_quality_scores([0, 1], [[.7, .2, .1], [.6, .3, .1]]).round(2)
    array([ 0.5, -0.3])
    >>> label_quality_scores(
    ...     [0, 1], [[.7, .2, .1], [.6, .3, .1]], in_sample_proba=[[.9, .1, 0], [.2, .7, .1]]
    ... ).round(2)
    array([0.65, 0.1 ])
    """
    labels, pred_proba = _check_labels_proba(labels, pred_proba)
    return _margins(labels, _ranking_proba(pred_proba, in_sample_proba, in_sample_weight))


def find_label_issues(
    labels,
    pred_proba,
    *,
    method="class_margin",
    min_per_class=5,
    in_sample_proba=None,
    in_sample_weight=0.5,
):
    """Flag the rows whose given label is likely wrong (confident learning).

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold (a row's own label must not have been
        used to predict it); rows must sum to one.

    method : {"class_margin", "confident_joint"}, default="class_margin"
        - ``"class_margin"``: the calibrated confident joint gives the number of issues in each
          given class (its off-diagonal row sum, rounded); within each given class, that many
          rows with the smallest :func:`label_quality_scores` are flagged.
        - ``"confident_joint"``: flag the rows counted off the diagonal of the confident joint,
          i.e. those that confidently belong to a class other than their given one.

        The confident joint always comes from ``pred_proba`` alone.

    min_per_class : int, default=5
        Keep at least this many rows of every given class (all rows of a smaller class).
        When the method flagged more, the flagged rows with the highest label quality are
        kept and a :class:`MinPerClassWarning` is raised.

    in_sample_proba : array-like of shape (n_samples, K), default=None
        Predicted probabilities of models trained on each row. When given, the rows of a class
        are ranked by their :func:`label_quality_scores` under the blend of ``pred_proba`` and
        ``in_sample_proba``, not under ``pred_proba`` alone.

    in_sample_weight : float in [0, 1], default=0.5
        Weight of ``in_sample_proba`` in that blend; see :func:`label_quality_scores`.

    Returns
    -------
    label_issues : ndarray of shape (n_samples,), dtype=bool
        True for the rows flagged as label issues.

    See Also
    --------
    CleanLabelClassifier : Computes out-of-fold probabilities, flags issues and refits.

    References
    ----------
    C. G. Northcutt, L. Jiang and I. L. Chuang, "Confident Learning: Estimating Uncertainty in
    Dataset Labels", Journal of Artificial Intelligence Research 70, 2021.

    B. Han, Q. Yao, X. Yu, G. Niu, M. Xu, W. Hu, I. Tsang and M. Sugiyama, "Co-teaching: Robust
    Training of Deep Neural Networks with Extremely Noisy Labels", NeurIPS 2018 (the small-loss
    evidence behind ``in_sample_proba``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.cleaning import find_label_issues
    >>> labels = np.array([0, 0, 0, 1, 1])
    >>> proba = np.array([[.9, .1], [.8, .2], [.2, .8], [.3, .7], [.1, .9]])
    >>> find_label_issues(labels, proba, min_per_class=1)
    array([False, False,  True, False, False])
    """
    return _find_label_issues(
        labels, pred_proba, method, min_per_class, in_sample_proba, in_sample_weight
    )


def _find_label_issues(
    labels,
    pred_proba,
    method,
    min_per_class,
    in_sample_proba=None,
    in_sample_weight=0.5,
    class_names=None,
):
    """:func:`find_label_issues`; warnings name classes by ``class_names`` (default: index)."""
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    if not isinstance(min_per_class, Integral) or min_per_class < 1:
        raise ValueError(f"min_per_class must be an integer >= 1; got {min_per_class!r}.")
    labels, pred_proba = _check_labels_proba(labels, pred_proba)
    n_classes = pred_proba.shape[1]
    counts = np.bincount(labels, minlength=n_classes)
    confident = _confident_classes(labels, pred_proba)
    margins = _margins(labels, _ranking_proba(pred_proba, in_sample_proba, in_sample_weight))
    if method == "confident_joint":
        issues = (confident >= 0) & (confident != labels)
    else:
        joint = _joint(labels, confident, n_classes, calibrate=True)
        n_issues = np.rint(counts - np.diag(joint)).astype(np.intp)
        issues = _flag_lowest(labels, margins, n_issues)

    allowed = np.maximum(counts - min_per_class, 0)
    flagged = np.bincount(labels[issues], minlength=n_classes)
    if np.any(flagged > allowed):
        too_many = np.flatnonzero(flagged > allowed)
        named = (
            f"class index(es) {too_many.tolist()}"
            if class_names is None
            else f"class(es) {np.asarray(class_names)[too_many].tolist()}"
        )
        warnings.warn(
            f"min_per_class={min_per_class} kept {int((flagged - allowed)[too_many].sum())} "
            f"flagged rows so that {named} keep at least "
            f"{min_per_class} rows (or all of their rows).",
            MinPerClassWarning,
            stacklevel=3,
        )
        issues = _flag_lowest(
            labels, np.where(issues, margins, np.inf), np.minimum(flagged, allowed)
        )
    return issues


def _class_proba(estimator, X, classes):
    """Probabilities of a fitted classifier, as columns in the global order of ``classes``.

    ``decision_function`` scores become a softmax (binary: a sigmoid). Such probabilities are
    not calibrated, but flagging only uses their ordering and margins, and the per-class
    thresholds adapt to their scale. Classes the estimator never saw get probability zero.
    """
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X)
    else:
        scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
        if scores.ndim == 1:  # softmax of (0, s) is (1 - sigmoid(s), sigmoid(s))
            scores = np.column_stack([np.zeros_like(scores), scores])
        proba = softmax(scores, axis=1)
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, estimator.classes_)] = proba
    return out


def _rows_of_params(params, indices, n_samples):
    """Restrict fit metadata to ``indices``: per-row arrays are indexed, the rest passed as is."""

    def per_row(value):
        shape = value.shape if hasattr(value, "shape") else np.asarray(value).shape
        return len(shape) > 0 and shape[0] == n_samples

    return {
        key: _safe_indexing(indexable(value)[0], indices) if per_row(value) else value
        for key, value in params.items()
    }


def _fit_rows(estimator, X, y, rows, params):
    """Fit a clone of ``estimator`` on ``rows`` of ``X``, ``y`` and the per-row ``params``."""
    return clone(estimator).fit(
        _safe_indexing(X, rows), y[rows], **_rows_of_params(params, rows, len(y))
    )


def _fold_proba(estimator, X, y, train, test, params, classes, in_sample):
    """Probabilities of one fold model on its test rows, and on its training rows if asked."""
    fitted = _fit_rows(estimator, X, y, train, params)
    test_proba = _class_proba(fitted, _safe_indexing(X, test), classes)
    train_proba = _class_proba(fitted, _safe_indexing(X, train), classes) if in_sample else None
    return test_proba, train_proba


def _out_of_fold_proba(estimator, X, y, classes, splits, params, n_jobs, in_sample=False):
    """Out-of-fold and (if ``in_sample``) in-sample predicted probabilities.

    Returns ``(pred_proba, in_sample_proba)``, each of shape (n_samples, n_classes). A row's
    in-sample probabilities are the mean over the fold models that trained on it; a row that
    no fold model trained on gets its out-of-fold probabilities. ``in_sample_proba`` is None
    when ``in_sample`` is False.
    """
    tested = np.zeros(len(y), dtype=np.intp)
    for _, test in splits:
        tested[test] += 1
    if np.any(tested != 1):
        raise ValueError(
            "cv must give test folds that cover every row exactly once (like KFold); "
            f"{int(np.sum(tested != 1))} rows are in no test fold or in several."
        )
    # A generator: each fold's (n_train, n_classes) in-sample block is added up and dropped as
    # it arrives, rather than all folds' blocks being held at once.
    fold_probas = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fold_proba)(estimator, X, y, train, test, params, classes, in_sample)
        for train, test in splits
    )
    proba = np.empty((len(y), len(classes)))
    in_sample_sum = np.zeros_like(proba) if in_sample else None
    trained = np.zeros(len(y))
    # The generator first in zip, so that zip runs it to its end (joblib then shuts down).
    for (test_proba, train_proba), (train, test) in zip(fold_probas, splits):
        proba[test] = test_proba
        if in_sample:
            np.add.at(in_sample_sum, train, train_proba)
            np.add.at(trained, train, 1)
    if not in_sample:
        return proba, None
    in_sample_proba = np.where(
        trained[:, None] > 0, in_sample_sum / np.maximum(trained, 1)[:, None], proba
    )
    return proba, in_sample_proba


class CleanLabelClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Classifier that flags likely label issues with confident learning and trains without them.

    ``fit`` computes out-of-fold predicted probabilities of ``estimator`` (stratified K folds),
    flags label issues with :func:`find_label_issues`, and fits a clone of ``estimator`` once
    on the rows that are kept, without reweighting them. Predictions come from that clone.
    The confident joint (how many rows to flag per class) comes from the out-of-fold
    probabilities; which rows, from their blend with the fold models' in-sample probabilities
    (``in_sample_weight``), which ranks wrong labels better for the cost of predicting the
    training folds (no extra fit).

    Parameters
    ----------
    estimator : estimator object, default=None
        Any classifier with ``fit`` and either ``predict_proba`` or ``decision_function``;
        ``None`` means :class:`~sklearn.linear_model.LogisticRegression`. Without
        ``predict_proba``, the out-of-fold scores are turned into probabilities by a softmax
        (binary: a sigmoid). They are not calibrated, but flagging only uses their ordering and
        margins. Only the standard classifier API (``fit``, ``predict_proba`` or
        ``decision_function``, ``classes_``) is used.

    cv : int, cross-validation splitter or iterable, default=5
        Number of stratified, shuffled folds for the out-of-fold probabilities; an int must
        not exceed the number of rows of the smallest class. Alternatively a splitter (e.g.
        :class:`~sklearn.model_selection.KFold`) or an iterable of ``(train, test)`` index
        arrays, whose test folds must cover every row exactly once. Fewer folds are faster:
        ``cv=2`` costs two fits of ``estimator`` on half the data plus the final fit.

    method : {"class_margin", "confident_joint"}, default="class_margin"
        How label issues are flagged; see :func:`find_label_issues`.

    min_per_class : int, default=5
        Keep at least this many rows of every class (all rows of a smaller class), so that no
        class is ever dropped; a :class:`MinPerClassWarning` says when this changed the flags.

    in_sample_weight : float in [0, 1], default=0.5
        Weight of the in-sample probabilities (each row's mean over the fold models that
        trained on it) in the probabilities that rank the rows within each class; see
        :func:`find_label_issues`. 0 ranks by the out-of-fold probabilities alone (the
        original confident learning) and skips predicting the training folds. Models that
        memorize their training labels give uninformative in-sample probabilities; 0 suits
        them.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the stratified folds when ``cv`` is an int. The random state of
        ``estimator`` is left as it is. Pass an int for reproducible output across calls.

    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib). ``None`` means 1 unless in a
        :obj:`joblib.parallel_backend` context; ``-1`` means all processors.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the kept rows; it makes the predictions.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    label_issues_ : ndarray of shape (n_samples,), dtype=bool
        True for the training rows flagged as label issues (left out of ``estimator_``).

    label_quality_ : ndarray of shape (n_samples,)
        :func:`label_quality_scores` of the training rows, the score that ranks them: the
        given label's probability minus the largest other one (lower is more suspect), under
        the out-of-fold probabilities blended with the in-sample ones by ``in_sample_weight``.

    noise_matrix_ : ndarray of shape (n_classes, n_classes)
        :func:`estimate_noise_matrix`: ``noise_matrix_[i, j]`` estimates
        ``P(given = classes_[j] | true = classes_[i])``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    find_label_issues : The flagging step on its own.
    sklearn.calibration.CalibratedClassifierCV : Another cross-validated meta-estimator.

    References
    ----------
    C. G. Northcutt, L. Jiang and I. L. Chuang, "Confident Learning: Estimating Uncertainty in
    Dataset Labels", Journal of Artificial Intelligence Research 70, 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_lip.cleaning import CleanLabelClassifier
    >>> X, y = make_blobs(n_samples=300, centers=3, random_state=0)
    >>> y_noisy = y.copy()
    >>> y_noisy[:30] = (y[:30] + 1) % 3  # corrupt the first 30 labels
    >>> clf = CleanLabelClassifier(random_state=0).fit(X, y_noisy)
    >>> clf
    CleanLabelClassifier(random_state=0)
    >>> int(clf.label_issues_.sum()), int(clf.label_issues_[:30].sum())
    (33, 25)
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
            None,
        ],
        "cv": [
            Interval(Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
            "array-like",
        ],
        "method": [StrOptions(set(_METHODS))],
        "min_per_class": [Interval(Integral, 1, None, closed="left")],
        "in_sample_weight": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        cv=5,
        method="class_margin",
        min_per_class=5,
        in_sample_weight=0.5,
        random_state=None,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.cv = cv
        self.method = method
        self.min_per_class = min_per_class
        self.in_sample_weight = in_sample_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _get_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Flag label issues from out-of-fold probabilities and fit on the kept rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, passed to ``estimator`` as it is (e.g. a pandas DataFrame stays one).

        y : array-like of shape (n_samples,)
            Given, possibly noisy, labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every fit of ``estimator`` (restricted to the rows of that fit). The
            flagging itself counts every row once.

        **fit_params : dict
            Further metadata for the fits of ``estimator``.

            Only available if `enable_metadata_routing=True`. See the
            :ref:`Metadata Routing User Guide <metadata_routing>` for more details.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(fit_params, self, "fit")
        X, y = validate_data(self, X, y, skip_check_array=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        X, y = indexable(X, y)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        class_counts = np.bincount(y_encoded)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes in y; got 1 class.")
        estimator = self._get_estimator()
        params = self._inner_fit_params(estimator, sample_weight, fit_params)

        rng = check_random_state(self.random_state)
        if isinstance(self.cv, Integral):
            if self.cv > class_counts.min():
                smallest = self.classes_[class_counts.argmin()]
                raise ValueError(
                    f"cv={self.cv} is larger than the smallest class of y, {smallest}, with "
                    f"{class_counts.min()} rows; every class needs at least cv rows. Lower cv."
                )
            seed = rng.randint(np.iinfo(np.int32).max)
            splitter = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        else:
            splitter = check_cv(self.cv)
        splits = list(splitter.split(X, y_encoded))
        pred_proba, in_sample_proba = _out_of_fold_proba(
            estimator, X, y, self.classes_, splits, params, self.n_jobs,
            in_sample=self.in_sample_weight > 0,
        )

        ranking = {"in_sample_proba": in_sample_proba, "in_sample_weight": self.in_sample_weight}
        self.label_quality_ = label_quality_scores(y_encoded, pred_proba, **ranking)
        self.noise_matrix_ = estimate_noise_matrix(y_encoded, pred_proba)
        self.label_issues_ = _find_label_issues(
            y_encoded, pred_proba, self.method, self.min_per_class, **ranking,
            class_names=self.classes_,
        )
        self.estimator_ = _fit_rows(estimator, X, y, np.flatnonzero(~self.label_issues_), params)
        return self

    def _inner_fit_params(self, estimator, sample_weight, fit_params):
        """The metadata for the fits of ``estimator`` (routed when routing is enabled)."""
        if _routing_enabled():
            if sample_weight is not None:
                fit_params["sample_weight"] = sample_weight
            return process_routing(self, "fit", **fit_params)["estimator"]["fit"]
        if sample_weight is None:
            return {}
        if not has_fit_parameter(estimator, "sample_weight"):
            raise ValueError(
                f"{type(estimator).__name__} does not accept sample_weight in fit, so "
                f"{type(self).__name__} cannot pass it on."
            )
        return {"sample_weight": sample_weight}

    def predict(self, X):
        """Predict class labels with the estimator fitted on the kept rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    @available_if(estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Predict class probabilities with the estimator fitted on the kept rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Predict class log-probabilities with the estimator fitted on the kept rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Class log-probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores of the estimator fitted on the kept rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision scores, as returned by ``estimator_.decision_function``.
        """
        check_is_fitted(self)
        return self.estimator_.decision_function(X)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter` routing ``fit``
            metadata to every fit of ``estimator``.
        """
        return MetadataRouter(owner=self).add(
            estimator=self._get_estimator(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._get_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags
