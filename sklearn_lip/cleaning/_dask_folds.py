"""Out-of-fold and in-sample probabilities of fold models trained on Dask arrays.

The path of :func:`~sklearn_lip.cleaning.fit_clean_dask`: each fold model trains on its rows
of the Dask array (picked by Dask, never brought to the client), predicts every block of rows
where the block lies, and a row's probabilities are assembled by masks, block by block, so that
nothing of ``n_samples x n_features`` reaches the client. Dask is imported only here.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import clone

from .._dask import import_dask
from .._row_sums import is_dask
from ._folds import _class_proba, check_test_folds

__all__ = ["dask_fold_proba", "proba_of"]


def _block_proba(block, model, classes):
    return _class_proba(model, block, classes)


def _lazy_proba(model, X, classes):
    """``model``'s probabilities on every block of rows of ``X`` (a lazy Dask array)."""
    return X.map_blocks(
        _block_proba,
        model,
        classes,
        dtype=np.float64,
        chunks=(X.chunks[0], (len(classes),)),
        meta=np.empty((0, len(classes))),
    )


def proba_of(model, X, classes):
    """Probabilities of a fitted model on held-out rows, in memory, in the order of ``classes``.

    ``X`` may be a Dask array (predicted block by block, then computed: the rows must fit in
    memory) or any array the model predicts on.
    """
    if not is_dask(X):
        return _class_proba(model, X, classes)
    return np.asarray(_lazy_proba(model, X.rechunk({1: -1}), classes).compute())


def dask_fold_proba(estimator, X, labels, classes, splits, fit_params, in_sample=False):
    """Out-of-fold and (if ``in_sample``) in-sample probabilities, as persisted Dask arrays.

    Each fold's clone of ``estimator`` is fitted on ``X[train]`` and ``labels[train]`` with
    ``fit_params``, then predicts every block of ``X``; a row's out-of-fold probabilities are
    those of the model that held it out, its in-sample ones the mean over the models that
    trained on it (its out-of-fold ones when none did), as in
    :func:`~sklearn_lip.cleaning._folds.out_of_fold_proba`. Both are persisted (on the workers
    with a ``distributed`` client): flagging reads them several times, and each read would
    otherwise predict with every fold model again.

    Parameters
    ----------
    estimator : estimator object
        A classifier whose ``fit`` takes Dask arrays (e.g. ``dask_ml.wrappers.Incremental``)
        and whose ``predict_proba`` or ``decision_function`` takes NumPy blocks.
    X : dask array of shape (n_samples, n_features)
        Features, chunked along rows only.
    labels : dask array of shape (n_samples,)
        The given labels, chunked like the rows of ``X``.
    classes : ndarray of shape (n_classes,)
        Sorted class labels: the columns of the probabilities.
    splits : list of (train, test) index arrays
        Test folds that cover every row exactly once.
    fit_params : dict
        Passed to every fit.
    in_sample : bool, default=False
        Whether to compute the in-sample probabilities.

    Returns
    -------
    pred_proba, in_sample_proba : dask arrays of shape (n_samples, n_classes)
        ``in_sample_proba`` is None when ``in_sample`` is False.
    """
    dask, da = import_dask()
    n_samples = X.shape[0]
    check_test_folds(splits, n_samples)
    rows = (X.chunks[0],)
    pred_proba = in_sample_sum = 0.0
    trained = np.zeros(n_samples)
    for train, test in splits:
        model = clone(estimator).fit(X[train], labels[train], **fit_params)
        proba = _lazy_proba(model, X, classes)
        is_test = np.zeros(n_samples, dtype=bool)
        is_test[test] = True
        pred_proba = pred_proba + da.where(da.from_array(is_test, chunks=rows)[:, None], proba, 0)
        if in_sample:
            is_train = np.zeros(n_samples, dtype=bool)
            is_train[train] = True
            trained += is_train
            mask = da.from_array(is_train, chunks=rows)[:, None]
            in_sample_sum = in_sample_sum + da.where(mask, proba, 0)
    if not in_sample:
        return dask.persist(pred_proba)[0], None
    mean = in_sample_sum / da.from_array(np.maximum(trained, 1), chunks=rows)[:, None]
    in_sample_proba = da.where(da.from_array(trained > 0, chunks=rows)[:, None], mean, pred_proba)
    return dask.persist(pred_proba, in_sample_proba)
