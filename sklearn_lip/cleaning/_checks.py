"""Input checks and tolerances shared by the rules, and the blocks of rows they read.

Both this package's rules and cleanlab's validate their arguments here and name classes in
warnings the same way (:class:`MinPerClassWarning` is here too). Every rule runs as passes
over a :class:`RowBlocks`: NumPy arrays (memory maps too) are read ``BLOCK_ROWS`` rows at a
time, Dask arrays by their row chunks, so that the rules never hold more than a few blocks of
``pred_proba`` beside vectors of length ``n_samples``. Of the package, this module imports
only the two helpers that detect Dask arrays and import Dask on demand.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import os
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_array, column_or_1d, gen_batches

from .._dask import import_dask
from .._row_sums import is_dask

__all__ = [
    "BLOCK_ROWS",
    "CLEANLAB_CLIP",
    "CLEANLAB_TOL",
    "Block",
    "MinPerClassWarning",
    "RowBlocks",
    "blend_proba",
    "check_frac_noise",
    "check_labels",
    "check_min_per_class",
    "check_num_to_remove",
    "check_pred_proba",
    "check_proba",
    "name_classes",
]

# Tolerance on probabilities: rows must sum to 1, values lie in [0, 1], up to float32 rounding.
_PROBA_TOL = 1e-4
CLEANLAB_TOL = 1e-6  # cleanlab's FLOATING_POINT_COMPARISON
CLEANLAB_CLIP = 1e-6  # cleanlab's CLIPPING_LOWER_BOUND

#: Rows of a NumPy ``pred_proba`` (in memory or memory-mapped) read at once: 6 MB of float64
#: for 12 classes, so a few blocks stay far below the whole array.
BLOCK_ROWS = 65_536


class MinPerClassWarning(UserWarning):
    """Warning raised when ``min_per_class`` un-flags label issues so that no class is emptied.

    :func:`find_label_issues` and :class:`CleanLabelClassifier` keep at least ``min_per_class``
    rows of every given class (all of them when the class is smaller). When the method flagged
    more rows than that allows, the flagged rows with the highest label quality are kept and this
    warning names the classes concerned. With cleanlab's rules (``filter_by``), it names the
    classes of at most ``min_per_class`` rows, in which cleanlab's pruning flags nothing.
    """


def check_proba(proba, name, first_row=0):
    """Validate a matrix of probabilities: 2-D, at least 2 columns, rows summing to one.

    float32 stays float32 (no copy, and cleanlab's rules then round as cleanlab does);
    other dtypes become float64. ``first_row`` is the index of the first row of ``proba``
    when it is a block of a larger matrix (errors name rows of the whole matrix).
    """
    proba = check_array(proba, dtype=(np.float64, np.float32), input_name=name)
    if proba.shape[1] < 2:
        raise ValueError(
            f"{name} must have one column per class and at least 2 columns; "
            f"got shape {proba.shape}."
        )
    if proba.min() < -_PROBA_TOL or proba.max() > 1 + _PROBA_TOL:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; got values in "
            f"[{proba.min():.6g}, {proba.max():.6g}]."
        )
    row_sums = proba.sum(axis=1)
    off = np.flatnonzero(np.abs(row_sums - 1) > _PROBA_TOL)
    if off.size:
        raise ValueError(
            f"{name} rows must sum to 1 (tolerance {_PROBA_TOL}); {off.size} rows do not, "
            f"e.g. row {first_row + off[0]} sums to {row_sums[off[0]]:.6g}. Pass probabilities "
            "such as predict_proba output or a softmax of decision_function scores."
        )
    return proba


def check_labels(labels, n_samples, n_classes):
    """Validate ``labels``: integer indices into the ``n_classes`` columns, one per row.

    Returned as ``intp``, without a copy when they are already; a Dask array is computed
    (``n_samples`` integers).
    """
    if is_dask(labels):
        labels = _computed(labels)
    labels = column_or_1d(labels)
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but pred_proba has {n_samples} rows."
        )
    if labels.dtype.kind == "f" and np.array_equal(labels, np.round(labels)):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise ValueError(
            "labels must be integer indices 0..K-1 into the columns of pred_proba; got dtype "
            f"{labels.dtype}. Encode them first, e.g. with sklearn.preprocessing.LabelEncoder."
        )
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        raise ValueError(
            f"labels must be integer indices 0..{n_classes - 1} into the {n_classes} columns of "
            f"pred_proba; got {np.unique(labels[outside]).tolist()}."
        )
    return labels.astype(np.intp, copy=False)


def _computed(labels):
    """A 1-D Dask array as NumPy, filled a batch of chunks at a time (no second copy)."""
    dask, _ = import_dask()
    if np.isnan(labels.shape).any():
        raise ValueError(_UNKNOWN_CHUNKS.format(name="labels"))
    out = np.empty(labels.shape, dtype=labels.dtype)
    parts = labels.to_delayed().ravel()
    starts = np.cumsum((0,) + labels.chunks[0])
    batch = _dask_batch()
    for first in range(0, len(parts), batch):
        for index, part in enumerate(dask.compute(*parts[first : first + batch]), first):
            out[starts[index] : starts[index + 1]] = part
    return out


_UNKNOWN_CHUNKS = (
    "{name} is a Dask array with unknown chunk sizes; call {name}.compute_chunk_sizes() "
    "first (or df.to_dask_array(lengths=True) for a Dask DataFrame)."
)


def _dask_batch():
    """Dask blocks computed at once: one per core, so that a pass holds that many blocks."""
    return os.cpu_count() or 1


def blend_proba(pred_proba, in_sample_proba, in_sample_weight):
    """The probabilities whose margins rank the rows: a blend when ``in_sample_proba`` is given."""
    if in_sample_proba is None:
        return pred_proba
    return (1 - in_sample_weight) * pred_proba + in_sample_weight * in_sample_proba


class Block(NamedTuple):
    """One block of rows: its slice, labels, probabilities and ranking probabilities."""

    rows: slice
    labels: np.ndarray
    proba: np.ndarray
    ranking: np.ndarray


def _source(array, name):
    """``array`` as a block source: a 2-D NumPy (or memory-mapped) or Dask array, unchecked.

    Other array-likes (lists, DataFrames) are checked whole here, in memory, as before.
    Returns ``(array, checked)``.
    """
    if not (is_dask(array) or isinstance(array, np.ndarray)) or array.ndim != 2:
        return check_proba(array, name), True
    if np.isnan(array.shape).any():
        raise ValueError(_UNKNOWN_CHUNKS.format(name=name))
    if array.shape[1] < 2:
        raise ValueError(
            f"{name} must have one column per class and at least 2 columns; "
            f"got shape {array.shape}."
        )
    return array, False


def _read_block(func, rows, labels, blocks, checks, in_sample_weight, args):
    """Check the NumPy ``blocks`` when asked, blend them, and run ``func`` on the block.

    Unchecked blocks get the dtype ``check_proba`` gives (float32 stays, others float64).
    """
    blocks = [
        check_proba(block, name, rows.start)
        if name
        else np.asarray(block, dtype=np.float32 if block.dtype == np.float32 else np.float64)
        for block, name in zip(blocks, checks, strict=True)
    ]
    proba = blocks[0]
    ranking = blend_proba(proba, blocks[1] if len(blocks) > 1 else None, in_sample_weight)
    return func(Block(rows, labels, proba, ranking), *args)


class RowBlocks:
    """Validated labels (in memory) and the probabilities, read a block of rows at a time.

    NumPy arrays, memory maps included, are read ``BLOCK_ROWS`` rows at a time; Dask arrays
    by the row chunks of ``pred_proba`` (or of ``in_sample_proba`` when only it is a Dask
    array), with Dask imported only then. Other array-likes are checked in memory first. The
    probabilities are checked block by block during the first pass.

    Parameters
    ----------
    labels : array-like or dask array of shape (n_samples,)
        Given labels, integer indices into the columns; a Dask array is computed.
    pred_proba : array-like, memmap or dask array of shape (n_samples, K)
        Predicted probabilities.
    in_sample_proba : array-like, memmap or dask array of shape (n_samples, K), default=None
        In-sample probabilities; each block's ``ranking`` is then the blend.
    in_sample_weight : float in [0, 1], default=0.5
        Weight of ``in_sample_proba`` in the blend.

    Attributes
    ----------
    labels : ndarray of shape (n_samples,), dtype=intp
    counts : ndarray of shape (K,)
        Rows per given label.
    n_samples, n_classes : int
    confident : tuple or None
        The result of :func:`count_confident`, kept by it on first use (the confident joint
        is then read once, whatever reads it).
    quality : dict
        Every row's score per ranking method, kept by :func:`row_quality` on first use.
    """

    def __init__(self, labels, pred_proba, in_sample_proba=None, in_sample_weight=0.5):
        if not isinstance(in_sample_weight, Real) or not 0 <= in_sample_weight <= 1:
            raise ValueError(
                f"in_sample_weight must be a number in [0, 1]; got {in_sample_weight!r}."
            )
        sources = [_source(pred_proba, "pred_proba")]
        if in_sample_proba is not None:
            sources.append(_source(in_sample_proba, "in_sample_proba"))
            if sources[1][0].shape != sources[0][0].shape:
                raise ValueError(
                    f"in_sample_proba must have the shape of pred_proba, "
                    f"{sources[0][0].shape}; got {sources[1][0].shape}."
                )
        arrays = [array for array, _ in sources]
        self.n_samples, self.n_classes = arrays[0].shape
        self.labels = check_labels(labels, self.n_samples, self.n_classes)
        self.counts = np.bincount(self.labels, minlength=self.n_classes)
        self._weight = in_sample_weight
        self.confident = None
        self.quality = {}
        self._checks = [
            None if checked else name
            for (_, checked), name in zip(
                sources, ("pred_proba", "in_sample_proba")[: len(sources)], strict=True
            )
        ]
        chunks = next((a.chunks[0] for a in arrays if is_dask(a)), None)
        if chunks is None:
            # at least one block, so that an empty input meets check_proba's error
            self._rows = list(gen_batches(self.n_samples, BLOCK_ROWS)) or [slice(0, 0)]
            self._arrays, self._dask = arrays, None
            return
        self._dask, _ = import_dask()
        stops = np.cumsum(chunks)
        self._rows = [
            slice(int(stop - size), int(stop)) for stop, size in zip(stops, chunks, strict=True)
        ]
        self._parts = [
            a.rechunk({0: chunks, 1: -1}).to_delayed().ravel()
            if is_dask(a)
            else [a[rows] for rows in self._rows]
            for a in arrays
        ]

    def map(self, func, *args, sliced=()):
        """Run ``func(block, *args, *sliced_rows)`` on every block; yield ``(rows, result)``.

        ``sliced`` holds arrays of length ``n_samples`` whose rows of the block are passed
        too. Dask blocks are computed a batch of :func:`_dask_batch` blocks at a time, on the
        current scheduler (the workers, with a ``distributed`` client), so that only a batch
        of blocks is held at once. The first complete pass checks the probabilities.
        """
        if self._dask is None:
            for rows in self._rows:
                blocks = [a[rows] for a in self._arrays]
                extra = (*args, *(a[rows] for a in sliced))
                yield (
                    rows,
                    _read_block(
                        func, rows, self.labels[rows], blocks, self._checks, self._weight, extra
                    ),
                )
        else:
            delayed = self._dask.delayed(_read_block, pure=False)
            batch = _dask_batch()
            for first in range(0, len(self._rows), batch):
                rows = self._rows[first : first + batch]
                results = self._dask.compute(
                    *(
                        delayed(
                            func,
                            block_rows,
                            self.labels[block_rows],  # views, not copies, in the graph
                            [parts[index] for parts in self._parts],
                            self._checks,
                            self._weight,
                            (*args, *(a[block_rows] for a in sliced)),
                        )
                        for index, block_rows in enumerate(rows, first)
                    )
                )
                yield from zip(rows, results, strict=True)
        self._checks = [None] * len(self._checks)

    def concat(self, func, *args, sliced=(), sizes=None):
        """Concatenate, along their first axis, the arrays that ``func`` returns per block.

        ``func`` (called as in :meth:`map`) returns a tuple of arrays; the result is the tuple
        of their concatenations over the blocks, of lengths ``sizes`` (default: ``n_samples``
        each). Each output is allocated at the first block and filled as the blocks come, so
        the parts are never all held beside it.
        """
        outs, starts = None, None
        for _, parts in self.map(func, *args, sliced=sliced):
            if outs is None:
                sizes = sizes or [self.n_samples] * len(parts)
                outs = [
                    np.empty((size, *p.shape[1:]), p.dtype)
                    for size, p in zip(sizes, parts, strict=True)
                ]
                starts = [0] * len(parts)
            for index, part in enumerate(parts):
                outs[index][starts[index] : starts[index] + len(part)] = part
                starts[index] += len(part)
        return tuple(outs)


def check_pred_proba(pred_proba, pred_probs):
    """The probabilities passed under either name (ours, ``pred_proba``, or cleanlab's)."""
    if pred_proba is None and pred_probs is None:
        raise TypeError("Pass the predicted probabilities as pred_proba (or pred_probs).")
    if pred_proba is not None and pred_probs is not None:
        raise TypeError(
            "pred_proba and pred_probs are two names for the same argument; pass only one."
        )
    return pred_probs if pred_proba is None else pred_proba


def check_min_per_class(min_per_class):
    if not isinstance(min_per_class, Integral) or min_per_class < 1:
        raise ValueError(f"min_per_class must be an integer >= 1; got {min_per_class!r}.")


def check_frac_noise(frac_noise):
    if not isinstance(frac_noise, Real) or not 0 < frac_noise <= 1:
        raise ValueError(f"frac_noise must be a number in (0, 1]; got {frac_noise!r}.")


def check_num_to_remove(num_to_remove_per_class, counts):
    """``num_to_remove_per_class`` as integers, one per class, each at most the class size.

    A single number applies to every class, as cleanlab's broadcasting makes it.
    """
    n_classes = counts.size
    values = np.asarray(num_to_remove_per_class)
    if values.ndim == 0:
        values = np.full(n_classes, values)
    if (
        values.shape != (n_classes,)
        or values.dtype.kind not in "iuf"
        or not np.array_equal(values, np.round(values))
        or values.min() < 0
    ):
        raise ValueError(
            f"num_to_remove_per_class must hold {n_classes} non-negative integers, one per "
            f"column of pred_proba; got {num_to_remove_per_class!r}."
        )
    values = values.astype(np.intp)
    too_many = np.flatnonzero(values > counts)
    if too_many.size:
        k = too_many[0]
        raise ValueError(
            f"num_to_remove_per_class asks for {values[k]} rows of class index {k}, which "
            f"has {counts[k]} rows."
        )
    return values


def name_classes(indices, class_names):
    """Words for the classes at ``indices``: their names, or their indices when there are none."""
    if class_names is None:
        return f"class index(es) {indices.tolist()}"
    return f"class(es) {np.asarray(class_names)[indices].tolist()}"
