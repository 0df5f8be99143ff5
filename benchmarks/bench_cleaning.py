"""Benchmark label cleaning: ``CleanLabelClassifier`` against cleanlab's ``CleanLearning``.

Run from the repository root::

    python -m benchmarks.bench_cleaning --jobs 2  # full: rates 0.2/0.3/0.4
    python -m benchmarks.bench_cleaning --quick   # digits and wine, rate 0.3, one seed (~1 min)
    python -m benchmarks.bench_cleaning --heldout # iris, breast cancer, gen20; linear models only

``--heldout`` runs the full grid of rates and seeds on three datasets that were not used while
the cleaner's defaults were chosen (``in_sample_weight=0.5`` was designed on digits, wine and
generated12), as a check that its gains carry over.

Every cell (dataset x noise kind x rate x base model) is run for several seeds. Each seed draws
its own 70/30 stratified split, standardizes the features on the training part, corrupts the
training labels with :mod:`sklearn_lip.noise`, and fits on the noisy labels:

- ``base``: the base model alone;
- ``cleanlab``: ``cleanlab.classification.CleanLearning`` with its defaults (5 folds), if
  cleanlab is installed;
- ``ours_cv5`` / ``ours_cv2``: :class:`sklearn_lip.cleaning.CleanLabelClassifier` with 5 and
  2 folds, defaults otherwise (rows ranked by out-of-fold and in-sample probabilities; the
  flagged rows dropped only where held-out rows say it helps, ``clean="auto"``);
- ``ours_cv5_always`` / ``ours_cv2_always``: the same with ``clean=True`` (flagged rows always
  dropped, the behaviour of 0.1 and 0.2), to measure what the decision keeps of the gain;
- ``ours_cv5_frac``: ``ours_cv5`` with ``frac_noise=[0.5, 1.0]``: the decision also chooses
  between dropping every flagged row and the most suspect half of them;
- ``ours_cv5_oof`` / ``ours_cv2_oof``: ``clean=True`` with ``in_sample_weight=0``, rows ranked
  by the out-of-fold probabilities alone (the original confident learning), to measure what
  the in-sample blend adds;
- ``ours_cv5_lip``: ``ours_cv5_always`` around the model with LIP at its defaults
  (``LIPMetaClassifier(model)`` for the linear models, ``k="auto"`` for the MLP).

The MLP is ``LIPClassifier(k=None)`` (LIP off: a plain network; needs the ``torch`` extra, and is
left out with a message without it). Networks cost far more per fit than linear models, so the
full grid runs them on fewer rates and seeds (``SETTINGS``).

Accuracy is measured on the clean test labels; gains are in accuracy points over ``base``; fit
times are ratios to the base fit; precision and recall compare the flagged training rows with
the truly flipped ones. The base models have no ``predict_proba`` in LinearSVC's case:
cleanlab then gets the softmax of its decision scores, the probabilities our estimator computes
internally, so that both clean from the same kind of scores. Every fit runs with one BLAS
thread (cleanlab with ``n_jobs=1``) so that the time ratios compare the same resources;
``--jobs N`` runs N seeds at a time in processes.
Results go to ``benchmarks/results/cleaning_{quick,full}.{md,csv}``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from sklearn_lip import CleanLabelClassifier, LIPMetaClassifier, MinPerClassWarning

# The estimator's own scores-to-probabilities conversion, so that cleanlab gets the same scores.
from sklearn_lip.cleaning._folds import _class_proba

from ._common import (
    NOISES,
    Report,
    describe_generated,
    markdown_table,
    noisy_labels,
    parallel_map,
    parse_args,
    single_threaded,
    split_dataset,
    timed,
)

try:
    import cleanlab
    from cleanlab.classification import CleanLearning
except ImportError:  # cleanlab is an optional benchmark dependency
    cleanlab = None
try:
    from sklearn_lip import LIPClassifier
except ImportError:  # the torch extra is not installed: no MLP rows
    LIPClassifier = None

__all__ = ["main"]

# A fixed random_state: LinearSVC would otherwise draw from the global RNG, which cleanlab
# reseeds, so accuracies would depend on the order in which the methods run.
MODELS = {
    "logreg": LogisticRegression(max_iter=1000, random_state=0),
    "linearsvc": LinearSVC(random_state=0),
}
if LIPClassifier is not None:
    # Trained long enough to fit (memorize) noisy labels, as cleaning is meant for: all 30
    # epochs, without the early stopping that LIPClassifier applies by default.
    MODELS["mlp"] = LIPClassifier(
        hidden_units=(64,),
        lr=3e-3,
        batch_size=32,
        max_epochs=30,
        early_stopping=False,
        k=None,
        random_state=0,
    )
#: Per mode: datasets, rates and seeds, and the datasets, rates and seeds of the MLP.
SETTINGS = {
    "quick": {
        "datasets": ["digits", "wine"],
        "rates": [0.3],
        "seeds": [0],
        "mlp": {"datasets": ["wine"], "rates": [0.3], "seeds": [0]},
    },
    "full": {
        "datasets": ["digits", "wine", "generated12"],
        "rates": [0.2, 0.3, 0.4],
        "seeds": [0, 1, 2, 3, 4],
        "mlp": {"datasets": ["digits", "wine", "generated12"], "rates": [0.3], "seeds": [0, 1, 2]},
    },
    "heldout": {
        "datasets": ["iris", "breast_cancer", "gen20"],
        "rates": [0.2, 0.3, 0.4],
        "seeds": [0, 1, 2, 3, 4],
        "mlp": {"datasets": [], "rates": [], "seeds": []},
    },
}
#: Our methods: the CleanLabelClassifier parameters of each.
OURS = {
    "ours_cv5": {"cv": 5},
    "ours_cv5_always": {"cv": 5, "clean": True},
    "ours_cv5_frac": {"cv": 5, "frac_noise": [0.5, 1.0]},
    "ours_cv2": {"cv": 2},
    "ours_cv2_always": {"cv": 2, "clean": True},
    "ours_cv5_oof": {"cv": 5, "in_sample_weight": 0.0, "clean": True},
    "ours_cv2_oof": {"cv": 2, "in_sample_weight": 0.0, "clean": True},
    "ours_cv5_lip": {"cv": 5, "clean": True},
}
METHODS = ["cleanlab", *OURS]


class _ScoresAsProba(ClassifierMixin, BaseEstimator):
    """Give cleanlab a ``predict_proba`` for a ``decision_function``-only classifier.

    The probabilities are the softmax of the scores (binary scores ``s``: of ``(0, s)``), the
    conversion ``CleanLabelClassifier`` applies to such a classifier.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_weight=None):
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        return _class_proba(self.estimator_, X, self.classes_)


