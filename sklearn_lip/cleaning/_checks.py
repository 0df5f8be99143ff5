"""Input checks and tolerances shared by the rules, and :class:`MinPerClassWarning`.

Both this package's rules and cleanlab's validate their arguments here and name classes
in warnings the same way. This module imports nothing else from the package.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array, column_or_1d

__all__ = [
    "CLEANLAB_CLIP",
    "CLEANLAB_TOL",
    "MinPerClassWarning",
    "check_frac_noise",
    "check_labels_proba",
    "check_min_per_class",
    "check_num_to_remove",
    "check_pred_proba",
    "check_proba",
    "name_classes",
]

# Tolerance on probabilities: rows must sum to 1, values lie in [0, 1], up to float32 rounding.
_PROBA_TOL = 1e-4
CLEANLAB_TOL = 1e-6  # cleanlab's FLOATING_POINT_COMPARISON
CLEANLAB_CLIP = 1e-6  # cleanlab's CLIPPING_LOWER_BOUND


class MinPerClassWarning(UserWarning):
    """Warning raised when ``min_per_class`` un-flags label issues so that no class is emptied.

    :func:`find_label_issues` and :class:`CleanLabelClassifier` keep at least ``min_per_class``
    rows of every given class (all of them when the class is smaller). When the method flagged
    more rows than that allows, the flagged rows with the highest label quality are kept and this
    warning names the classes concerned. With cleanlab's rules (``filter_by``), it names the
    classes of at most ``min_per_class`` rows, in which cleanlab's pruning flags nothing.
    """


def check_proba(proba, name):
    """Validate a matrix of probabilities: 2-D, at least 2 columns, rows summing to one.

    float32 stays float32 (no copy, and cleanlab's rules then round as cleanlab does);
    other dtypes become float64.
    """
    proba = check_array(proba, dtype=(np.float64, np.float32), input_name=name)
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


def check_labels_proba(labels, pred_proba):
    """Validate ``labels`` (integer indices) and ``pred_proba`` (rows summing to one)."""
    pred_proba = check_proba(pred_proba, "pred_proba")
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


def check_pred_proba(pred_proba, pred_probs):
    """The probabilities passed under either name (ours, ``pred_proba``, or cleanlab's)."""
    if pred_proba is None and pred_probs is None:
        raise TypeError("Pass the predicted probabilities as pred_proba (or pred_probs).")
    if pred_proba is not None and pred_probs is not None:
        raise TypeError(
            "pred_proba and pred_probs are two names for the same argument; pass only one."
        )
    return pred_probs if pred_proba is None else pred_proba


def check_min_per_class(min_per_class):
    if not isinstance(min_per_class, Integral) or min_per_class < 1:
        raise ValueError(f"min_per_class must be an integer >= 1; got {min_per_class!r}.")


def check_frac_noise(frac_noise):
    if not isinstance(frac_noise, Real) or not 0 < frac_noise <= 1:
        raise ValueError(f"frac_noise must be a number in (0, 1]; got {frac_noise!r}.")


def check_num_to_remove(num_to_remove_per_class, counts):
    """``num_to_remove_per_class`` as integers, one per class, each at most the class size.

    A single number applies to every class, as cleanlab's broadcasting makes it.
    """
    n_classes = counts.size
    values = np.asarray(num_to_remove_per_class)
    if values.ndim == 0:
        values = np.full(n_classes, values)
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


def name_classes(indices, class_names):
    """Words for the classes at ``indices``: their names, or their indices when there are none."""
    if class_names is None:
        return f"class index(es) {indices.tolist()}"
    return f"class(es) {np.asarray(class_names)[indices].tolist()}"
