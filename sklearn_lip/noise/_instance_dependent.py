"""Instance-dependent label noise: flips that depend on the features of each row.

How likely a label is to flip, and to which class, depends on the features of its row.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from scipy.optimize import brentq
from scipy.special import softmax
from scipy.stats import truncnorm
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import validate_data

from .._compat import Interval
from ._base import LabelFlipNoise, cumulative_probabilities, rows_by_class

__all__ = ["InstanceDependentNoise"]


class InstanceDependentNoise(LabelFlipNoise):
    """Instance-dependent label noise: per-sample flip rates, feature-driven wrong classes.

    The generation scheme of Xia et al. (2020), used there for synthetic instance-dependent
    noise (reference code: ``get_instance_noisy_label`` in the authors' repository), on
    standardized features ``z_i``. Each sample's transition row ``T(x_i)`` is its own: the
    chance of each wrong class depends on the features, while the total flip probability
    ``q_i`` is drawn per sample, independently of the features and of the class:

    1. each sample draws a flip rate ``q_i`` from a normal distribution truncated to [0, 1],
       with scale ``flip_rate_std``;
    2. each class ``c`` draws a projection ``W_c`` (n_features x n_classes) with standard normal
       entries;
    3. sample ``i`` keeps its label with probability ``1 - q_i`` and moves to class ``j != y_i``
       with probability ``q_i * softmax(z_i W_(y_i))_j``, the softmax taken over the classes
       other than ``y_i``.

    Two deliberate differences from the reference code: features are standardized (the code
    projects raw pixel values), and the location of the truncated normal is solved for so that
    its *mean* equals ``rate`` (the code centres it at ``rate``, whose truncated mean is
    0.2055 for ``rate=0.2``). The expected fraction of flipped labels is therefore ``rate``.
    For rates within ``flip_rate_std / 500`` of 0 or 1 the location is capped at 500 scales
    from [0, 1] and the mean is off by at most that much.

    Parameters
    ----------
    rate : float in [0, 1), default=0.2
        Mean flip probability. 0 leaves ``y`` unchanged.

    random_state : int, RandomState instance or None, default=None
        Source of randomness (flip rates, projections and draws), drawn from anew on every
        :meth:`fit_resample`. An int gives reproducible noise and leaves numpy's global random
        state untouched; None uses that global state, as everywhere in scikit-learn.

    flip_rate_std : float > 0, default=0.1
        Scale of the per-sample flip-rate distribution (0.1 in Xia et al.).

    Attributes
    ----------
    transition_matrix_ : ndarray of shape (n_classes, n_classes)
        *Empirical* matrix of the last draw, ``T[i, j]`` = fraction of the rows of true class
        ``i`` that got label ``j`` (no single matrix generates this noise).

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

    References
    ----------
    .. [1] X. Xia, T. Liu, B. Han, N. Wang, M. Gong, H. Liu, G. Niu, D. Tao and M. Sugiyama,
       "Part-dependent Label Noise: Towards Instance-dependent Label Noise", NeurIPS 2020,
       arXiv:2006.07836. Code: https://github.com/xiaoboxia/Part-dependent-label-noise

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_lip.noise import InstanceDependentNoise
    >>> X, y = make_classification(n_samples=20_000, n_classes=3, n_informative=4,
    ...                            random_state=0)
    >>> noise = InstanceDependentNoise(rate=0.3, random_state=0)
    >>> y_noisy = noise.fit_resample(X, y)[1]
    >>> round(noise.noise_rate_, 3)
    0.302
    >>> noise.transition_matrix_.round(2)
    array([[0.69, 0.15, 0.16],
           [0.15, 0.71, 0.14],
           [0.18, 0.13, 0.69]])
    """

    _parameter_constraints: dict = {
        "rate": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state"],
        "flip_rate_std": [Interval(Real, 0, None, closed="neither")],
    }

    _uses_features = True

    def __init__(self, rate=0.2, *, random_state=None, flip_rate_std=0.1):
        self.rate = rate
        self.random_state = random_state
        self.flip_rate_std = flip_rate_std

    def _check_X(self, X):
        return validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32])

    def _draw(self, X, y_encoded, rng):
        n_classes = len(self.classes_)
        noisy = _instance_dependent_labels(
            X, y_encoded, n_classes, self.rate, self.flip_rate_std, rng
        )
        counts = np.bincount(y_encoded * n_classes + noisy, minlength=n_classes**2)
        counts = counts.reshape(n_classes, n_classes)
        self.transition_matrix_ = counts / counts.sum(axis=1, keepdims=True)
        return noisy

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.string = False
        return tags


def _instance_dependent_labels(X, y_encoded, n_classes, rate, flip_rate_std, rng):
    """Draw noisy labels under the instance-dependent scheme of Xia et al. (2020).

    Parameters
    ----------
    X : {ndarray, csr_matrix} of shape (n_samples, n_features)
        Numeric features.

    y_encoded : ndarray of shape (n_samples,)
        True class indices.

    n_classes : int
        Number of classes.

    rate : float
        Mean flip rate.

    flip_rate_std : float
        Scale of the truncated normal of the per-sample flip rates.

    rng : RandomState
        Source of randomness.

    Returns
    -------
    noisy : ndarray of shape (n_samples,)
        Noisy class indices: sample ``i`` keeps its class with probability ``1 - q_i`` and
        otherwise moves to another class in proportion to the softmax of its projection.
    """
    n_samples, n_features = X.shape
    if rate == 0:
        flip_rates = np.zeros(n_samples)
    else:
        loc = _truncated_normal_loc(rate, flip_rate_std)
        flip_rates = truncnorm.rvs(
            -loc / flip_rate_std,
            (1 - loc) / flip_rate_std,
            loc=loc,
            scale=flip_rate_std,
            size=n_samples,
            random_state=rng,
        )
    uniform = rng.random_sample(n_samples)
    scaler = StandardScaler(with_mean=False).fit(X)
    noisy = np.empty_like(y_encoded)
    # One projection per true class; memory grows with the largest class, not with n_samples.
    for c, rows in enumerate(rows_by_class(y_encoded, n_classes)):
        projection = rng.standard_normal((n_features, n_classes)) / scaler.scale_[:, None]
        # (X - mean) / scale @ W, written so that a sparse X stays sparse.
        logits = X[rows] @ projection - scaler.mean_ @ projection
        logits[:, c] = -np.inf
        probabilities = flip_rates[rows, None] * softmax(logits, axis=1)
        probabilities[:, c] = 1 - flip_rates[rows]
        noisy[rows] = (cumulative_probabilities(probabilities) <= uniform[rows, None]).sum(axis=1)
    return noisy


def _truncated_normal_loc(mean, scale):
    """Location of a normal of the given scale, truncated to [0, 1], whose mean is ``mean``.

    The location is kept within 500 scales of [0, 1], where scipy's truncated-normal moments
    are accurate; at that bound the mean is within ``scale / 500`` of 0 or 1.
    """

    def mean_gap(loc):
        # The truncated mean is loc + scale * (pdf(a) - pdf(b)) in standardized units, the first
        # moment of scipy's truncnorm, whose full ``mean()`` also computes (and warns about)
        # higher moments that overflow far from [0, 1].
        a, b = -loc / scale, (1 - loc) / scale
        pdf_a, pdf_b = truncnorm.pdf([a, b], a, b)
        return loc + scale * (pdf_a - pdf_b) - mean

    low, high = -500 * scale, 1 + 500 * scale
    if mean_gap(low) >= 0:
        return low
    if mean_gap(high) <= 0:
        return high
    return brentq(mean_gap, low, high, xtol=1e-12)
