"""The sampler contract that every label-noise generator follows, and its one-off use.

:class:`BaseNoise` implements imbalanced-learn's sampler contract (``fit_resample(X, y) ->
(X, y_noisy)``) for noise on the labels: validation, randomness and containers.
:class:`LabelFlipNoise` adds what every generator that replaces labels records.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d, validate_data

from .._compat import _fit_context

__all__ = [
    "BaseNoise",
    "LabelFlipNoise",
    "as_container_of",
    "corrupt_labels",
    "cumulative_probabilities",
    "rows_by_class",
]


def corrupt_labels(y, noise, *, X=None, random_state=None):
    """Return a corrupted copy of ``y``: one-off use of a noise generator.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Clean labels. Never modified.

    noise : noise generator
        For example ``SymmetricNoise(0.2)``. It is cloned, never modified.

    X : {array-like, sparse matrix} of shape (n_samples, n_features), default=None
        Features; needed only by noise that depends on them (:class:`InstanceDependentNoise`).

    random_state : int, RandomState instance or None, default=None
        Overrides the random state of ``noise`` when not None.

    Returns
    -------
    y_noisy : array-like
        The corrupted labels, in the container type of ``y`` (for :class:`PartialLabelNoise`,
        the candidate matrix).

    Examples
    --------
    >>> from sklearn_lip.noise import SymmetricNoise, corrupt_labels
    >>> y = ["cat", "dog", "bird"] * 4
    >>> corrupt_labels(y, SymmetricNoise(0.5), random_state=0)
    ['cat', 'dog', 'cat', 'cat', 'cat', 'cat', 'cat', 'dog', 'dog', 'cat', 'dog', 'cat']
    """
    if not hasattr(noise, "fit_resample"):
        raise TypeError(
            f"noise must be a label-noise generator with a fit_resample method; got {noise!r}."
        )
    noise = clone(noise)
    if random_state is not None:
        noise.set_params(random_state=random_state)
    if X is None:
        if getattr(noise, "_uses_features", True):
            raise ValueError(
                f"{type(noise).__name__} draws noise from the features: pass X to corrupt_labels."
            )
        # The class-conditional generators only read the number of rows of X.
        X = np.zeros((len(y), 1))
    return noise.fit_resample(X, y)[1]


def as_container_of(y, labels):
    """Return ``labels`` in the container of ``y``.

    A list stays a list, a pandas Series or DataFrame keeps its index, name or columns and
    dtype, and an array keeps its shape.
    """
    if isinstance(y, list):
        return labels.tolist()
    if hasattr(y, "iloc"):  # pandas Series or one-column DataFrame
        noisy = y.copy()
        noisy.iloc[:] = labels.reshape(y.shape)
        return noisy
    return labels.reshape(np.shape(y))


def cumulative_probabilities(probabilities):
    """Cumulative sums along the last axis, scaled so that each last entry is exactly 1.

    A uniform draw ``u`` in [0, 1) picks the class ``(cumulative <= u).sum()``. The scaling stops
    rounding from carrying a draw past the last class of positive probability, so a class of
    probability 0 is never drawn.
    """
    cumulative = np.cumsum(probabilities, axis=-1)
    return cumulative / cumulative[..., -1:]


def rows_by_class(y_encoded, n_classes):
    """Row indices of each class, in class order (loops run over classes, never over rows)."""
    order = np.argsort(y_encoded, kind="stable")
    return np.split(order, np.cumsum(np.bincount(y_encoded, minlength=n_classes))[:-1])


class BaseNoise(OneToOneFeatureMixin, BaseEstimator):
    """imbalanced-learn's sampler contract for label noise: validation, randomness, containers.

    Subclasses implement ``_noisy_target(X, y_encoded, y, rng)``, which sets the fitted
    attributes and returns the new target.
    """

    # Whether the noise reads the feature values; otherwise X only gives the number of rows.
    _uses_features = False

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Check the data and the parameter types; no noise is drawn (use :meth:`fit_resample`).

        Sets ``classes_`` and ``n_features_in_``. Whether a ``mapping`` or
        ``transition_matrix`` fits the classes of ``y`` is checked by :meth:`fit_resample`.

        Parameters
        ----------
        X : {array-like, dataframe, sparse matrix} of shape (n_samples, n_features)
            Features.

        y : array-like of shape (n_samples,)
            Clean labels.

        Returns
        -------
        self : object
            The validated generator.
        """
        self._check_X_y(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Corrupt the labels; ``X`` is returned as is.

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

        y_noisy : array-like
            Corrupted labels, in the container and dtype of ``y`` (same rows, same order).
        """
        X_checked, y_encoded = self._check_X_y(X, y)
        rng = check_random_state(self.random_state)
        return X, self._noisy_target(X_checked, y_encoded, y, rng)

    def _check_X_y(self, X, y):
        """Validate ``X`` and ``y``, set ``classes_``; return the checked X and encoded y."""
        check_classification_targets(y)
        X = self._check_X(X)
        y_array = column_or_1d(y)
        check_consistent_length(X, y_array)
        self.classes_, y_encoded = np.unique(y_array, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y to move labels between "
                f"them; got 1 class: {self.classes_.tolist()}."
            )
        return X, y_encoded

    def _check_X(self, X):
        # Only the number of rows of X is used, so any content is accepted.
        return validate_data(self, X, accept_sparse=True, dtype=None, ensure_all_finite=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags


class LabelFlipNoise(BaseNoise):
    """Noise that replaces labels; subclasses implement ``_draw(X, y_encoded, rng)``."""

    def _noisy_target(self, X, y_encoded, y, rng):
        noisy = self._draw(X, y_encoded, rng)
        self.noise_mask_ = noisy != y_encoded
        self.noise_rate_ = float(self.noise_mask_.mean())
        return as_container_of(y, self.classes_[noisy])
