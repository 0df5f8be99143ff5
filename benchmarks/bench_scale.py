"""Benchmark LIP at scale: the fixed-k LIP step against one product ``X @ W``, on six engines.

Run from the repository root::

    python -m benchmarks.bench_scale --quick   # n = 200k (about two minutes)
    python -m benchmarks.bench_scale           # n = 200k, 1M and 10M

Data: ``q = 100`` features (uniform on [0, 1)), ``l = 20`` classes as 1-D integer labels, a
random ``W`` of shape (q + 1, l) with its bias as last row, ``k = 10``. Every block of 100,000
rows is drawn from its own seeded generator (``default_rng([seed, block])``), so the float32
engines see the same numbers and no engine ever needs the whole array at once. For scale: a 10M
x 100 float64 array would take 8 GB, the float32 one 4 GB.

Engines, each timed with its own reference product on the same data:

- ``dense``: a float64 NumPy array in memory (n <= 1M), ``lip_refine(..., chunk_size=None)``.
- ``dense-f32``: the float32 array in memory (n <= 1M); LIP computes its product in float32.
- ``memmap``: a float32 ``.npy`` file opened with ``numpy.load(mmap_mode="r")``, written block
  by block (after writing it sits in the page cache); ``chunk_size=100_000``.
- ``csr``: a SciPy CSR matrix of density 1% (about one non-zero per row), float64, in memory,
  ``chunk_size=100_000``.
- ``dask-threads``: ``dask.array`` generated block by block on Dask's threaded scheduler (2
  threads); X is never persisted, so every pass regenerates it.
- ``dask-cluster``: the same graph on a ``dask.distributed.LocalCluster`` (2 worker processes
  x 1 thread, a fresh cluster per n).

Operations, per engine and n:

- ``X @ W``: the reference, one product with ``W`` in X's precision (``W`` rounded to float32
  for float32 X). In memory: ``X @ W`` as one NumPy call (``n x l`` result); memmap: the same
  product block by block, reduced by column sums so that nothing of size n is kept; Dask: the
  blockwise NumPy product, and Dask's own ``@`` operator (``X @ W (dask @)``), each reduced by
  column sums. The ratio is taken to the fastest reference of the engine.
- ``LIP paper`` / ``LIP scaled``: ``lip_refine(W, X, y, k=10, lap=..., fit_intercept=True)``.
- ``LIP log`` (n = 200k only, one run): keeps ``n x (min(q, l) + l)`` floats by design and runs
  L-BFGS on them; ``log evaluations`` counts its objective evaluations.

Every repeat runs all operations of an engine one after the other (interleaved), so the load of
this shared machine hits them alike; ``ratio`` is the median over repeats of the LIP time over
the reference time *of the same repeat*, ``seconds`` the median time. Memory is the peak of
``tracemalloc`` during one extra run (Python-side allocations, NumPy's included; memmap pages
are not allocations), and for ``dask-cluster`` the largest RSS of a worker process as sampled by
the worker's own monitor (every 0.5 s, including the interpreter and libraries; its value at
start is in the notes). ``X passes`` counts the X blocks generated during a run of
``dask-threads`` divided by the number of blocks. BLAS is limited to 1 thread everywhere (Dask's
worker processes set this themselves). Results go to
``benchmarks/results/scale_{quick,full}.{md,csv}``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from unittest import mock

import dask
import dask.array as da
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster
from scipy import sparse
from sklearn.utils import gen_batches

from sklearn_lip import lip_refine
from sklearn_lip._lip import LAPStatistics  # counts the log mode's objective evaluations

from ._common import (
    Report,
    markdown_table,
    parse_args,
    single_threaded,
    timed,
    traced_peak_mb,
)

__all__ = ["main"]

N_FEATURES, N_CLASSES, K, CHUNK, SEED = 100, 20, 10, 100_000, 0
LOG_MAX_N = 200_000
DENSE_MAX_N = 1_000_000  # in-memory engines: 8 GB of float64 at 10M rows

# X blocks generated in this process, counted for the threaded scheduler (list.append is
# atomic; worker processes of the cluster append to their own copy).
_reads = []


def _x_block(index, n_rows):
    _reads.append(index)
    return np.random.default_rng([SEED, index]).random((n_rows, N_FEATURES), dtype=np.float32)


def _y_block(index, n_rows):
    return np.random.default_rng([SEED, 1, index]).integers(0, N_CLASSES, n_rows)


def _dask_block(make, block_info=None):
    info = block_info[None]
    return make(info["chunk-location"][0], info["chunk-shape"][0])


def dask_data(n):
    rows = tuple(len(range(*b.indices(n))) for b in gen_batches(n, CHUNK))
    X = da.map_blocks(
        _dask_block, _x_block, chunks=(rows, (N_FEATURES,)), dtype=np.float32, name=f"X-{n}"
    )
    y = da.map_blocks(_dask_block, _y_block, chunks=(rows,), dtype=np.int64, name=f"y-{n}")
    return X, y


def memmap_data(n, folder):
    path = Path(folder) / f"X_{n}.npy"
    X = np.lib.format.open_memmap(path, "w+", np.float32, (n, N_FEATURES))
    for index, rows in enumerate(gen_batches(n, CHUNK)):
        X[rows] = _x_block(index, rows.stop - rows.start)
    X.flush()
    del X
    return np.load(path, mmap_mode="r"), labels(n)


def dense_data(n, dtype):
    """The memmap's float32 numbers, in memory, as ``dtype``."""
    X = np.empty((n, N_FEATURES), dtype=dtype)
    for index, rows in enumerate(gen_batches(n, CHUNK)):
        X[rows] = _x_block(index, rows.stop - rows.start)
    return X, labels(n)


