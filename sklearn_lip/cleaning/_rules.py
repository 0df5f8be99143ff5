"""The package's own rules: ``method="class_margin"`` and ``method="confident_joint"``."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np

from ._checks import (
    MinPerClassWarning,
    check_frac_noise,
    check_labels_proba,
    check_min_per_class,
    check_num_to_remove,
    name_classes,
)
from ._confident import confident_classes, count_joint
from ._rank import blend_proba, label_margins

__all__ = ["METHODS", "flag_label_issues"]

METHODS = ("class_margin", "confident_joint")


def _flag_lowest(labels, scores, n_flag):
    """Flag, within each class ``k``, the ``n_flag[k]`` rows with the lowest ``scores``."""
    order = np.lexsort((scores, labels))  # by class, then by score; ties keep row order
    sorted_labels = labels[order]
    rank_in_class = np.arange(labels.size) - np.searchsorted(sorted_labels, sorted_labels)
    flags = np.zeros(labels.size, dtype=bool)
    flags[order] = rank_in_class < n_flag[sorted_labels]
    return flags


def flag_label_issues(
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
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    check_min_per_class(min_per_class)
    check_frac_noise(frac_noise)
    labels, pred_proba = check_labels_proba(labels, pred_proba)
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
    ranking_proba = blend_proba(pred_proba, in_sample_proba, in_sample_weight)
    margins = label_margins(labels, ranking_proba)
    if method == "confident_joint":
        confident = confident_classes(labels, pred_proba)
        issues = (confident >= 0) & (confident != labels)
    else:
        if num_to_remove_per_class is None:
            joint = count_joint(labels, confident_classes(labels, pred_proba), n_classes, True)
            n_issues = np.rint(frac_noise * (counts - np.diag(joint))).astype(np.intp)
        else:
            n_issues = check_num_to_remove(num_to_remove_per_class, counts)
        issues = _flag_lowest(labels, margins, n_issues)

    allowed = np.maximum(counts - min_per_class, 0)
    flagged = np.bincount(labels[issues], minlength=n_classes)
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
            labels, np.where(issues, margins, np.inf), np.minimum(flagged, allowed)
        )
    if return_proba:
        return issues, ranking_proba, labels
    return issues
