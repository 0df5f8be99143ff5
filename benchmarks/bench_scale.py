"""Benchmark LIP at scale: the fixed-k LIP step against one product ``X @ W``, on six engines.

Run from the repository root::

    python -m benchmarks.bench_scale --quick   # n = 200k (about two minutes)
    python -m benchmarks.bench_scale           # n = 200k, 1M and 10M
    python -m benchmarks.bench_scale --labels [--quick]   # the label-issue section only

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

Label issues (``--labels``, written to ``scale_labels_{quick,full}.{md,csv}``): ``pred_probs``
of ``n = 800k`` rows (``--quick``: 100k) x 12 classes, float64, 20% of the labels flipped, in
blocks of 50,000 rows (10,000), each drawn from its own generator. ``find_label_issues`` with
cleanlab's default rule and with ``filter_by="low_self_confidence",
return_indices_ranked_by="self_confidence"``, on the array in memory, on a memmap and on a
Dask array generated block by block (threaded scheduler, 2 threads), against
``cleanlab.filter.find_label_issues`` (in memory, ``n_jobs=1``) and
``cleanlab.experimental.label_issues_batched.find_label_issues_batched`` (on the memmap,
``batch_size`` = the block size, ``n_jobs=1``; it approximates the second rule). Time is the
median over repeats, memory the ``tracemalloc`` peak of one more run as a ratio to the bytes of
``pred_probs``; ``identical`` compares the rows (the mask, or the ranked indices) with ours in
memory. One more row times ``lip_refine`` on a CSR ``X`` (200k x 2000, density 1%, 20 classes,
``k=5``; ``--quick``: 20k rows) with one-hot 2-D ``Y`` and with 1-D labels, as a ratio to one
product ``X @ W`` (measurement only).
"""

# SPDX-License-Identifier: BSD-3-Clause

import functools
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
from sklearn_lip.cleaning import find_label_issues

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


LABEL_CLASSES, LABEL_NOISE = 12, 0.2
LABEL_RULES = {
    "default (prune_by_noise_rate)": {},
    "low_self_confidence, ranked": {
        "filter_by": "low_self_confidence",
        "return_indices_ranked_by": "self_confidence",
    },
}


def _proba_block(index, n_rows):
    """Predicted probabilities of one block and its given labels (20% of them flipped)."""
    rng = np.random.default_rng([SEED, 4, index])
    truth = rng.integers(0, LABEL_CLASSES, n_rows)
    proba = rng.normal(size=(n_rows, LABEL_CLASSES))  # the logits, turned into probabilities
    proba *= 1.5  # in place: a Dask block costs one block of memory while it is generated
    proba[np.arange(n_rows), truth] += 3
    np.exp(proba, out=proba)
    proba /= proba.sum(axis=1, keepdims=True)
    flip = rng.random(n_rows) < LABEL_NOISE
    labels = np.where(flip, rng.integers(0, LABEL_CLASSES, n_rows), truth)
    return proba, labels


def label_data(n, chunk, folder):
    """The same probabilities in memory, as a memmap and as a Dask array; the labels."""
    rows = list(gen_batches(n, chunk))
    parts = [_proba_block(index, s.stop - s.start) for index, s in enumerate(rows)]
    proba = np.concatenate([part for part, _ in parts])
    labels = np.concatenate([part for _, part in parts])
    path = Path(folder) / "pred_probs.npy"
    np.save(path, proba)
    sizes = tuple(s.stop - s.start for s in rows)
    dask_proba = da.map_blocks(
        lambda block_info=None: _proba_block(
            block_info[None]["chunk-location"][0], block_info[None]["chunk-shape"][0]
        )[0],
        chunks=(sizes, (LABEL_CLASSES,)),
        dtype=np.float64,
    )
    return proba, np.load(path, mmap_mode="r"), dask_proba, labels


def label_issue_rows(n, chunk, repeats, folder):
    """Time, memory and identity of every engine on both rules."""
    from cleanlab.experimental.label_issues_batched import find_label_issues_batched
    from cleanlab.filter import find_label_issues as cleanlab_find_label_issues

    proba, memmap, dask_proba, labels = label_data(n, chunk, folder)
    engines = {
        "sklearn-lip, in memory": lambda kw: find_label_issues(labels, proba, **kw),
        "sklearn-lip, memmap": lambda kw: find_label_issues(labels, memmap, **kw),
        "sklearn-lip, Dask": lambda kw: find_label_issues(labels, dask_proba, **kw),
        "cleanlab find_label_issues": lambda kw: cleanlab_find_label_issues(
            labels, proba, n_jobs=1, **kw
        ),
    }
    rows = []
    with dask.config.set(scheduler="threads", num_workers=2), single_threaded(UserWarning):
        for rule, kwargs in LABEL_RULES.items():
            calls = {name: functools.partial(run, kwargs) for name, run in engines.items()}
            if "filter_by" in kwargs:
                calls["cleanlab find_label_issues_batched"] = functools.partial(
                    find_label_issues_batched,
                    labels,
                    memmap,
                    batch_size=chunk,
                    n_jobs=1,
                    verbose=False,
                )
            reference = None
            for name, call in calls.items():
                times = []
                for _ in range(repeats):
                    seconds, result = timed(call)
                    times.append(seconds)
                reference = result if reference is None else reference
                rows.append(
                    {
                        "rule": rule,
                        "engine": name,
                        "n": n,
                        "seconds": float(np.median(times)),
                        "memory / pred_probs": traced_peak_mb(call) * 2**20 / proba.nbytes,
                        "identical": bool(np.array_equal(result, reference)),
                        "rows flagged": int(result.sum() if result.dtype == bool else result.size),
                    }
                )
                print(rows[-1], flush=True)
    return rows


