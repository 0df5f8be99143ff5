"""LIP on Dask: the LAP statistics as Dask reductions, and a fit for data that lives in Dask.

:class:`~sklearn_lip._lip.LAPStatistics` sends Dask input here. With ``W`` fixed, the
``"paper"`` and ``"scaled"`` LAP modes need two column sums over rows of ``Z = X U`` (see
``shared/paper.md``), so they read ``X`` once, block by block, and only ``2 min(q, l)`` numbers
come back. The ``"log"`` mode reads ``X`` once too: it persists ``Z`` and the label rows
(``n x (min(q, l) + l)`` floats) where the blocks are computed (the workers' memory on a
cluster) and evaluates the objective of each L-BFGS step as one reduction over those blocks.

Dask is imported only when one of these functions runs, so ``import sklearn_lip`` never
imports it.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from numbers import Real

import numpy as np
from sklearn.base import clone

from ._head import DEFAULT_LAP, Fold, fit_head, label_targets
from ._lip import (
    _block_lap_sums,
    _is_dask,
    _lap_row_sums,
    _log_loss_sums,
    _one_hot_rows,
    _project_labels,
    _project_rows,
)
from .meta import loss_family

__all__ = ["fit_lip_dask", "lap_sums_dask", "log_loss_sums_dask"]


def _import_dask():
    """``(dask, dask.array)``, or an ``ImportError`` naming the extra that provides them."""
    try:
        import dask
        import dask.array as da
    except ImportError as exc:
        raise ImportError(
            "LIP on Dask arrays needs Dask, an optional dependency of sklearn-lip: install it "
            "with pip install 'sklearn-lip[dask]'."
        ) from exc
    return dask, da


def _with_row_chunks(a, row_chunks, da):
    """``a`` as a Dask array with these row chunks and a single chunk along its other axes."""
    if not _is_dask(a):
        # asarray=False keeps scipy.sparse blocks sparse; _one_hot_rows densifies per block.
        return da.from_array(a, chunks=(row_chunks,) + a.shape[1:], asarray=False)
    return a.rechunk({0: row_chunks, **{axis: -1 for axis in range(1, a.ndim)}})


def lap_sums_dask(X, Y, U, V, sample_weight, fit_intercept, keep_projections):
    """The LAP row sums of :class:`~sklearn_lip._lip.LAPStatistics` for Dask input.

    One task per block of rows projects it on ``U``, projects its labels on ``V`` and returns
    the block's sums (with the same per-block helpers as the NumPy path); Dask adds them up. So
    ``X`` is read once and nothing of size ``n_samples`` is brought back.

    Parameters
    ----------
    X : {dask array, ndarray, sparse matrix} of shape (n_samples, n_features)
        Training features; blocks may be NumPy or SciPy sparse. Chunks along the features are
        merged, so each task holds one block of rows.
    Y : {dask array, ndarray, sparse matrix} of shape (n_samples, n_classes) or (n_samples,)
        Target rows, or class indices (one-hot rows). At least one of ``X``, ``Y`` and
        ``sample_weight`` is a Dask array; the others are split along its row chunks.
    U : ndarray of shape (n_weights, n_components)
        Left singular vectors of ``W`` (last row: the bias when ``fit_intercept``).
    V : ndarray of shape (n_classes, n_components)
        Right singular vectors of ``W``.
    sample_weight : {dask array, ndarray} of shape (n_samples,) or None
        Row weights.
    fit_intercept : bool
        Whether the last row of ``U`` acts on a virtual column of ones.
    keep_projections : bool
        Persist ``Z`` and the label rows for the ``"log"`` mode: on the workers with a
        ``dask.distributed`` client, in this process's memory with a local scheduler.

    Returns
    -------
    zz : ndarray of shape (n_components,)
        ``sum_n w_n (X u_i)_n^2``.
    zy : ndarray of shape (n_components,)
        ``sum_n w_n (X u_i)_n (Y v_i)_n``.
    projections : tuple
        ``(Z, Y, sample_weight)`` as persisted Dask arrays (``Y`` as float rows), or
        ``(None, None, None)`` when ``keep_projections`` is False.
    """
    dask, da = _import_dask()
    row_chunks = next(a.chunks[0] for a in (X, Y, sample_weight) if _is_dask(a))
    n_classes, n_components = V.shape
    X = _with_row_chunks(X, row_chunks, da)
    Y = _with_row_chunks(Y, row_chunks, da)
    if sample_weight is not None:
        sample_weight = _with_row_chunks(sample_weight, row_chunks, da).astype(np.float64)
    # Blocks the sums read: X, projected inside each task, so that one task per block of rows
    # reads it and returns 2 x n_components numbers; or, for the log mode, persisted X U.
    rows, projection = X, {"U": U, "fit_intercept": fit_intercept}
    if keep_projections:
        # The one read of X; the log mode then iterates on these blocks, not on X.
        Z = X.map_blocks(
            _project_rows,
            rows=slice(None),
            U=U,
            fit_intercept=fit_intercept,
            chunks=(row_chunks, (n_components,)),
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
        Y = Y.map_blocks(
            _one_hot_rows,
            rows=slice(None),
            n_classes=n_classes,
            new_axis=1 if Y.ndim == 1 else None,
            chunks=(row_chunks, (n_classes,)),
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
        Z, Y, sample_weight = dask.persist(Z, Y, sample_weight)
        rows, projection = Z, {}
    sums = _row_block_reduction(
        _block_sums, 2 * n_components, rows, Y, sample_weight, V=V, **projection
    )
    zz, zy = np.split(sums, 2)
    if not keep_projections:
        return zz, zy, (None, None, None)
    return zz, zy, (Z, Y, sample_weight)


def _row_block_reduction(func, width, *arrays, **params):
    """Sum over row blocks of ``func(*blocks, **params)``, a ``(1, width)`` row per block.

    One task per block of rows, fused with the tasks that make the blocks (blockwise without a
    contracted index, so Dask fuses the chain), and only ``width`` numbers per block come
    back. All arrays share their row chunks and have one chunk along their other axis; a
    ``None`` array is left out (its parameter keeps its default).
    """
    _, da = _import_dask()
    inputs = []
    for a in arrays:
        if a is not None:
            inputs += [a, "ij" if a.ndim == 2 else "i"]
    parts = da.blockwise(
        func,
        "ij",
        *inputs,
        **params,
        adjust_chunks={"i": 1, "j": width},
        align_arrays=False,  # rows are aligned already; the column counts differ on purpose
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )
    return parts.sum(axis=0).compute()


def _block_sums(X, Y, sample_weight=None, *, V, U=None, fit_intercept=False):
    """The LAP sums ``(zz, zy)`` of one block of rows, as a ``(1, 2 n_components)`` row.

    ``X`` is a block of features, reduced by the in-memory path's
    :func:`~sklearn_lip._lip._block_lap_sums` (cache-sized pieces, or the Gram form for a
    very sparse block), or a block of persisted ``X U`` when ``U`` is None.
    """
    if U is None:
        sums = _lap_row_sums(X, _project_labels(Y, slice(None), V), sample_weight)
    else:
        sums = _block_lap_sums(X, Y, sample_weight, U, V, fit_intercept)
    return np.concatenate(sums)[None]


def _log_loss_block(Z, Y, sample_weight=None, **params):
    """``_log_loss_sums`` of one block as a ``(1, 1 + n_lower)`` row: loss, then gradient."""
    loss, grad = _log_loss_sums(Z, Y, sample_weight, **params)
    return np.concatenate([[loss], grad])[None]


def log_loss_sums_dask(Z, Y, sample_weight, singular_values, Vt, k):
    """The row sums of :func:`~sklearn_lip._lip._log_loss_sums` over persisted Dask blocks.

    One Dask reduction per call (one L-BFGS step of the ``"log"`` mode) over the blocks
    persisted by :func:`lap_sums_dask`; only ``1 + n_lower`` numbers per block come back.

    Parameters
    ----------
    Z : dask array of shape (n_samples, n_components)
        Persisted ``X U``.
    Y : dask array of shape (n_samples, n_classes)
        Persisted label rows, same row chunks.
    sample_weight : dask array of shape (n_samples,) or None
        Persisted row weights, same row chunks.
    singular_values : ndarray of shape (n_components,)
        Current singular values (the top ``k`` fixed, the rest being optimized).
    Vt : ndarray of shape (n_components, n_classes)
        Right singular vectors of ``W``, as rows.
    k : int
        Number of kept components.

    Returns
    -------
    loss : float
        Summed (weighted) loss.
    grad : ndarray of shape (n_components - k,)
        Its gradient in ``singular_values[k:]``.
    """
    sums = _row_block_reduction(
        _log_loss_block,
        1 + Vt.shape[0] - k,
        Z,
        Y,
        sample_weight,
        singular_values=singular_values,
        Vt=Vt,
        k=k,
    )
    return sums[0], sums[1:]


def _label_rows(y, classes, family, lap, binary):
    """Target rows of one block of labels, on the scale of the base model's loss family."""
    indices = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
    if not np.array_equal(classes[indices], y):
        unknown = np.setdiff1d(y, classes)[:5].tolist()
        raise ValueError(f"y has labels {unknown} that are not in classes_ {classes.tolist()}.")
    Y = label_targets(indices, len(classes), family, lap)
    return Y[:, 1:] if binary else Y


