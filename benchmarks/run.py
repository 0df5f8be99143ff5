"""Run every benchmark in turn: ``python -m benchmarks.run --quick | --full``.

Calls ``main([flag])`` of each benchmark module in ``BENCHMARKS`` that exists, with ``--quick``
(the default) or ``--full``. A module that is missing, lacks ``main(argv)`` or needs a package
that is not installed (torch, Dask, ...) is skipped with the reason printed. A benchmark that
fails is reported with its traceback and the others still run; the exit status is then 1.
Each benchmark writes its own ``benchmarks/results/<name>_{quick,full}.{md,csv}``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib
import inspect
import sys
import time
import traceback

from ._common import RESULTS

BENCHMARKS = (
    "bench_core",
    "bench_cleaning",
    "bench_neural",
    "bench_partial",
    "bench_scale",
    "bench_cost",
)


def missing_dependency(error):
    """The third-party package whose absence caused ``error`` (through ``raise ... from``)."""
    while error is not None:
        if isinstance(error, ModuleNotFoundError) and error.name:
            root = error.name.split(".")[0]
            return None if root in (__package__, "sklearn_lip") else root
        error = error.__cause__
    return None


def load(name):
    """``(module, None)``, or ``(None, why it is skipped)``."""
    qualified = f"{__package__}.{name}"
    try:
        module = importlib.import_module(qualified)
    except ImportError as error:
        if isinstance(error, ModuleNotFoundError) and error.name == qualified:
            return None, "no such module"
        package = missing_dependency(error)
        if package is None:
            raise
        return None, f"needs {package}, which is not installed"
    try:
        inspect.signature(module.main).bind([])
    except (AttributeError, TypeError):
        return None, "has no main(argv)"
    return module, None


def run_one(module, flag):
    """Whether ``module.main([flag])`` succeeds; a failure's traceback is printed."""
    try:
        module.main([flag])
    except SystemExit as stop:  # argparse exits with status 2 on a flag it does not know
        if stop.code in (None, 0):
            return True
        traceback.print_exc()
        return False
    except Exception:  # noqa: BLE001 (report it, then run the other benchmarks)
        traceback.print_exc()
        return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="every benchmark's quick run (default)")
    mode.add_argument("--full", action="store_true", help="every benchmark's full run")
    args = parser.parse_args(argv)
    flag = "--full" if args.full else "--quick"

    started = time.time()
    outcomes = {}
    for name in BENCHMARKS:
        module, skipped = load(name)
        if skipped:
            outcomes[name] = f"skipped: {skipped}"
            print(f"== {name}: {outcomes[name]}", flush=True)
            continue
        print(f"== {name} {flag}", flush=True)
        start = time.perf_counter()
        succeeded = run_one(module, flag)
        outcomes[name] = f"done in {time.perf_counter() - start:.0f} s" if succeeded else "FAILED"

    print("\nSummary:")
    for name, outcome in outcomes.items():
        print(f"- {name}: {outcome}")
    written = sorted(p.name for p in RESULTS.glob("*") if p.stat().st_mtime >= started)
    print(f"Results written to {RESULTS}: {', '.join(written) or 'none'}")
    return 1 if "FAILED" in outcomes.values() else 0


if __name__ == "__main__":
    sys.exit(main())
