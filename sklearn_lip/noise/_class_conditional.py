"""Class-conditional label noise: the new label depends on the true class only.

:class:`SymmetricNoise`, :class:`PairNoise` and :class:`TransitionMatrixNoise` draw each noisy
label from the row of a transition matrix ``T[i, j] = P(noisy label = j | true label = i)``.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_scalar

from .._compat import Interval
from ._base import LabelFlipNoise, cumulative_probabilities, rows_by_class

__all__ = ["PairNoise", "SymmetricNoise", "TransitionMatrixNoise", "make_transition_matrix"]


def make_transition_matrix(kind, n_classes, rate):
    """Build the transition matrix of symmetric or pair label noise.

    Parameters
    ----------
    kind : {"symmetric", "pair"}
        ``"symmetric"``: a label keeps its class with probability ``1 - rate`` and moves to each
        other class with probability ``rate / (n_classes - 1)``. ``"pair"``: class ``i`` moves to
        class ``i + 1`` (modulo ``n_classes``) with probability ``rate``.

    n_classes : int
        Number of classes, at least 2.

    rate : float in [0, 1)
        Probability that a label changes class.

    Returns
    -------
    transition_matrix : ndarray of shape (n_classes, n_classes)
        Row-stochastic matrix, ``T[i, j] = P(noisy label = j | true label = i)``.

    Examples
    --------
    >>> from sklearn_lip.noise import make_transition_matrix
    >>> make_transition_matrix("symmetric", 3, 0.3)
    array([[0.7 , 0.15, 0.15],
           [0.15, 0.7 , 0.15],
           [0.15, 0.15, 0.7 ]])
    >>> make_transition_matrix("pair", 3, 0.3)
    array([[0.7, 0.3, 0. ],
           [0. , 0.7, 0.3],
           [0.3, 0. , 0.7]])
    """
    if kind not in ("symmetric", "pair"):
        raise ValueError(f"kind must be 'symmetric' or 'pair'; got {kind!r}.")
    check_scalar(n_classes, "n_classes", Integral, min_val=2)
    check_scalar(rate, "rate", Real, min_val=0, max_val=1, include_boundaries="left")
    if kind == "symmetric":
        transition_matrix = np.full((n_classes, n_classes), rate / (n_classes - 1))
        np.fill_diagonal(transition_matrix, 1 - rate)
        return transition_matrix
    identity = np.eye(n_classes)
    return (1 - rate) * identity + rate * np.roll(identity, 1, axis=1)


class ClassConditionalNoise(LabelFlipNoise):
    """Noise that depends on the true class only; subclasses implement ``_transition_matrix()``."""

    def _draw(self, X, y_encoded, rng):
        self.transition_matrix_ = self._transition_matrix()
        cumulative = cumulative_probabilities(self.transition_matrix_)
        uniform = rng.random_sample(len(y_encoded))
        noisy = np.empty_like(y_encoded)
        # Memory stays O(n_samples + n_classes**2), even for a thousand classes.
        for c, rows in enumerate(rows_by_class(y_encoded, len(cumulative))):
            noisy[rows] = np.searchsorted(cumulative[c], uniform[rows], side="right")
        return noisy


class SymmetricNoise(ClassConditionalNoise):
    """Symmetric (uniform) label noise.

    Each label changes with probability ``rate``, to one of the *other* classes chosen uniformly:
    ``T[i, i] = 1 - rate`` and ``T[i, j] = rate / (n_classes - 1)``. With ``rate`` at or above
    ``(n_classes - 1) / n_classes`` a wrong class is as likely as the true one.

    Parameters
    ----------
    rate : float in [0, 1), default=0.2
        Probability that a label changes. 0 leaves ``y`` unchanged.

    random_state : int, RandomState instance or None, default=None
        Source of randomness, drawn from anew on every :meth:`fit_resample`. An int gives
        reproducible noise and leaves numpy's global random state untouched; None uses that
        global state, as everywhere in scikit-learn.

    Attributes
    ----------
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The matrix used, ``T[i, j] = P(noisy = j | true = i)``, in ``classes_`` order.

    classes_ : ndarray of shape (n_classes,)
        The classes of the clean ``y``, sorted.

    noise_mask_ : ndarray of shape (n_samples,), dtype=bool
        True for the rows of the last :meth:`fit_resample` whose label changed.

    noise_rate_ : float
        Achieved fraction of changed labels, ``noise_mask_.mean()``.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit_resample`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    make_transition_matrix : The matrix used, on its own.
    NoisyLabelClassifier : Train any classifier on labels corrupted at fit time.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.noise import SymmetricNoise
    >>> X, y = np.zeros((10_000, 2)), np.arange(10_000) % 3
    >>> noise = SymmetricNoise(rate=0.2, random_state=0)
    >>> X_out, y_noisy = noise.fit_resample(X, y)
    >>> X_out is X, round(noise.noise_rate_, 3)
    (True, 0.203)
    >>> noise.transition_matrix_
    array([[0.8, 0.1, 0.1],
           [0.1, 0.8, 0.1],
           [0.1, 0.1, 0.8]])
    """

    _parameter_constraints: dict = {
        "rate": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, rate=0.2, *, random_state=None):
        self.rate = rate
        self.random_state = random_state

    def _transition_matrix(self):
        return make_transition_matrix("symmetric", len(self.classes_), self.rate)


class PairNoise(ClassConditionalNoise):
    """Pair (asymmetric) label noise: each class can only be mistaken for its partner.

    A label of class ``c`` changes to ``mapping[c]`` with probability ``rate``. By default
    ``mapping`` sends each class to the next one in sorted order, the last to the first.
    With ``rate >= 0.5`` the partner becomes the majority label of ``c``: allowed, for
    experiments, but the noisy labels then no longer identify ``c``.

    Parameters
    ----------
    rate : float in [0, 1), default=0.2
        Probability that a label of a mapped class changes. 0 leaves ``y`` unchanged.

    mapping : dict or None, default=None
        ``{true class: noisy class}`` with classes of ``y``; each class must map to a different
        one. Classes left out never change, so the overall achieved rate is ``rate`` times the
        fraction of rows whose class is mapped (e.g. the CIFAR-10 "asymmetric" noise that
        maps truck to automobile, bird to airplane, deer to horse and cat and dog to each
        other). None: ``c_k -> c_(k+1 mod K)`` over the sorted classes.

    random_state : int, RandomState instance or None, default=None
        Source of randomness, drawn from anew on every :meth:`fit_resample`. An int gives
        reproducible noise and leaves numpy's global random state untouched; None uses that
        global state, as everywhere in scikit-learn.

    Attributes
    ----------
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The matrix used, ``T[i, j] = P(noisy = j | true = i)``, in ``classes_`` order.

    classes_ : ndarray of shape (n_classes,)
        The classes of the clean ``y``, sorted.

    noise_mask_ : ndarray of shape (n_samples,), dtype=bool
        True for the rows of the last :meth:`fit_resample` whose label changed.

    noise_rate_ : float
        Achieved fraction of changed labels, ``noise_mask_.mean()``.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit_resample`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    make_transition_matrix : The default matrix, on its own.

    Examples
    --------
    >>> from sklearn_lip.noise import PairNoise
    >>> X = [[0]] * 6
    >>> y = ["cat", "dog", "cat", "dog", "bird", "bird"]
    >>> noise = PairNoise(0.4, mapping={"cat": "dog", "dog": "cat"}, random_state=0)
    >>> noise.fit_resample(X, y)[1]
    ['cat', 'dog', 'dog', 'dog', 'bird', 'bird']
    >>> noise.transition_matrix_
    array([[1. , 0. , 0. ],
           [0. , 0.6, 0.4],
           [0. , 0.4, 0.6]])
    """

    _parameter_constraints: dict = {
        "rate": [Interval(Real, 0, 1, closed="left")],
        "mapping": [dict, None],
        "random_state": ["random_state"],
    }

    def __init__(self, rate=0.2, *, mapping=None, random_state=None):
        self.rate = rate
        self.mapping = mapping
        self.random_state = random_state

    def _transition_matrix(self):
        n_classes = len(self.classes_)
        if self.mapping is None:
            return make_transition_matrix("pair", n_classes, self.rate)
        sources, targets = _mapping_indices(self.mapping, self.classes_)
        transition_matrix = np.eye(n_classes)
        transition_matrix[sources, sources] = 1 - self.rate
        transition_matrix[sources, targets] = self.rate
        return transition_matrix


def _mapping_indices(mapping, classes):
    """Turn ``{true class: noisy class}`` into two arrays of class indices, checking both sides."""
    index = {label: i for i, label in enumerate(classes.tolist())}
    unknown = [label for pair in mapping.items() for label in pair if label not in index]
    if unknown:
        raise ValueError(
            f"mapping refers to classes that are not in y: {unknown}; "
            f"the classes of y are {classes.tolist()}."
        )
    sources = np.array([index[label] for label in mapping.keys()], dtype=int)
    targets = np.array([index[label] for label in mapping.values()], dtype=int)
    if np.any(sources == targets):
        fixed = [label for label, noisy in mapping.items() if index[label] == index[noisy]]
        raise ValueError(
            f"mapping must send each class to a different class; {fixed} map to themselves."
        )
    return sources, targets


class TransitionMatrixNoise(ClassConditionalNoise):
    """Class-conditional label noise given by a transition matrix.

    A label of class ``i`` becomes class ``j`` with probability ``transition_matrix[i, j]``.

    Parameters
    ----------
    transition_matrix : array-like of shape (n_classes, n_classes)
        Row-stochastic matrix, ``T[i, j] = P(noisy label = j | true label = i)``: non-negative,
        each row summing to 1 (up to 1e-6; rows are renormalized), rows and columns in the
        sorted order of the classes of ``y``. Note: cleanlab's ``noise_matrix`` uses the
        transposed convention ``P(noisy = i | true = j)`` (columns sum to 1); pass its ``.T``.

    random_state : int, RandomState instance or None, default=None
        Source of randomness, drawn from anew on every :meth:`fit_resample`. An int gives
        reproducible noise and leaves numpy's global random state untouched; None uses that
        global state, as everywhere in scikit-learn.

    Attributes
    ----------
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The matrix used (the validated, renormalized ``transition_matrix``).

    classes_ : ndarray of shape (n_classes,)
        The classes of the clean ``y``, sorted.

    noise_mask_ : ndarray of shape (n_samples,), dtype=bool
        True for the rows of the last :meth:`fit_resample` whose label changed.

    noise_rate_ : float
        Achieved fraction of changed labels, ``noise_mask_.mean()``.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit_resample`. Defined only when `X` has feature
        names that are all strings.

    See Also
    --------
    make_transition_matrix : Symmetric and pair matrices.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.noise import TransitionMatrixNoise
    >>> T = [[0.9, 0.1, 0.0],
    ...      [0.0, 0.8, 0.2],
    ...      [0.0, 0.0, 1.0]]
    >>> X, y = np.zeros((30_000, 1)), np.repeat([0, 1, 2], 10_000)
    >>> noise = TransitionMatrixNoise(T, random_state=0)
    >>> y_noisy = noise.fit_resample(X, y)[1]
    >>> [round(float(np.mean(y_noisy[y == c] != c)), 3) for c in (0, 1, 2)]
    [0.1, 0.201, 0.0]
    """

    _parameter_constraints: dict = {
        "transition_matrix": ["array-like"],
        "random_state": ["random_state"],
    }

    def __init__(self, transition_matrix, *, random_state=None):
        self.transition_matrix = transition_matrix
        self.random_state = random_state

    def _transition_matrix(self):
        return _check_transition_matrix(self.transition_matrix, len(self.classes_))


def _check_transition_matrix(transition_matrix, n_classes):
    """Validate a row-stochastic ``n_classes x n_classes`` matrix; return it renormalized."""
    matrix = np.asarray(transition_matrix, dtype=float)
    if matrix.shape != (n_classes, n_classes):
        raise ValueError(
            f"transition_matrix must have shape ({n_classes}, {n_classes}), one row and one "
            f"column per class of y in sorted order; got shape {matrix.shape}."
        )
    row_sums = matrix.sum(axis=1)
    if (
        not np.all(np.isfinite(matrix))
        or np.any(matrix < 0)
        or not np.allclose(row_sums, 1, rtol=0, atol=1e-6)
    ):
        raise ValueError(
            "transition_matrix must be row-stochastic, T[i, j] = P(noisy = j | true = i): "
            f"finite, non-negative, rows summing to 1; got row sums {row_sums.tolist()} and "
            f"smallest entry {matrix.min()}. (cleanlab's noise_matrix is the transpose.)"
        )
    return matrix / row_sums[:, None]