def lip_refine_sparse_rows(n, repeats):
    """``lip_refine`` on CSR ``X`` with 2-D one-hot ``Y`` and with 1-D labels, over ``X @ W``.

    The paper mode with ``k=5`` projects ``X`` onto the 15 lower directions it re-fits; the
    scaled mode (like the statistics behind ``k="auto"``) onto all 20.
    """
    n_features, n_classes, k = 2000, 20, 5
    X = sparse.random(
        n, n_features, density=0.01, format="csr", random_state=np.random.default_rng(SEED)
    )
    y = np.random.default_rng([SEED, 5]).integers(0, n_classes, n)
    Y = np.eye(n_classes)[y]
    W = np.random.default_rng([SEED, 6]).normal(size=(n_features + 1, n_classes))
    ops = {
        "X @ W": lambda: X @ W[:-1],
        "lip_refine, 2-D one-hot Y": lambda: lip_refine(W, X, Y, k, fit_intercept=True),
        "lip_refine, 1-D labels": lambda: lip_refine(W, X, y, k, fit_intercept=True),
        "lip_refine scaled, 2-D one-hot Y": lambda: lip_refine(
            W, X, Y, k, lap="scaled", fit_intercept=True
        ),
        "lip_refine scaled, 1-D labels": lambda: lip_refine(
            W, X, y, k, lap="scaled", fit_intercept=True
        ),
    }
    with single_threaded():
        summary, _, _ = interleaved_times(ops, repeats)
    return [
        {"operation": name, "n": n, "seconds": seconds, "ratio to X @ W": ratio}
        for name, (seconds, ratio) in summary.items()
    ]


def labels_main(mode):
    """The label-issue section: ``scale_labels_{mode}.{md,csv}``."""
    quick = mode == "quick"
    n, chunk, repeats = (100_000, 10_000, 3) if quick else (800_000, 50_000, 3)
    n_sparse, sparse_repeats = (20_000, 5) if quick else (200_000, 11)
    report = Report(
        f"Label issues at scale ({mode})",
        {
            "data": f"pred_probs {n} x {LABEL_CLASSES} float64, {LABEL_NOISE:.0%} of labels "
            f"flipped, blocks of {chunk} rows (one generator per block), labels in memory",
            "repeats": f"{repeats}; seconds are medians, memory the tracemalloc peak of one "
            "more run over the bytes of pred_probs",
            "threads": "Dask threaded scheduler, 2 threads; BLAS 1 thread",
            "load average at start": " ".join(f"{v:.1f}" for v in os.getloadavg()),
        },
        packages=("dask", "cleanlab"),
    )
    folder = tempfile.mkdtemp(prefix="bench_scale_labels_")
    try:
        frame = pd.DataFrame(label_issue_rows(n, chunk, repeats, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sparse_frame = pd.DataFrame(lip_refine_sparse_rows(n_sparse, sparse_repeats))
    report.settings["load average at end"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    table = markdown_table(frame, float_format="{:.3g}")
    sparse_table = (
        f"lip_refine on CSR X ({n_sparse} x 2000, density 1%, 20 classes, k=5, "
        f"fit_intercept=True; default paper mode: X projected onto the 15 lower directions; "
        f"scaled: onto all 20), median over {sparse_repeats} repeats of the ratio to the same "
        "repeat's X @ W:\n\n" + markdown_table(sparse_frame, float_format="{:.3g}")
    )
    notes = [
        sparse_table,
        "identical: the same rows (mask, or ranked indices) as sklearn-lip in memory; "
        "find_label_issues_batched approximates the rule and ranks by its own scores.",
    ]
    frame = pd.concat([frame, sparse_frame.assign(rule="lip_refine CSR")], ignore_index=True)
    report.write(f"scale_labels_{mode}", frame, table, notes)
    return 0


def main(argv=None):
    """Run the scale benchmark in the mode of ``argv``; write its results; return 0."""
    args = parse_args(
        argv,
        __doc__,
        {"quick": "n = 200k only", "full": "the full grid (the default)"},
        default="full",
        flags={"labels": "only the label-issue section (scale_labels_*)"},
    )
    if args.labels:
        return labels_main(args.mode)
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
