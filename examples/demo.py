"""Demo: digits with injected label noise; base classifiers, the same with LIP, and label cleaning.

Each base model is trained on noisy training labels and scored on the clean test labels, then
the same with LIP added (``LIPMetaClassifier`` at its defaults: ``k`` chosen on held-out rows,
LAP mode per model family), and with label cleaning (``CleanLabelClassifier`` at its
defaults). One table, then one sentence per row where LIP or cleaning changed the result.
Every number is measured in this run.

Run ``python examples/demo.py`` (seconds: one seed, three noise settings, three linear models;
a progress line per row goes to stderr). ``--full`` runs the long grid: three seeds, a fourth
noise kind and, when torch is installed, the network rows (``LIPClassifier``); minutes.
``bash scripts/run_demo.sh`` installs the package and runs this script (``--full`` passed on).
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from sklearn_lip import (
    CleanLabelClassifier,
    InstanceDependentNoise,
    LIPMetaClassifier,
    PairNoise,
    SymmetricNoise,
    lip_refine,
)

NOISES = {
    "symmetric 20%": lambda seed: SymmetricNoise(0.2, random_state=seed),
    "symmetric 40%": lambda seed: SymmetricNoise(0.4, random_state=seed),
    "pair 30%": lambda seed: PairNoise(0.3, random_state=seed),
}
FULL_NOISES = NOISES | {
    "instance 30%": lambda seed: InstanceDependentNoise(0.3, random_state=seed),
}
LINEAR_MODELS = {
    "LogisticRegression": lambda seed: LogisticRegression(max_iter=1000),
    "RidgeClassifier": lambda seed: RidgeClassifier(),
    "LinearSVC": lambda seed: LinearSVC(random_state=seed),
}
COLUMNS = [
    ("seed", 4),
    ("noise", 13),
    ("model", 18),
    ("base", 5),
    ("base s", 6),
    ("+LIP", 5),
    ("k", 3),
    ("validation: best k vs unchanged", 44),
    ("LIP step ms", 11),
    ("LIP fit s", 9),
    ("cleaned", 7),
    ("cleaning: z vs threshold", 42),
    ("clean s", 7),
]


def network_models():
    """The network rows of ``--full``: base (LIP off) and LIP at the defaults, if torch is here."""
    try:
        import torch

        from sklearn_lip import LIPClassifier
    except ImportError as error:
        print(f"(no network rows: {error})", file=sys.stderr)
        return {}
    # small networks gain nothing from more threads, and lose much on a busy machine
    torch.set_num_threads(1)
    return {"MLP (LIPClassifier)": lambda seed: LIPClassifier(k=None, random_state=seed)}


def timed_fit(estimator, X, y):
    """Fit ``estimator`` on ``(X, y)``; return it and the seconds the fit took."""
    start = time.perf_counter()
    estimator.fit(X, y)
    return estimator, time.perf_counter() - start


def with_lip(base, seed):
    """The base model with LIP at the package defaults."""
    if hasattr(base, "k"):  # LIPClassifier: the same network with k at its default, "auto"
        return clone(base).set_params(k="auto")
    return LIPMetaClassifier(base, random_state=seed)


def best_candidate(scores):
    """The candidate k with the best held-out accuracy, and that accuracy (None, nan if none)."""
    candidates = {k: v for k, v in (scores or {}).items() if k != "unchanged"}
    if not candidates:
        return None, float("nan")
    k = max(candidates, key=candidates.get)
    return k, candidates[k]


def lip_step_ms(fitted, X, y_indices, k):
    """Time one LIP step (SVD of W and one pass over X) at ``k`` on the unrefined weights.

    Only for ``LIPMetaClassifier``; the network's step works on features it keeps internally.
    """
    if k is None or not hasattr(fitted, "estimator_"):
        return None
    W = np.vstack([fitted.raw_coef_.T, np.atleast_1d(fitted.raw_intercept_)])
    start = time.perf_counter()
    lip_refine(W, X, y_indices, k, lap=fitted.lap_, fit_intercept=True)
    return 1000 * (time.perf_counter() - start)


def run_row(base, X_train, y_noisy, y_indices, X_test, y_test, seed):
    """Fit base, +LIP and cleaned models on one noisy training set; one result dict."""
    base_fit, base_s = timed_fit(clone(base), X_train, y_noisy)
    lip_fit, lip_s = timed_fit(with_lip(base, seed), X_train, y_noisy)
    cleaned, clean_s = timed_fit(CleanLabelClassifier(base, random_state=seed), X_train, y_noisy)
    best_k, best_score = best_candidate(lip_fit.validation_scores_)
    scores = lip_fit.validation_scores_ or {}
    return {
        "base": base_fit.score(X_test, y_test),
        "base s": base_s,
        "+LIP": lip_fit.score(X_test, y_test),
        "k": lip_fit.k_,
        "best k": best_k,
        "best score": best_score,
        "unchanged score": scores.get("unchanged", float("nan")),
        "z": lip_fit.validation_z_,
        "threshold": lip_fit.validation_threshold_,
        "folds": getattr(lip_fit, "n_validation_folds_", None),
        "LIP step ms": lip_step_ms(lip_fit, X_train, y_indices, lip_fit.k_ or best_k),
        "LIP fit s": lip_s,
        "cleaned": cleaned.score(X_test, y_test),
        "clean s": clean_s,
        "flagged": int(cleaned.label_issues_["is_label_issue"].sum()),
        "dropped": cleaned.cleaned_,
        "clean z": cleaned.validation_z_,
        "clean accuracy z": cleaned.validation_accuracy_z_,
        "clean threshold": cleaned.validation_threshold_,
    }


def evidence(row):
    """The validation cell: best candidate k and its held-out accuracy against the unchanged."""
    if row["folds"] == 0:  # settled on the training rows, before any validation fit
        return f"no fit: no k moves {max(1.0, row['threshold']) ** 2:.1f}+ training rows"
    if row["best k"] is None:
        return "not validated"
    cell = f"k={row['best k']}: {row['best score']:.3f} vs {row['unchanged score']:.3f}"
    if row["best score"] <= row["unchanged score"]:
        return cell + " (no gain)"
    if row["k"] is None:  # a gain, but the evidence fell short
        return cell + f" (no gain, z={row['z']:.2f} < {row['threshold']:.2f})"
    return cell + f", z={row['z']:.2f} >= {row['threshold']:.2f}"


def clean_evidence(row):
    """The cleaning cell: whether the flagged rows were dropped, and the held-out z behind it."""
    if row["clean z"] is None:
        return "dropped" if row["dropped"] else "nothing flagged"
    z, threshold, accuracy_z = row["clean z"], row["clean threshold"], row["clean accuracy z"]
    if row["dropped"]:
        return f"dropped, z={z:.2f} >= {threshold:.2f}"
    if z < threshold:
        return f"kept all (no gain), z={z:.2f} < {threshold:.2f}"
    return f"kept all (no gain), accuracy z={accuracy_z:.2f} <= 0"


def cells(row):
    """The printed cells of one result row, in the order of ``COLUMNS``."""

    def seconds(value):
        return "-" if value is None else f"{value:.3f}" if value < 1 else f"{value:.2f}"

    return [
        str(row["seed"]),
        row["noise"],
        row["model"],
        f"{row['base']:.3f}",
        seconds(row["base s"]),
        f"{row['+LIP']:.3f}",
        "-" if row["k"] is None else str(row["k"]),
        evidence(row),
        "-" if row["LIP step ms"] is None else f"{row['LIP step ms']:.1f}",
        seconds(row["LIP fit s"]),
        f"{row['cleaned']:.3f}",
        clean_evidence(row),
        seconds(row["clean s"]),
    ]


def print_table(rows):
    """Print the result rows as a Markdown table."""
    widths = [max(width, len(name)) for name, width in COLUMNS]
    header = (name.ljust(w) for (name, _), w in zip(COLUMNS, widths, strict=True))
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        values = cells(row)
        print("| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |")


def sentences(rows, n_test):
    """One plain sentence per row where LIP or cleaning changed test accuracy."""
    lines = []
    for row in rows:
        where = f"{row['noise']}, {row['model']}, seed {row['seed']}"
        lip_delta = row["+LIP"] - row["base"]
        if row["k"] is not None:
            verb = "raised" if lip_delta > 0 else "lowered" if lip_delta < 0 else "kept"
            lines.append(
                f"- {where}: LIP changed W (k={row['k']}, held-out {row['best score']:.3f} vs "
                f"{row['unchanged score']:.3f} unchanged) and {verb} test accuracy "
                f"{row['base']:.3f} -> {row['+LIP']:.3f} ({100 * lip_delta:+.1f} points)."
            )
        clean_delta = row["cleaned"] - row["base"]
        rows_changed = round(abs(clean_delta) * n_test)
        if rows_changed:
            verb = "raised" if clean_delta > 0 else "LOWERED"
            lines.append(
                f"- {where}: cleaning (dropped {row['flagged']} flagged rows: held-out z="
                f"{row['clean z']:.2f} >= {row['clean threshold']:.2f}, accuracy z="
                f"{row['clean accuracy z']:.2f} > 0) {verb} test "
                f"accuracy {row['base']:.3f} -> {row['cleaned']:.3f} "
                f"({100 * clean_delta:+.1f} points, {rows_changed} of {n_test} test rows)."
            )
    return lines


def main(argv=None):
    """Run the demo; ``--full`` adds seeds, a noise kind and the network rows."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help="three seeds, instance-dependent noise too, and the network rows (minutes)",
    )
    args = parser.parse_args(argv)
    seeds, noises, models = [0], NOISES, dict(LINEAR_MODELS)
    if args.full:
        seeds, noises = [0, 1, 2], FULL_NOISES
        models |= network_models()

    X, y = load_digits(return_X_y=True)
    total = len(seeds) * len(noises) * len(models)
    print(
        f"digits: {len(y)} rows, 10 classes; per seed a stratified 70/30 split, noisy training "
        "labels, clean test labels.\nLIP: LIPMetaClassifier defaults (k='auto': candidate k "
        "scored on 3 held-out folds of the noisy training rows; W changes only if the best k "
        "beats the unchanged weights in a paired test, Bonferroni-corrected, at level 0.05).\n"
        f"Cleaning: CleanLabelClassifier defaults (5 folds). One BLAS thread. {total} rows to "
        "run.\n"
    )
    rows, start = [], time.perf_counter()
    for seed in seeds:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        for noise_name, noise in noises.items():
            _, y_noisy = noise(seed).fit_resample(X_train, y_train)
            y_indices = np.searchsorted(np.unique(y_noisy), y_noisy)
            for model_name, model in models.items():
                print(
                    f"[{len(rows) + 1}/{total}] seed {seed}, {noise_name}, {model_name} "
                    f"({time.perf_counter() - start:.0f} s so far)",
                    file=sys.stderr,
                    flush=True,
                )
                # One BLAS/OpenMP thread: these fits are small, and on a machine whose cores are
                # busy, multi-threaded BLAS made LogisticRegression rows 50 s instead of 0.1 s.
                with warnings.catch_warnings(), threadpool_limits(1):
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    row = run_row(model(seed), X_train, y_noisy, y_indices, X_test, y_test, seed)
                rows.append({"seed": seed, "noise": noise_name, "model": model_name, **row})
    print_table(rows)
    print(
        "\nbase/+LIP/cleaned: clean test accuracy. base s, LIP fit s, clean s: fit times in "
        "seconds of the base model, of LIPMetaClassifier (base fit + up to 3 validation fits, "
        "1 when the first shows no gain, none when no candidate k changes the predicted class of "
        "enough training rows to pass the test, + LIP steps; for the network, LIPClassifier with "
        "k='auto') and of CleanLabelClassifier (5 "
        "fold fits, 10 that flag each fold's training rows, 5 without those flags, the final "
        "fit). LIP step ms: one LIP "
        "step (SVD of W and one pass over X) at the "
        "chosen k, or at the best candidate when W was left unchanged. k '-': W left unchanged. "
        "cleaning: the flagged rows are dropped only when fold models fitted without them beat "
        "the plain fold models on held-out noisy labels: a paired z of the given label's "
        "probability at or above the threshold of significance=0.05, and more rows right "
        "(accuracy z > 0); otherwise the model is the base fitted on every row."
    )
    changed = sentences(rows, len(y_test))
    print("\nWhere LIP or cleaning changed the result:")
    print("\n".join(changed) if changed else "- nowhere.")
    unchanged = sum(row["k"] is None for row in rows)
    mean_gain = 100 * np.mean([row["cleaned"] - row["base"] for row in rows])
    print(
        f"\nLIP left W unchanged in {unchanged} of {len(rows)} rows; cleaning changed test "
        f"accuracy by {mean_gain:+.1f} points on average. Wall time "
        f"{time.perf_counter() - start:.0f} s."
    )


if __name__ == "__main__":
    main()
