"""Targets of a classifier that learns from labels or from candidate sets: recognise, check, encode.

A 2-D 0/1 ``y`` of shape (n_samples, n_classes) is read as *candidate sets* (partial labels):
row ``i`` lists the classes that may be the true one, and exactly one of them is. scikit-learn
reads the same matrix as a multilabel indicator (every listed class is true at once), and its
classifiers then predict a set per row. A partial-label learner predicts one class per row, so
sklearn_lip reads such a ``y`` as candidate sets, never as multilabel targets.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import sparse

__all__ = ["encode_candidates", "encode_labels", "is_candidate_matrix"]


def is_candidate_matrix(y):
    """Whether ``y`` is 2-D with more than one column (dense or sparse).

    A single column is a column vector of labels, as everywhere in scikit-learn.

    Parameters
    ----------
    y : array-like, sparse matrix or None
        Target as passed to ``fit``.

    Returns
    -------
    bool
    """
    if y is None:
        return False
    shape = y.shape if hasattr(y, "shape") else np.asarray(y).shape
    return len(shape) == 2 and shape[1] > 1


def _check_classes(classes, n_classes, what):
    classes = np.asarray(classes)
    if classes.ndim != 1 or len(classes) < 2 or len(np.unique(classes)) != len(classes):
        raise ValueError(
            f"classes must be a 1-D sequence of at least 2 distinct labels; got {classes!r}."
        )
    if n_classes is not None and len(classes) != n_classes:
        raise ValueError(
            f"classes has {len(classes)} labels but {what} has {n_classes} columns; pass one "
            "label per column, in column order."
        )
    return classes


def encode_candidates(Y, classes=None):
    """Check a candidate matrix and return it as dense 0/1 floats, with its class labels.

    Parameters
    ----------
    Y : {ndarray, sparse matrix} of shape (n_samples, n_classes)
        Candidate sets: 1 (or True) where a class is a candidate of the row, 0 elsewhere.
    classes : array-like of shape (n_classes,), default=None
        Label of each column; ``None`` means ``0 .. n_classes - 1``.

    Returns
    -------
    candidates : ndarray of shape (n_samples, n_classes), dtype=float64
        The 0/1 matrix.
    classes : ndarray of shape (n_classes,)
        Column labels.

    Raises
    ------
    ValueError
        If ``Y`` holds values other than 0 and 1, has a row without any candidate, or its
        column count differs from ``len(classes)``.

    Examples
    --------
    >>> from sklearn_lip._partial import encode_candidates
    >>> candidates, classes = encode_candidates([[1, 1, 0], [0, 0, 1]], ["a", "b", "c"])
    >>> candidates
    array([[1., 1., 0.],
           [0., 0., 1.]])
    >>> classes
    array(['a', 'b', 'c'], dtype='<U1')
    """
    Y = Y.toarray() if sparse.issparse(Y) else np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(f"A candidate matrix must be 2-D; got shape {Y.shape}.")
    if not np.isin(Y, (0, 1)).all():
        raise ValueError(
            "A 2-D y is read as candidate sets and must hold only 0 and 1 (or booleans); got "
            f"the values {np.unique(Y)[:10].tolist()}."
        )
    empty = np.flatnonzero(~Y.astype(bool).any(axis=1))
    if empty.size:
        raise ValueError(
            f"{empty.size} rows of the candidate matrix y have no candidate (rows "
            f"{empty[:5].tolist()}{', ...' if empty.size > 5 else ''}); every row needs at least "
            "one candidate class."
        )
    classes = np.arange(Y.shape[1]) if classes is None else classes
    return Y.astype(np.float64), _check_classes(classes, Y.shape[1], "the candidate matrix y")


def encode_labels(y, classes=None):
    """Encode 1-D labels as indices into ``classes``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    classes : array-like, default=None
        All class labels, in output order; may include classes absent from ``y``. ``None``
        means the sorted unique labels of ``y``.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Class labels.
    indices : ndarray of shape (n_samples,), dtype=int64
        ``classes[indices] == y``.

    Raises
    ------
    ValueError
        If ``y`` has a label outside ``classes``, or fewer than 2 classes are known.

    Examples
    --------
    >>> from sklearn_lip._partial import encode_labels
    >>> encode_labels(["b", "a", "b"])
    (array(['a', 'b'], dtype='<U1'), array([1, 0, 1]))
    >>> encode_labels(["b", "b"], classes=["b", "a"])[1]
    array([0, 0])
    """
    y = np.asarray(y)
    if classes is None:
        classes, indices = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"y needs samples of at least 2 classes; got one class: {classes.tolist()}."
            )
        return classes, indices.astype(np.int64)
    classes = _check_classes(classes, None, "")
    position = {label: i for i, label in enumerate(classes.tolist())}
    unknown = set(np.unique(y).tolist()) - set(position)
    if unknown:
        raise ValueError(f"y has labels that are not in classes: {sorted(unknown, key=str)[:10]}.")
    return classes, np.array([position[label] for label in y.tolist()], dtype=np.int64)
