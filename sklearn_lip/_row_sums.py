"""The row sums LAP needs, block by block: NumPy and SciPy sparse kernels.

Because the right singular vectors of ``W`` are orthonormal, every statistic the LAP re-fit
needs is a column sum over rows of ``Z = X U`` and ``Y V``. This module computes those sums for
one block of rows: dense blocks are projected a cache-sized piece at a time, very sparse CSR
blocks use the Gram form ``X^T D X`` instead (no ``n x min(q, l)`` array is formed), and the
``"log"`` mode's loss and gradient are sums over rows too. :mod:`sklearn_lip._lip` runs these
kernels over chunks of an in-memory ``X``; :mod:`sklearn_lip._dask` runs the same kernels as
one task per Dask block. This module imports neither.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import sparse
from sklearn.utils import gen_batches

__all__ = [
    "block_lap_sums",
    "float_dtype",
    "is_dask",
    "lap_row_sums",
    "log_loss_sums",
    "one_hot_rows",
    "project_labels",
    "project_rows",
    "rows_of",
]

#: Rows of a dense block processed at once: the block of X, its projection and its label rows
#: stay in cache (measured on 200k x 101 float64, l = 20: 1024-4096 rows ran as fast as the
#: product alone, a single block of every row 1.2-1.4x slower).
_CACHE_ROWS = 4096


def is_dask(a):
    return type(a).__module__.split(".")[0] == "dask"


def float_dtype(a):
    """Precision of the products on ``a``: float32 stays float32, anything else is float64."""
    return np.float32 if getattr(a, "dtype", None) == np.float32 else np.float64


def _class_indices(labels, n_classes):
    """``labels`` (1-D) as ``intp`` class indices, or a ``ValueError`` naming what is wrong."""
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu":
        indices = labels.astype(np.intp, copy=False)
    else:
        with np.errstate(invalid="ignore"):
            indices = labels.astype(np.intp)
        if not np.array_equal(indices, labels):
            raise ValueError(
                "Y as a 1-D array holds class indices; it contains NaN, infinite or "
                f"non-integer values (dtype {labels.dtype})."
            )
    if indices.size and (indices.min() < 0 or indices.max() >= n_classes):
        bad = indices[(indices < 0) | (indices >= n_classes)][:5].tolist()
        raise ValueError(
            f"Y as a 1-D array holds class indices in 0..{n_classes - 1} (the columns of W); "
            f"got {bad}."
        )
    return indices


def one_hot_rows(Y, rows, n_classes):
    """Rows of ``Y`` as a dense float array; a 1-D ``Y`` holds class indices (one-hot rows)."""
    block = Y[rows]
    if block.ndim == 1:
        return np.eye(n_classes)[_class_indices(block, n_classes)]
    if sparse.issparse(block):
        return block.toarray().astype(np.float64)
    return np.asarray(block, dtype=np.float64)


def project_labels(Y, rows, V):
    """``Y[rows] @ V`` as float64; class indices pick rows of ``V`` (no one-hot product)."""
    if Y.ndim == 1:
        return V[_class_indices(Y[rows], V.shape[0])]
    return one_hot_rows(Y, rows, V.shape[0]) @ V


def project_rows(X, rows, U, fit_intercept):
    """``X[rows] @ U`` (with a virtual column of ones when ``fit_intercept``).

    Computed in float32 for float32 ``X`` (``U`` rounded to float32), in float64 otherwise.
    """
    block = X[rows]
    n_coef = U.shape[0] - fit_intercept
    Z = np.asarray(block @ U[:n_coef].astype(float_dtype(block), copy=False))
    if fit_intercept:
        Z += U[-1].astype(Z.dtype)
    return Z


def rows_of(X, rows):
    """``X[rows]`` for a slice of rows; a CSR block is cut from ``X``'s arrays, not searched.

    SciPy copies a piece's arrays when it is under half of ``X`` (it prunes small views);
    the cost is one copy of the piece's non-zeros, not a scan of ``X``.
    """
    if not (sparse.issparse(X) and X.format == "csr"):
        return X[rows]
    start, stop = X.indptr[rows.start], X.indptr[rows.stop]
    return sparse.csr_matrix(
        (X.data[start:stop], X.indices[start:stop], X.indptr[rows.start : rows.stop + 1] - start),
        shape=(rows.stop - rows.start, X.shape[1]),
        copy=False,
    )


def lap_row_sums(Z, YV, sample_weight):
    """``sum_n w_n Z_n^2`` and ``sum_n w_n Z_n (Y V)_n`` over one block of rows, per column.

    Accumulated in float64 whatever the precision of ``Z``.
    """
    weighted_Z = Z if sample_weight is None else Z * sample_weight[:, None]
    return (
        np.einsum("ij,ij->j", weighted_Z, Z, dtype=np.float64),
        np.einsum("ij,ij->j", weighted_Z, YV, dtype=np.float64),
    )


def _use_gram(X, n_components):
    """Whether the Gram form is cheaper than projecting the CSR block ``X``.

    Projecting costs about ``(nnz + n_samples) x n_components`` operations (the product and
    the dense per-row work on it); the Gram form about ``nnz`` per pass over the non-zeros that
    have a later one in their row (at most the longest row's length of them, fewer each time),
    plus one ``q x q`` accumulation per such pass.
    """
    if not X.nnz:
        return True
    longest = int(np.diff(X.indptr).max())
    work = longest * (X.nnz + X.shape[1] ** 2)
    return work <= (X.nnz + X.shape[0]) * n_components


def _gram_sums(X, Y, sample_weight, U, V, fit_intercept):
    """``(zz, zy)`` of a CSR block from ``G = X^T D X`` and ``X^T D Y`` (``D = diag(w)``).

    For very sparse ``X`` this is cheaper than the projection ``Z = X U``: no dense
    ``n_samples x min(q, l)`` array is formed. ``G`` is summed from the products of the
    non-zeros that share a row (its diagonal, then the pairs ``j`` positions apart in a row for
    ``j = 1, 2, ...``), ``X^T D Y`` from the non-zeros, all in float64.
    """
    n_samples, n_features = X.shape
    n_classes = V.shape[0]
    data = X.data.astype(np.float64, copy=False)
    columns = X.indices
    # Row of each stored entry (cumulated row starts: faster than np.repeat).
    row = np.cumsum(np.bincount(X.indptr[1:-1], minlength=X.nnz + 1)[: X.nnz])
    weighted = data if sample_weight is None else data * sample_weight[row]
    gram = np.diag(np.bincount(columns, weights=weighted * data, minlength=n_features))
    # How many stored entries follow each one in its row.
    following = X.indptr[1:][row] - np.arange(1, X.nnz + 1)
    later = np.flatnonzero(following > 0)
    gap = 1
    while later.size:
        pairs = np.bincount(
            columns[later] * n_features + columns[later + gap],
            weights=weighted[later] * data[later + gap],
            minlength=n_features * n_features,
        ).reshape(n_features, n_features)
        gram += pairs + pairs.T
        gap += 1
        later = later[following[later] >= gap]
    n_coef = U.shape[0] - fit_intercept
    U_x = U[:n_coef]
    zz = np.einsum("ij,ij->j", U_x, gram @ U_x)
    if Y.ndim == 1:
        labels = _class_indices(Y, n_classes)
        cross = np.bincount(
            columns * n_classes + labels[row],
            weights=weighted,
            minlength=n_features * n_classes,
        ).reshape(n_features, n_classes)
        label_sums = np.bincount(labels, weights=sample_weight, minlength=n_classes)
        column_sums = cross.sum(axis=1)
    else:
        Y = Y.toarray() if sparse.issparse(Y) else np.asarray(Y, dtype=np.float64)
        X = sparse.csr_matrix((weighted, columns, X.indptr), shape=X.shape)
        cross = np.asarray(X.T @ Y)
        label_sums = Y.sum(axis=0) if sample_weight is None else sample_weight @ Y
        column_sums = np.bincount(columns, weights=weighted, minlength=n_features)
    zy = np.einsum("ij,ij->j", U_x, cross @ V)
    if not np.isfinite(label_sums).all():
        # A row of X without non-zeros hides its targets from X^T Y; their sums show them.
        zy = np.full_like(zy, np.nan)
    if fit_intercept:
        bias = U[-1]
        total = n_samples if sample_weight is None else sample_weight.sum()
        zz += 2 * bias * (column_sums @ U_x) + bias**2 * total
        zy += bias * (label_sums @ V)
    return zz, zy


def _projected_sums(X, Y, sample_weight, U, V, fit_intercept):
    """``(zz, zy)`` of a dense or CSR block, ``_CACHE_ROWS`` rows at a time in reused buffers.

    Each piece is projected once and reduced by matrix-vector products over its rows, all in
    X's precision (float32 for float32 ``X``, float64 otherwise); the pieces' sums add up in
    float64. A dense block allocates nothing of its length, so the projection stays in cache
    and the pass costs about one product ``X @ W``. A CSR block is projected in one sparse
    product (its ``n_samples x min(q, l)`` result is the block's only array of that length)
    and reduced in the same pieces: cutting it into CSR pieces copied their non-zeros and
    cost a SciPy constructor each.
    """
    n_samples = X.shape[0]
    n_components = U.shape[1]
    dtype = float_dtype(X)
    n_coef = U.shape[0] - fit_intercept
    U_x = np.ascontiguousarray(U[:n_coef], dtype=dtype)
    V_work = V.astype(dtype)
    piece = max(min(n_samples, _CACHE_ROWS), 1)
    product = np.empty((piece, n_components), dtype=dtype)
    weighted = None if sample_weight is None else np.empty_like(product)
    label_rows = np.empty_like(product) if Y.ndim == 1 else None
    # The bias as whole rows: adding a contiguous block is several times faster than
    # broadcasting a row of min(q, l) values over the piece.
    bias_rows = np.tile(U[-1].astype(dtype), (piece, 1)) if fit_intercept else None
    ones = np.ones(piece, dtype=dtype)
    zz = np.zeros(n_components)
    zy = np.zeros(n_components)
    cross = np.zeros((n_components, V.shape[0]))  # Z^T D Y, for 2-D Y
    projected = buffer = None  # the whole projection of a CSR block, or one dense piece's
    if sparse.issparse(X):
        projected = np.asarray((X if X.dtype == dtype else X.astype(dtype)) @ U_x)
    else:
        buffer = np.empty_like(product)
    for rows in gen_batches(n_samples, piece):
        m = rows.stop - rows.start
        prod = product[:m]
        if projected is not None:
            z = projected[rows]
        else:
            z = buffer[:m]
            block = X[rows]
            np.matmul(block if block.dtype == dtype else block.astype(dtype), U_x, out=z)
        if fit_intercept:
            np.add(z, bias_rows[:m], out=z)
        w_z = z
        if sample_weight is not None:
            w_z = np.multiply(z, sample_weight[rows, None], out=weighted[:m], casting="same_kind")
        np.multiply(w_z, z, out=prod)
        zz += ones[:m] @ prod
        if Y.ndim == 1:
            labels = label_rows[:m]
            np.take(V_work, _class_indices(Y[rows], V.shape[0]), axis=0, out=labels)
            np.multiply(w_z, labels, out=prod)
            zy += ones[:m] @ prod
        else:
            targets = Y[rows]
            targets = targets.toarray() if sparse.issparse(targets) else targets
            cross += w_z.T @ np.asarray(targets, dtype=np.float64)
    if Y.ndim != 1:
        zy += np.einsum("ij,ji->i", cross, V)
    return zz, zy


def block_lap_sums(X, Y, sample_weight, U, V, fit_intercept):
    """``(zz, zy)`` of one block of rows: the LAP row sums, float64.

    A very sparse block uses the Gram form (:func:`_gram_sums`), any other the projection in
    cache-sized pieces (:func:`_projected_sums`).
    """
    if sparse.issparse(X):
        X = X.tocsr()
        if _use_gram(X, U.shape[1]):
            return _gram_sums(X, Y, sample_weight, U, V, fit_intercept)
    return _projected_sums(X, Y, sample_weight, U, V, fit_intercept)


def log_loss_sums(Z, Y, sample_weight, singular_values, Vt, k):
    """Row sums of the "log" LAP objective and of its gradient in the lower singular values.

    ``Z`` holds rows of ``X U``; the logits are ``(Z * singular_values) @ Vt``. Returns the
    (weighted) sum over these rows of ``-log(sum_j Y_nj p_nj)`` and its gradient with respect to
    ``singular_values[k:]``, so that row blocks can be summed separately.
    """
    logits = (Z * singular_values) @ Vt
    # Shift by the row maximum and, separately, by the maximum over the label set, so that
    # logits spanning hundreds (SGD weights) neither overflow nor give inf * 0 = NaN.
    top = logits.max(axis=1, keepdims=True)
    p = np.exp(logits - top)
    total = p.sum(axis=1, keepdims=True)
    label_logits = np.where(Y > 0, logits, -np.inf)
    label_top = label_logits.max(axis=1, keepdims=True)
    q = Y * np.exp(label_logits - label_top)
    mass = q.sum(axis=1, keepdims=True)
    row_loss = (np.log(total) + top - np.log(mass) - label_top)[:, 0]
    # d loss / d logits = p - q, q = p restricted to the label set and renormalized.
    residual = p / total - q / mass
    if sample_weight is not None:
        row_loss = row_loss * sample_weight
        residual = residual * sample_weight[:, None]
    grad = np.einsum("ij,ij->j", Z[:, k:], residual @ Vt[k:].T)
    return row_loss.sum(), grad