def csr_data(n):
    blocks = [
        sparse.random(
            rows.stop - rows.start,
            N_FEATURES,
            density=0.01,
            format="csr",
            random_state=np.random.default_rng([SEED, 2, index]),
        )
        for index, rows in enumerate(gen_batches(n, CHUNK))
    ]
    return sparse.vstack(blocks, format="csr"), labels(n)


def labels(n):
    return np.concatenate(
        [_y_block(i, rows.stop - rows.start) for i, rows in enumerate(gen_batches(n, CHUNK))]
    )


def operations(X, y, W, n):
    """Map each operation's name to a callable on one engine's data.

    Every name starting with "X @ W" is a reference.
    """
    product_W = W[:-1].astype(np.float32 if X.dtype == np.float32 else np.float64)
    if isinstance(X, da.Array):
        n_blocks = X.numblocks[0]
        ops = {
            "X @ W (dask @)": lambda: (X @ product_W).sum(axis=0).compute(),
            "X @ W": lambda: (
                X.map_blocks(
                    _product_sums, product_W, chunks=((1,) * n_blocks, (N_CLASSES,)), dtype=float
                )
                .sum(axis=0)
                .compute()
            ),
        }
        chunk = None
    elif isinstance(X, np.memmap):
        ops = {"X @ W": lambda: sum(_product_sums(X[rows], product_W) for rows in _batches(n))}
        chunk = CHUNK
    else:
        ops = {"X @ W": lambda: X @ product_W}
        chunk = CHUNK if sparse.issparse(X) else None
    laps = ["paper", "scaled"] + (["log"] if n <= LOG_MAX_N else [])
    for lap in laps:
        ops[f"LIP {lap}"] = lambda lap=lap: lip_refine(
            W, X, y, K, lap=lap, fit_intercept=True, chunk_size=chunk
        )
    return ops


def _product_sums(block, W):
    """Column sums of ``block @ W``: one product, nothing of the block's length kept."""
    return (block @ W).sum(axis=0, keepdims=True)


def _batches(n):
    return gen_batches(n, CHUNK)