def _make(method, model, seed):
    """The estimator for ``method`` and its training-row flags after fitting, as a pair."""
    if method == "base":
        return clone(model), None
    if method == "cleanlab":
        clf = model if hasattr(model, "predict_proba") else _ScoresAsProba(model)
        learner = CleanLearning(
            clone(clf), seed=seed, find_label_issues_kwargs={"n_jobs": 1}, verbose=False
        )
        return learner, lambda fitted: fitted.label_issues_df["is_label_issue"].to_numpy()
    inner = clone(model)
    if method.endswith("_lip"):  # LIP (package defaults) inside every fit of the cleaner
        if hasattr(inner, "k"):  # LIPClassifier
            inner.set_params(k="auto")
        else:
            inner = LIPMetaClassifier(inner, random_state=seed)
    clf = CleanLabelClassifier(inner, random_state=seed, **OURS[method])
    return clf, lambda fitted: fitted.label_issues_["is_label_issue"]


def _run_seed(dataset, noise_kind, rate, model, seed, methods):
    X_train, X_test, y_train, y_test = split_dataset(dataset, seed)
    y_noisy = noisy_labels(noise_kind, rate, X_train, y_train, seed)
    flipped = y_noisy != y_train
    rows = []
    for method in ["base", *methods]:
        estimator, flags_of = _make(method, model, seed)
        fit_time, _ = timed(estimator.fit, X_train, y_noisy)
        row = {
            "method": method,
            "seed": seed,
            "accuracy": float(np.mean(estimator.predict(X_test) == y_test)),
            "fit_time": fit_time,
            "actual_noise": float(flipped.mean()),
        }
        if flags_of is not None:
            flags = flags_of(estimator)
            hits = int(np.sum(flags & flipped))
            row.update(
                n_flagged=int(flags.sum()),
                precision=hits / flags.sum() if flags.any() else np.nan,
                recall=hits / flipped.sum() if flipped.any() else np.nan,
            )
        rows.append(row)
    return rows


#: Per process: whether the untimed warm-up pass has run.
_WARMED_UP = []


def _run_task(dataset, noise_kind, rate, model_name, seed, methods):
    """The rows of one seed of one cell, single-threaded; self-contained for processes.

    The first task of a process runs one untimed pass on wine first, so that one-off costs
    (lazy imports, first calls) of any method do not land in its timings.
    """
    with single_threaded(ConvergenceWarning, MinPerClassWarning):  # torch too, for the MLP
        if not _WARMED_UP:
            for model in MODELS.values():
                _run_seed("wine", "symmetric", 0.3, model, 0, methods)
            _WARMED_UP.append(True)
        rows = _run_seed(dataset, noise_kind, rate, MODELS[model_name], seed, methods)
    cell = {"dataset": dataset, "noise": noise_kind, "rate": rate, "model": model_name}
    return [{**cell, **row} for row in rows]


