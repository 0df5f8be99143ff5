"""LIPClassifier on noisy labels: each training criterion, base network vs +LIP per LAP mode.

Two parts:

1. *Defaults*: ``LIPClassifier(random_state=seed)`` with every other parameter at its default,
   on clean digits (70/30 stratified split, standardized), timed with torch's default number of
   threads (the only part that does not limit threads) and with one thread.
2. *Noisy labels*: for every dataset x noise x seed x criterion, one network trained on the noisy
   training labels with ``k="auto"``; "base" is the accuracy of its raw head on the clean test
   labels, and each LAP mode's column is the gain of the refined head, in points. The LAP modes
   share the trained networks: training is deterministic given ``random_state`` (tested in
   tests/test_neural.py), so :class:`SharedTrainingLIPClassifier` trains each network once and
   the modes differ only in the LIP step. "changed" counts the seeds where k="auto" changed the
   head; "oracle" is the best gain over every k chosen on the clean *test* labels (an upper
   bound for any k selection, not a result; leaving the head unchanged is not among the
   choices, so a negative oracle means every k hurts); "fit s" is the time of one real fit
   (final network + validation network + LIP, plus the transition-matrix estimate for
   "forward").

Run from the repository root: ``python -m benchmarks.bench_neural [--quick]``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import hashlib
import os
import time

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

from sklearn_lip import lip_refine
from sklearn_lip.neural import NOISY_LABEL_CRITERIA, LIPClassifier

from ._common import (
    RESULTS,
    Report,
    describe_generated,
    markdown_table,
    noisy_labels,
    split_dataset,
)

__all__ = ["SharedTrainingLIPClassifier", "main"]

LAP_MODES = ("paper", "scaled", "log")
CONFIGS = {
    "quick": dict(
        default_seeds=[0],
        default_threads=False,
        cells=[("digits", "symmetric", 0.4)],
        seeds=[0],
    ),
    "full": dict(
        default_seeds=[0, 1, 2],
        default_threads=True,
        cells=[
            ("digits", "symmetric", 0.4),
            ("digits", "symmetric", 0.2),
            ("digits", "pair", 0.3),
            ("digits", "instance", 0.3),
            ("wine", "symmetric", 0.4),
            ("gen20", "symmetric", 0.4),
        ],
        seeds=[0, 1, 2],
    ),
}


class SharedTrainingLIPClassifier(LIPClassifier):
    """LIPClassifier that trains each network once per process and reuses it.

    Networks are keyed by the criterion, the training rows' data and the seeds, all that
    decides a network here (the other parameters are fixed within a benchmark), so fits that
    differ only in ``lap`` or ``k`` share their networks. For benchmarks only.
    """

    _networks = {}

    def _train(self, task, rows):
        digest = hashlib.sha1()
        for part in (task.X, task.target, task.weight, rows):
            digest.update(np.ascontiguousarray(part).tobytes())
        key = (
            self.criterion_,
            repr(self.criterion_params),
            digest.hexdigest(),
            task.net_seed,
            task.split_seed,
        )
        if key not in self._networks:
            self._networks[key] = super()._train(task, rows)
        return self._networks[key]


def _accuracy(predicted, y):
    return float(np.mean(predicted == y))


def _body_features(net, X):
    """Output of the default MLP's body, the input of its head."""
    with torch.no_grad():
        return net.module_.body(torch.as_tensor(X, dtype=torch.float32)).double().numpy()


def oracle_gains(clf, X_train, Y_train, X_test, y_test):
    """Best test-accuracy gain over every k, per LAP mode: k chosen on the *clean test labels*.

    An upper bound on what any k selection could reach with this network, not a result.

    Returns
    -------
    gains : dict
        ``{lap: (gain in points, k)}``.
    """
    W = np.vstack([clf.raw_coef_.T, clf.raw_intercept_])
    F_train, F_test = _body_features(clf.net_, X_train), _body_features(clf.net_, X_test)

    def accuracy(weights):
        return _accuracy(clf.classes_[np.argmax(F_test @ weights[:-1] + weights[-1], 1)], y_test)

    base = accuracy(W)
    gains = {}
    for lap in LAP_MODES:
        by_k = {
            k: accuracy(lip_refine(W, F_train, Y_train, k, lap=lap, fit_intercept=True))
            for k in range(1, np.linalg.matrix_rank(W))
        }
        best = max(by_k, key=by_k.get)
        gains[lap] = (100 * (by_k[best] - base), best)
    return gains


def _defaults_rows(seeds, with_default_threads):
    """Default LIPClassifier on clean digits, with one torch thread and optionally the default."""
    rows = []
    default_threads = torch.get_num_threads()
    for threads in (default_threads, 1) if with_default_threads else (1,):
        torch.set_num_threads(threads)
        for seed in seeds:
            X_train, X_test, y_train, y_test = split_dataset("digits", seed)
            load = os.getloadavg()[0]
            start = time.perf_counter()
            clf = LIPClassifier(random_state=seed).fit(X_train, y_train)
            rows.append(
                dict(
                    torch_threads=threads,
                    seed=seed,
                    accuracy=clf.score(X_test, y_test),
                    fit_s=time.perf_counter() - start,
                    k=clf.k_,
                    load_avg_1min=load,
                )
            )
    torch.set_num_threads(default_threads)
    return pd.DataFrame(rows)


