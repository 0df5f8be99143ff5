"""Small private helpers shared by the meta-estimators."""

# SPDX-License-Identifier: BSD-3-Clause

from sklearn.utils.validation import check_is_fitted

__all__ = ["estimator_has", "wrapped_estimator"]


def wrapped_estimator(meta):
    """The fitted ``estimator_`` of a meta-estimator, or the unfitted one before ``fit``.

    The unfitted one comes from ``meta._get_estimator()``, so ``estimator=None`` resolves to
    its default.
    """
    try:
        check_is_fitted(meta, "estimator_")
    except Exception:
        return meta._get_estimator()
    return meta.estimator_


def estimator_has(attr):
    """Return a check for ``available_if`` that looks for ``attr`` on the wrapped estimator.

    The fitted ``estimator_`` is consulted when present, otherwise the unfitted one returned by
    ``self._get_estimator()`` (so that ``estimator=None`` resolves to its default).

    Parameters
    ----------
    attr : str
        Name of the method the wrapped estimator must have.

    Returns
    -------
    check : callable
        ``check(self) -> bool``; raises ``AttributeError`` (which ``available_if`` turns into
        a missing method) when the wrapped estimator lacks ``attr``.
    """

    def check(self):
        getattr(wrapped_estimator(self), attr)
        return True

    return check