def _summarize(raw, methods):
    """One row per cell: base accuracy, gains (points), time ratios, precision and recall."""
    cell = ["dataset", "noise", "rate", "model"]
    base = raw[raw.method == "base"].set_index([*cell, "seed"]).sort_index()
    out = []
    for key, group in raw[raw.method != "base"].groupby(cell, sort=False):
        row = dict(zip(cell, key, strict=True))
        base_cell = base.loc[key]
        row["base_acc"] = 100 * base_cell["accuracy"].mean()
        for method in methods:
            m = group[group.method == method].set_index("seed")
            row[f"gain_{method}"] = 100 * (m["accuracy"] - base_cell["accuracy"]).mean()
            row[f"time_{method}"] = m["fit_time"].sum() / base_cell["fit_time"].sum()
            row[f"precision_{method}"] = m["precision"].mean()
            row[f"recall_{method}"] = m["recall"].mean()
        out.append(row)
    return pd.DataFrame(out)


def _cells_table(cells, methods):
    """The per-cell table, as Markdown."""
    table = pd.DataFrame(
        {
            "dataset": cells.dataset,
            "noise": cells.noise,
            "rate": cells.rate.map("{:.1f}".format),
            "model": cells.model,
            "base acc": cells.base_acc.map("{:.1f}".format),
        }
    )
    for m in methods:
        table[f"gain {m}"] = cells[f"gain_{m}"].map("{:+.2f}".format)
    for m in methods:
        table[f"time x {m}"] = cells[f"time_{m}"].map("{:.1f}".format)
    for m in methods:
        precision = cells[f"precision_{m}"].map("{:.2f}".format)
        table[f"P/R {m}"] = precision + "/" + cells[f"recall_{m}"].map("{:.2f}".format)
    return markdown_table(table)


def _summary_lines(cells, raw, methods):
    """The mean over cells of every method, over all cells and per base model."""
    summary = []
    scopes = [("all", slice(None))] + [(model, model) for model in cells.model.unique()]
    for scope, model in scopes:
        scope_cells = cells.set_index("model").loc[model]
        scope_raw = raw.set_index("model").loc[model]
        base_total = scope_raw[scope_raw.method == "base"]["fit_time"].sum()
        for m in methods:
            total = scope_raw[scope_raw.method == m]["fit_time"].sum() / base_total
            summary.append(
                {
                    "method": m,
                    "cells": scope,
                    "mean gain (points)": f"{scope_cells[f'gain_{m}'].mean():+.2f}",
                    "mean time x base": f"{scope_cells[f'time_{m}'].mean():.2f}",
                    "total time x base": f"{total:.2f}",
                    "mean precision": f"{scope_cells[f'precision_{m}'].mean():.3f}",
                    "mean recall": f"{scope_cells[f'recall_{m}'].mean():.3f}",
                }
            )
    lines = [markdown_table(pd.DataFrame(summary)), ""]
    # Gains rounded before comparing: equal mean accuracies reached through different seeds
    # can differ in the last floating-point bits.
    gain = {m: cells[f"gain_{m}"].round(9) for m in methods}
    if "cleanlab" in methods:
        for method in (
            "ours_cv5",
            "ours_cv5_always",
            "ours_cv5_frac",
            "ours_cv2",
            "ours_cv2_always",
        ):
            at_or_above = int((gain[method] >= gain["cleanlab"]).sum())
            minus = cells[f"gain_{method}"].mean() - cells["gain_cleanlab"].mean()
            time_ratio = (
                raw[raw.method == method]["fit_time"].sum()
                / raw[raw.method == "cleanlab"]["fit_time"].sum()
            )
            lines.append(
                f"- {method} gain at or above cleanlab's in {at_or_above} of {len(cells)} "
                f"cells; mean gain {method} - cleanlab: {minus:+.2f} points; total fit "
                f"time {method} / cleanlab: {time_ratio:.2f}."
            )
    for decided, cv in (("ours_cv5", 5), ("ours_cv5_frac", 5), ("ours_cv2", 2)):
        auto, always = cells[f"gain_{decided}"], cells[f"gain_ours_cv{cv}_always"]
        helped = always > 0.5
        kept = auto[helped].sum() / always[helped].sum() if helped.any() else np.nan
        lines.append(
            f"- {decided} (clean='auto') against ours_cv{cv}_always (clean=True): mean gain "
            f"{auto.mean():+.2f} vs {always.mean():+.2f} points; in the {int(helped.sum())} "
            f"cells where clean=True gained more than 0.5 points, clean='auto' kept "
            f"{100 * kept:.0f}% of its gain; cells more than 0.5 points below the base: "
            f"{int((auto < -0.5).sum())} (clean=True: {int((always < -0.5).sum())})."
        )
    for cv in (5, 2):
        blended, oof = f"ours_cv{cv}_always", f"ours_cv{cv}_oof"
        blend_minus = cells[f"gain_{blended}"].mean() - cells[f"gain_{oof}"].mean()
        blend_above = int((gain[blended] > gain[oof]).sum())
        blend_below = int((gain[blended] < gain[oof]).sum())
        lines.append(
            f"- {blended} (in-sample blend) - {oof} (out-of-fold ranking only): "
            f"{blend_minus:+.2f} points mean gain; above in {blend_above}, below in "
            f"{blend_below} of {len(cells)} cells."
        )
    lip_minus = cells["gain_ours_cv5_lip"].mean() - cells["gain_ours_cv5_always"].mean()
    lip_above = int((gain["ours_cv5_lip"] > gain["ours_cv5_always"]).sum())
    lines.append(
        f"- ours_cv5_lip (LIP at its defaults inside every fit of ours_cv5_always) - "
        f"ours_cv5_always: {lip_minus:+.2f} points mean gain; above it in {lip_above} of "
        f"{len(cells)} cells."
    )
    return lines


