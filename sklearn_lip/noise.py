"""Label-noise injection: generators that corrupt y, and a classifier trained on corrupted y.

Robustness studies corrupt the *training* labels and score on the clean ones. A scikit-learn
step cannot change ``y``, so this module offers two routes:

- the noise generators :class:`SymmetricNoise`, :class:`PairNoise`,
  :class:`TransitionMatrixNoise`, :class:`InstanceDependentNoise` and :class:`PartialLabelNoise`
  follow imbalanced-learn's sampler contract, ``fit_resample(X, y) -> (X, y_noisy)``, so they are
  steps of ``imblearn.pipeline.Pipeline``, which applies samplers during ``fit`` only;
- :class:`NoisyLabelClassifier` wraps any classifier and corrupts ``y`` inside its own ``fit``:
  the route for ``sklearn.pipeline.Pipeline``, ``cross_val_score`` and ``GridSearchCV``.

The generators implement the sampler contract themselves: imbalanced-learn is never imported.

Transition matrices follow ``T[i, j] = P(noisy label = j | true label = i)``: rows sum to 1 and
rows and columns are in the sorted order of the classes. cleanlab's ``noise_matrix`` is the
transpose, ``P(noisy = i | true = j)``: pass ``noise_matrix.T``.
"""

# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy.optimize import brentq
from scipy.special import softmax
from scipy.stats import truncnorm
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    OneToOneFeatureMixin,
    clone,
)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state, check_scalar, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._compat import (
    HasMethods,
    Interval,
    MetadataRouter,
    MethodMapping,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from ._utils import estimator_has

__all__ = [
    "InstanceDependentNoise",
    "NoisyLabelClassifier",
    "PairNoise",
    "PartialLabelNoise",
    "SymmetricNoise",
    "TransitionMatrixNoise",
    "corrupt_labels",
    "make_transition_matrix",
]


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


def _as_container_of(y, labels):
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


def _cumulative(probabilities):
    """Cumulative sums along the last axis, scaled so that each last entry is exactly 1.

    A uniform draw ``u`` in [0, 1) picks the class ``(cumulative <= u).sum()``. The scaling stops
    rounding from carrying a draw past the last class of positive probability, so a class of
    probability 0 is never drawn.
    """
    cumulative = np.cumsum(probabilities, axis=-1)
    return cumulative / cumulative[..., -1:]


def _rows_by_class(y_encoded, n_classes):
    """Row indices of each class, in class order (loops run over classes, never over rows)."""
    order = np.argsort(y_encoded, kind="stable")
    return np.split(order, np.cumsum(np.bincount(y_encoded, minlength=n_classes))[:-1])


class _BaseNoise(OneToOneFeatureMixin, BaseEstimator):
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


class _LabelFlipNoise(_BaseNoise):
    """Noise that replaces labels; subclasses implement ``_draw(X, y_encoded, rng)``."""

    def _noisy_target(self, X, y_encoded, y, rng):
        noisy = self._draw(X, y_encoded, rng)
        self.noise_mask_ = noisy != y_encoded
        self.noise_rate_ = float(self.noise_mask_.mean())
        return _as_container_of(y, self.classes_[noisy])


class _ClassConditionalNoise(_LabelFlipNoise):
    """Noise that depends on the true class only; subclasses implement ``_transition_matrix()``."""

    def _draw(self, X, y_encoded, rng):
        self.transition_matrix_ = self._transition_matrix()
        cumulative = _cumulative(self.transition_matrix_)
        uniform = rng.random_sample(len(y_encoded))
        noisy = np.empty_like(y_encoded)
        # Memory stays O(n_samples + n_classes**2), even for a thousand classes.
        for c, rows in enumerate(_rows_by_class(y_encoded, len(cumulative))):
            noisy[rows] = np.searchsorted(cumulative[c], uniform[rows], side="right")
        return noisy


class SymmetricNoise(_ClassConditionalNoise):
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


class PairNoise(_ClassConditionalNoise):
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


class TransitionMatrixNoise(_ClassConditionalNoise):
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


class InstanceDependentNoise(_LabelFlipNoise):
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
    for c, rows in enumerate(_rows_by_class(y_encoded, n_classes)):
        projection = rng.standard_normal((n_features, n_classes)) / scaler.scale_[:, None]
        # (X - mean) / scale @ W, written so that a sparse X stays sparse.
        logits = X[rows] @ projection - scaler.mean_ @ projection
        logits[:, c] = -np.inf
        probabilities = flip_rates[rows, None] * softmax(logits, axis=1)
        probabilities[:, c] = 1 - flip_rates[rows]
        noisy[rows] = (_cumulative(probabilities) <= uniform[rows, None]).sum(axis=1)
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


class PartialLabelNoise(_BaseNoise):
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


class NoisyLabelClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Train a classifier on labels corrupted at fit time; predict and score as usual.

    ``fit`` corrupts ``y`` with a clone of ``noise`` and fits a clone of ``estimator`` on the
    corrupted labels. ``predict``, ``predict_proba`` and ``score`` are the inner estimator's,
    untouched, so cross-validation and grid searches score on the clean labels of the held-out
    rows. This is the scikit-learn-native way to study label noise: it works in
    ``sklearn.pipeline.Pipeline``, ``cross_val_score`` and ``GridSearchCV`` (e.g. a grid over
    ``noise__rate`` and ``estimator__C``). For ``imblearn.pipeline.Pipeline`` a noise generator
    can be a step itself.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier to train on the corrupted labels. None: ``LogisticRegression()``.

    noise : noise generator, default=None
        Object with ``fit_resample(X, y) -> (X, y_noisy)`` and a ``noise_mask_`` attribute, such
        as :class:`SymmetricNoise`. None: ``SymmetricNoise(rate=0.2)``.

    random_state : int, RandomState instance or None, default=None
        Seeds the noise when it has no seed of its own (the default noise, or a noise whose
        ``random_state`` is None); a noise's own ``random_state`` (``noise__random_state``)
        takes precedence. With both None, every fit draws new noise from NumPy's global
        generator. Set an int for reproducible fits.

        .. versionadded:: 0.2

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` fitted on the corrupted labels.

    noise_ : noise generator
        The clone of ``noise`` that corrupted the labels; it holds ``noise_rate_`` and
        ``transition_matrix_``. The corrupted labels themselves are not stored (they would
        double the memory of y); refit ``clone(noise_)`` with an int ``random_state`` to get
        them again.

    noise_mask_ : ndarray of shape (n_samples,), dtype=bool
        True for the training rows whose label the noise changed (``noise_.noise_mask_``).

    classes_ : ndarray of shape (n_classes,)
        The classes of the *clean* ``y``. When the noise removed every label of a rare class,
        ``predict_proba`` gives it a column of zeros; ``decision_function`` is the inner
        estimator's, with columns for ``estimator_.classes_``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X` has feature names that
        are all strings.

    See Also
    --------
    SymmetricNoise, PairNoise, TransitionMatrixNoise, InstanceDependentNoise : Noise generators.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_lip.noise import NoisyLabelClassifier, SymmetricNoise
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NoisyLabelClassifier(LogisticRegression(max_iter=1000),
    ...                            SymmetricNoise(0.3, random_state=0)).fit(X, y)
    >>> round(clf.noise_.noise_rate_, 3), round(clf.score(X, y), 3)
    (0.267, 0.873)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "noise": [HasMethods(["fit_resample"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, noise=None, *, random_state=None):
        self.estimator = estimator
        self.noise = noise
        self.random_state = random_state

    def _get_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _get_noise(self):
        return SymmetricNoise() if self.noise is None else self.noise

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Corrupt ``y`` with a clone of ``noise``, then fit a clone of ``estimator`` on it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training features.

        y : array-like of shape (n_samples,)
            Clean training labels.

        **fit_params : dict
            Passed to the ``fit`` of the inner estimator, e.g. ``sample_weight``. Without
            metadata routing only ``sample_weight`` is accepted.
            With ``enable_metadata_routing=True``, metadata are routed as requested by the
            inner estimator (``estimator.set_fit_request(sample_weight=True)``).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        _raise_for_params(fit_params, self, "fit", allow=["sample_weight"])
        # Finiteness, dtype and sparse format are left to the inner estimator.
        X, y = validate_data(
            self, X, y, accept_sparse=True, dtype=None, ensure_all_finite=False
        )
        check_classification_targets(y)
        if _routing_enabled():
            inner_fit_params = process_routing(self, "fit", **fit_params)["estimator"]["fit"]
        else:
            inner_fit_params = fit_params
        self.classes_ = np.unique(y)
        self.noise_ = clone(self._get_noise())
        if self.random_state is not None and self.noise_.get_params().get(
            "random_state", False
        ) is None:
            # The noise has no seed of its own (e.g. the default): seed it from ours.
            self.noise_.set_params(random_state=self.random_state)
        X_train, y_noisy = self.noise_.fit_resample(X, y)
        self.noise_mask_ = self.noise_.noise_mask_
        self.estimator_ = clone(self._get_estimator()).fit(X_train, y_noisy, **inner_fit_params)
        return self

    def _check_predict_X(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, reset=False, accept_sparse=True, dtype=None, ensure_all_finite=False
        )

    def _with_all_classes(self, per_class, fill):
        """Give ``per_class`` one column per class of ``classes_``, ``fill`` for unseen ones."""
        seen = self.estimator_.classes_
        if len(seen) == len(self.classes_):
            return per_class
        aligned = np.full((per_class.shape[0], len(self.classes_)), fill, dtype=per_class.dtype)
        aligned[:, np.searchsorted(self.classes_, seen)] = per_class
        return aligned

    def predict(self, X):
        """Predict classes with the estimator trained on corrupted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        X = self._check_predict_X(X)
        return self.estimator_.predict(X)

    @available_if(estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the estimator trained on corrupted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in ``classes_`` order.
        """
        X = self._check_predict_X(X)
        return self._with_all_classes(self.estimator_.predict_proba(X), 0.0)

    @available_if(estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the estimator trained on corrupted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities, columns in ``classes_`` order.
        """
        X = self._check_predict_X(X)
        return self._with_all_classes(self.estimator_.predict_log_proba(X), -np.inf)

    @available_if(estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the estimator trained on corrupted labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The inner estimator's scores.
        """
        X = self._check_predict_X(X)
        return self.estimator_.decision_function(X)

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            ``fit`` metadata go to the inner estimator's ``fit``.
        """
        return MetadataRouter(owner=self).add(
            estimator=self._get_estimator(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        parts = [get_tags(self._get_estimator()), get_tags(self._get_noise())]
        tags.input_tags.sparse = all(part.input_tags.sparse for part in parts)
        tags.input_tags.allow_nan = all(part.input_tags.allow_nan for part in parts)
        # Random by default, but seeded by random_state as scikit-learn's own estimators are;
        # non-deterministic only if a part is so for a fixed seed.
        tags.non_deterministic = any(part.non_deterministic for part in parts)
        return tags
