"""The LAP row sums as Dask reductions: one task per block of rows, with the in-memory kernels.

:class:`~sklearn_lip._lip.LAPStatistics` sends Dask input here. With ``W`` fixed, the
``"paper"`` and ``"scaled"`` LAP modes need two column sums over rows of ``Z = X U``
(:mod:`sklearn_lip._row_sums`), so they read ``X`` once, block by block, and only
``2 min(q, l)`` numbers come back. The ``"log"`` mode reads ``X`` once too: it persists ``Z``
and the label rows (``n x (min(q, l) + l)`` floats) where the blocks are computed (the workers'
memory on a cluster) and evaluates the objective of each L-BFGS step as one reduction over
those blocks.

Dask is imported only when one of these functions runs, so ``import sklearn_lip`` never
imports it. This module sits below :mod:`sklearn_lip._lip` and imports only
:mod:`sklearn_lip._row_sums`. Fitting an estimator on Dask arrays belongs to
:class:`~sklearn_lip.LIPMetaClassifier` (see :func:`~sklearn_lip.fit_lip_dask`).
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._row_sums import (
    block_lap_sums,
    is_dask,
    lap_row_sums,
    log_loss_sums,
    one_hot_rows,
    project_labels,
    project_rows,
)

__all__ = ["import_dask", "lap_sums_dask", "log_loss_sums_dask"]


def import_dask():
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
    if not is_dask(a):
        # asarray=False keeps scipy.sparse blocks sparse; one_hot_rows densifies per block.
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
    dask, da = import_dask()
    row_chunks = next(a.chunks[0] for a in (X, Y, sample_weight) if is_dask(a))
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
            project_rows,
            rows=slice(None),
            U=U,
            fit_intercept=fit_intercept,
            chunks=(row_chunks, (n_components,)),
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
        Y = Y.map_blocks(
            one_hot_rows,
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
    _, da = import_dask()
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
    :func:`~sklearn_lip._row_sums.block_lap_sums` (cache-sized pieces, or the Gram form for a
    very sparse block), or a block of persisted ``X U`` when ``U`` is None.
    """
    if U is None:
        sums = lap_row_sums(X, project_labels(Y, slice(None), V), sample_weight)
    else:
        sums = block_lap_sums(X, Y, sample_weight, U, V, fit_intercept)
    return np.concatenate(sums)[None]


def _log_loss_block(Z, Y, sample_weight=None, **params):
    """``log_loss_sums`` of one block as a ``(1, 1 + n_lower)`` row: loss, then gradient."""
    loss, grad = log_loss_sums(Z, Y, sample_weight, **params)
    return np.concatenate([[loss], grad])[None]


def log_loss_sums_dask(Z, Y, sample_weight, singular_values, Vt, k):
    """The row sums of :func:`~sklearn_lip._row_sums.log_loss_sums` over persisted Dask blocks.

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