def main(argv=None):
    """Run the cleaning benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {
            "quick": "digits and wine, rate 0.3, one seed",
            "full": "the full grid (the default)",
            "heldout": "iris, breast cancer and gen20, linear models",
        },
        default="full",
        jobs=(1, "seeds run in parallel processes"),
    )
    mode = args.mode
    settings = SETTINGS[mode]
    methods = METHODS if cleanlab is not None else METHODS[1:]
    mlp = settings["mlp"]
    report = Report(
        f"Label cleaning benchmark ({mode})",
        {
            "seeds": f"{settings['seeds']}; rates: {settings['rates']}; noise: {list(NOISES)}; "
            f"MLP: datasets {mlp['datasets']}, rates {mlp['rates']}, seeds {mlp['seeds']}"
            + ("" if "mlp" in MODELS else " (not run: torch is not installed)"),
            "datasets": "; ".join(
                part
                for part in [
                    str(settings["datasets"]),
                    describe_generated(settings["datasets"]),
                    "70/30 stratified split per seed, features standardized on the training "
                    "part, test labels clean",
                ]
                if part
            ),
            "models": "LogisticRegression(max_iter=1000, random_state=0), "
            "LinearSVC(random_state=0), LIPClassifier(hidden_units=(64,), lr=3e-3, "
            "batch_size=32, max_epochs=30, early_stopping=False, k=None, random_state=0), "
            "torch with 1 thread; "
            "cleanlab: CleanLearning defaults (5 folds, its sample weights in the final fit), "
            "n_jobs=1; ours: CleanLabelClassifier(method='class_margin', min_per_class=5, "
            "in_sample_weight=0.5; _oof: 0)",
            "gain": "test accuracy minus the base model's, in points, mean over seeds; time x: "
            "fit time over the base fit time (sums over seeds); P/R: precision/recall of the "
            "flagged training rows against the truly flipped rows, mean over seeds",
            "threads": f"{args.jobs} process(es), each fit with 1 BLAS thread; the wall time "
            "includes one untimed warm-up pass on wine per process",
        },
        packages=("pandas", "cleanlab", "torch"),
    )
    tasks = [
        (dataset, noise_kind, rate, model_name, seed, methods)
        for dataset in settings["datasets"]
        for noise_kind in NOISES
        for model_name in MODELS
        if dataset in settings.get(model_name, settings)["datasets"]
        for rate in settings.get(model_name, settings)["rates"]
        for seed in settings.get(model_name, settings)["seeds"]
    ]
    rows = []
    for task, task_rows in zip(tasks, parallel_map(_run_task, tasks, args.jobs), strict=True):
        dataset, noise_kind, rate, model_name, seed, _ = task
        rows += task_rows
        print(f"done {dataset} {noise_kind} {rate} {model_name} seed {seed}", flush=True)
    raw = pd.DataFrame(rows)
    cells = _summarize(raw, methods)
    summary = "\n".join(["## Summary over all cells", "", *_summary_lines(cells, raw, methods)])
    report.write(
        f"cleaning_{mode}", raw, summary, ["## Per cell\n\n" + _cells_table(cells, methods)]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
