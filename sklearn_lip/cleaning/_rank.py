"""Label quality scores: the margin and cleanlab's three, computed a block of rows at a time."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import xlogy

from ._checks import CLEANLAB_CLIP, RowBlocks, check_pred_proba

__all__ = [
    "RANKINGS",
    "block_quality",
    "label_quality_scores",
    "quality",
    "rank_flagged",
    "row_quality",
]

#: cleanlab's label quality scores (``return_indices_ranked_by``).
RANKINGS = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")
_SCORES = ("margin", *RANKINGS)


def label_margins(labels, pred_proba):
    rows = np.arange(pred_proba.shape[0])
    others = pred_proba.copy()
    others[rows, labels] = -np.inf
    return pred_proba[rows, labels] - others.max(axis=1)


def quality(labels, proba, method):
    """Label quality of each row under ``method`` (one of ``_SCORES``); lower is more suspect."""
    self_confidence = proba[np.arange(labels.size), labels]
    if method == "self_confidence":
        return self_confidence
    if method in ("margin", "normalized_margin"):
        margins = label_margins(labels, proba)
        return margins if method == "margin" else (margins + 1) / 2
    # "confidence_weighted_entropy", as cleanlab.rank defines it: the normalized entropy divided
    # by the self-confidence, mapped by log(s + 1) / s so that lower means more suspect.
    clipped = np.clip(proba, 0, 1)  # check_proba tolerates rounding just outside [0, 1]
    entropy = -np.sum(xlogy(clipped, clipped), axis=1) / np.log(proba.shape[1])
    scores = entropy / np.maximum(self_confidence, CLEANLAB_CLIP)
    return np.log(scores + 1) / np.maximum(scores, CLEANLAB_CLIP)


def block_quality(block, method, issues=None):
    """The scores of one block's rows (on its ranking probabilities), or of its ``issues``."""
    scores = quality(block.labels, block.ranking, method)
    return (scores if issues is None else scores[issues],)


def row_quality(blocks, method):
    """Every row's ``method`` score on ``blocks``, computed once per method (one pass).

    Kept on the :class:`RowBlocks` (``blocks.quality``; shared, not to be modified): the
    flags at several ``frac_noise`` and the table of the flagged rows read it once.
    """
    if method not in blocks.quality:
        (blocks.quality[method],) = blocks.concat(block_quality, method)
    return blocks.quality[method]


def rank_flagged(blocks, issues, method):
    """The indices of the ``issues`` rows by ascending ``method`` score; ties keep row order."""
    rows = np.flatnonzero(issues)
    (scores,) = blocks.concat(block_quality, method, sliced=(issues,), sizes=[rows.size])
    return rows[np.argsort(scores, kind="stable")]


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

    pred_proba : array-like, memmap or dask array of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one. Read a block of
        rows at a time (see :func:`find_label_issues`); the scores come back in memory.

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

    in_sample_proba : array-like, memmap or dask array of shape (n_samples, K), default=None
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
    blocks = RowBlocks(
        labels, check_pred_proba(pred_proba, pred_probs), in_sample_proba, in_sample_weight
    )
    return row_quality(blocks, method)
