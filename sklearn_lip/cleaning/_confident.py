"""The confident joint of given and confident labels, and the noise matrix it estimates."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._checks import RowBlocks, check_pred_proba

__all__ = [
    "calibrated_joint",
    "confident_joint",
    "count_confident",
    "estimate_noise_matrix",
    "noise_matrix_of",
    "self_confidence",
]


def _self_confidence(block):
    return (block.proba[np.arange(block.labels.size), block.labels],)


def self_confidence(blocks):
    """Each row's probability of its given label, in the probabilities' dtype (one pass)."""
    return blocks.concat(_self_confidence)[0]


def _confident_block(block, thresholds):
    """The confident joint's counts over one block, and its rows counted off the diagonal.

    A row's confident class is the most probable among the classes whose threshold it
    reaches; rows that reach none are not counted.
    """
    labels, proba = block.labels, block.proba
    # A small tolerance so that a row equal to its class mean is not lost to rounding in the mean.
    above = proba >= thresholds - 1e-12
    confident = np.where(above, proba, -1.0).argmax(axis=1)
    counted = above.any(axis=1)
    joint = np.zeros((thresholds.size, thresholds.size), dtype=np.int64)
    np.add.at(joint, (labels[counted], confident[counted]), 1)
    return joint, counted & (confident != labels)


def count_confident(blocks):
    """The raw confident joint and the mask of the rows counted off its diagonal (two passes).

    The threshold of class ``j`` is the mean of ``pred_proba[:, j]`` over the rows labelled
    ``j`` (infinite when no row is, so such a class is never a confident class), summed in row
    order as in memory, so that the result does not depend on the blocks. Computed once per
    ``blocks`` (``blocks.confident``; its arrays are shared, not to be modified): the flags at
    several ``frac_noise`` and the noise matrix read the probabilities once.
    """
    if blocks.confident is not None:
        return blocks.confident
    labels, counts, n_classes = blocks.labels, blocks.counts, blocks.n_classes
    sums = np.bincount(labels, weights=self_confidence(blocks), minlength=n_classes)
    thresholds = np.full(n_classes, np.inf)
    np.divide(sums, counts, out=thresholds, where=counts > 0)
    joint = np.zeros((n_classes, n_classes), dtype=np.int64)
    off_diagonal = np.empty(blocks.n_samples, dtype=bool)
    for rows, (part, off) in blocks.map(_confident_block, thresholds):
        joint += part
        off_diagonal[rows] = off
    blocks.confident = joint, off_diagonal
    return blocks.confident


def calibrated_joint(blocks):
    """The confident joint of ``blocks``, its rows scaled to sum to the given-label counts."""
    joint, counts = count_confident(blocks)[0], blocks.counts
    row_sums = joint.sum(axis=1, keepdims=True)
    # A given class with no confidently counted row carries no evidence of noise: keep it whole.
    return np.where(
        row_sums > 0, joint / np.maximum(row_sums, 1) * counts[:, None], np.diag(counts)
    )


def noise_matrix_of(joint):
    """The noise matrix of a calibrated confident joint (see :func:`estimate_noise_matrix`)."""
    per_true_class = joint.sum(axis=0)[:, None]
    return np.where(
        per_true_class > 0,
        joint.T / np.maximum(per_true_class, 1e-300),
        np.eye(joint.shape[0]),
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

    pred_proba : array-like, memmap or dask array of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one. Read a block of
        rows at a time (see :func:`find_label_issues`).

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
    blocks = RowBlocks(labels, check_pred_proba(pred_proba, pred_probs))
    return calibrated_joint(blocks) if calibrate else count_confident(blocks)[0]


def estimate_noise_matrix(labels, pred_proba=None, *, pred_probs=None):
    """Estimate the label-noise transition matrix from the calibrated confident joint.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Given (possibly noisy) labels as integer indices ``0..K-1`` into the columns of
        ``pred_proba``.

    pred_proba : array-like, memmap or dask array of shape (n_samples, K)
        Predicted probabilities, ideally out-of-fold; rows must sum to one. Read a block of
        rows at a time, as by :func:`confident_joint`.

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
    return noise_matrix_of(confident_joint(labels, pred_proba, pred_probs=pred_probs))
