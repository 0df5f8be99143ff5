"""The confident joint of given and confident labels, and the noise matrix it estimates."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._checks import check_labels_proba, check_pred_proba

__all__ = ["confident_classes", "confident_joint", "count_joint", "estimate_noise_matrix"]


def confident_classes(labels, pred_proba):
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


def count_joint(labels, confident, n_classes, calibrate):
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


def confident_joint(labels, pred_proba=None, *, pred_probs=None, calibrate=True):
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

    pred_probs : array-like of shape (n_samples, K), default=None
        cleanlab's name for ``pred_proba``; pass one of the two.

        .. versionadded:: 0.3

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
    labels, pred_proba = check_labels_proba(labels, check_pred_proba(pred_proba, pred_probs))
    confident = confident_classes(labels, pred_proba)
    return count_joint(labels, confident, pred_proba.shape[1], calibrate)


def estimate_noise_matrix(labels, pred_proba=None, *, pred_probs=None):
    """Estimate the label-noise transition matrix from the calibrated confident joint.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one.

    pred_probs : array-like of shape (n_samples, K), default=None
        cleanlab's name for ``pred_proba``; pass one of the two.

        .. versionadded:: 0.3

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
    joint = confident_joint(labels, pred_proba, pred_probs=pred_probs)
    per_true_class = joint.sum(axis=0)[:, None]
    return np.where(
        per_true_class > 0,
        joint.T / np.maximum(per_true_class, 1e-300),
        np.eye(joint.shape[0]),
    )
