"""NoisyLabelClassifier: train any classifier on labels corrupted inside its own ``fit``.

It is one of the package's wrapping classifiers (:mod:`sklearn_lip._base`), kept beside the
generators it runs so that ``sklearn_lip.noise`` imports nothing above itself.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BaseWrappingClassifier
from .._compat import HasMethods, _fit_context
from ._class_conditional import SymmetricNoise

__all__ = ["NoisyLabelClassifier"]


class NoisyLabelClassifier(BaseWrappingClassifier):
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
        generator. Set an int for reproducible fits. As for scikit-learn's randomized
        estimators, the ``non_deterministic`` tag stays False: it means "random even for a
        fixed ``random_state``", which this estimator is not (unless its parts are).

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
    >>> from sklearn_lip import NoisyLabelClassifier, SymmetricNoise
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

    def _get_noise(self):
        return SymmetricNoise() if self.noise is None else self.noise

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Corrupt ``y`` with a clone of ``noise``, then fit a clone of ``estimator`` on it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training features.

        y : array-like of shape (n_samples,)
            Clean training labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Passed to ``estimator.fit`` (a ``ValueError`` when it does not accept them; with
            metadata routing, as requested). The noise ignores them.

            .. versionchanged:: 0.2
               An explicit argument; it was accepted only through ``**fit_params``.

        **fit_params : dict
            Further metadata for ``estimator.fit``.

            Only available if `enable_metadata_routing=True`. See the
            :ref:`Metadata Routing User Guide <metadata_routing>` for more details.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        # Finiteness, dtype and sparse format are left to the inner estimator.
        X, y = validate_data(self, X, y, accept_sparse=True, dtype=None, ensure_all_finite=False)
        check_classification_targets(y)
        sample_weight = self._validate_sample_weight(sample_weight, X)
        inner_fit_params = self._inner_fit_params(sample_weight, fit_params)
        self.classes_ = np.unique(y)
        self.noise_ = clone(self._get_noise())
        if (
            self.random_state is not None
            and self.noise_.get_params().get("random_state", False) is None
        ):
            # The noise has no seed of its own (e.g. the default): seed it from ours.
            self.noise_.set_params(random_state=self.random_state)
        X_train, y_noisy = self.noise_.fit_resample(X, y)
        self.noise_mask_ = self.noise_.noise_mask_
        self.estimator_ = clone(self._get_estimator()).fit(X_train, y_noisy, **inner_fit_params)
        return self

    def _check_predict_input(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, reset=False, accept_sparse=True, dtype=None, ensure_all_finite=False
        )

    def _wrapped_parts(self):
        return [self._get_estimator(), self._get_noise()]