def counting_log_evaluations(func):
    """Run ``func``; return how many times the "log" objective was evaluated meanwhile."""
    calls = []
    original = LAPStatistics.log_objective

    def log_objective(self, k):
        objective = original(self, k)

        def counted(sigma):
            calls.append(sigma)
            return objective(sigma)

        return counted

    with mock.patch.object(LAPStatistics, "log_objective", log_objective):
        func()
    return len(calls)


def interleaved_times(ops, repeats):
    """Per operation: median time, median ratio to the same repeat's reference, X passes.

    The log mode runs once (its ratio is to the first repeat's reference).
    """
    times = {name: [] for name in ops}
    ratios = {name: [] for name in ops}
    results, passes = {}, {}
    for repeat in range(repeats):
        this_repeat = {}
        for name, func in ops.items():
            if name == "LIP log" and repeat:
                continue
            _reads.clear()
            this_repeat[name], results[name] = timed(func)
            passes[name] = len(_reads)
        reference = min(t for name, t in this_repeat.items() if name.startswith("X @ W"))
        for name, seconds in this_repeat.items():
            times[name].append(seconds)
            ratios[name].append(seconds / reference)
    summary = {
        name: (float(np.median(times[name])), float(np.median(ratios[name]))) for name in ops
    }
    return summary, results, passes


def _rows(engine, n, summary, memory, passes=None, evaluations=None):
    return [
        {
            "engine": engine,
            "n": n,
            "op": name,
            "seconds": seconds,
            "ratio": ratio,
            "repeats": repeats,
            "X passes": passes.get(name, np.nan) if passes else np.nan,
            "log evaluations": (evaluations or {}).get(name, np.nan),
            "memory_mb": memory[name],
        }
        for name, (seconds, ratio, repeats) in summary.items()
    ]


def run_local(engine, n, ops, repeats, n_blocks):
    """Interleaved times, X passes (threaded Dask), log evaluations, one traced run per op."""
    summary, results, passes = interleaved_times(ops, repeats)
    summary = {
        name: (*value, 1 if name == "LIP log" else repeats) for name, value in summary.items()
    }
    evaluations = {}
    if "LIP log" in ops:
        evaluations["LIP log"] = counting_log_evaluations(ops["LIP log"])
    memory = {name: traced_peak_mb(func) for name, func in ops.items()}
    if engine == "dask-threads":
        passes = {name: count / n_blocks for name, count in passes.items()}
    else:
        passes = None
    return _rows(engine, n, summary, memory, passes, evaluations), results


def _sampled_peak_rss_mb(dask_worker):
    """The largest RSS the worker's own monitor has sampled (every 0.5 s by default)."""
    return max(dask_worker.monitor.quantities["memory"]) / 2**20


