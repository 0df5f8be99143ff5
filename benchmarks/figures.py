"""Regenerate every figure in ``docs/images/`` (the user guide shows each of them).

Run from the repository root::

    python -m benchmarks.figures                # all figures (under a minute on 2 cores)
    python -m benchmarks.figures --curves-only  # only the accuracy-vs-noise curves (seconds)

``--outdir DIR`` writes the figures (and the paper analysis tables) to ``DIR`` instead.

Two sources:

- ``accuracy_vs_noise_linear.png`` and ``accuracy_vs_noise_networks.png`` are drawn from the
  committed benchmark results, so they can be redrawn whenever a benchmark is re-run, without
  re-running anything here. The linear figure reads ``cleaning_full.csv`` (base model,
  ``CleanLabelClassifier`` with 5 folds, cleanlab's ``CleanLearning``) and ``core_full.csv``
  (``LIPMetaClassifier`` at its defaults, column ``defaults``), averaged over the seeds both
  files hold, after checking that their base accuracies agree on those seeds (same splits,
  same noise). The network figure reads ``neural_full.csv`` (columns ``dataset``, ``noise``,
  ``rate``, ``seed``, ``criterion``, ``memorising``, ``default``, ``default_lip`` and
  ``cleaned``): per dataset and noise setting, the cross-entropy network trained to memorise,
  the default (early-stopped) one, with LIP and inside the label cleaner, and the default
  network with each other criterion.
- ``paper_analysis_*.png`` come from ``examples/plot_paper_analysis.py``, which refits the
  models it compares (weight matrices are not stored); it also rewrites
  ``benchmarks/results/paper_analysis.md`` and ``.csv``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib.util
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend

from ._common import RESULTS

__all__ = ["main"]

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "docs" / "images"

NEURAL_REQUIRED = [
    "dataset",
    "noise",
    "rate",
    "seed",
    "criterion",
    "memorising",
    "default",
    "default_lip",
    "cleaned",
]
#: Linear panels: datasets both the cleaning and the core benchmark run, and their models.
LINEAR_DATASETS = ["digits", "wine"]
LINEAR_MODELS = {"logreg": "LogisticRegression", "linearsvc": "LinearSVC"}
NOISE_ORDER = ["symmetric", "pair", "instance"]
#: criterion -> (legend label, colour); other criteria get the next colours of the cycle.
CRITERIA = {
    "ce": ("cross-entropy", "tab:blue"),
    "label_smoothing": ("label smoothing", "tab:red"),
    "gce": ("GCE", "tab:green"),
    "sce": ("SCE", "tab:purple"),
    "forward": ("forward correction", "tab:orange"),
}
RATE_TICKS = [0.2, 0.3, 0.4]


def read_csv(name, required):
    """A committed result table, with a clear error when a column the figures need is missing."""
    path = RESULTS / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run the benchmark that writes it first.")
    table = pd.read_csv(path)
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ValueError(
            f"{path.name} lacks the column(s) {missing} that benchmarks/figures.py draws from "
            f"(it has {list(table.columns)}); keep them in the benchmark's CSV or update "
            "benchmarks/figures.py."
        )
    return table


def linear_curves():
    """Mean clean test accuracy per (dataset, noise, model, rate) and method, common seeds."""
    cleaning = read_csv(
        "cleaning_full.csv", ["dataset", "noise", "rate", "model", "method", "seed", "accuracy"]
    )
    core = read_csv(
        "core_full.csv", ["dataset", "noise", "rate", "model", "seed", "base", "defaults"]
    )
    key = ["dataset", "noise", "rate", "model", "seed"]
    wide = cleaning.pivot_table(index=key, columns="method", values="accuracy").reset_index()
    seeds = sorted(set(wide.seed) & set(core.seed))
    if not seeds:
        raise ValueError(
            "cleaning_full.csv and core_full.csv share no seed; the linear figure "
            "compares them on the same splits."
        )
    wide = wide[wide.seed.isin(seeds)]
    core = core[core.seed.isin(seeds)][key + ["base", "defaults"]]
    merged = wide.merge(core, on=key, how="left", suffixes=("", "_core"))
    shared = merged.base_core.notna()
    mismatch = merged[shared & ~np.isclose(merged["base"], merged["base_core"], atol=1e-9)]
    if not shared.any() or not mismatch.empty:
        raise ValueError(
            "cleaning_full.csv and core_full.csv must share cells with the same base accuracy "
            f"(the same splits and noise); {int(shared.sum())} shared cells, {len(mismatch)} "
            "disagree. The figure draws LIP against the cleaning benchmark's base line."
        )
    merged = merged.rename(columns={"defaults": "lip"}).drop(columns="base_core")
    means = merged.groupby(["dataset", "noise", "model", "rate"]).mean(numeric_only=True)
    return means.reset_index(), [int(seed) for seed in seeds]


def plot_linear(path):
    curves, seeds = linear_curves()
    methods = {
        "base": ("base model", "k", "o", "-"),
        "lip": ("+ LIP (LIPMetaClassifier defaults)", "tab:orange", "s", "--"),
        "ours_cv5": ("CleanLabelClassifier (cv=5)", "tab:green", "^", "-"),
        "cleanlab": ("cleanlab CleanLearning", "tab:purple", "v", ":"),
    }
    columns = [(d, m) for m in LINEAR_MODELS for d in LINEAR_DATASETS]
    noises = [n for n in NOISE_ORDER if n in set(curves.noise)]
    fig, axes = plt.subplots(
        len(noises),
        len(columns),
        figsize=(4 * len(columns), 3.2 * len(noises)),
        squeeze=False,
        sharex=True,
    )
    for row, noise in enumerate(noises):
        for col, (dataset, model) in enumerate(columns):
            ax = axes[row, col]
            cell = curves[
                (curves.dataset == dataset) & (curves.noise == noise) & (curves.model == model)
            ].sort_values("rate")
            for method, (label, color, marker, style) in methods.items():
                if method in cell and cell[method].notna().any():
                    ax.plot(
                        cell.rate,
                        100 * cell[method],
                        color=color,
                        marker=marker,
                        linestyle=style,
                        markersize=4,
                        label=label,
                    )
            ax.set_title(f"{dataset}, {LINEAR_MODELS[model]}, {noise} noise", fontsize=9)
            ax.set_xticks(RATE_TICKS)
            ax.grid(alpha=0.3)
            if col == 0:
                ax.set_ylabel("clean test accuracy (%)")
            if row == len(noises) - 1:
                ax.set_xlabel("noise rate")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.suptitle(
        f"Linear models: accuracy vs noise rate (cleaning_full.csv, core_full.csv; mean of "
        f"seeds {seeds})"
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def network_curves():
    """Mean clean-test accuracy per (dataset, noise setting) of each network line."""
    neural = read_csv("neural_full.csv", NEURAL_REQUIRED)
    neural["setting"] = [
        f"{noise} {rate:.0%}" for noise, rate in zip(neural.noise, neural.rate, strict=True)
    ]
    cells = ["dataset", "setting"]
    ce = neural[neural.criterion == "ce"].groupby(cells, sort=False)
    lines = {
        "memorising (ce, early_stopping=False)": ce.memorising.mean(),
        "default (ce)": ce["default"].mean(),
        "default (ce) + LIP": ce.default_lip.mean(),
        "default (ce) + cleaning": ce.cleaned.mean(),
    }
    for criterion in neural.criterion.unique():
        if criterion != "ce":
            rows = neural[neural.criterion == criterion].groupby(cells, sort=False)
            label = CRITERIA[criterion][0] if criterion in CRITERIA else criterion
            lines[f"default ({label})"] = rows["default"].mean()
    order = sorted(
        neural.setting.unique(),
        key=lambda s: (NOISE_ORDER.index(s.split()[0]) if s.split()[0] in NOISE_ORDER else 9, s),
    )
    return pd.DataFrame(lines), order, [int(seed) for seed in sorted(neural.seed.unique())]


def plot_networks(path):
    curves, order, seeds = network_curves()
    datasets = list(dict.fromkeys(curves.index.get_level_values("dataset")))
    n_cols = min(2, len(datasets))
    n_rows = -(-len(datasets) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(5.5 * n_cols, 3.6 * n_rows), squeeze=False)
    spare = iter(["tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"])
    styles = {
        "memorising (ce, early_stopping=False)": ("k", "x", ":"),
        "default (ce)": ("tab:blue", "o", "-"),
        "default (ce) + LIP": ("tab:cyan", "s", "--"),
        "default (ce) + cleaning": ("k", "D", "-"),
    }
    for label, colour in CRITERIA.values():
        styles.setdefault(f"default ({label})", (colour, "o", "--"))
    # A grid of n_rows x n_cols may hold one axis more than there are datasets.
    for ax, dataset in zip(axes.flat, datasets, strict=False):
        cell = curves.loc[dataset].reindex(order)
        positions = np.arange(len(order))
        for line in curves.columns:
            colour, marker, style = styles.get(line) or (next(spare), "o", "--")
            ax.plot(
                positions,
                100 * cell[line],
                marker=marker,
                markersize=4,
                linestyle=style,
                color=colour,
                label=line,
            )
        ax.set_xticks(positions, order, fontsize=8)
        ax.set_title(dataset, fontsize=9)
        ax.set_xlabel("training-label noise")
        ax.set_ylabel("clean test accuracy (%)")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(datasets) :]:
        ax.set_visible(False)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.suptitle(
        f"Networks (LIPClassifier): accuracy vs noise (neural_full.csv; mean of seeds {seeds})"
    )
    fig.tight_layout(rect=(0, 0.12, 1, 0.96))
    fig.savefig(path, dpi=100)
    plt.close(fig)


#: The figures drawn from the committed CSVs, by file name.
CURVES = {
    "accuracy_vs_noise_linear.png": plot_linear,
    "accuracy_vs_noise_networks.png": plot_networks,
}


def paper_analysis(outdir):
    """Run ``examples/plot_paper_analysis.py``: its figures go to docs/images (or ``outdir``)."""
    script = REPO / "examples" / "plot_paper_analysis.py"
    spec = importlib.util.spec_from_file_location("plot_paper_analysis", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([] if outdir is None else ["--outdir", str(outdir)])


def main(argv=None):
    """Redraw the figures of ``docs/images/`` and, unless ``--curves-only``, the paper analysis."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--curves-only",
        action="store_true",
        help="only the figures drawn from the committed CSVs (skips the paper analysis refit)",
    )
    parser.add_argument("--outdir", type=Path, help="write here instead of docs/images")
    args = parser.parse_args(argv)
    images = args.outdir or IMAGES
    images.mkdir(parents=True, exist_ok=True)
    for name, draw in CURVES.items():
        draw(images / name)
        print(f"wrote {images / name}", flush=True)
    if not args.curves_only:
        paper_analysis(args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
