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
from ._confident import self_confidence
from ._rank import row_quality

__all__ = ["cleanlab_issues"]

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
#: The rules that prune a number of rows per class, which ``frac_noise`` scales.
_PRUNING_FILTERS = ("prune_by_noise_rate", "prune_by_class", "both")


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


def _cleanlab_block(block, thresholds):
    """One block's part of :func:`_cleanlab_joint`, and cleanlab's ``keep`` mask of its rows.

    Returns the block's (confident, given) counts, its rows counted off the diagonal, and
    whether each row's given label is its most probable class up to cleanlab's tolerance
    (count._reduce_issues keeps those rows).
    """
    labels, proba = block.labels, block.proba
    above = proba >= thresholds - CLEANLAB_TOL
    n_above = above.sum(axis=1)
    guess = np.where(n_above > 1, proba.argmax(axis=1), above.argmax(axis=1))
    counted = n_above > 0
    joint = np.zeros((thresholds.size, thresholds.size), dtype=np.int64)
    np.add.at(joint, (guess[counted], labels[counted]), 1)
    return joint, counted & (guess != labels), _keep(block)


def _keep(block):
    """Whether the given label is the argmax once raised by cleanlab's tolerance (``keep``).

    Computed without copying the block. ``argmax`` picks the first maximum: the columns
    before the label must stay below the raised entry, those after it must not exceed it.
    """
    labels, proba = block.labels, block.proba
    raised = proba[np.arange(labels.size), labels] + CLEANLAB_TOL  # cleanlab's in-place +=
    before = np.arange(proba.shape[1]) < labels[:, None]
    return np.where(before, proba < raised[:, None], proba <= raised[:, None]).all(axis=1)


def _predicted_neq_given(block):
    return ((block.proba.argmax(axis=1) != block.labels) & ~_keep(block),)


def _cleanlab_joint(blocks, off_diagonal_rows=False):
    """Compute cleanlab's calibrated confident joint, its off-diagonal rows and ``keep``.

    Returns ``(joint, off_diagonal, keep, n_off_diagonal)``: the mask of the rows counted off
    the diagonal (only with ``off_diagonal_rows``, else None: n booleans the pruning rules do
    not need), cleanlab's ``keep`` mask, and how many rows are off the diagonal and not kept.

    Two passes: the thresholds, means of the given label's probability, are taken on the same
    1-D arrays as in memory (``proba[labels == k, k]``, gathered in row order), so they are
    equal to the last bit whatever the blocks; the counts are integers.

    The conventions that differ from :func:`confident_joint`: a tolerance of 1e-6 on the
    thresholds (1e-12 here), a row above several thresholds goes to its overall most probable
    class (here: the most probable of those it reaches), every diagonal entry is at least 1,
    and the calibrated counts are rounded to integers keeping the row totals.
    """
    labels, counts, n_classes = blocks.labels, blocks.counts, blocks.n_classes
    given = self_confidence(blocks)
    thresholds = np.array(
        [given[labels == k].mean() if counts[k] else 2.0 for k in range(n_classes)]
    )
    del given  # n floats: the passes below need only the thresholds
    thresholds = np.maximum(thresholds, 2 * CLEANLAB_TOL)
    joint = np.zeros((n_classes, n_classes), dtype=np.int64)
    off_diagonal = np.empty(blocks.n_samples, dtype=bool) if off_diagonal_rows else None
    keep = np.empty(blocks.n_samples, dtype=bool)
    n_off_diagonal = 0
    for rows, (part, off, kept) in blocks.map(_cleanlab_block, thresholds):
        joint += part
        keep[rows] = kept
        n_off_diagonal += int(np.sum(off & ~kept))
        if off_diagonal_rows:
            off_diagonal[rows] = off
    # cleanlab counts (confident, given) pairs and transposes the result, and calibrates in
    # expressions with more transposes: the same memory order here makes the total below
    # sum in the same order, since one bit of difference there can flip a rounding tie
    joint = joint.T
    np.fill_diagonal(joint, np.maximum(np.diag(joint), 1))
    calibrated = (joint.T / np.maximum(joint.sum(axis=1), 1e-100) * counts).T
    calibrated = calibrated / max(np.sum(calibrated), 1e-100) * counts.sum()
    return _round_rows(calibrated), off_diagonal, keep, n_off_diagonal


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


