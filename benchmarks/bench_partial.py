"""LIPClassifier on candidate sets: each partial-label criterion, base vs +LIP per LAP mode.

For every dataset x ambiguity x seed: candidate sets from ``PartialLabelNoise(ambiguity)`` on
the training rows (70/30 stratified split, standardized); test accuracy on the *true* labels.
The methods:

- ``cc`` and ``proden``: LIPClassifier with that criterion on the candidate matrix;
- ``naive``: one candidate drawn uniformly per row, then LIPClassifier with cross-entropy.

Each method is fitted with ``k="auto"`` under each LAP mode; the LAP modes share the trained
networks (:class:`SharedTrainingLIPClassifier`).
"base" is the raw head's accuracy, each "gain" the refined head's minus it (points), "changed"
how many seeds k="auto" changed the head, "oracle" the best gain over every k chosen on the
clean test labels (an upper bound, not a result; "unchanged" is not among the choices, so a
negative oracle means every k hurts), "fit s" the time of one real fit. The last lines report
the package defaults (``criterion="auto"``, ``lap="auto"``) on the same networks.

Run from the repository root: ``python -m benchmarks.bench_partial [--quick]``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import hashlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from sklearn_lip import LIPClassifier, PartialLabelNoise

# The private training hook that the shared networks replace.
from sklearn_lip.neural._training import Trainer

from ._common import (
    Report,
    describe_generated,
    markdown_table,
    parse_args,
    single_threaded,
    split_dataset,
    timed,
)
from ._networks import LAP_MODES, oracle_gains

__all__ = ["main"]


@dataclass
class SharedTrainer(Trainer):
    """A :class:`~sklearn_lip.neural._training.Trainer` that trains each network once.

    Its trainings are keyed by the criterion, the task's data, the rows and the seeds, all that
    decides a network here (the other parameters are fixed within a benchmark).
    """

    criterion: object = None

    trainings: ClassVar[dict] = {}

    def fit_network(self, task, rows, role):
        digest = hashlib.sha1()
        for part in (task.X, task.target, task.weight, rows):
            digest.update(np.ascontiguousarray(part).tobytes())
        key = (repr(self.criterion), digest.hexdigest(), task.net_seed, task.split_seed, role)
        if key not in self.trainings:
            self.trainings[key] = super().fit_network(task, rows, role)
        return self.trainings[key]


class SharedTrainingLIPClassifier(LIPClassifier):
    """LIPClassifier whose fits that differ only in ``lap`` or ``k`` share their networks.

    For benchmarks only: it overrides LIPClassifier's private ``_trainer`` hook.
    """

    def _trainer(self):
        return SharedTrainer(**vars(super()._trainer()), criterion=self.criterion)


METHODS = ("cc", "proden", "naive")
CONFIGS = {
    "quick": dict(datasets=["digits", "wine"], ambiguities=[0.3], seeds=[0]),
    "full": dict(
        datasets=["digits", "wine", "gen20"], ambiguities=[0.1, 0.3, 0.5], seeds=[0, 1, 2]
    ),
}


def _one_candidate(candidates, rng):
    """One class per row, uniformly among its candidates (the largest of iid uniforms)."""
    return np.argmax(rng.random_sample(candidates.shape) * candidates, axis=1)


def _rows(dataset, ambiguity, seed):
    X_train, X_test, y_train, y_test = split_dataset(dataset, seed)
    _, candidates = PartialLabelNoise(ambiguity, random_state=seed).fit_resample(X_train, y_train)
    naive = _one_candidate(candidates, np.random.RandomState(seed))
    rows = []
    for method in METHODS:
        target = naive if method == "naive" else candidates
        Y = np.eye(candidates.shape[1])[naive] if method == "naive" else candidates
        criterion = "ce" if method == "naive" else method
        fit_s = oracle = None
        for lap in LAP_MODES:
            clf = SharedTrainingLIPClassifier(criterion=criterion, lap=lap, random_state=seed)
            seconds, _ = timed(clf.fit, X_train, target)
            fit_s = fit_s or seconds  # the first fit trains the networks
            raw = clf.classes_[clf.net_.predict(X_test.astype(np.float32))]
            if oracle is None:
                oracle = oracle_gains(clf, X_train, Y, X_test, y_test)
            rows.append(
                dict(
                    dataset=dataset,
                    ambiguity=ambiguity,
                    seed=seed,
                    method=method,
                    lap=lap,
                    mean_candidates=float(candidates.sum(axis=1).mean()),
                    base=float(np.mean(raw == y_test)),
                    lip=clf.score(X_test, y_test),
                    k=clf.k_,
                    oracle_gain=oracle[lap][0],
                    oracle_k=oracle[lap][1],
                    fit_s=fit_s,
                )
            )
    # The package defaults (criterion="auto", lap="auto"): networks come from the cache.
    default = SharedTrainingLIPClassifier(random_state=seed).fit(X_train, candidates)
    trained = next(r for r in rows if r["method"] == default.criterion_)
    rows.append(
        {
            **trained,
            "method": f"defaults ({default.criterion_}, {default.lap_})",
            "lap": default.lap_,
            "lip": default.score(X_test, y_test),
            "k": default.k_,
        }
    )
    SharedTrainer.trainings.clear()
    return rows


def _summary(raw):
    cells = ["dataset", "ambiguity", "method"]
    out = []
    for key, group in raw.groupby(cells, sort=False):
        first = group[group.lap == LAP_MODES[0]]
        row = dict(zip(cells, key, strict=True))
        row["candidates"] = first.mean_candidates.mean()
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
    lines = ["Mean over cells, in points:", ""]
    for method in METHODS:
        part = summary[summary.method == method]
        gains = ", ".join(f"{lap} {part[f'gain {lap}'].mean():+.2f}" for lap in LAP_MODES)
        oracles = ", ".join(f"{lap} {part[f'oracle {lap}'].mean():+.2f}" for lap in LAP_MODES)
        lines.append(
            f"- {method}: base {part['base acc'].mean():.2f}%; +LIP gain {gains}; oracle {oracles}"
        )
    lines += ["", "Base accuracy, method minus naive (points, mean over cells):", ""]
    naive = summary[summary.method == "naive"].set_index(["dataset", "ambiguity"])["base acc"]
    for method in METHODS[:2]:
        part = summary[summary.method == method].set_index(["dataset", "ambiguity"])["base acc"]
        lines.append(f"- {method}: {(part - naive).mean():+.2f}")
    defaults = raw[raw.method.str.startswith("defaults")]
    lines += ["", "Package defaults (test accuracy on true labels, fit time with one thread):", ""]
    for (dataset, ambiguity, method), part in defaults.groupby(
        ["dataset", "ambiguity", "method"], sort=False
    ):
        lines.append(
            f"- {dataset}, ambiguity {ambiguity}, {method}: {100 * part.lip.mean():.2f}% "
            f"(min {100 * part.lip.min():.2f}%), fit {part.fit_s.mean():.1f} s"
        )
    return "\n".join(lines)


def main(argv=None):
    """Run the partial-label benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {"quick": "digits and wine, ambiguity 0.3", "full": "the full grid (the default)"},
        default="full",
    )
    name = args.mode
    config = CONFIGS[name]
    report = Report(
        f"LIPClassifier on candidate sets ({name})",
        {
            "seeds": config["seeds"],
            "datasets": config["datasets"],
            "ambiguities": config["ambiguities"],
            "network": "LIPClassifier defaults: MLP (256, 256), Adam lr=1e-3, batch 128, at "
            "most 50 epochs, early stopping on 20% of the rows (scored on their candidate "
            "sets, patience 10) then a refit on every row, k='auto' validated on the same "
            "held-out rows (significance 0.05)",
            "data": "70/30 stratified split per seed, standardized on the training part, "
            "candidate sets on training rows only (PartialLabelNoise(ambiguity, "
            "random_state=seed)), test accuracy on true labels; "
            f"{describe_generated(['gen20'])}",
            "threads": "torch.set_num_threads(1) and threadpool_limits(1)",
        },
        packages=("torch", "skorch"),
    )
    rows = []
    with single_threaded():
        for dataset in config["datasets"]:
            for ambiguity in config["ambiguities"]:
                for seed in config["seeds"]:
                    rows += _rows(dataset, ambiguity, seed)
                print(f"done {dataset} {ambiguity}", flush=True)
    raw = pd.DataFrame(rows)
    summary = _summary(raw[raw.method.isin(METHODS)])
    table = markdown_table(summary, float_format="{:.2f}")
    report.write(f"partial_{name}", raw, table, [_conclusions(summary, raw)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
