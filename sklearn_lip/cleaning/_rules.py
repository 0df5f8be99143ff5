"""The package's own rules: ``method="class_margin"`` and ``method="confident_joint"``."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np

from ._checks import (
    MinPerClassWarning,
    check_frac_noise,
    check_min_per_class,
    check_num_to_remove,
    name_classes,
)
from ._confident import calibrated_joint, count_confident
from ._rank import row_quality

__all__ = ["METHODS", "flag_issues"]

METHODS = ("class_margin", "confident_joint")


def _flag_lowest(labels, scores, n_flag):
    """Flag, within each class ``k``, the ``n_flag[k]`` rows with the lowest ``scores``.

    Ties keep row order (a stable sort within the class), so the flags do not depend on how
    the rows were read.
    """
    flags = np.zeros(labels.size, dtype=bool)
    for k in np.flatnonzero(n_flag > 0):
        rows = np.flatnonzero(labels == k)
        flags[rows[np.argsort(scores[rows], kind="stable")[: n_flag[k]]]] = True
    return flags


def flag_issues(
    blocks, method, min_per_class, class_names=None, frac_noise=1.0, num_to_remove_per_class=None
):
    """Flag label issues by the package's own rules, after :func:`find_label_issues` checks.

    ``blocks`` is a :class:`RowBlocks`; every step is a pass over its blocks (two for the
    confident joint, one more for the margins; both are kept on ``blocks``, so flagging again at
    another ``frac_noise`` reads nothing), and the result does not depend on the blocks.
    Warnings name classes by ``class_names`` (default: index).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    check_min_per_class(min_per_class)
    check_frac_noise(frac_noise)
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
    labels, counts = blocks.labels, blocks.counts
    if method == "confident_joint":
        _, issues = count_confident(blocks)
    else:
        if num_to_remove_per_class is None:
            joint = calibrated_joint(blocks)
            n_issues = np.rint(frac_noise * (counts - np.diag(joint))).astype(np.intp)
        else:
            n_issues = check_num_to_remove(num_to_remove_per_class, counts)
        issues = _flag_lowest(labels, row_quality(blocks, "margin"), n_issues)

    allowed = np.maximum(counts - min_per_class, 0)
    flagged = np.bincount(labels[issues], minlength=blocks.n_classes)
    if np.any(flagged > allowed):
        too_many = np.flatnonzero(flagged > allowed)
        warnings.warn(
            f"min_per_class={min_per_class} kept {int((flagged - allowed)[too_many].sum())} "
            f"flagged rows so that {name_classes(too_many, class_names)} keep at least "
            f"{min_per_class} rows (or all of their rows).",
            MinPerClassWarning,
            stacklevel=3,
        )
        issues = _flag_lowest(
            labels,
            np.where(issues, row_quality(blocks, "margin"), np.inf),
            np.minimum(flagged, allowed),
        )
    return issues
