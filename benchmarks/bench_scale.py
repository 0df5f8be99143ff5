"""Benchmark LIP at scale: the fixed-k LIP step against one read of ``X``, on four engines.

Run from the repository root::

    python -m benchmarks.bench_scale --quick   # n = 100k and 300k (under a minute)
    python -m benchmarks.bench_scale           # n = 100k, 1M and 10M

Data: ``q = 100`` float32 features (uniform on [0, 1)), ``l = 20`` classes as 1-D integer
labels, a random ``W`` of shape (q + 1, l) with its bias as last row, ``k = 10``. Every block of
100,000 rows is drawn from its own seeded generator (``default_rng([seed, block])``), so the
engines see the same numbers and no engine ever needs the whole array at once. For scale: a
10M x 100 float64 array would take 8 GB, the float32 one 4 GB.

Engines, each timed on the same data with the same chunking:

- ``dask-threads``: ``dask.array`` generated block by block on Dask's threaded scheduler (2
  threads); X is never persisted, so every pass regenerates it.
- ``dask-cluster``: the same graph on a ``dask.distributed.LocalCluster`` (2 worker processes
  x 1 thread, a fresh cluster per n).
- ``memmap``: a float32 ``.npy`` file on disk opened with ``numpy.load(mmap_mode="r")``,
  written block by block (after writing it sits in the page cache; 24 GB of RAM here);
  ``lip_refine(..., chunk_size=100_000)``.
- ``csr``: a SciPy CSR matrix of density 1% (same labels), in memory, same chunk size.

Operations, per engine and n:

- ``read X``: column sums of X (for Dask: generating it) - what one read costs alone.
- ``X @ W``: the reference, one product with W reduced by column sums so that nothing of size n
  is materialized: NumPy's product block by block (``X.map_blocks`` on Dask, the same chunked
  loop ``lip_refine`` uses on the NumPy engines). On Dask, ``X @ W (dask @)`` is Dask's own
  operator; the ratio is taken to the faster of the two. Our physical limit: LIP needs one such
  product (``X U``).
- ``LIP paper`` / ``LIP scaled``: ``lip_refine(W, X, y, k=10, lap=..., fit_intercept=True)``.
- ``LIP log`` (n = 100k only, one run): keeps ``n x (min(q, l) + l)`` floats by design (in this
  process, or on the workers) and runs L-BFGS on them; ``log evaluations`` counts its objective
  evaluations, each one pass over those kept projections (not over X).

Times are the minimum over repeats (interleaved across operations, so that the load of this
shared machine hits all of them alike); ``ratio`` is the time over that of ``X @ W``. Memory is
the peak of ``tracemalloc`` during one extra run (Python-side allocations, NumPy's included;
memmap pages are not allocations), and for ``dask-cluster`` the largest RSS of a worker process
as sampled by the worker's own monitor (every 0.5 s, including the interpreter and libraries;
its value at start is in the notes). ``X passes`` counts the X blocks generated during a run of
``dask-threads`` divided by the number of blocks. BLAS is limited to 1 thread everywhere (Dask's
worker processes set this themselves). Results go to
``benchmarks/results/scale_{quick,full}.{md,csv}``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import argparse
import os
import shutil
import tempfile
import time
import tracemalloc
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
from threadpoolctl import threadpool_limits

from benchmarks._common import Report, markdown_table
from sklearn_lip import lip_refine
from sklearn_lip._lip import LAPStatistics

N_FEATURES, N_CLASSES, K, CHUNK, SEED = 100, 20, 10, 100_000, 0
LOG_MAX_N = 100_000

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
    """name -> callable on one engine's data. Every name starting with "X @ W" is a reference."""
    if isinstance(X, da.Array):
        n_blocks = X.numblocks[0]
        ops = {
            "read X": lambda: X.sum(axis=0).compute(),
            "X @ W (dask @)": lambda: (X @ W[:-1]).sum(axis=0).compute(),
            "X @ W": lambda: (
                X.map_blocks(
                    _product_sums, W[:-1], chunks=((1,) * n_blocks, (N_CLASSES,)), dtype=float
                )
                .sum(axis=0)
                .compute()
            ),
        }
    else:
        ops = {
            "read X": lambda: sum(np.asarray(X[rows].sum(axis=0)) for rows in _batches(n)),
            "X @ W": lambda: sum(_product_sums(X[rows], W[:-1]) for rows in _batches(n)),
        }
    chunk = None if isinstance(X, da.Array) else CHUNK
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


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def traced_peak_mb(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


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


def best_times(ops, repeats):
    """Minimum time per operation over interleaved repeats (the log mode runs once)."""
    best, results, passes, evaluations = {}, {}, {}, {}
    for repeat in range(repeats):
        for name, func in ops.items():
            if name == "LIP log" and repeat:
                continue
            _reads.clear()
            seconds, results[name] = timed(func)
            best[name] = min(best.get(name, np.inf), seconds)
            passes[name] = len(_reads)
    if "LIP log" in ops:
        evaluations["LIP log"] = counting_log_evaluations(ops["LIP log"])
    return best, results, passes, evaluations


def run_local(engine, ops, repeats, n_blocks):
    """Times, X passes (threaded Dask), log evaluations, then one traced run per operation."""
    best, results, passes, evaluations = best_times(ops, repeats)
    rows = [
        {
            "engine": engine,
            "op": name,
            "seconds": best[name],
            "X passes": passes[name] / n_blocks if engine == "dask-threads" else np.nan,
            "log evaluations": evaluations.get(name, np.nan),
            "memory_mb": traced_peak_mb(func),
        }
        for name, func in ops.items()
    ]
    return rows, results


def _sampled_peak_rss_mb(dask_worker):
    """The largest RSS the worker's own monitor has sampled (every 0.5 s by default)."""
    return max(dask_worker.monitor.quantities["memory"]) / 2**20


def run_cluster(ops, repeats):
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
        fixed_k = {name: func for name, func in ops.items() if name != "LIP log"}
        best, results, _, _ = best_times(fixed_k, repeats)
        time.sleep(1)  # let the monitors take one more sample
        memory = dict.fromkeys(fixed_k, max(client.run(_sampled_peak_rss_mb).values()))
        if "LIP log" in ops:
            best["LIP log"], results["LIP log"] = timed(ops["LIP log"])
            time.sleep(1)
            memory["LIP log"] = max(client.run(_sampled_peak_rss_mb).values())
    rows = [
        {
            "engine": "dask-cluster",
            "op": name,
            "seconds": best[name],
            "X passes": np.nan,
            "log evaluations": np.nan,
            "memory_mb": memory[name],
        }
        for name in ops
    ]
    return rows, results, start_rss


def rel_diff(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 100k and 300k only")
    parser.add_argument("--full", action="store_true", help="the full grid (the default)")
    args = parser.parse_args(argv)
    sizes = [100_000, 300_000] if args.quick else [100_000, 1_000_000, 10_000_000]
    repeats = {100_000: 3, 300_000: 3, 1_000_000: 3, 10_000_000: 2}
    W = np.random.default_rng([SEED, 3]).normal(size=(N_FEATURES + 1, N_CLASSES))
    report = Report(
        f"LIP at scale ({'quick' if args.quick else 'full'})",
        {
            "data": f"q={N_FEATURES} float32 features (uniform), l={N_CLASSES} classes "
            f"(1-D labels), k={K}, fit_intercept=True, blocks of {CHUNK} rows, "
            f"seed {SEED} (one generator per block)",
            "repeats": "3 (n <= 1M), 2 (n = 10M), 1 for the log mode; times are minima; "
            "tracemalloc memory from one more run",
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
            with threadpool_limits(1), dask.config.set(scheduler="threads", num_workers=2):
                found, results = run_local(
                    "dask-threads", operations(X_dask, y_dask, W, n), repeats[n], n_blocks
                )
                engine_rows += found
                by_engine["dask-threads"] = results
            found, results, start_rss = run_cluster(operations(X_dask, y_dask, W, n), repeats[n])
            engine_rows += found
            by_engine["dask-cluster"] = results
            notes.append(
                f"dask-cluster, n={n}: largest worker RSS sampled at start {start_rss:.0f} MB."
            )
            with threadpool_limits(1):
                X, y = memmap_data(n, folder)
                found, results = run_local("memmap", operations(X, y, W, n), repeats[n], 1)
                engine_rows += found
                by_engine["memmap"] = results
                del X
                os.remove(Path(folder) / f"X_{n}.npy")
                X, y = csr_data(n)
                found, _ = run_local("csr", operations(X, y, W, n), repeats[n], 1)
                engine_rows += found
                del X, y
            for row in engine_rows:
                row["n"] = n
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
    reference = frame[frame.op.str.startswith("X @ W")].groupby(["engine", "n"])["seconds"].min()
    frame["ratio"] = (
        frame["seconds"].to_numpy() / reference.loc[list(zip(frame.engine, frame.n))].to_numpy()
    )
    frame = frame[
        ["engine", "n", "op", "seconds", "ratio", "X passes", "log evaluations", "memory_mb"]
    ]
    report.settings["load average at end"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    table = markdown_table(frame, float_format="{:.3g}")
    check_table = "Largest relative difference of the refined W between engines:\n\n" + (
        markdown_table(pd.DataFrame(checks), float_format="{:.1e}")
    )
    report.write(f"scale_{'quick' if args.quick else 'full'}", frame, table, [check_table, *notes])


if __name__ == "__main__":
    main()
