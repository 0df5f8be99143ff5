"""Out-of-fold (and in-sample) predicted probabilities of a classifier, fold by fold."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import softmax
from sklearn.base import clone
from sklearn.utils import indexable
from sklearn.utils.parallel import Parallel, delayed

from .._compat import _safe_indexing

__all__ = [
    "check_test_folds",
    "fit_rows",
    "fold_budget",
    "held_out_cleaned_proba",
    "out_of_fold_proba",
]


def _class_proba(estimator, X, classes):
    """Probabilities of a fitted classifier, as columns in the global order of ``classes``.

    ``decision_function`` scores become a softmax (binary: a sigmoid). Such probabilities are
    not calibrated, but flagging only uses their ordering and margins, and the per-class
    thresholds adapt to their scale. Classes the estimator never saw get probability zero.
    """
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X)
    else:
        scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
        if scores.ndim == 1:  # softmax of (0, s) is (1 - sigmoid(s), sigmoid(s))
            scores = np.column_stack([np.zeros_like(scores), scores])
        proba = softmax(scores, axis=1)
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, estimator.classes_)] = proba
    return out


def _rows_of_params(params, indices, n_samples):
    """Restrict fit metadata to ``indices``: per-row arrays are indexed, the rest passed as is."""

    def per_row(value):
        shape = value.shape if hasattr(value, "shape") else np.asarray(value).shape
        return len(shape) > 0 and shape[0] == n_samples

    return {
        key: _safe_indexing(indexable(value)[0], indices) if per_row(value) else value
        for key, value in params.items()
    }


def fit_rows(estimator, X, y, rows, params):
    """Fit a clone of ``estimator`` on ``rows`` of ``X``, ``y`` and the per-row ``params``."""
    return clone(estimator).fit(
        _safe_indexing(X, rows), y[rows], **_rows_of_params(params, rows, len(y))
    )


def fold_budget(fitted):
    """Parameters under which clones train as long as ``fitted`` did, without stopping early.

    Fold models then reuse the number of epochs or iterations that the full fit's own early
    stopping chose, rather than each holding out rows of its fold to choose it again (several
    fits' cost around a network with cross-validated curves; a failed fit where a fold's
    hold-out is too small). Two kinds of estimator have such a budget:

    - :class:`~sklearn_lip.LIPClassifier` with a ``best_epoch_``: ``max_epochs`` that many
      epochs, ``early_stopping=False``, and ``k=None`` (no LIP, whose validation would train
      another network);
    - scikit-learn's histogram gradient boosting when it stopped early (``do_early_stopping_``):
      ``max_iter=n_iter_``, ``early_stopping=False``.

    Returns ``{}`` for any other estimator (its clones are fitted as they are).
    """
    params = fitted.get_params(deep=False)
    if "max_epochs" in params and getattr(fitted, "best_epoch_", None) is not None:
        return {"early_stopping": False, "max_epochs": int(fitted.best_epoch_), "k": None}
    if "max_iter" in params and getattr(fitted, "do_early_stopping_", False):
        return {"early_stopping": False, "max_iter": int(fitted.n_iter_)}
    return {}


def _fold_proba(estimator, X, y, train, test, params, classes, in_sample):
    """Probabilities of one fold model on its test rows, and on its training rows if asked."""
    fitted = fit_rows(estimator, X, y, train, params)
    test_proba = _class_proba(fitted, _safe_indexing(X, test), classes)
    train_proba = _class_proba(fitted, _safe_indexing(X, train), classes) if in_sample else None
    return test_proba, train_proba


def _fit_predict_all(estimator, X, y, rows, params, classes):
    """Probabilities on every row of a clone of ``estimator`` fitted on ``rows``."""
    return _class_proba(fit_rows(estimator, X, y, rows, params), X, classes)


def _flag_blocks(splits, y_encoded, random_state):
    """Each row's block: its test fold, or with two folds one of its fold's stratified halves.

    A fold's flags must come from models that trained on neither its test rows nor the row
    itself, so at least two blocks must lie outside every test fold.
    """
    blocks = np.empty(len(y_encoded), dtype=np.intp)
    if len(splits) > 2:
        for fold, (_, test) in enumerate(splits):
            blocks[test] = fold
        return blocks
    rng = np.random.RandomState(random_state)
    for fold, (_, test) in enumerate(splits):
        rows = rng.permutation(test)
        rows = rows[np.argsort(y_encoded[rows], kind="stable")]  # alternate within each class
        blocks[rows] = 2 * fold + np.arange(len(rows)) % 2
    return blocks


def held_out_cleaned_proba(
    estimator, X, y, y_encoded, classes, splits, params, n_jobs, flag, random_state
):
    """Out-of-fold probabilities of fold models fitted without their flagged training rows.

    The flags of each fold's training rows are computed afresh, by ``flag(labels, pred_proba,
    in_sample_proba)`` (one mask per candidate rule, e.g. per ``frac_noise``), from models
    fitted on that fold's training rows minus one block of them
    (:func:`_flag_blocks`), so that no label of the fold's test rows reaches its cleaned model.
    Flags taken from the usual out-of-fold probabilities would leak them: those came from
    models that trained on the test rows, and the rows they keep agree with those labels, so
    the cleaned fit would look better on them than it is (on small tables, by several
    points). With five folds the ten models that leave out two folds serve both of them.

    Returns one (n_samples, n_classes) array of probabilities per mask of ``flag``: the
    candidates share the flagging fits and differ only in their cleaned fits.
    """
    blocks = _flag_blocks(splits, y_encoded, random_state)
    n_samples, n_classes = len(y), len(classes)
    # (fold, block) -> training rows of the model that flags the fold's rows of that block
    flag_rows = {
        (fold, block): train[blocks[train] != block]
        for fold, (train, _) in enumerate(splits)
        for block in np.unique(blocks[train])
    }
    models = {}  # one fit per distinct row set: with K >= 3 folds, {a, b} serves a and b
    for key, rows in flag_rows.items():
        models.setdefault(rows.tobytes(), (rows, []))[1].append(key)
    out_of_block = [np.zeros((n_samples, n_classes)) for _ in splits]
    in_sample_sum = [np.zeros((n_samples, n_classes)) for _ in splits]
    n_models = [np.zeros(n_samples) for _ in splits]
    fitted = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_predict_all)(estimator, X, y, rows, params, classes)
        for rows, _ in models.values()
    )
    for proba, (rows, keys) in zip(fitted, models.values(), strict=True):
        for fold, block in keys:
            train = splits[fold][0]
            in_block = train[blocks[train] == block]
            out_of_block[fold][in_block] = proba[in_block]
            in_sample_sum[fold][rows] += proba[rows]
            n_models[fold][rows] += 1
    fold_flags = []  # per fold, one mask of its training rows per candidate
    for fold, (train, _) in enumerate(splits):
        in_sample = np.where(
            n_models[fold][:, None] > 0,
            in_sample_sum[fold] / np.maximum(n_models[fold], 1)[:, None],
            out_of_block[fold],
        )
        fold_flags.append(flag(y_encoded[train], out_of_block[fold][train], in_sample[train]))
    cleaned_proba = []
    for candidate in range(len(fold_flags[0])):
        cleaned_splits = [
            (train[~flags[candidate]], test)
            for (train, test), flags in zip(splits, fold_flags, strict=True)
        ]
        proba, _ = out_of_fold_proba(estimator, X, y, classes, cleaned_splits, params, n_jobs)
        cleaned_proba.append(proba)
    return cleaned_proba


def check_test_folds(splits, n_samples):
    """Raise a ``ValueError`` unless the test folds cover every row exactly once."""
    tested = np.zeros(n_samples, dtype=np.intp)
    for _, test in splits:
        tested[test] += 1
    if np.any(tested != 1):
        raise ValueError(
            "cv must give test folds that cover every row exactly once (like KFold); "
            f"{int(np.sum(tested != 1))} rows are in no test fold or in several."
        )


def out_of_fold_proba(estimator, X, y, classes, splits, params, n_jobs, in_sample=False):
    """Out-of-fold and (if ``in_sample``) in-sample predicted probabilities.

    Returns ``(pred_proba, in_sample_proba)``, each of shape (n_samples, n_classes). A row's
    in-sample probabilities are the mean over the fold models that trained on it; a row that
    no fold model trained on gets its out-of-fold probabilities. ``in_sample_proba`` is None
    when ``in_sample`` is False.
    """
    check_test_folds(splits, len(y))
    # A generator: each fold's (n_train, n_classes) in-sample block is added up and dropped as
    # it arrives, rather than all folds' blocks being held at once.
    fold_probas = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fold_proba)(estimator, X, y, train, test, params, classes, in_sample)
        for train, test in splits
    )
    proba = np.empty((len(y), len(classes)))
    in_sample_sum = np.zeros_like(proba) if in_sample else None
    trained = np.zeros(len(y))
    # The generator first in zip, so that zip runs it to its end (joblib then shuts down).
    for (test_proba, train_proba), (train, test) in zip(fold_probas, splits, strict=True):
        proba[test] = test_proba
        if in_sample:
            np.add.at(in_sample_sum, train, train_proba)
            np.add.at(trained, train, 1)
    if not in_sample:
        return proba, None
    in_sample_proba = np.where(
        trained[:, None] > 0, in_sample_sum / np.maximum(trained, 1)[:, None], proba
    )
    return proba, in_sample_proba
