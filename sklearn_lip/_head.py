"""The one place that turns (weights, training features, labels) into a refined head.

Both estimators (``LIPMetaClassifier`` and ``LIPClassifier``) call :func:`fit_head`: it resolves
``k`` (an int, a fraction of the squared spectrum, or a validated choice) and the LAP mode, runs
:mod:`sklearn_lip._lip`, and records what was chosen.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.utils import gen_batches

from ._lip import LAP_MODES, LAPStatistics, paper_lower_from
from ._row_sums import float_dtype, is_dask, project_rows

__all__ = [
    "DEFAULT_LAP",
    "Fold",
    "HeadFit",
    "LIPSkippedWarning",
    "candidate_ks",
    "candidate_list",
    "checked_k",
    "fit_head",
    "label_targets",
    "paired_z",
    "unchanged_head",
]

#: LAP mode that ``lap="auto"`` picks for each loss family and for network heads: the re-fit
#: that is well posed for the loss (the user guide gives the measurements behind each choice).
DEFAULT_LAP = {"log": "paper", "squared": "paper", "margin": "scaled", "network": "log"}

#: Target values (negative, positive) each loss family was fitted to: logistic models fit 0/1
#: probabilities, ridge and margin models fit -1/+1. The "log" LAP mode always uses 0/1 rows.
TARGET_SCALE = {"log": (0.0, 1.0), "squared": (-1.0, 1.0), "margin": (-1.0, 1.0)}


class LIPSkippedWarning(UserWarning):
    """Warning raised when LIP cannot apply and the base weights are used unchanged.

    This happens for weight matrices of rank < 2, e.g. every binary linear model, whose
    ``coef_`` has a single row and so no lower singular components to purify.
    """


def label_targets(y_indices, n_classes, family, lap):
    """One-hot targets on the scale the LAP re-fit needs.

    Parameters
    ----------
    y_indices : ndarray of shape (n_samples,)
        Encoded labels in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.
    family : {"log", "squared", "margin"}
        Loss family of the base model.
    lap : {"paper", "scaled", "log"}
        LAP mode; ``"log"`` needs 0/1 rows whatever the family.

    Returns
    -------
    Y : ndarray of shape (n_samples, n_classes)
        ``pos`` at the label, ``neg`` elsewhere.
    """
    neg, pos = TARGET_SCALE["log" if lap == "log" else family]
    Y = np.full((len(y_indices), n_classes), neg)
    Y[np.arange(len(y_indices)), y_indices] = pos
    return Y


def candidate_ks(rank, max_candidates=32):
    """Candidate numbers of kept components for validation, ``1 <= k < rank``.

    Every k for small ranks; otherwise about ``max_candidates`` values spread both linearly and
    geometrically, so that both small and large k are tried. 32 rather than 16: on 100-class
    tasks the useful k lie in a narrow band just above the signal's rank (the user guide's k-rule
    measurements), which a coarse grid steps over; scoring a candidate costs one
    product of the held-out projection, far less than the fold fits.
    """
    if rank < 2:
        return []
    if rank - 1 <= max_candidates:
        return list(range(1, rank))
    half = max_candidates // 2
    grid = np.concatenate(
        [np.geomspace(1, rank - 1, half), np.linspace(1, rank - 1, max_candidates - half)]
    )
    return sorted({int(round(v)) for v in grid})


def candidate_list(k):
    """A list ``k`` of candidates as a list, or a ``ValueError`` if empty or not integers."""
    values = list(k)
    if not values:
        raise ValueError(
            'k is an empty list: give candidate integers 1 <= k < rank(W), "auto", an int, '
            "a fraction or None."
        )
    for value in values:
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ValueError(f"k candidates must be integers; got {value!r} in k={values!r}.")
    return values


def checked_k(k, n_columns, owner):
    """``k`` as :func:`fit_head` takes it, checked before training against what W can reach.

    ``rank(W)`` never exceeds ``n_columns`` (one per class; ``None`` skips the check, e.g. for
    a binary linear model, whose single column LIP skips with :class:`LIPSkippedWarning`),
    so a fixed ``k``, or a list of candidates, none of which is below ``n_columns`` cannot
    satisfy ``1 <= k < rank(W)`` whatever the fit gives: a ``ValueError`` naming ``owner``,
    raised before the training. A list-like becomes a list; ``None``, ``"auto"`` and
    fractions pass as they are.
    """
    if k is None or isinstance(k, str) or (isinstance(k, Real) and not isinstance(k, Integral)):
        return k
    values = [k] if isinstance(k, Integral) else candidate_list(k)
    if n_columns is not None and min(values) >= n_columns:
        raise ValueError(
            f"{owner}: k={k!r} can never be used: W has {n_columns} columns (one per class), "
            f"so rank(W) <= {n_columns}, and LIP keeps 1 <= k < rank(W) components. Use a k "
            f'below {n_columns} or k="auto".'
        )
    return k if isinstance(k, Integral) else values


def _candidates_in_range(values, rank):
    """The candidates valid for a head of this rank, sorted and unique.

    Raises a ``ValueError`` when none satisfies ``1 <= k < rank``; warns (``UserWarning``)
    naming the ones it drops when only some are out of range.
    """
    kept = sorted({int(v) for v in values if 1 <= v < rank})
    dropped = sorted({int(v) for v in values} - set(kept))
    if not kept:
        raise ValueError(f"No candidate of k={values!r} satisfies 1 <= k < rank(W) = {rank}.")
    if dropped:
        warnings.warn(
            f"k candidates {dropped} are outside 1 <= k < rank(W) = {rank} and were dropped; "
            f"validating {kept}.",
            UserWarning,
            stacklevel=3,
        )
    return kept


def _k_from_fraction(fraction, singular_values, rank):
    """Smallest k whose singular values keep ``fraction`` of the squared spectrum."""
    energy = np.cumsum(singular_values[:rank] ** 2)
    k = int(np.searchsorted(energy / energy[-1], fraction) + 1)
    return None if k >= rank else k


@dataclass
class Fold:
    """One validation split: weights fitted on the training part, scored on the held-out part.

    ``X_*`` are the features the weights act on (for a network: the body's output);
    ``Y_*`` are target rows as for :class:`~sklearn_lip._lip.LAPStatistics`. A held-out row
    counts as correctly predicted when its predicted class has a positive entry in ``Y_val``
    (its label, or any class of its candidate set). ``W = X_train = Y_train = None`` validates
    the head's own weights and training rows (those given to :func:`fit_head`), whose statistics
    are then computed once for both (one pass over a large ``X`` instead of two).
    """

    W: np.ndarray
    X_train: object
    Y_train: np.ndarray
    X_val: object
    Y_val: np.ndarray
    sample_weight: np.ndarray = None


@dataclass
class HeadFit:
    """What :func:`fit_head` chose and produced."""

    coef: np.ndarray
    k: object
    lap: str
    singular_values: np.ndarray
    refined_singular_values: np.ndarray
    validation_scores: dict = field(default=None)
    validation_z: float = None
    validation_threshold: float = None
    validation_folds: int = None


def _fold_correctness(fold, candidates, lap, fit_intercept, head_stats):
    """Per-row correctness on a fold's held-out rows: base weights, then each candidate k."""
    if fold.X_train is None:
        stats = head_stats
    else:
        stats = LAPStatistics(
            fold.W,
            fold.X_train,
            fold.Y_train,
            sample_weight=fold.sample_weight,
            fit_intercept=fit_intercept,
            keep_projections=lap == "log",
        )
    Z_val = project_rows(fold.X_val, slice(None), stats.U, fit_intercept)
    Y_val = np.asarray(fold.Y_val)
    usable = [k for k in candidates if k < stats.rank]
    predicted = candidate_predictions(Z_val, stats, usable, lap)
    rows = np.arange(Y_val.shape[0])
    correct = {k: Y_val[rows, columns] > 0 for k, columns in predicted.items()}
    base = correct.pop(None)
    return base, correct


def _score_chunk_rows(n_classes):
    """Rows per chunk of candidate scoring: about 1 MiB of float64 scores, which stays in cache."""
    return max(1, 2**17 // n_classes)


def candidate_predictions(Z, stats, candidates, lap, chunk_rows=None):
    """Predicted column of every row of ``Z = X U``, unchanged (key ``None``) and per candidate k.

    In the paper and scaled modes, candidate ``k``'s weights differ from the unchanged ones
    only in the components from ``k`` on, which take the same least-squares values for every
    ``k`` (divided by one scale in the scaled mode, see
    :meth:`~sklearn_lip._lip.LAPStatistics.lower_scale`). Its scores are the kept part
    ``sum_{j < k} s_j z_j v_j^T`` plus the re-fitted tail ``sum_{j >= k} lower_j z_j v_j^T``
    over its scale, both updated component by component from the last one up: all
    candidates together cost about two score products instead of one each. Only the rows
    that some candidate may move to another class are scored so (see
    :meth:`_TailShifts.rows_to_score`); the others keep their unchanged prediction for every
    k, exactly. The log mode re-fits per k, so it scores every row per k. Rows go in chunks
    of ``chunk_rows`` (by default :func:`_score_chunk_rows`).
    """
    s, Vt = stats.singular_values, stats.Vt
    n_rows = Z.shape[0]
    chunk_rows = chunk_rows or _score_chunk_rows(Vt.shape[1])
    refits = {k: stats.refit(k, lap) for k in candidates} if lap == "log" else None
    if refits is None:
        lower = stats.lower_values()
        scales = {k: stats.lower_scale(k, lap) for k in sorted(candidates, reverse=True)}
        shifts = _TailShifts(s, lower, scales)
    predicted = {k: np.empty(n_rows, dtype=np.intp) for k in [None, *candidates]}
    for rows in gen_batches(n_rows, chunk_rows):
        block = Z[rows]
        kept = (block * s) @ Vt
        base = kept.argmax(axis=1)
        predicted[None][rows] = base
        if refits is not None:
            for k, values in refits.items():
                predicted[k][rows] = ((block * values) @ Vt).argmax(axis=1)
            continue
        for k in candidates:
            predicted[k][rows] = base
        scored = shifts.rows_to_score(block, kept)
        if not scored.any():
            continue
        positions = np.arange(rows.start, rows.stop)[scored]
        block, kept = block[scored], kept[scored]
        tail = np.zeros_like(kept)
        upper = len(s)
        for k, scale in scales.items():  # from the largest k down
            components = slice(k, upper)
            kept -= (block[:, components] * s[components]) @ Vt[components]
            tail += (block[:, components] * lower[components]) @ Vt[components]
            upper = k
            if scale is not None:  # None: the scaled mode leaves W unchanged for this k
                predicted[k][positions] = (kept + tail / scale).argmax(axis=1)
    return predicted


class _TailShifts:
    """What the candidates add to the unchanged scores, for :meth:`rows_to_score`.

    Candidate k adds ``delta = (z[k:] * d) @ Vt[k:]`` to a row's unchanged scores, with
    ``d = lower[k:] / scale - s[k:]``. Per distinct scale only its smallest k matters: its
    tail holds every other one's. Computed once per :func:`candidate_predictions` call.
    """

    def __init__(self, s, lower, scales):
        smallest_k = {}
        for k, scale in scales.items():
            if scale is not None:  # None: the scaled mode leaves W unchanged for this k
                smallest_k[scale] = min(k, smallest_k.get(scale, k))
        self.n_terms = len(s) + len(scales) + 2
        #: ``d ** 2`` per component (rows) for each distinct scale's smallest k (columns).
        self.squared = None
        if smallest_k:
            divisors = np.array(list(smallest_k))
            above_k = np.arange(len(s))[:, None] >= np.array(list(smallest_k.values()))
            self.squared = np.where(above_k, (lower[:, None] / divisors - s[:, None]) ** 2, 0.0)
            # Every partial score of the accumulation is at most ||z|| times this.
            self.magnitude = np.linalg.norm(s + np.abs(lower) / divisors.min())

    def rows_to_score(self, Z, scores):
        """Which rows some candidate may move to another class (a boolean mask over ``Z``'s rows).

        The rows of ``Vt`` are orthonormal, so ``||delta|| = ||z[k:] * d||``, and no two
        classes' scores move apart by more than ``sqrt(2) ||delta||``: a row whose margin (its
        top score minus the runner-up) exceeds that for every candidate keeps its class. A
        tolerance of a few rounding errors of the scores keeps rows near that bound (and ties)
        in the mask, so that the accumulated scores decide them as they do without the mask.
        """
        if self.squared is None:
            return np.zeros(Z.shape[0], dtype=bool)
        largest_two = np.partition(scores, -2, axis=1)[:, -2:]
        margin = largest_two[:, 1] - largest_two[:, 0]
        squares = Z * Z
        bound = np.sqrt((squares @ self.squared).max(axis=1))
        size = np.sqrt(squares.sum(axis=1)) * self.magnitude
        rounding = 4 * self.n_terms * np.finfo(Z.dtype).eps * size
        return np.sqrt(2) * (1 + 1e-6) * bound + rounding >= margin


def _moves_too_few_rows(X, stats, candidates, lap, fit_intercept, needed, chunk_rows=None):
    """Whether each candidate k moves fewer than ``needed`` rows of ``X`` to another class.

    Scored in blocks of ``chunk_rows`` rows (by default, as in :func:`candidate_predictions`);
    the pass ends at the first block after which some candidate has moved ``needed`` rows.
    """
    moved = dict.fromkeys(candidates, 0)
    for rows in gen_batches(X.shape[0], chunk_rows or _score_chunk_rows(stats.Vt.shape[1])):
        predicted = candidate_predictions(
            project_rows(X, rows, stats.U, fit_intercept), stats, candidates, lap
        )
        base = predicted.pop(None)
        for k, columns in predicted.items():
            moved[k] += int(np.sum(columns != base))
        if max(moved.values()) >= needed:
            return False
    return True


def _select_k(
    folds,
    candidates,
    lap,
    fit_intercept,
    significance,
    head_stats,
    early_stop="exact",
    training_X=None,
):
    """Pick k on held-out rows: see :func:`_choose_k` for the rule.

    ``head_stats`` are the statistics of the head being refined, used by folds that validate it
    directly (see :class:`Fold`). Folds are consumed one at a time (``folds`` may fit them
    lazily) and the rest are skipped when the evidence so far settles the answer as ``None``.
    Under ``early_stop="futility"`` with ``training_X`` (the head's training features, paper
    and scaled modes), no fold is drawn at all when no candidate changes the head's predicted
    class on enough training rows to pass. A candidate that changes ``b`` held-out rows, all
    of them to its gain, has a pooled z of ``sqrt(b)``, so it needs ``max(1, threshold) ** 2``
    changed rows; how many rows a change of the weights moves depends on the weights and the
    features, not on the labels, and the training rows stand for the held-out ones. Otherwise:

    - ``early_stop="exact"``: once every candidate has failed on some fold, by a significant
      loss or by being invalid for its rank. :func:`_choose_k` makes neither eligible whatever
      the later folds hold, so the choice is exactly that of all folds.
    - ``early_stop="futility"``: also after the first fold when no candidate gains on it (fold
      z <= 0 for all). A non-binding futility stop: it can only turn a change of W into
      "unchanged", never pick another k, so it cannot raise the rate of harmful changes, but it
      may miss a gain whose first fold shows none.

    The scores and z then cover the folds evaluated (``{}`` and 0.0 when none was). Returns
    ``(k or None, scores, z, threshold, n_folds_evaluated)``.
    """
    threshold = float(norm.isf(significance / len(candidates)))
    if (
        early_stop == "futility"
        and training_X is not None
        and _moves_too_few_rows(
            training_X, head_stats, candidates, lap, fit_intercept, max(1.0, threshold) ** 2
        )
    ):
        return None, {}, 0.0, threshold, 0
    fold_threshold = norm.isf(significance)
    base_parts, candidate_parts = [], {}
    alive = set(candidates)
    for fold in folds:
        base, by_k = _fold_correctness(fold, candidates, lap, fit_intercept, head_stats)
        base_parts.append(base)
        for k, rows in by_k.items():
            candidate_parts.setdefault(k, []).append(rows)
        fold_z = {k: paired_z(by_k[k], base) for k in alive if k in by_k}
        alive = {k for k, z in fold_z.items() if z > -fold_threshold}
        if not alive:
            break  # the answer is None whatever the remaining folds show
        if early_stop == "futility" and len(base_parts) == 1 and max(fold_z.values()) <= 0:
            break  # no candidate gains on the first fold: stop for futility
    return (*_choose_k(base_parts, candidate_parts, significance), len(base_parts))


def paired_z(rows, base):
    """McNemar's z of ``rows`` against ``base`` (boolean correctness): ``(b - c) / sqrt(b + c)``."""
    wins = int(np.sum(rows & ~base))
    losses = int(np.sum(~rows & base))
    return (wins - losses) / np.sqrt(wins + losses) if wins + losses else 0.0


def _choose_k(base_parts, candidate_parts, significance):
    """The validated k: a paired (McNemar) test against the unchanged weights, fold by fold.

    Parameters
    ----------
    base_parts : list of ndarray of bool
        Per fold, which held-out rows the unchanged weights get right.
    candidate_parts : dict
        ``k -> list`` of the same per-fold arrays for the weights refined with that k; a k
        missing from some fold (not valid for its rank) is not a candidate.
    significance : float
        Level of the one-sided test, Bonferroni-corrected for the number of candidates.

    Returns
    -------
    k : int or None
        ``None`` keeps W unchanged. A candidate is eligible when (1) pooled over the folds,
        its z statistic ``(b - c) / sqrt(b + c)`` (``b`` rows it gets right that the unchanged
        weights get wrong, ``c`` the reverse) passes the test, and (2) on no single fold is
        its loss significant (fold z below ``-norm.isf(significance)``, uncorrected): each
        fold's model stands for the final one, so a k that clearly hurts one of them is not
        trusted on the strength of the others. The eligible candidate with the largest pooled
        net gain (then z) wins.
    scores : dict
        Held-out accuracy of ``"unchanged"`` and of each candidate.
    z : float
        Pooled z statistic of the chosen candidate; when none is chosen, of the candidate with
        the largest net gain (0.0 when none gains).
    threshold : float
        The pooled z a candidate needs, ``norm.isf(significance / n_candidates)``.
    """
    base = np.concatenate(base_parts) if base_parts else np.zeros(0, dtype=bool)
    scores = {"unchanged": float(base.mean()) if base.size else float("nan")}
    valid = {k: parts for k, parts in candidate_parts.items() if len(parts) == len(base_parts)}
    threshold = norm.isf(significance / max(len(valid), 1))
    fold_threshold = norm.isf(significance)
    best_net, best_z = 0, 0.0
    chosen, chosen_net, chosen_z = None, 0, 0.0
    for k, parts in valid.items():
        rows = np.concatenate(parts)
        scores[k] = float(rows.mean())
        net = int(np.sum(rows & ~base)) - int(np.sum(~rows & base))
        z = paired_z(rows, base)
        if net > best_net or (net == best_net and net > 0 and z > best_z):
            best_net, best_z = net, z
        no_fold_loses = all(
            paired_z(part, fold_base) > -fold_threshold
            for part, fold_base in zip(parts, base_parts, strict=True)
        )
        if (
            z >= threshold
            and no_fold_loses
            and (net > chosen_net or (net == chosen_net and z > chosen_z))
        ):
            chosen, chosen_net, chosen_z = k, net, z
    return chosen, scores, chosen_z if chosen is not None else best_z, float(threshold)


def unchanged_head(W, lap, singular_values=None):
    """``W`` as it is, with its singular values: the head of ``k=None``, or of LIP declined.

    ``W`` keeps its precision (float32 stays float32). Without ``singular_values`` they are
    computed from ``W`` (in float64), with no pass over any rows.
    """
    W = np.asarray(W)
    if singular_values is None:
        if np.isfinite(W).all():
            singular_values = np.linalg.svd(W.astype(np.float64), compute_uv=False)
        else:  # a diverged model: kept as it is, as asked; it has no spectrum to report
            singular_values = np.full(min(W.shape), np.nan)
    return HeadFit(
        W.astype(float_dtype(W), copy=False), None, lap, singular_values, singular_values
    )


def fit_head(
    W,
    X,
    Y,
    *,
    k,
    lap,
    folds=None,
    sample_weight=None,
    fit_intercept=True,
    significance=0.05,
    early_stop="exact",
):
    """Refine a linear head with LIP, choosing ``k`` as asked.

    Parameters
    ----------
    W : ndarray of shape (n_features + fit_intercept, n_classes)
        Head weights, features x classes, bias as last row when ``fit_intercept``.
    X : {ndarray, sparse matrix, dask array} of shape (n_samples, n_features)
        Features the head acts on.
    Y : ndarray of shape (n_samples, n_classes)
        Training targets on the base model's scale (see :func:`label_targets`).
    k : int, float in (0, 1), "auto", list of int or None
        Kept components: an int; a fraction of the squared spectrum; ``"auto"`` to validate
        :func:`candidate_ks`; a list of candidates to validate; ``None`` for no LIP
        (:func:`unchanged_head`: ``X`` and ``Y`` are not read). A list
        must hold integers; its entries outside ``1 <= k < rank(W)`` are dropped with a
        ``UserWarning`` naming them, and an empty list, or one with no entry in range, raises a
        ``ValueError``.
    lap : {"paper", "scaled", "log"}
        LAP mode, already resolved from ``"auto"`` by the caller.
    folds : iterable of Fold, default=None
        Validation splits, consumed only when ``k`` is validated, one at a time: the rest are
        not drawn once no candidate can pass any more (see ``_select_k``), so a lazy iterable
        skips their fits.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights of the re-fit.
    fit_intercept : bool, default=True
        Whether the last row of ``W`` is a bias.
    significance : float, default=0.05
        Level of the test a validated k must pass to replace the unchanged weights
        (see ``_select_k``).
    early_stop : {"exact", "futility"}, default="exact"
        When the folds not yet drawn are skipped (see ``_select_k``): ``"exact"`` gives the
        choice of all folds; ``"futility"`` also stops after a first fold on which no candidate
        gains, and draws none when no candidate changes the predicted class of enough rows of
        ``X`` to pass the test (paper and scaled modes, ``X`` in memory).

    Returns
    -------
    HeadFit
        ``k`` is ``None`` when the weights were left unchanged.
    """
    if lap not in LAP_MODES:
        raise ValueError(f"lap must be one of {LAP_MODES}; got {lap!r}.")
    if k is None:
        return unchanged_head(W, lap)
    if not isinstance(k, (str, Real)):
        k = candidate_list(k)
    stats = LAPStatistics(
        W,
        X,
        Y,
        sample_weight=sample_weight,
        fit_intercept=fit_intercept,
        keep_projections=lap == "log",
        lower_from=paper_lower_from(k, lap),
    )
    singular_values = stats.singular_values
    unchanged = unchanged_head(W, lap, singular_values)
    if stats.rank < 2:
        warnings.warn(
            f"The weight matrix has rank {stats.rank} (binary or degenerate model): LIP needs "
            "rank >= 2, so the base weights are used unchanged.",
            LIPSkippedWarning,
            stacklevel=3,
        )
        return unchanged
    scores = z = threshold = n_folds = None
    if isinstance(k, str) or (not isinstance(k, Real) and not isinstance(k, Integral)):
        if isinstance(k, str):
            candidates = candidate_ks(stats.rank)
        else:
            candidates = _candidates_in_range(k, stats.rank)
        screened = lap != "log" and not any(map(is_dask, (X, Y, sample_weight)))
        k, scores, z, threshold, n_folds = _select_k(
            folds or (),
            candidates,
            lap,
            fit_intercept,
            significance,
            stats,
            early_stop,
            training_X=X if screened else None,
        )
    elif isinstance(k, Real) and not isinstance(k, Integral):
        k = _k_from_fraction(k, singular_values, stats.rank)
    if k is None:
        unchanged.validation_scores, unchanged.validation_z = scores, z
        unchanged.validation_threshold = threshold
        unchanged.validation_folds = n_folds
        return unchanged
    refined = stats.refit(int(k), lap)
    weights = stats.weights(refined)
    return HeadFit(weights, int(k), lap, singular_values, refined, scores, z, threshold, n_folds)
