"""The public :func:`find_label_issues`, which dispatches to one of the two families of rules.

This package's rules (``method``) are in ``_rules``, cleanlab's (``filter_by``) in ``_cleanlab``;
the flagged rows are ranked (``_rank``) when ``return_indices_ranked_by`` asks for it. All of
them run as passes over the blocks of rows of one :class:`~._checks.RowBlocks`.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from ._checks import RowBlocks, check_pred_proba
from ._cleanlab import cleanlab_issues
from ._rank import RANKINGS, rank_flagged
from ._rules import flag_issues

__all__ = ["find_label_issues"]


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
    confident_joint=None,
    rank_by_kwargs=None,
    multi_label=False,
    n_jobs=None,
    verbose=False,
):
    """Flag the rows whose given label is likely wrong (confident learning).

    Two families of rules are available. ``filter_by`` selects one of cleanlab's
    (``cleanlab.filter.find_label_issues``), reproduced exactly: the same arguments give
    the same rows as cleanlab 2.9, which is tested against cleanlab itself and against
    cleanlab's own test suite. With neither ``filter_by`` nor ``method``, cleanlab's
    default (``"prune_by_noise_rate"``) applies, so cleanlab code runs unchanged.
    ``method`` selects one of this package's rules instead (``"class_margin"`` is the one
    :class:`CleanLabelClassifier` uses). See :ref:`the migration table <cleanlab_migration>`.

    .. versionchanged:: 0.3
       Without ``method`` or ``filter_by`` the rule is cleanlab's default; it was
       ``method="class_margin"``.

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
        This package's rules; None uses ``filter_by`` (cleanlab's default rule when that is
        None too).

        - ``"class_margin"``: the calibrated confident joint gives the number of issues in each
          given class (its off-diagonal row sum, rounded); within each given class, that many
          rows with the smallest margin (:func:`label_quality_scores`) are flagged.
        - ``"confident_joint"``: flag the rows counted off the diagonal of the confident joint,
          i.e. those that confidently belong to a class other than their given one.

        The confident joint always comes from ``pred_proba`` alone.

        .. versionchanged:: 0.2
           The default is None (then ``"class_margin"`` when ``filter_by`` was not given).
        .. versionchanged:: 0.3
           With ``filter_by`` not given either, cleanlab's default rule applies.

    filter_by : {"prune_by_noise_rate", "prune_by_class", "both", "confident_learning", \
            "predicted_neq_given", "low_normalized_margin", "low_self_confidence"}, \
            default=None
        One of cleanlab's rules, computed as cleanlab 2.9 computes it (its confident joint
        conventions, its final step that keeps rows whose given label is the most probable
        class, and its ``min_examples_per_class`` semantics). Cannot be combined with
        ``method`` or ``in_sample_proba``. None means cleanlab's own default,
        ``"prune_by_noise_rate"``, unless ``method`` is given.

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
        for the ``"prune_by_*"`` rules and ``"both"``, with cleanlab's rounding (the other
        rules ignore it with a warning, as cleanlab does).

        .. versionadded:: 0.2
        .. versionchanged:: 0.3
           Ignored with a warning by the other ``filter_by`` rules; it was an error.

    num_to_remove_per_class : int or array-like of shape (K,), default=None
        Flag exactly this many rows of each given class (the lowest-scored ones; an int
        applies to every class), instead of the number the confident joint estimates;
        ``min_per_class`` still applies. With
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

    confident_joint : array-like of shape (K, K), default=None
        cleanlab's argument, only with ``filter_by``: a confident joint (counts, rows the
        given labels) that replaces the estimated one in the ``"prune_by_*"`` rules and
        ``"both"``. As in cleanlab, ``"confident_learning"`` re-estimates it (with a
        warning) and the other rules do not use it.

        .. versionadded:: 0.3

    rank_by_kwargs : dict, default=None
        cleanlab's options of the ranking score. ``None``, ``{}`` and
        ``{"adjust_pred_probs": False}`` (cleanlab's default) are accepted; other options
        are a ``NotImplementedError``.

        .. versionadded:: 0.3

    multi_label : bool, default=False
        cleanlab's argument; only ``False`` (one label per row) is supported. ``True`` is a
        ``NotImplementedError``: use ``cleanlab.filter.find_label_issues`` (or cleanlab's
        ``multilabel_classification`` module) for multi-label data.

        .. versionadded:: 0.3

    n_jobs, verbose : default=None, False
        cleanlab's arguments, accepted and without effect: both families of rules run
        vectorized in this process, and cleanlab's results do not depend on them either.

        .. versionadded:: 0.3

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
    >>> find_label_issues(labels, proba)  # cleanlab's call and rule
    array([False, False,  True, False, False])

    This package's rule, and cleanlab's arguments for row indices worst first:

    >>> find_label_issues(labels, proba, method="class_margin", min_per_class=1)
    array([False, False,  True, False, False])
    >>> find_label_issues(
    ...     labels=labels, pred_probs=proba, return_indices_ranked_by="self_confidence"
    ... )
    array([2])
    """
    pred_proba = check_pred_proba(pred_proba, pred_probs)
    _check_cleanlab_options(multi_label, rank_by_kwargs)
    if min_per_class is not None and min_examples_per_class is not None:
        raise TypeError(
            "min_per_class and min_examples_per_class are two names for the same argument; "
            "pass only one."
        )
    if min_per_class is None:
        min_per_class = min_examples_per_class
    if return_indices_ranked_by is not None and return_indices_ranked_by not in RANKINGS:
        raise ValueError(
            f"return_indices_ranked_by must be None or one of {RANKINGS}; got "
            f"{return_indices_ranked_by!r}."
        )
    if method is None and filter_by is None:
        filter_by = "prune_by_noise_rate"  # cleanlab's default: its calls run unchanged
    if filter_by is None:
        if confident_joint is not None:
            raise ValueError(
                "confident_joint is used by cleanlab's filter_by rules; this package's rules "
                "(method=...) estimate the confident joint from pred_proba."
            )
        blocks = RowBlocks(labels, pred_proba, in_sample_proba, in_sample_weight)
        issues = flag_issues(
            blocks,
            method,
            5 if min_per_class is None else min_per_class,
            frac_noise=frac_noise,
            num_to_remove_per_class=num_to_remove_per_class,
        )
    else:
        if method is not None:
            raise ValueError(
                f"Pass either method (this package's rules) or filter_by (cleanlab's); got "
                f"method={method!r} and filter_by={filter_by!r}."
            )
        if in_sample_proba is not None:
            raise ValueError(
                "in_sample_proba is used by this package's rules (method=..., e.g. "
                "method='class_margin'); cleanlab's filter_by rules, the default, use "
                "pred_probs alone."
            )
        blocks = RowBlocks(labels, pred_proba)
        issues = cleanlab_issues(
            blocks,
            filter_by,
            frac_noise,
            num_to_remove_per_class,
            1 if min_per_class is None else min_per_class,
            confident_joint,
        )
    if return_indices_ranked_by is None:
        return issues
    return rank_flagged(blocks, issues, return_indices_ranked_by)


def _check_cleanlab_options(multi_label, rank_by_kwargs):
    """Check the cleanlab options that change results: supported values pass, others raise."""
    if multi_label is not False:
        raise NotImplementedError(
            f"multi_label={multi_label!r}: sklearn-lip flags single-label data only; use "
            "cleanlab.filter.find_label_issues (or cleanlab.multilabel_classification) for "
            "multi-label data."
        )
    unsupported = {
        key: value
        for key, value in (rank_by_kwargs or {}).items()
        if not (key == "adjust_pred_probs" and value is False)
    }
    if unsupported:
        raise NotImplementedError(
            f"rank_by_kwargs {unsupported} are not supported: sklearn-lip ranks by cleanlab's "
            "scores without adjusting pred_probs (cleanlab's default); use "
            "cleanlab.filter.find_label_issues for these options."
        )
