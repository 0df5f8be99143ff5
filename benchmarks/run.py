"""Run every benchmark in turn: ``python -m benchmarks.run --quick | --full``.

Runs ``python -m benchmarks.<name> --quick`` (the default) or ``--full`` for each module in
``BENCHMARKS``, ``--jobs`` of them at a time (default 2, one per core of the machines we target;
every benchmark limits itself to one BLAS thread, so each time ratio it reports is measured inside
one single-threaded process). A module that is missing, lacks ``main(argv)`` or needs a package
that is not installed (torch, Dask, ...) is skipped with the reason printed. A benchmark that
fails is reported with its output and the others still run; the exit status is then 1. Each
benchmark writes its own ``benchmarks/results/<name>_{quick,full}.{md,csv}``; its printed output
is shown when it ends.
"""

# SPDX-License-Identifier: BSD-3-Clause

import importlib
import inspect
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from ._common import RESULTS, parse_args

BENCHMARKS = (
    "bench_core",
    "bench_cleaning",
    "bench_neural",
    "bench_partial",
    "bench_scale",
    "bench_cost",
    "bench_small",
)


def missing_dependency(error):
    """The third-party package whose absence caused ``error`` (through ``raise ... from``)."""
    while error is not None:
        if isinstance(error, ModuleNotFoundError) and error.name:
            root = error.name.split(".")[0]
            return None if root in (__package__, "sklearn_lip") else root
        error = error.__cause__
    return None


def skip_reason(name):
    """Why benchmark ``name`` cannot run here, or None when it can (its module imports)."""
    qualified = f"{__package__}.{name}"
    try:
        module = importlib.import_module(qualified)
    except ImportError as error:
        if isinstance(error, ModuleNotFoundError) and error.name == qualified:
            return "no such module"
        package = missing_dependency(error)
        if package is None:
            raise
        return f"needs {package}, which is not installed"
    try:
        inspect.signature(module.main).bind([])
    except (AttributeError, TypeError):
        return "has no main(argv)"
    return None


def run_one(name, flag):
    """Run one benchmark in its own interpreter: ``(succeeded, seconds, printed output)``."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"{__package__}.{name}", flag],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0, time.perf_counter() - start, done.stdout + done.stderr


def main(argv=None):
    """Run every benchmark's quick or full mode, two at a time; 1 if one failed, else 0."""
    args = parse_args(
        argv,
        __doc__,
        {"quick": "every benchmark's quick run (default)", "full": "every benchmark's full run"},
        default="quick",
        jobs=(2, "benchmarks run at the same time"),
    )
    flag = f"--{args.mode}"

    started = time.time()
    wall = time.perf_counter()
    outcomes = {}
    runnable = []
    for name in BENCHMARKS:
        skipped = skip_reason(name)
        if skipped:
            outcomes[name] = f"skipped: {skipped}"
            print(f"== {name}: {outcomes[name]}", flush=True)
        else:
            runnable.append(name)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, name, flag): name for name in runnable}
        for future in as_completed(futures):
            name = futures[future]
            succeeded, seconds, output = future.result()
            outcomes[name] = f"done in {seconds:.0f} s" if succeeded else "FAILED"
            print(f"== {name} {flag}: {outcomes[name]}\n{output}", flush=True)

    print(f"\nSummary ({args.jobs} at a time, {time.perf_counter() - wall:.0f} s in all):")
    for name in BENCHMARKS:
        print(f"- {name}: {outcomes[name]}")
    written = sorted(p.name for p in RESULTS.glob("*") if p.stat().st_mtime >= started)
    print(f"Results written to {RESULTS}: {', '.join(written) or 'none'}")
    return 1 if "FAILED" in outcomes.values() else 0


if __name__ == "__main__":
    sys.exit(main())