def run_cluster(n, ops, repeats):
    """Like ``run_local`` on a fresh LocalCluster; memory is the workers' sampled peak RSS."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
    with cluster, Client(cluster) as client:
        start_rss = max(client.run(_sampled_peak_rss_mb).values())
        summary, results, _ = interleaved_times(ops, repeats)
        time.sleep(1)  # let the monitors take one more sample
        memory = dict.fromkeys(ops, max(client.run(_sampled_peak_rss_mb).values()))
    summary = {
        name: (*value, 1 if name == "LIP log" else repeats) for name, value in summary.items()
    }
    return _rows("dask-cluster", n, summary, memory), results, start_rss


def rel_diff(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def summary_table(frame):
    """One row per engine and n: the reference product and the LIP steps with their ratios."""
    rows = []
    for (engine, n), part in frame.groupby(["engine", "n"], sort=False):
        ops = part.set_index("op")
        reference = ops[ops.index.str.startswith("X @ W")]["seconds"].min()
        row = {"engine": engine, "n": n, "X @ W (s)": reference}
        for lap in ("paper", "scaled", "log"):
            name = f"LIP {lap}"
            row[f"{lap} (s)"] = ops["seconds"].get(name, np.nan)
            row[f"{lap} ratio"] = ops["ratio"].get(name, np.nan)
        row["paper memory (MB)"] = ops["memory_mb"].get("LIP paper", np.nan)
        row["repeats"] = int(ops["repeats"].get("LIP paper", 0))
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None):
    """Run the scale benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {"quick": "n = 200k only", "full": "the full grid (the default)"},
        default="full",
    )
    sizes = [200_000] if args.mode == "quick" else [200_000, 1_000_000, 10_000_000]
    repeats = {200_000: 9, 1_000_000: 5, 10_000_000: 3}
    W = np.random.default_rng([SEED, 3]).normal(size=(N_FEATURES + 1, N_CLASSES))
    report = Report(
        f"LIP at scale ({args.mode})",
        {
            "data": f"q={N_FEATURES} features (uniform), l={N_CLASSES} classes "
            f"(1-D labels), k={K}, fit_intercept=True, blocks of {CHUNK} rows, "
            f"seed {SEED} (one generator per block); in-memory engines up to n={DENSE_MAX_N}",
            "repeats": ", ".join(f"{r} (n = {n})" for n, r in repeats.items() if n in sizes)
            + ", 1 for the log mode; seconds and ratios are medians over repeats, each ratio "
            "taken to the reference of the same repeat; tracemalloc memory from one more run",
            "threads": "Dask: 2 threads or 2 worker processes x 1 thread; BLAS 1 thread",
            "load average at start": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        },
        packages=("dask", "distributed", "dask-ml"),
    )
    rows, checks, notes = [], [], []
    folder = tempfile.mkdtemp(prefix="bench_scale_")
    try:
        for n in sizes:
            X_dask, y_dask = dask_data(n)
            n_blocks = X_dask.numblocks[0]
            engine_rows, by_engine = [], {}
            with single_threaded():
                if n <= DENSE_MAX_N:
                    for engine, dtype in (("dense", np.float64), ("dense-f32", np.float32)):
                        X, y = dense_data(n, dtype)
                        found, _ = run_local(engine, n, operations(X, y, W, n), repeats[n], 1)
                        engine_rows += found
                        del X, y
                X, y = memmap_data(n, folder)
                found, by_engine["memmap"] = run_local(
                    "memmap", n, operations(X, y, W, n), repeats[n], 1
                )
                engine_rows += found
                del X
                os.remove(Path(folder) / f"X_{n}.npy")
                X, y = csr_data(n)
                found, _ = run_local("csr", n, operations(X, y, W, n), repeats[n], 1)
                engine_rows += found
                del X, y
            with single_threaded(), dask.config.set(scheduler="threads", num_workers=2):
                found, by_engine["dask-threads"] = run_local(
                    "dask-threads", n, operations(X_dask, y_dask, W, n), repeats[n], n_blocks
                )
                engine_rows += found
            found, by_engine["dask-cluster"], start_rss = run_cluster(
                n, operations(X_dask, y_dask, W, n), repeats[n]
            )
            engine_rows += found
            notes.append(
                f"dask-cluster, n={n}: largest worker RSS sampled at start {start_rss:.0f} MB."
            )
            rows += engine_rows
            for lap in ["paper", "scaled", "log"]:
                name = f"LIP {lap}"
                if name in by_engine["memmap"]:
                    reference = by_engine["memmap"][name]
                    checks.append(
                        {
                            "n": n,
                            "lap": lap,
                            **{
                                f"{engine} vs memmap": rel_diff(by_engine[engine][name], reference)
                                for engine in ("dask-threads", "dask-cluster")
                            },
                        }
                    )
            print(pd.DataFrame(engine_rows).to_string(), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    frame = pd.DataFrame(rows)
    report.settings["load average at end"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    summary = summary_table(frame)
    table = markdown_table(summary, float_format="{:.3g}")
    detail = "Every operation (seconds and ratios are medians over the repeats):\n\n" + (
        markdown_table(frame, float_format="{:.3g}")
    )
    check_table = "Largest relative difference of the refined W between engines:\n\n" + (
        markdown_table(pd.DataFrame(checks), float_format="{:.1e}")
    )
    report.write(f"scale_{args.mode}", frame, table, [detail, check_table, *notes])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