def fit_lip_dask(classifier, X, y, *, validation=None, **fit_params):
    """Fit a :class:`~sklearn_lip.LIPMetaClassifier` on Dask arrays, out of core.

    The recipe for data that does not fit in memory: the base estimator trains on the Dask
    arrays itself (``dask_ml.wrappers.Incremental`` calls ``partial_fit`` block by block),
    ``k`` is chosen on a held-out block, and the LIP statistics are Dask reductions over ``X``.
    ``X`` is never brought into memory; what comes back is the weights, ``X_val``'s projection
    (``n_val x min(q, l)``) and ``y_val``.

    Passes over ``X``: the base estimator's (one per ``Incremental.fit``), then one for the
    LIP statistics, whether ``k`` is given or validated (the held-out comparison and the final
    refinement share them; the ``"log"`` mode keeps ``n x (min(q, l) + l)`` floats on the
    workers).

    Parameters
    ----------
    classifier : LIPMetaClassifier
        Fitted in place, as by ``classifier.fit``. Its ``estimator`` must train on Dask arrays
        without materializing them, e.g. ``Incremental(SGDClassifier(loss="log_loss"))``.
        ``k``, ``lap`` and ``significance`` mean what they mean for ``fit``; ``cv`` and
        ``random_state`` are not used: a validated ``k`` (``"auto"`` or a list) is compared
        with the unchanged weights on ``validation``.
    X : dask array of shape (n_samples, n_features)
        Training features (NumPy or SciPy sparse blocks).
    y : dask array of shape (n_samples,)
        Training labels, chunked like the rows of ``X``.
    validation : tuple of (X_val, y_val), default=None
        Held-out rows, disjoint from ``X``, that choose ``k`` when it is validated (required
        then). Dask or NumPy arrays; sized for memory, as only their projection is computed.
    **fit_params : dict
        Passed to ``estimator.fit``, e.g. ``classes=`` for ``Incremental``.

    Returns
    -------
    classifier : LIPMetaClassifier
        The fitted classifier; ``classes_`` comes from the fitted base estimator. Predict on
        NumPy blocks, or on Dask arrays through ``dask_ml.wrappers.ParallelPostFit``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from dask_ml.wrappers import Incremental
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_lip import LIPMetaClassifier
    >>> from sklearn_lip._dask import fit_lip_dask
    >>> rng = np.random.RandomState(0)
    >>> centers = rng.normal(scale=3, size=(4, 5))
    >>> y_all = rng.randint(0, 4, 1200)
    >>> X_all = centers[y_all] + rng.normal(size=(1200, 5))
    >>> X, y = da.from_array(X_all, chunks=300), da.from_array(y_all, chunks=300)
    >>> base = Incremental(SGDClassifier(loss="log_loss", random_state=0), shuffle_blocks=False)
    >>> clf = fit_lip_dask(LIPMetaClassifier(base, k="auto"), X[:900], y[:900],
    ...                    classes=np.arange(4), validation=(X[900:], y[900:]))
    >>> clf.lap_, clf.coef_.shape
    ('paper', (4, 5))
    >>> {k: round(score, 2) for k, score in clf.validation_scores_.items()}
    {'unchanged': 0.96, 1: 0.44, 2: 0.61, 3: 0.91}
    >>> print(clf.k_)  # no k beat the unchanged weights on the held-out block
    None
    """
    _import_dask()
    if not (_is_dask(X) and _is_dask(y)):
        raise TypeError(
            f"fit_lip_dask needs Dask arrays X and y; got {type(X).__name__} and "
            f"{type(y).__name__}. Use LIPMetaClassifier.fit for data in memory."
        )
    classifier._validate_params()
    k = classifier.k
    if k is not None and not isinstance(k, (str, Real)):
        k = list(k)
    validated = isinstance(k, (str, list))
    if validated and validation is None:
        raise ValueError(
            f"k={classifier.k!r} is chosen on held-out rows: pass validation=(X_val, y_val), "
            "or an int or float k."
        )
    classifier.n_features_in_ = X.shape[1]
    vars(classifier).pop("feature_names_in_", None)  # Dask arrays carry no feature names
    classifier.estimator_ = clone(classifier._get_estimator()).fit(X, y, **fit_params)
    classifier.classes_ = np.asarray(classifier.estimator_.classes_)
    W = classifier._weights_of(classifier.estimator_)
    family = loss_family(classifier.estimator_)
    classifier.lap_ = DEFAULT_LAP[family] if classifier.lap == "auto" else classifier.lap
    targets = partial(
        _label_rows,
        classes=classifier.classes_,
        family=family,
        lap=classifier.lap_,
        binary=W.shape[1] == 1,
    )
    Y = y.map_blocks(targets, new_axis=1, chunks=(y.chunks[0], (W.shape[1],)), dtype=np.float64)
    folds = None
    if validated:
        X_val, y_val = validation
        # The held-out block validates the final head itself: one pass over X serves both.
        folds = [Fold(None, None, None, X_val=X_val, Y_val=targets(np.asarray(y_val)))]
    head = fit_head(
        W,
        X,
        Y,
        k=k,
        lap=classifier.lap_,
        folds=folds,
        fit_intercept=True,
        significance=classifier.significance,
    )
    return classifier._store_head(head)
