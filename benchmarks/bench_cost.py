"""LIP's cost as the number of rows grows: step time, end-to-end fit time and peak memory.

On generated 20-class data with 50 features and 30% symmetric label noise, for each n, in one
run and on one thread:

- ``base``: the fit time of ``SGDClassifier(loss="log_loss", max_iter=5, tol=None)``;
- ``step_<lap>``: ``lip_refine(W, X, y, k, lap=lap, fit_intercept=True)`` on the base model's
  weights with a fixed ``k = rank(W) // 2``, for each LAP mode, as time / base fit time, and
  the peak memory that ``tracemalloc`` sees during the step (NumPy reports its allocations to
  it; a separate untimed call) next to the size of ``X``, and how much the step changed ``W``
  (``||W' - W||_F / ||W||_F``);
- ``lip_auto``: the whole ``LIPMetaClassifier(base, k="auto")`` fit (3 fold fits, the final
  fit, validation of the candidate k's and the refinement);
- ``ours_cv2``: ``CleanLabelClassifier(base, cv=2)`` and ``cleanlab_cv2``: cleanlab's
  ``CleanLearning(base, cv_n_folds=2)`` (``n_jobs=1``), both end to end.

SGDClassifier rather than LogisticRegression: a fixed number of epochs keeps the base fit
linear in n, so the ratios show how LIP's own cost grows; LogisticRegression's lbfgs at 1M rows
and 20 classes would dominate the run. cleanlab is skipped at a size where ten times its time
at the previous size would exceed five minutes.

Run: ``python -m benchmarks.bench_cost [--quick | --full]`` from the repository root (quick:
n in 10k and 100k, about 3 minutes on 2 busy cores; full adds 1M rows).
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier

from sklearn_lip import (
    CleanLabelClassifier,
    LIPMetaClassifier,
    LIPSkippedWarning,
    MinPerClassWarning,
    lip_refine,
)

from ._common import (
    Report,
    generated_loader,
    markdown_table,
    noisy_labels,
    parse_args,
    single_threaded,
    timed,
    traced_peak_mb,
)

try:
    from cleanlab.classification import CleanLearning
except ImportError:  # cleanlab is an optional benchmark dependency
    CleanLearning = None

__all__ = ["main"]

SEED = 0
N_CLASSES = 20
N_FEATURES = 50
NOISE = ("symmetric", 0.3)
MODES = ("paper", "scaled", "log")
SIZES = {"quick": [10_000, 100_000], "full": [10_000, 100_000, 1_000_000]}
CLEANLAB_BUDGET_S = 300
MB = 2**20


def base_model():
    return SGDClassifier(loss="log_loss", max_iter=5, tol=None, random_state=SEED)


def weights(fitted):
    """``coef_.T`` with the intercept as a last row: features x classes."""
    return np.vstack([fitted.coef_.T, fitted.intercept_])


def run_size(n, cleanlab_estimate_s):
    """One result row for ``n`` rows; cleanlab runs only if its estimated time fits the budget."""
    X, y = generated_loader(N_CLASSES, n, N_FEATURES)()
    y = noisy_labels(*NOISE, X, y, SEED)
    y_indices = np.unique(y, return_inverse=True)[1]
    repeats = 3 if n <= 10_000 else 1
    row = {"n": n, "X_MB": X.nbytes / MB, "repeats": repeats}

    row["base_s"], base = timed(lambda: clone(base_model()).fit(X, y), repeats=repeats)
    W = weights(base)
    k = np.linalg.matrix_rank(W) // 2
    row["k_fixed"] = k
    for lap in MODES:
        # 1-D class indices: the one-hot 0/1 targets a log-loss model is fitted to
        def step(lap=lap):
            return lip_refine(W, X, y_indices, k, lap=lap, fit_intercept=True)

        row[f"step_{lap}_s"], refined = timed(step, repeats=repeats)
        row[f"step_{lap}/base"] = row[f"step_{lap}_s"] / row["base_s"]
        # 0: the step returned W as it was ("scaled" with alpha <= 0, a failed "log" solve)
        row[f"change_{lap}"] = np.linalg.norm(refined - W) / np.linalg.norm(W)
        row[f"peak_{lap}_MB"] = traced_peak_mb(step)

    lip = LIPMetaClassifier(base_model(), k="auto", random_state=SEED)
    row["lip_auto_s"], fitted = timed(lambda: clone(lip).fit(X, y), repeats=repeats)
    row["lip_auto/base"] = row["lip_auto_s"] / row["base_s"]
    row["k_auto"] = "-" if fitted.k_ is None else fitted.k_

    ours = CleanLabelClassifier(base_model(), cv=2, random_state=SEED)
    row["ours_cv2_s"], _ = timed(lambda: clone(ours).fit(X, y), repeats=repeats)
    row["ours_cv2/base"] = row["ours_cv2_s"] / row["base_s"]

    if CleanLearning is not None and cleanlab_estimate_s <= CLEANLAB_BUDGET_S:
        learner = CleanLearning(
            base_model(), seed=SEED, cv_n_folds=2, find_label_issues_kwargs={"n_jobs": 1}
        )
        row["cleanlab_cv2_s"], _ = timed(lambda: clone(learner).fit(X, y), repeats=repeats)
        row["cleanlab_cv2/base"] = row["cleanlab_cv2_s"] / row["base_s"]
        row["lip_auto/cleanlab_cv2"] = row["lip_auto_s"] / row["cleanlab_cv2_s"]
    return row


def run(sizes):
    rows, cleanlab_estimate_s = [], 0.0
    for n in sizes:
        row = run_size(n, cleanlab_estimate_s)
        # cleanlab's next size costs about ten times this one (the sizes grow tenfold)
        cleanlab_estimate_s = 10 * row.get("cleanlab_cv2_s", np.inf)
        rows.append(row)
        print(
            f"n={n}: base {row['base_s']:.2f} s, LIP auto x{row['lip_auto/base']:.2f}, "
            f"LIP step (log) x{row['step_log/base']:.3f}",
            flush=True,
        )
    return pd.DataFrame(rows)


def conclusions(raw):
    first, last = raw.iloc[0], raw.iloc[-1]
    growth = last["n"] / first["n"]
    lines = [
        "- LIP step / base fit (fixed k): "
        + "; ".join(
            f"{lap} {first[f'step_{lap}/base']:.3f} at n={first['n']:,} -> "
            f"{last[f'step_{lap}/base']:.3f} at n={last['n']:,}"
            for lap in MODES
        ),
        (
            f"- LIP step time grew x{last['step_log_s'] / first['step_log_s']:.0f} (log), "
            f"x{last['step_paper_s'] / first['step_paper_s']:.0f} (paper) for x{growth:.0f} "
            f"rows; the base fit x{last['base_s'] / first['base_s']:.0f}."
        ),
        "- Peak traced memory of the LIP step / size of X at the largest n: "
        + ", ".join(f"{lap} {last[f'peak_{lap}_MB'] / last['X_MB']:.2f}" for lap in MODES),
        f"- End to end at n={last['n']:,}: LIPMetaClassifier(k='auto') x"
        f"{last['lip_auto/base']:.2f} the base fit, CleanLabelClassifier(cv=2) x"
        f"{last['ours_cv2/base']:.2f}"
        + (
            f", cleanlab CleanLearning(cv_n_folds=2) x{last['cleanlab_cv2/base']:.2f}"
            if pd.notna(last.get("cleanlab_cv2/base", np.nan))
            else ", cleanlab not run"
        ),
    ]
    for lap in MODES:
        unchanged = raw.loc[raw[f"change_{lap}"] < 1e-9, "n"].tolist()
        if unchanged:
            lines.append(
                f"- The {lap} step left W unchanged (relative change < 1e-9) at n={unchanged}."
            )
    if "cleanlab_cv2_s" in raw:
        skipped = raw.loc[raw["cleanlab_cv2_s"].isna(), "n"].tolist()
        if skipped:
            lines.append(
                f"- cleanlab skipped at n={skipped}: 10x its time at the previous "
                f"size exceeded {CLEANLAB_BUDGET_S} s."
            )
    return lines


def main(argv=None):
    """Run the cost benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {"quick": "n in 10k, 100k (default)", "full": "n in 10k, 100k, 1M"},
        default="quick",
    )
    name = args.mode
    report = Report(
        f"Cost of LIP as n grows ({name})",
        {
            "seed": SEED,
            "data": f"make_classification, {N_CLASSES} classes, {N_FEATURES} features "
            f"(30 informative), class_sep=2.0, random_state={N_CLASSES}; n in "
            f"{SIZES[name]}; {NOISE[0]} noise at rate {NOISE[1]} (random_state={SEED})",
            "base": f"SGDClassifier(loss='log_loss', max_iter=5, tol=None, random_state={SEED})",
            "LIP step": "lip_refine(W, X, y_indices, k=rank(W)//2, lap=mode, "
            "fit_intercept=True), W = vstack(coef_.T, intercept_); default "
            "chunk size (scikit-learn working_memory)",
            "end to end": f"LIPMetaClassifier(base, k='auto', random_state={SEED}); "
            f"CleanLabelClassifier(base, cv=2, random_state={SEED}); "
            f"cleanlab CleanLearning(base, seed={SEED}, cv_n_folds=2, "
            "find_label_issues_kwargs={'n_jobs': 1})",
            "timing": "wall time, fastest of 3 runs at n <= 10k, one run above (column "
            "`repeats`); ratios divide by the base fit time of the same run; data "
            "generation excluded",
            "memory": "peak of tracemalloc (NumPy allocations; BLAS/LAPACK workspaces are not "
            "traced) during one separate call of the LIP step; X_MB = X.nbytes",
            "threads": "BLAS/OpenMP limited to 1 thread (threadpoolctl)",
        },
        packages=("cleanlab",),
    )
    with single_threaded(ConvergenceWarning, LIPSkippedWarning, MinPerClassWarning):
        raw = run(SIZES[name])
    step_columns = ["n", "X_MB", "base_s", "k_fixed"] + [
        column
        for pattern in ("step_{}/base", "peak_{}_MB", "change_{}")
        for column in map(pattern.format, MODES)
    ]
    end_columns = [
        "n",
        "base_s",
        "lip_auto/base",
        "k_auto",
        "ours_cv2/base",
        "cleanlab_cv2/base",
        "lip_auto/cleanlab_cv2",
    ]
    table = "\n\n".join(
        [
            "## LIP step (fixed k): time / base fit, peak traced MB, relative change of W",
            markdown_table(raw[step_columns]),
            "## End to end: fit time / base fit",
            markdown_table(raw[[c for c in end_columns if c in raw]]),
        ]
    )
    report.write(f"cost_{name}", raw, table, conclusions(raw))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
