"""The one base of the classifiers that wrap another classifier.

:class:`~sklearn_lip.LIPMetaClassifier`, :class:`~sklearn_lip.cleaning.CleanLabelClassifier` and
:class:`~sklearn_lip.NoisyLabelClassifier` each fit a clone of ``estimator`` as ``estimator_``.
What they share lives here once: the default estimator, delegation of the prediction methods
(present only when the wrapped estimator has them), metadata routing, tag forwarding, and the
``sample_weight`` policy.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ._compat import (
    MetadataRouter,
    MethodMapping,
    _num_samples,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

__all__ = ["BaseWrappingClassifier", "estimator_has", "wrapped_estimator"]


def wrapped_estimator(meta):
    """The fitted ``estimator_`` of a wrapping classifier, or the unfitted one before ``fit``.

    Parameters
    ----------
    meta : BaseWrappingClassifier
        The wrapping classifier.

    Returns
    -------
    estimator : estimator instance
        ``meta.estimator_`` when fitted, otherwise ``meta._get_estimator()``, so that
        ``estimator=None`` resolves to its default.
    """
    try:
        check_is_fitted(meta, "estimator_")
    except Exception:
        return meta._get_estimator()
    return meta.estimator_


def estimator_has(attr):
    """Return a check for ``available_if`` that looks for ``attr`` on the wrapped estimator.

    Parameters
    ----------
    attr : str
        Name of the method the wrapped estimator must have.

    Returns
    -------
    check : callable
        ``check(self) -> bool``; raises ``AttributeError`` (which ``available_if`` turns into
        a missing method) when the wrapped estimator (see :func:`wrapped_estimator`) lacks
        ``attr``.
    """

    def check(self):
        getattr(wrapped_estimator(self), attr)
        return True

    return check


class BaseWrappingClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Base of the classifiers that fit a clone of ``estimator`` and predict through it.

    Subclasses store ``estimator`` (default :class:`~sklearn.linear_model.LogisticRegression`),
    set ``estimator_`` and ``classes_`` in ``fit``, and override what they predict differently.

    The ``sample_weight`` policy, the same for every subclass: ``fit`` takes ``sample_weight``.
    Without metadata routing it is passed to ``estimator.fit`` when that accepts it, and a
    ``ValueError`` is raised when it does not, so weights are never dropped silently; other
    fit parameters need routing. With ``enable_metadata_routing=True`` the inner estimator's
    ``set_fit_request`` decides. A subclass that also uses the weights itself adds a self
    request to :meth:`get_metadata_routing`.
    """

    def _get_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    def _wrapped_parts(self):
        """The estimators whose input tags this classifier forwards (before ``fit``)."""
        return [self._get_estimator()]

    def _validate_sample_weight(self, sample_weight, X):
        """``sample_weight`` as float64, one finite, non-negative weight per row of ``X``.

        Checked before any fit, so that a bad weight fails at once, with this class's name,
        rather than inside the inner estimator's first fold fit (or not at all: many
        estimators accept negative weights silently).
        """
        if sample_weight is None:
            return None
        name = type(self).__name__
        weights = np.asarray(sample_weight, dtype=np.float64)
        if weights.shape != (_num_samples(X),):
            raise ValueError(
                f"{name}: sample_weight must have shape ({_num_samples(X)},), one weight per "
                f"row of X; got shape {weights.shape}."
            )
        if not np.isfinite(weights).all():
            raise ValueError(f"{name}: sample_weight contains NaN or infinity.")
        if (weights < 0).any():
            raise ValueError(
                f"{name}: sample_weight must be non-negative; got {int((weights < 0).sum())} "
                f"negative weights (the smallest {weights.min():g})."
            )
        return weights

    def _check_cv_fits_classes(self, y):
        """Raise when an int ``cv`` exceeds the rows of the smallest class of ``y``.

        The policy of every wrapper, as of :class:`~sklearn.calibration.CalibratedClassifierCV`:
        checked before any fit, never lowered silently.
        """
        if not isinstance(self.cv, Integral):
            return
        classes, counts = np.unique(y, return_counts=True)
        if self.cv > counts.min():
            raise ValueError(
                f"{type(self).__name__}: cv={self.cv} is larger than the smallest class of y, "
                f"{classes[counts.argmin()]}, with {counts.min()} rows; every class needs "
                "at least cv rows. Lower cv."
            )

    def _inner_fit_params(self, sample_weight, fit_params):
        """The metadata for the fits of ``estimator``, by the policy of the class docstring.

        Parameters
        ----------
        sample_weight : array-like of shape (n_samples,) or None
            Row weights given to ``fit``.
        fit_params : dict
            Other metadata given to ``fit``; only accepted with metadata routing.

        Returns
        -------
        params : dict
            Keyword arguments for ``estimator.fit``.
        """
        if _routing_enabled():
            if sample_weight is not None:
                fit_params = {**fit_params, "sample_weight": sample_weight}
            return dict(process_routing(self, "fit", **fit_params)["estimator"]["fit"])
        _raise_for_params(fit_params, self, "fit")
        if sample_weight is None:
            return {}
        estimator = self._get_estimator()
        if not has_fit_parameter(estimator, "sample_weight"):
            raise ValueError(
                f"{type(estimator).__name__} does not accept sample_weight in fit, so "
                f"{type(self).__name__} cannot pass it on."
            )
        return {"sample_weight": sample_weight}

    def _check_predict_input(self, X):
        """Check that ``self`` is fitted; return ``X`` as the fitted ``estimator_`` expects it.

        Subclasses that converted ``X`` in ``fit`` convert it here the same way.
        """
        check_is_fitted(self)
        return X

    def _with_all_classes(self, per_class, fill):
        """Give ``per_class`` one column per class of ``classes_``, ``fill`` for unseen ones.

        ``estimator_`` may have seen fewer classes than ``classes_`` (e.g. when injected noise
        removed every label of a rare class).
        """
        seen = self.estimator_.classes_
        if len(seen) == len(self.classes_):
            return per_class
        aligned = np.full((per_class.shape[0], len(self.classes_)), fill, dtype=per_class.dtype)
        aligned[:, np.searchsorted(self.classes_, seen)] = per_class
        return aligned

    def predict(self, X):
        """Predict class labels with the fitted ``estimator_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        X = self._check_predict_input(X)
        return self.estimator_.predict(X)

    @available_if(estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the fitted ``estimator_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_`` (0 for a class that
            ``estimator_`` never saw).
        """
        X = self._check_predict_input(X)
        return self._with_all_classes(self.estimator_.predict_proba(X), 0.0)

    @available_if(estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities of the fitted ``estimator_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities, columns in the order of ``classes_`` (``-inf`` for a class that
            ``estimator_`` never saw).
        """
        X = self._check_predict_input(X)
        return self._with_all_classes(self.estimator_.predict_log_proba(X), -np.inf)

    @available_if(estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision scores of the fitted ``estimator_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The scores of ``estimator_.decision_function``, with columns for
            ``estimator_.classes_``.
        """
        X = self._check_predict_input(X)
        return self.estimator_.decision_function(X)

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter` that routes ``fit``
            metadata to every fit of ``estimator``.
        """
        return MetadataRouter(owner=self).add(
            estimator=self._get_estimator(),
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        parts = [get_tags(part) for part in self._wrapped_parts()]
        tags.input_tags.sparse = all(part.input_tags.sparse for part in parts)
        tags.input_tags.allow_nan = all(part.input_tags.allow_nan for part in parts)
        tags.non_deterministic = any(part.non_deterministic for part in parts)
        return tags