def cleanlab_issues(
    blocks, filter_by, frac_noise, num_to_remove, min_examples, confident_joint=None
):
    """Run cleanlab's ``find_label_issues(labels, pred_probs, filter_by=...)``; a boolean mask.

    ``blocks`` is a :class:`RowBlocks`: every step is a pass over its blocks, and the rows do
    not depend on the blocks. As in cleanlab, a given ``confident_joint`` replaces the
    estimated one in the ``"prune_by_*"`` rules and ``"both"``; ``"confident_learning"``
    re-estimates it (with a warning) and the other rules do not use one. ``frac_noise`` with a
    rule that does not use it is ignored with a warning, as cleanlab does.
    """
    if filter_by not in _CLEANLAB_FILTERS:
        raise ValueError(
            f"filter_by must be one of cleanlab's {_CLEANLAB_FILTERS}; got {filter_by!r}. "
            "This package's own rules are chosen with method=."
        )
    check_min_per_class(min_examples)
    check_frac_noise(frac_noise)
    pruning = filter_by in _PRUNING_FILTERS
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
    if confident_joint is not None:
        confident_joint = _given_joint(confident_joint, blocks.n_classes)
        if filter_by == "confident_learning":
            warnings.warn(
                "The given confident_joint is ignored with filter_by='confident_learning', "
                "which re-estimates it from the labels (as cleanlab does).",
                UserWarning,
                stacklevel=3,
            )
    counts = blocks.counts
    if num_to_remove is not None:
        num_to_remove = check_num_to_remove(num_to_remove, counts)
    if filter_by == "predicted_neq_given":
        return blocks.concat(_predicted_neq_given)[0]
    # keep: cleanlab's last step (count._reduce_issues), rows whose given label is the most
    # probable class up to its tolerance; not applied to the low_* rules
    joint, off_diagonal, keep, n_off_diagonal = _cleanlab_joint(
        blocks, off_diagonal_rows=filter_by == "confident_learning"
    )
    if filter_by == "confident_learning":
        issues = off_diagonal
    elif not pruning:  # low_self_confidence, low_normalized_margin
        scores = row_quality(blocks, filter_by.removeprefix("low_"))
        return _mask(blocks.n_samples, np.argsort(scores)[:n_off_diagonal])
    else:
        if confident_joint is not None:
            joint = confident_joint
        prune = _cleanlab_prune_counts(joint, counts, min_examples, frac_noise, num_to_remove)
        issues = _cleanlab_prune(blocks, prune, filter_by, min_examples)
    return issues & ~keep


def _mask(n_samples, rows):
    mask = np.zeros(n_samples, dtype=bool)
    mask[rows] = True
    return mask


def _class_columns(block, wanted):
    """For each ``(k, columns)`` of ``wanted``: the block's rows labelled ``k``, those columns."""
    return tuple(block.proba[block.labels == k][:, columns] for k, columns in wanted)


def _groups(wanted, counts, budget):
    """Split ``wanted`` into passes that each gather at most about ``budget`` numbers."""
    group, size = [], 0
    for k, columns in wanted:
        if group and size + counts[k] * len(columns) > budget:
            yield group
            group, size = [], 0
        group.append((k, columns))
        size += counts[k] * len(columns)
    if group:
        yield group


def _cleanlab_prune(blocks, prune, filter_by, min_examples):
    """Run cleanlab's ``_prune_by_class`` / ``_prune_by_count`` over every class, or "both".

    Each class's rows are gathered with only the columns the rule reads (its own, then those
    of the classes it is pruned to), in row order, so the sorts below run on the same arrays
    as in memory; a pass gathers several classes, at most ``n_samples`` numbers in all.
    """
    labels, counts = blocks.labels, blocks.counts
    # only the masks the rule combines (n booleans each)
    by_class = None if filter_by == "prune_by_noise_rate" else np.zeros(labels.size, dtype=bool)
    by_rate = None if filter_by == "prune_by_class" else np.zeros(labels.size, dtype=bool)
    wanted = []
    for k in np.flatnonzero(counts > min_examples):
        others = [j for j in np.flatnonzero(prune[:, k] > 0) if j != k]
        if filter_by == "prune_by_class":
            others = []
        if others or (filter_by != "prune_by_noise_rate" and counts[k] > prune[k, k]):
            wanted.append((k, [k, *others]))
    for group in _groups(wanted, counts, blocks.n_samples):
        gathered = blocks.concat(_class_columns, group, sizes=[counts[k] for k, _ in group])
        for (k, columns), class_proba in zip(group, gathered, strict=True):
            rows = np.flatnonzero(labels == k)
            if by_class is not None and counts[k] - prune[k, k] >= 1:
                by_class[rows[np.argsort(class_proba[:, 0])[: counts[k] - prune[k, k]]]] = True
            if by_rate is not None:
                for index, j in enumerate(columns[1:], start=1):
                    margin = class_proba[:, index] - class_proba[:, 0]
                    by_rate[rows[np.argsort(-margin)[: prune[j, k]]]] = True
        del gathered, class_proba, rows  # before the next pass gathers the next classes
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
