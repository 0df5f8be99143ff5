"""Partial-label noise: every row gets a candidate set that holds its true class."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

from .._compat import Interval
from ._base import BaseNoise

__all__ = ["PartialLabelNoise"]


class PartialLabelNoise(BaseNoise):
    """Partial-label (candidate-set) ambiguity: each label becomes a set that contains it.

    Every row's candidate set holds its true class and each other class independently with
    probability ``ambiguity``.

    Parameters
    ----------
    ambiguity : float in [0, 1), default=0.3
        Probability that a wrong class joins a candidate set. 0 gives one-hot rows.

    random_state : int, RandomState instance or None, default=None
        Source of randomness, drawn from anew on every :meth:`fit_resample`. An int gives
        reproducible noise and leaves numpy's global random state untouched; None uses that
        global state, as everywhere in scikit-learn.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The classes of the clean ``y``, sorted: the columns of the candidate matrix.

    noise_mask_ : ndarray of shape (n_samples,), dtype=bool
        True for the rows of the last :meth:`fit_resample` that got at least one wrong
        candidate.

    noise_rate_ : float
        Achieved ambiguity: mean number of wrong candidates per row divided by
        ``n_classes - 1``.

    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        The inclusion probabilities used, ``T[i, j] = P(j in candidate set | true = i)``: 1 on
        the diagonal and ``ambiguity`` elsewhere. Rows do not sum to 1.

    n_features_in_ : int
        Number of features seen during :meth:`fit_resample`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit_resample`. Defined only when `X` has feature
        names that are all strings.

    Examples
    --------
    >>> from sklearn_lip.noise import PartialLabelNoise
    >>> X, y = [[0]] * 4, ["a", "b", "c", "a"]
    >>> noise = PartialLabelNoise(ambiguity=0.5, random_state=0)
    >>> noise.fit_resample(X, y)[1]
    array([[1, 0, 0],
           [0, 1, 0],
           [1, 0, 1],
           [1, 0, 0]])
    >>> noise.classes_, noise.noise_mask_
    (array(['a', 'b', 'c'], dtype='<U1'), array([False, False,  True, False]))
    """

    _parameter_constraints: dict = {
        "ambiguity": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, ambiguity=0.3, *, random_state=None):
        self.ambiguity = ambiguity
        self.random_state = random_state

    def fit_resample(self, X, y):
        """Turn the labels into candidate sets; ``X`` is returned as is.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Features, returned unchanged (the same object).

        y : array-like of shape (n_samples,)
            Clean labels. Never modified.

        Returns
        -------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            The input ``X`` itself.

        candidates : ndarray of shape (n_samples, n_classes), dtype=int64
            0/1 candidate matrix, columns in ``classes_`` order; each row has a 1 at its
            true class.
        """
        return super().fit_resample(X, y)

    def _noisy_target(self, X, y_encoded, y, rng):
        n_samples, n_classes = len(y_encoded), len(self.classes_)
        candidates = rng.random_sample((n_samples, n_classes)) < self.ambiguity
        candidates[np.arange(n_samples), y_encoded] = True
        wrong_candidates = candidates.sum(axis=1) - 1
        self.noise_mask_ = wrong_candidates > 0
        self.noise_rate_ = float(wrong_candidates.mean() / (n_classes - 1))
        self.transition_matrix_ = np.full((n_classes, n_classes), float(self.ambiguity))
        np.fill_diagonal(self.transition_matrix_, 1.0)
        return candidates.astype(np.int64)
