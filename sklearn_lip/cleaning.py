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
from scipy.special import softmax, xlogy
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import (
    _safe_indexing,
    check_array,
    check_random_state,
    column_or_1d,
    indexable,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import validate_data

from ._base import BaseWrappingClassifier
from ._compat import HasMethods, Interval, StrOptions, _fit_context

__all__ = [
    "CleanLabelClassifier",
    "MinPerClassWarning",
    "confident_joint",
    "estimate_noise_matrix",
    "find_label_issues",
    "label_quality_scores",
]

_METHODS = ("class_margin", "confident_joint")
#: cleanlab's ``filter_by`` rules, each reproduced exactly by :func:`find_label_issues`.
_CLEANLAB_FILTERS = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
)
#: cleanlab's label quality scores (``return_indices_ranked_by``).
_RANKINGS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
_SCORES = ("margin", *_RANKINGS)
# Tolerance on probabilities: rows must sum to 1, values lie in [0, 1], up to float32 rounding.
_PROBA_TOL = 1e-4
_CLEANLAB_TOL = 1e-6  # cleanlab's FLOATING_POINT_COMPARISON
_CLEANLAB_CLIP = 1e-6  # cleanlab's CLIPPING_LOWER_BOUND


class MinPerClassWarning(UserWarning):
    """Warning raised when ``min_per_class`` un-flags label issues so that no class is emptied.

    :func:`find_label_issues` and :class:`CleanLabelClassifier` keep at least ``min_per_class``
    rows of every given class (all of them when the class is smaller). When the method flagged
    more rows than that allows, the flagged rows with the highest label quality are kept and this
    warning names the classes concerned. With cleanlab's rules (``filter_by``), it names the
    classes of at most ``min_per_class`` rows, in which cleanlab's pruning flags nothing.
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


def _quality(labels, proba, method):
    """Label quality of each row under ``method`` (one of ``_SCORES``); lower is more suspect."""
    self_confidence = proba[np.arange(labels.size), labels]
    if method == "self_confidence":
        return self_confidence
    if method in ("margin", "normalized_margin"):
        margins = _margins(labels, proba)
        return margins if method == "margin" else (margins + 1) / 2
    # "confidence_weighted_entropy", as cleanlab.rank defines it: the normalized entropy divided
    # by the self-confidence, mapped by log(s + 1) / s so that lower means more suspect.
    clipped = np.clip(proba, 0, 1)  # _check_proba tolerates rounding just outside [0, 1]
    entropy = -np.sum(xlogy(clipped, clipped), axis=1) / np.log(proba.shape[1])
    scores = entropy / np.maximum(self_confidence, _CLEANLAB_CLIP)
    return np.log(scores + 1) / np.maximum(scores, _CLEANLAB_CLIP)


def _check_pred_proba(pred_proba, pred_probs):
    """The probabilities passed under either name (ours, ``pred_proba``, or cleanlab's)."""
    if pred_proba is None and pred_probs is None:
        raise TypeError("Pass the predicted probabilities as pred_proba (or pred_probs).")
    if pred_proba is not None and pred_probs is not None:
        raise TypeError(
            "pred_proba and pred_probs are two names for the same argument; pass only one."
        )
    return pred_probs if pred_proba is None else pred_proba


def label_quality_scores(
    labels,
    pred_proba=None,
    *,
    pred_probs=None,
    method="margin",
    in_sample_proba=None,
    in_sample_weight=0.5,
):
    """Score each given label: lower means more likely wrong.

    The default score is the given label's margin over the most probable other class. The
    three scores of ``cleanlab.rank.get_label_quality_scores`` are available too, computed
    as cleanlab computes them.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one.

    pred_probs : array-like of shape (n_samples, K), default=None
        cleanlab's name for ``pred_proba``; pass one of the two.

        .. versionadded:: 0.2

    method : {"margin", "self_confidence", "normalized_margin", \
            "confidence_weighted_entropy"}, default="margin"
        - ``"margin"``: ``p[i, labels[i]] - max(p[i, j] for j != labels[i])``, in ``[-1, 1]``;
          negative when another class is more probable than the given one.
        - ``"self_confidence"``: ``p[i, labels[i]]``, cleanlab's default.
        - ``"normalized_margin"``: ``(margin + 1) / 2``, in ``[0, 1]``; it orders rows as
          ``"margin"`` does.
        - ``"confidence_weighted_entropy"``: cleanlab's ``log(s + 1) / s`` of
          ``s = normalized entropy of p[i] / p[i, labels[i]]``.

        .. versionadded:: 0.2

    in_sample_proba : array-like of shape (n_samples, K), default=None
        Predicted probabilities of models that *were* trained on each row (in cross-validation,
        the mean over the fold models whose training part holds the row). When given, the score
        is computed on ``p = (1 - in_sample_weight) * pred_proba + in_sample_weight *
        in_sample_proba``: a label that a model fits poorly even after training on it is
        likely wrong. None scores ``p = pred_proba`` alone.

    in_sample_weight : float in [0, 1], default=0.5
        Weight of ``in_sample_proba`` in the blend; ignored when it is None. 0 scores
        ``pred_proba`` alone.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        The score of each row.

    See Also
    --------
    find_label_issues : Flags the rows; ``return_indices_ranked_by`` orders them by a score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.cleaning import label_quality_scores
    >>> label_quality_scores([0, 1], [[.7, .2, .1], [.6, .3, .1]]).round(2)
    array([ 0.5, -0.3])
    >>> label_quality_scores([0, 1], pred_probs=[[.7, .2, .1], [.6, .3, .1]],
    ...                      method="self_confidence").round(2)
    array([0.7, 0.3])
    >>> label_quality_scores(
    ...     [0, 1], [[.7, .2, .1], [.6, .3, .1]], in_sample_proba=[[.9, .1, 0], [.2, .7, .1]]
    ... ).round(2)
    array([0.65, 0.1 ])
    """
    if method not in _SCORES:
        raise ValueError(f"method must be one of {_SCORES}; got {method!r}.")
    pred_proba = _check_pred_proba(pred_proba, pred_probs)
    labels, pred_proba = _check_labels_proba(labels, pred_proba)
    ranking = _ranking_proba(pred_proba, in_sample_proba, in_sample_weight)
    return _quality(labels, ranking, method)


def find_label_issues(
    labels,
    pred_proba=None,
    *,
    pred_probs=None,
    method=None,
    filter_by=None,
    return_indices_ranked_by=None,
    frac_noise=1.0,
    num_to_remove_per_class=None,
    min_per_class=None,
    min_examples_per_class=None,
    in_sample_proba=None,
    in_sample_weight=0.5,
):
    """Flag the rows whose given label is likely wrong (confident learning).

    Two families of rules are available. ``method`` selects one of this package's
    (``"class_margin"`` by default). ``filter_by`` selects one of cleanlab's
    (``cleanlab.filter.find_label_issues``), reproduced exactly: the same arguments give
    the same rows as cleanlab 2.9, which is tested against cleanlab itself. See
    :ref:`the migration table <cleanlab_migration>` for how cleanlab calls translate.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold (a row's own label must not have been
        used to predict it); rows must sum to one.

    pred_probs : array-like of shape (n_samples, K), default=None
        cleanlab's name for ``pred_proba``; pass one of the two.

        .. versionadded:: 0.2

    method : {"class_margin", "confident_joint"}, default=None
        This package's rules; None means ``"class_margin"`` unless ``filter_by`` is given.

        - ``"class_margin"``: the calibrated confident joint gives the number of issues in each
          given class (its off-diagonal row sum, rounded); within each given class, that many
          rows with the smallest margin (:func:`label_quality_scores`) are flagged.
        - ``"confident_joint"``: flag the rows counted off the diagonal of the confident joint,
          i.e. those that confidently belong to a class other than their given one.

        The confident joint always comes from ``pred_proba`` alone.

        .. versionchanged:: 0.2
           The default is None (still ``"class_margin"`` when ``filter_by`` is not given).

    filter_by : {"prune_by_noise_rate", "prune_by_class", "both", "confident_learning", \
            "predicted_neq_given", "low_normalized_margin", "low_self_confidence"}, \
            default=None
        One of cleanlab's rules, computed as cleanlab 2.9 computes it (its confident joint
        conventions, its final step that keeps rows whose given label is the most probable
        class, and its ``min_examples_per_class`` semantics). Cannot be combined with
        ``method`` or ``in_sample_proba``. cleanlab's own default is
        ``"prune_by_noise_rate"``.

        .. versionadded:: 0.2

    return_indices_ranked_by : {None, "self_confidence", "normalized_margin", \
            "confidence_weighted_entropy"}, default=None
        None returns a boolean mask. Otherwise return the indices of the flagged rows, worst
        first: sorted by ascending :func:`label_quality_scores` under this ``method`` (on the
        blend with ``in_sample_proba`` when it is given; ties keep row order), as cleanlab does.

        .. versionadded:: 0.2

    frac_noise : float in (0, 1], default=1.0
        Flag only this fraction of the estimated number of issues of each class (the
        lowest-scored ones). With ``method``, only for ``"class_margin"``; with ``filter_by``,
        only for the ``"prune_by_*"`` rules and ``"both"``, with cleanlab's rounding.

        .. versionadded:: 0.2

    num_to_remove_per_class : array-like of shape (K,), default=None
        Flag exactly this many rows of each given class (the lowest-scored ones), instead of
        the number the confident joint estimates; ``min_per_class`` still applies. With
        ``method``, only for ``"class_margin"``; with ``filter_by``, only for the
        ``"prune_by_*"`` rules and ``"both"``, where cleanlab rescales the confident joint
        (exact counts with ``"prune_by_class"`` only). Cannot be combined with
        ``frac_noise < 1`` under ``method``.

        .. versionadded:: 0.2

    min_per_class : int >= 1, default=None
        None means 5 with ``method`` and 1 (cleanlab's default) with ``filter_by``.

        - With ``method``: keep at least this many rows of every given class (all rows of a
          smaller class). When the rule flagged more, the flagged rows with the highest margin
          are kept and a :class:`MinPerClassWarning` is raised.
        - With ``filter_by``: cleanlab's ``min_examples_per_class`` semantics, so that results
          match cleanlab's: the ``"prune_by_*"`` rules and ``"both"`` flag nothing in a class
          of at most this many rows (with a :class:`MinPerClassWarning` naming them) and lower
          the counts of the others so that about this many stay; the other rules ignore it.

        .. versionchanged:: 0.2
           The default is None (still 5 for this package's rules).

    min_examples_per_class : int >= 1, default=None
        cleanlab's name for ``min_per_class``; pass one of the two.

        .. versionadded:: 0.2

    in_sample_proba : array-like of shape (n_samples, K), default=None
        Predicted probabilities of models trained on each row; only with ``method``. When
        given, the rows of a class are ranked by their margin under the blend of
        ``pred_proba`` and ``in_sample_proba``, not under ``pred_proba`` alone.

    in_sample_weight : float in [0, 1], default=0.5
        Weight of ``in_sample_proba`` in that blend; see :func:`label_quality_scores`.

    Returns
    -------
    label_issues : ndarray of shape (n_samples,), dtype=bool, or of shape (n_issues,)
        True for the rows flagged as label issues; or, with ``return_indices_ranked_by``,
        the indices of those rows, worst first.

    See Also
    --------
    CleanLabelClassifier : Computes out-of-fold probabilities, flags issues and refits.
    label_quality_scores : The scores that rank the rows.

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

    The same call in cleanlab's words, returning row indices worst first:

    >>> find_label_issues(labels=labels, pred_probs=proba, filter_by="prune_by_noise_rate",
    ...                   return_indices_ranked_by="self_confidence")
    array([2])
    """
    pred_proba = _check_pred_proba(pred_proba, pred_probs)
    if min_per_class is not None and min_examples_per_class is not None:
        raise TypeError(
            "min_per_class and min_examples_per_class are two names for the same argument; "
            "pass only one."
        )
    if min_per_class is None:
        min_per_class = min_examples_per_class
    if return_indices_ranked_by is not None and return_indices_ranked_by not in _RANKINGS:
        raise ValueError(
            f"return_indices_ranked_by must be None or one of {_RANKINGS}; got "
            f"{return_indices_ranked_by!r}."
        )
    if filter_by is None:
        issues, ranking_proba, labels = _find_label_issues(
            labels,
            pred_proba,
            "class_margin" if method is None else method,
            5 if min_per_class is None else min_per_class,
            in_sample_proba,
            in_sample_weight,
            frac_noise=frac_noise,
            num_to_remove_per_class=num_to_remove_per_class,
            return_proba=True,
        )
    else:
        if method is not None:
            raise ValueError(
                f"Pass either method (this package's rules) or filter_by (cleanlab's); got "
                f"method={method!r} and filter_by={filter_by!r}."
            )
        if in_sample_proba is not None:
            raise ValueError(
                "in_sample_proba is used by this package's rules (method=...); cleanlab's "
                "filter_by rules use pred_probs alone."
            )
        labels, ranking_proba = _check_labels_proba(labels, pred_proba)
        issues = _cleanlab_label_issues(
            labels,
            ranking_proba,
            filter_by,
            frac_noise,
            num_to_remove_per_class,
            1 if min_per_class is None else min_per_class,
        )
    if return_indices_ranked_by is None:
        return issues
    rows = np.flatnonzero(issues)
    scores = _quality(labels, ranking_proba, return_indices_ranked_by)[rows]
    return rows[np.argsort(scores, kind="stable")]


def _check_min_per_class(min_per_class):
    if not isinstance(min_per_class, Integral) or min_per_class < 1:
        raise ValueError(f"min_per_class must be an integer >= 1; got {min_per_class!r}.")


def _check_frac_noise(frac_noise):
    if not isinstance(frac_noise, Real) or not 0 < frac_noise <= 1:
        raise ValueError(f"frac_noise must be a number in (0, 1]; got {frac_noise!r}.")


def _check_num_to_remove(num_to_remove_per_class, counts):
    """``num_to_remove_per_class`` as integers, one per class, each at most the class size."""
    n_classes = counts.size
    values = np.asarray(num_to_remove_per_class)
    if (
        values.shape != (n_classes,)
        or values.dtype.kind not in "iuf"
        or not np.array_equal(values, np.round(values))
        or values.min() < 0
    ):
        raise ValueError(
            f"num_to_remove_per_class must hold {n_classes} non-negative integers, one per "
            f"column of pred_proba; got {num_to_remove_per_class!r}."
        )
    values = values.astype(np.intp)
    too_many = np.flatnonzero(values > counts)
    if too_many.size:
        k = too_many[0]
        raise ValueError(
            f"num_to_remove_per_class asks for {values[k]} rows of class index {k}, which "
            f"has {counts[k]} rows."
        )
    return values


def _find_label_issues(
    labels,
    pred_proba,
    method,
    min_per_class,
    in_sample_proba=None,
    in_sample_weight=0.5,
    class_names=None,
    frac_noise=1.0,
    num_to_remove_per_class=None,
    return_proba=False,
):
    """Flag label issues by the package's own rules, after :func:`find_label_issues` checks.

    Warnings name classes by ``class_names`` (default: index). With ``return_proba``, returns
    ``(issues, ranking_proba, labels)``: also the probabilities that ranked the rows and the
    validated labels.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    _check_min_per_class(min_per_class)
    _check_frac_noise(frac_noise)
    labels, pred_proba = _check_labels_proba(labels, pred_proba)
    n_classes = pred_proba.shape[1]
    counts = np.bincount(labels, minlength=n_classes)
    if method != "class_margin" and (frac_noise != 1 or num_to_remove_per_class is not None):
        raise ValueError(
            "frac_noise and num_to_remove_per_class apply to method='class_margin' (and to "
            f"cleanlab's filter_by='prune_by_*'); got method={method!r}."
        )
    if frac_noise != 1 and num_to_remove_per_class is not None:
        raise ValueError(
            "Pass frac_noise or num_to_remove_per_class, not both: either scales or replaces "
            "the estimated number of issues per class."
        )
    ranking_proba = _ranking_proba(pred_proba, in_sample_proba, in_sample_weight)
    margins = _margins(labels, ranking_proba)
    if method == "confident_joint":
        confident = _confident_classes(labels, pred_proba)
        issues = (confident >= 0) & (confident != labels)
    else:
        if num_to_remove_per_class is None:
            joint = _joint(labels, _confident_classes(labels, pred_proba), n_classes, True)
            n_issues = np.rint(frac_noise * (counts - np.diag(joint))).astype(np.intp)
        else:
            n_issues = _check_num_to_remove(num_to_remove_per_class, counts)
        issues = _flag_lowest(labels, margins, n_issues)

    allowed = np.maximum(counts - min_per_class, 0)
    flagged = np.bincount(labels[issues], minlength=n_classes)
    if np.any(flagged > allowed):
        too_many = np.flatnonzero(flagged > allowed)
        warnings.warn(
            f"min_per_class={min_per_class} kept {int((flagged - allowed)[too_many].sum())} "
            f"flagged rows so that {_name_classes(too_many, class_names)} keep at least "
            f"{min_per_class} rows (or all of their rows).",
            MinPerClassWarning,
            stacklevel=3,
        )
        issues = _flag_lowest(
            labels, np.where(issues, margins, np.inf), np.minimum(flagged, allowed)
        )
    if return_proba:
        return issues, ranking_proba, labels
    return issues


def _name_classes(indices, class_names):
    """Words for the classes at ``indices``: their names, or their indices when there are none."""
    if class_names is None:
        return f"class index(es) {indices.tolist()}"
    return f"class(es) {np.asarray(class_names)[indices].tolist()}"


# --- cleanlab's rules --------------------------------------------------------------------------
# The functions below reproduce cleanlab 2.9's cleanlab.filter.find_label_issues for single-label
# data, step for step (cleanlab/filter.py, count.py, rank.py, internal/util.py), so that a
# filter_by call gives the rows cleanlab gives. Their conventions differ from this package's
# confident joint on purpose (see _cleanlab_joint); tests/test_cleaning.py compares both with
# cleanlab itself.


def _round_preserving_sum(values):
    """Round to integers with the same (rounded) total: cleanlab's ``round_preserving_sum``."""
    ints = values.round()
    target = values.sum().round()
    total = ints.sum().round()
    while abs(total - target) > _CLEANLAB_TOL:
        step = -1 if target - total < 0 else 1
        changes = min(int(abs(np.round(target - total))), values.size)
        # the entries rounded furthest in the other direction move first
        ints[np.argsort(values - ints)[::-step][:changes]] += step
        total = ints.sum().round()
    return ints.astype(np.int64)


def _round_rows(matrix):
    return np.apply_along_axis(_round_preserving_sum, 1, matrix)


def _cleanlab_joint(labels, proba):
    """Compute cleanlab's calibrated confident joint and the rows counted off its diagonal.

    The conventions that differ from :func:`confident_joint`: a tolerance of 1e-6 on the
    thresholds (1e-12 here), a row above several thresholds goes to its overall most probable
    class (here: the most probable of those it reaches), every diagonal entry is at least 1,
    and the calibrated counts are rounded to integers keeping the row totals.
    """
    n_classes = proba.shape[1]
    counts = np.bincount(labels, minlength=n_classes)
    thresholds = np.array(
        [proba[labels == k, k].mean() if counts[k] else 2.0 for k in range(n_classes)]
    )
    thresholds = np.maximum(thresholds, 2 * _CLEANLAB_TOL)
    above = proba >= thresholds - _CLEANLAB_TOL
    n_above = above.sum(axis=1)
    guess = np.where(n_above > 1, proba.argmax(axis=1), above.argmax(axis=1))
    counted = n_above > 0
    joint = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(joint, (labels[counted], guess[counted]), 1)
    off_diagonal = np.flatnonzero(counted & (guess != labels))
    np.fill_diagonal(joint, np.maximum(np.diag(joint), 1))
    calibrated = joint / np.maximum(joint.sum(axis=1), 1e-100)[:, None] * counts[:, None]
    calibrated = calibrated / max(calibrated.sum(), 1e-100) * counts.sum()
    return _round_rows(calibrated), off_diagonal


def _cleanlab_prune_counts(joint, counts, min_examples, frac_noise, num_to_remove):
    """Compute cleanlab's prune-count matrix.

    Entry ``[j, k]`` is how many rows given ``k`` to flag as truly ``j`` (the diagonal: how many
    to keep), after ``min_examples_per_class``, ``frac_noise`` and ``num_to_remove_per_class``.
    """
    prune = joint.T
    diagonal = np.diag(prune)
    kept = np.maximum(diagonal, min_examples)
    off_entries = np.maximum(np.count_nonzero(prune, axis=0) - 1.0, 1.0)
    adjusted = np.maximum(prune - (kept - diagonal) / off_entries, 0)
    np.fill_diagonal(adjusted, kept)
    # frac_noise scales the off-diagonal counts; the columns keep their totals (truncated)
    scaled = adjusted * frac_noise
    np.fill_diagonal(scaled, np.diag(adjusted))
    np.fill_diagonal(scaled, np.diag(adjusted) + np.sum(adjusted - scaled, axis=0))
    prune = _round_rows(scaled.astype(np.int64))
    if num_to_remove is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = prune / np.sum(prune, axis=1)
            noise_per_class = rates.sum(axis=1) - rates.diagonal()
            rescaled = (rates.T * num_to_remove / noise_per_class).T
        np.fill_diagonal(rescaled, counts - num_to_remove)
        prune = _round_rows(rescaled)
    return prune


def _cleanlab_label_issues(labels, proba, filter_by, frac_noise, num_to_remove, min_examples):
    """Run cleanlab's ``find_label_issues(labels, pred_probs, filter_by=...)``; a boolean mask."""
    if filter_by not in _CLEANLAB_FILTERS:
        raise ValueError(
            f"filter_by must be one of cleanlab's {_CLEANLAB_FILTERS}; got {filter_by!r}. "
            "This package's own rules are chosen with method=."
        )
    _check_min_per_class(min_examples)
    _check_frac_noise(frac_noise)
    pruning = filter_by in ("prune_by_noise_rate", "prune_by_class", "both")
    if not pruning and (frac_noise != 1 or num_to_remove is not None):
        raise ValueError(
            "frac_noise and num_to_remove_per_class apply to filter_by='prune_by_noise_rate', "
            f"'prune_by_class' and 'both' (as in cleanlab); got filter_by={filter_by!r}."
        )
    n_samples, n_classes = proba.shape
    counts = np.bincount(labels, minlength=n_classes)
    if num_to_remove is not None:
        num_to_remove = _check_num_to_remove(num_to_remove, counts)
    # cleanlab's last step (count._reduce_issues): keep rows whose given label is the most
    # probable class, up to its tolerance; not applied to the low_* rules
    bumped = proba.copy()
    bumped[np.arange(n_samples), labels] += _CLEANLAB_TOL
    keep = bumped.argmax(axis=1) == labels
    if filter_by == "predicted_neq_given":
        return (proba.argmax(axis=1) != labels) & ~keep
    joint, off_diagonal = _cleanlab_joint(labels, proba)
    if filter_by == "confident_learning":
        issues = _mask(n_samples, off_diagonal)
    elif not pruning:  # low_self_confidence, low_normalized_margin
        n_issues = int(np.sum(~keep[off_diagonal]))
        scores = _quality(labels, proba, filter_by.removeprefix("low_"))
        return _mask(n_samples, np.argsort(scores)[:n_issues])
    else:
        prune = _cleanlab_prune_counts(joint, counts, min_examples, frac_noise, num_to_remove)
        issues = _cleanlab_prune(labels, proba, prune, counts, filter_by, min_examples)
    return issues & ~keep


def _mask(n_samples, rows):
    mask = np.zeros(n_samples, dtype=bool)
    mask[rows] = True
    return mask


def _cleanlab_prune(labels, proba, prune, counts, filter_by, min_examples):
    """Run cleanlab's ``_prune_by_class`` / ``_prune_by_count`` over every class, or "both"."""
    by_class = np.zeros(labels.size, dtype=bool)
    by_rate = np.zeros(labels.size, dtype=bool)
    for k in np.flatnonzero(counts > min_examples):
        rows = np.flatnonzero(labels == k)
        class_proba = proba[rows]
        n_issues = counts[k] - prune[k, k]
        if n_issues >= 1:
            by_class[rows[np.argsort(class_proba[:, k])[:n_issues]]] = True
        for j in np.flatnonzero(prune[:, k] > 0):
            if j != k:
                margin = class_proba[:, j] - class_proba[:, k]
                by_rate[rows[np.argsort(-margin)[: prune[j, k]]]] = True
    small = np.flatnonzero((counts <= min_examples) & (counts > 0))
    if small.size:
        warnings.warn(
            f"min_examples_per_class={min_examples}: nothing flagged in "
            f"{_name_classes(small, None)}, which have at most {min_examples} rows "
            "(cleanlab's rule).",
            MinPerClassWarning,
            stacklevel=4,
        )
    if filter_by == "prune_by_class":
        return by_class
    if filter_by == "prune_by_noise_rate":
        return by_rate
    return by_class & by_rate


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
    for (test_proba, train_proba), (train, test) in zip(fold_probas, splits, strict=True):
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


class CleanLabelClassifier(BaseWrappingClassifier):
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

    label_issues_ : dict of str -> ndarray of shape (n_samples,)
        One entry per training row, in the columns of cleanlab's
        ``CleanLearning.get_label_issues()``; ``pandas.DataFrame(label_issues_)`` makes it
        that table (pandas is not needed otherwise):

        - ``"is_label_issue"`` (bool): the row was flagged and left out of ``estimator_``;
        - ``"label_quality"`` (float): the score that ranked the rows, the given label's
          probability minus the largest other one (lower is more suspect, in ``[-1, 1]``),
          under the out-of-fold probabilities blended with the in-sample ones by
          ``in_sample_weight`` (cleanlab's default score is the self-confidence instead);
        - ``"given_label"``: the label in ``y``;
        - ``"predicted_label"``: the class with the highest out-of-fold probability, a
          suggestion for the correct label of a flagged row.

        .. versionchanged:: 0.2
           A table; it was the boolean mask, now ``label_issues_["is_label_issue"]``, and
           replaces ``label_quality_``, now ``label_issues_["label_quality"]``.

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
    >>> flagged = clf.label_issues_["is_label_issue"]
    >>> int(flagged.sum()), int(flagged[:30].sum())
    (33, 25)
    >>> list(clf.label_issues_)
    ['is_label_issue', 'label_quality', 'given_label', 'predicted_label']
    >>> clf.label_issues_["label_quality"][:2].round(2), clf.label_issues_["predicted_label"][:2]
    (array([-0.91, -0.81]), array([0, 1]))
    >>> import pandas as pd  # doctest: +SKIP
    >>> pd.DataFrame(clf.label_issues_).head(2)  # doctest: +SKIP
       is_label_issue  label_quality  given_label  predicted_label
    0            True      -0.911744            1                0
    1            True      -0.809862            2                1
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
            Passed to every fit of ``estimator`` (restricted to the rows of that fit); a
            ``ValueError`` when ``estimator.fit`` takes no weights, and as requested with
            metadata routing. The flagging itself counts every row once.

        **fit_params : dict
            Further metadata for the fits of ``estimator``.

            Only available if `enable_metadata_routing=True`. See the
            :ref:`Metadata Routing User Guide <metadata_routing>` for more details.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(self, X, y, skip_check_array=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        X, y = indexable(X, y)
        if len(y) == 0:
            # X reaches the estimator unchecked, so give check_array's own empty-input error
            shape = getattr(X, "shape", (0,))
            raise ValueError(
                f"Found array with 0 sample(s) (shape={tuple(shape)}) while a minimum of 1 is "
                f"required by {type(self).__name__}."
            )
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        class_counts = np.bincount(y_encoded)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes in y; got 1 class.")
        estimator = self._get_estimator()
        params = self._inner_fit_params(sample_weight, fit_params)

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
            estimator,
            X,
            y,
            self.classes_,
            splits,
            params,
            self.n_jobs,
            in_sample=self.in_sample_weight > 0,
        )

        issues, ranking_proba, _ = _find_label_issues(
            y_encoded,
            pred_proba,
            self.method,
            self.min_per_class,
            in_sample_proba,
            self.in_sample_weight,
            class_names=self.classes_,
            return_proba=True,
        )
        self.noise_matrix_ = estimate_noise_matrix(y_encoded, pred_proba)
        # A dict of equal-length columns, like cv_results_: pandas.DataFrame(label_issues_)
        # gives cleanlab's get_label_issues() table without making pandas a dependency.
        self.label_issues_ = {
            "is_label_issue": issues,
            "label_quality": _margins(y_encoded, ranking_proba),
            "given_label": self.classes_[y_encoded],
            "predicted_label": self.classes_[pred_proba.argmax(axis=1)],
        }
        self.estimator_ = _fit_rows(estimator, X, y, np.flatnonzero(~issues), params)
        return self
