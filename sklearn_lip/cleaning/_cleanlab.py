"""cleanlab's rules: the seven ``filter_by`` filters of its ``find_label_issues``, kept exact.

The functions below reproduce cleanlab 2.9's cleanlab.filter.find_label_issues for single-label
data, step for step (cleanlab/filter.py, count.py, rank.py, internal/util.py), so that a
filter_by call gives the rows cleanlab gives. Their conventions differ from this package's
confident joint on purpose (see _cleanlab_joint); tests/test_cleaning.py compares both with
cleanlab itself.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np

from ._checks import (
    CLEANLAB_TOL,
    MinPerClassWarning,
    check_frac_noise,
    check_min_per_class,
    check_num_to_remove,
    name_classes,
)
from ._rank import quality

__all__ = ["cleanlab_label_issues"]

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


def _round_preserving_sum(values):
    """Round to integers with the same (rounded) total: cleanlab's ``round_preserving_sum``."""
    ints = values.round()
    target = values.sum().round()
    total = ints.sum().round()
    while abs(total - target) > CLEANLAB_TOL:
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
    thresholds = np.maximum(thresholds, 2 * CLEANLAB_TOL)
    above = proba >= thresholds - CLEANLAB_TOL
    n_above = above.sum(axis=1)
    guess = np.where(n_above > 1, proba.argmax(axis=1), above.argmax(axis=1))
    counted = n_above > 0
    # cleanlab counts (confident, given) pairs and transposes the result, and calibrates in
    # expressions with more transposes: the same memory order here makes the total below
    # sum in the same order, since one bit of difference there can flip a rounding tie
    joint = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(joint, (guess[counted], labels[counted]), 1)
    joint = joint.T
    off_diagonal = np.flatnonzero(counted & (guess != labels))
    np.fill_diagonal(joint, np.maximum(np.diag(joint), 1))
    calibrated = (joint.T / np.maximum(joint.sum(axis=1), 1e-100) * counts).T
    calibrated = calibrated / max(np.sum(calibrated), 1e-100) * counts.sum()
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


def _given_joint(confident_joint, n_classes):
    """A confident joint passed by the caller, checked: (K, K), finite, non-negative counts."""
    joint = np.asarray(confident_joint, dtype=np.float64)
    if joint.shape != (n_classes, n_classes) or not np.isfinite(joint).all() or joint.min() < 0:
        raise ValueError(
            f"confident_joint must be a ({n_classes}, {n_classes}) array of finite, "
            f"non-negative counts, one row and column per column of pred_probs; got shape "
            f"{joint.shape}."
        )
    return joint


def cleanlab_label_issues(
    labels, proba, filter_by, frac_noise, num_to_remove, min_examples, confident_joint=None
):
    """Run cleanlab's ``find_label_issues(labels, pred_probs, filter_by=...)``; a boolean mask.

    As in cleanlab, a given ``confident_joint`` replaces the estimated one in the
    ``"prune_by_*"`` rules and ``"both"``; ``"confident_learning"`` re-estimates it (with a
    warning) and the other rules do not use one. ``frac_noise`` with a rule that does not use
    it is ignored with a warning, as cleanlab does.
    """
    if filter_by not in _CLEANLAB_FILTERS:
        raise ValueError(
            f"filter_by must be one of cleanlab's {_CLEANLAB_FILTERS}; got {filter_by!r}. "
            "This package's own rules are chosen with method=."
        )
    check_min_per_class(min_examples)
    check_frac_noise(frac_noise)
    pruning = filter_by in ("prune_by_noise_rate", "prune_by_class", "both")
    if not pruning and num_to_remove is not None:
        raise ValueError(
            f"num_to_remove_per_class is not supported with filter_by={filter_by!r}: it "
            "applies to 'prune_by_noise_rate', 'prune_by_class' and 'both' (as in cleanlab)."
        )
    if not pruning and frac_noise != 1:
        warnings.warn(
            f"frac_noise={frac_noise} is ignored: it applies to filter_by='prune_by_noise_rate', "
            f"'prune_by_class' and 'both', not {filter_by!r} (cleanlab ignores it too).",
            UserWarning,
            stacklevel=3,
        )
    n_samples, n_classes = proba.shape
    if confident_joint is not None:
        confident_joint = _given_joint(confident_joint, n_classes)
        if filter_by == "confident_learning":
            warnings.warn(
                "The given confident_joint is ignored with filter_by='confident_learning', "
                "which re-estimates it from the labels (as cleanlab does).",
                UserWarning,
                stacklevel=3,
            )
    counts = np.bincount(labels, minlength=n_classes)
    if num_to_remove is not None:
        num_to_remove = check_num_to_remove(num_to_remove, counts)
    # cleanlab's last step (count._reduce_issues): keep rows whose given label is the most
    # probable class, up to its tolerance; not applied to the low_* rules
    bumped = proba.copy()
    bumped[np.arange(n_samples), labels] += CLEANLAB_TOL
    keep = bumped.argmax(axis=1) == labels
    if filter_by == "predicted_neq_given":
        return (proba.argmax(axis=1) != labels) & ~keep
    joint, off_diagonal = _cleanlab_joint(labels, proba)
    if filter_by == "confident_learning":
        issues = _mask(n_samples, off_diagonal)
    elif not pruning:  # low_self_confidence, low_normalized_margin
        n_issues = int(np.sum(~keep[off_diagonal]))
        scores = quality(labels, proba, filter_by.removeprefix("low_"))
        return _mask(n_samples, np.argsort(scores)[:n_issues])
    else:
        if confident_joint is not None:
            joint = confident_joint
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
            f"{name_classes(small, None)}, which have at most {min_examples} rows "
            "(cleanlab's rule).",
            MinPerClassWarning,
            stacklevel=4,
        )
    if filter_by == "prune_by_class":
        return by_class
    if filter_by == "prune_by_noise_rate":
        return by_rate
    return by_class & by_rate