def _noisy_rows(dataset, noise, rate, seed):
    X_train, X_test, y_train, y_test = split_dataset(dataset, seed)
    y_noisy = noisy_labels(noise, rate, X_train, y_train, seed)
    rows = []
    for criterion in NOISY_LABEL_CRITERIA:
        fit_s = oracle = None
        for lap in LAP_MODES:
            clf = SharedTrainingLIPClassifier(criterion=criterion, lap=lap, random_state=seed)
            start = time.perf_counter()
            clf.fit(X_train, y_noisy)
            fit_s = fit_s or time.perf_counter() - start  # the first fit trains the networks
            raw = clf.net_.predict(X_test.astype(np.float32))
            if oracle is None:
                one_hot = np.eye(len(clf.classes_))[np.searchsorted(clf.classes_, y_noisy)]
                oracle = oracle_gains(clf, X_train, one_hot, X_test, y_test)
            rows.append(
                dict(
                    dataset=dataset,
                    noise=noise,
                    rate=rate,
                    seed=seed,
                    criterion=criterion,
                    lap=lap,
                    base=_accuracy(clf.classes_[raw], y_test),
                    lip=clf.score(X_test, y_test),
                    k=clf.k_,
                    oracle_gain=oracle[lap][0],
                    oracle_k=oracle[lap][1],
                    fit_s=fit_s,
                )
            )
    SharedTrainingLIPClassifier._networks.clear()
    return rows


def _summary(raw):
    cells = ["dataset", "noise", "rate", "criterion"]
    out = []
    for key, group in raw.groupby(cells, sort=False):
        first = group[group.lap == LAP_MODES[0]]
        row = dict(zip(cells, key))
        row["base acc"] = 100 * first.base.mean()
        row["base sd"] = 100 * first.base.std()
        for lap in LAP_MODES:
            by_lap = group[group.lap == lap]
            row[f"gain {lap}"] = 100 * (by_lap.lip - by_lap.base).mean()
            row[f"changed {lap}"] = f"{int(by_lap.k.notna().sum())}/{len(by_lap)}"
            row[f"oracle {lap}"] = by_lap.oracle_gain.mean()
        row["fit s"] = first.fit_s.mean()
        out.append(row)
    return pd.DataFrame(out)


def _conclusions(summary, raw):
    lines = ["Mean gain over all cells, in points (k='auto'):", ""]
    for lap in LAP_MODES:
        by_lap = raw[raw.lap == lap]
        lines.append(
            f"- {lap}: {summary[f'gain {lap}'].mean():+.2f}; head changed in "
            f"{int(by_lap.k.notna().sum())} of {len(by_lap)} fits; worst fit "
            f"{100 * (by_lap.lip - by_lap.base).min():+.1f}, best "
            f"{100 * (by_lap.lip - by_lap.base).max():+.1f}; oracle (k chosen on the clean "
            f"test labels, an upper bound) {summary[f'oracle {lap}'].mean():+.2f}"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits, 40% symmetric noise only")
    parser.add_argument("--full", action="store_true", help="the full grid (the default)")
    args = parser.parse_args(argv)
    name = "quick" if args.quick else "full"
    config = CONFIGS[name]
    report = Report(
        f"LIPClassifier on noisy labels ({name})",
        {
            "seeds": config["seeds"],
            "cells": config["cells"],
            "network": "LIPClassifier defaults: MLP (256, 256), Adam lr=1e-3, batch 128, "
            "50 epochs, k='auto' (validation fraction 0.2, significance 0.05)",
            "criteria": {
                "label_smoothing": "smoothing 0.1",
                "gce": "q 0.7",
                "sce": "alpha 0.1, beta 1, A -4",
                "forward": "T estimated (confident joint, 2-fold)",
            },
            "data": "70/30 stratified split per seed, standardized on the training part, noise "
            f"on training labels only, clean test labels; {describe_generated(['gen20'])}",
            "threads": "part 2 with torch.set_num_threads(1) and threadpool_limits(1); part 1 "
            f"also with torch's default ({torch.get_num_threads()} threads)",
            "machine load": "shared machine; 1-minute load average at each default fit is "
            "in the defaults table",
        },
        packages=("torch", "skorch"),
    )
    defaults = _defaults_rows(config["default_seeds"], config["default_threads"])
    rows = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            for dataset, noise, rate in config["cells"]:
                for seed in config["seeds"]:
                    rows += _noisy_rows(dataset, noise, rate, seed)
                print(f"done {dataset} {noise} {rate}", flush=True)
    finally:
        torch.set_num_threads(threads)
    raw = pd.DataFrame(rows)
    summary = _summary(raw)
    table = "\n\n".join(
        [
            "## 1. Defaults on clean digits",
            markdown_table(defaults),
            "## 2. Noisy labels: base accuracy (%) and +LIP gain (points) per LAP mode",
            markdown_table(summary, float_format="{:.2f}"),
        ]
    )
    report.write(f"neural_{name}", raw, table, [_conclusions(summary, raw)])
    defaults.to_csv(RESULTS / f"neural_{name}_defaults.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
