"""LIP at scale: Dask arrays, bounded-memory chunked NumPy and sparse input, optional Dask.

Dask arrays run threaded and on a LocalCluster; the optional-dependency contract says what a
missing Dask raises.
"""

import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, SGDClassifier

from sklearn_lip import LIPMetaClassifier, fit_lip_dask, lip_refine
from sklearn_lip._dask import lap_sums_dask  # imports Dask only when it runs
from sklearn_lip._head import Fold, fit_head, label_targets
from sklearn_lip.cleaning import CleanLabelClassifier, fit_clean_dask
from sklearn_lip.meta import _label_rows, loss_family

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
wrappers = pytest.importorskip("dask_ml.wrappers")

LAPS = ["paper", "scaled", "log"]


def rel_err(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.fixture(scope="module")
def problem():
    """Features, labels, row weights and a least-squares-like W (bias as last row)."""
    rng = np.random.RandomState(0)
    n, q, n_classes = 1000, 7, 5
    X = rng.normal(size=(n, q))
    y = rng.randint(0, n_classes, n)
    ones = np.column_stack([X, np.ones(n)])
    W = np.linalg.lstsq(ones, np.eye(n_classes)[y], rcond=None)[0]
    W += 0.05 * rng.normal(size=W.shape)
    return X, y, rng.uniform(0.5, 2.0, n), W


@pytest.fixture(scope="module")
def blobs():
    """A 4-class task split into a training part and a held-out block, as Dask arrays."""
    rng = np.random.RandomState(0)
    centers = rng.normal(scale=1.5, size=(4, 6))
    y = rng.randint(0, 4, 2400)
    X = centers[y] + rng.normal(size=(2400, 6))
    return X, y, da.from_array(X, chunks=400), da.from_array(y, chunks=400)


def incremental():
    return wrappers.Incremental(
        SGDClassifier(loss="log_loss", random_state=0), shuffle_blocks=False
    )


# --- Dask arrays end to end (threaded scheduler) -------------------------------------------


@pytest.mark.parametrize("lap", LAPS)
def test_dask_equals_in_memory(problem, lap):
    X, y, w, W = problem
    expected = lip_refine(W, X, y, 2, lap=lap, sample_weight=w, fit_intercept=True)
    # Uneven row chunks, X also chunked along its features, labels chunked differently.
    X_dask = da.from_array(X, chunks=((300, 300, 250, 150), (4, 3)))
    inputs = [
        (X_dask, da.from_array(y, chunks=170), da.from_array(w, chunks=400)),
        (X_dask, da.from_array(np.eye(5)[y], chunks=(250, 5)), w),
        (X, da.from_array(y, chunks=250), w),
    ]
    for X_in, y_in, w_in in inputs:
        refined = lip_refine(W, X_in, y_in, 2, lap=lap, sample_weight=w_in, fit_intercept=True)
        assert isinstance(refined, np.ndarray)
        assert rel_err(refined, expected) < 1e-10


def test_dask_with_sparse_blocks_equals_in_memory(problem):
    X, y, _, W = problem
    X = sparse.csr_matrix(X * (np.random.RandomState(1).rand(*X.shape) < 0.3))
    Y = sparse.csr_matrix(np.eye(5)[y])
    X_dask = da.from_array(X, chunks=(300, -1), asarray=False)
    Y_dask = da.from_array(Y, chunks=(300, -1), asarray=False)
    for lap in LAPS:
        expected = lip_refine(W, X, y, 3, lap=lap, fit_intercept=True)
        refined = lip_refine(W, X_dask, Y_dask, 3, lap=lap, fit_intercept=True)
        assert rel_err(refined, expected) < 1e-10


def _nbytes(result):
    if isinstance(result, (list, tuple)):
        return sum(_nbytes(part) for part in result)
    return getattr(result, "nbytes", 0)


@pytest.mark.parametrize("lap", LAPS)
def test_dask_reads_X_once_and_brings_back_nothing_of_size_n(problem, lap):
    X, y, _, W = problem
    reads = []
    lock = threading.Lock()

    def read_block(block_info=None):
        location = block_info[None]["chunk-location"][0]
        with lock:
            reads.append(location)
        return X[250 * location : 250 * (location + 1)]

    X_dask = da.map_blocks(read_block, chunks=((250,) * 4, (7,)), dtype=np.float64)
    returned = []

    def recording_get(dsk, keys, **kwargs):
        result = dask.threaded.get(dsk, keys, **kwargs)
        returned.append(_nbytes(result))
        return result

    with dask.config.set(scheduler=recording_get):
        refined = lip_refine(
            W, X_dask, da.from_array(y, chunks=250), 2, lap=lap, fit_intercept=True
        )
    assert sorted(reads) == [0, 1, 2, 3]  # one read of every block of X
    np.testing.assert_allclose(
        refined, lip_refine(W, X, y, 2, lap=lap, fit_intercept=True), rtol=1e-10
    )
    if lap == "log":
        # With a local scheduler, persisting the projections brings n x (5 + 5) floats here.
        assert max(returned) == X.shape[0] * 10 * 8
        returned.remove(max(returned))
    assert max(returned) < 8 * X.shape[0] / 10


def test_lap_sums_dask_returns_small_arrays(problem):
    X, y, w, W = problem
    U, _, Vt = np.linalg.svd(W, full_matrices=False)
    zz, zy, kept = lap_sums_dask(
        da.from_array(X, chunks=300), y, U, Vt.T, w, True, keep_projections=False
    )
    Z = X @ U[:-1] + U[-1]
    np.testing.assert_allclose(zz, (w[:, None] * Z**2).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(zy, (w[:, None] * Z * (np.eye(5)[y] @ Vt.T)).sum(0), rtol=1e-12)
    assert kept == (None, None, None)


# --- Fitting LIPMetaClassifier on data in Dask -------------------------------------------


def _in_memory_head(clf, X, y, X_val, y_val):
    """What fit_head gives on NumPy copies with the same base weights and held-out block."""
    W = np.vstack([clf.raw_coef_.T, clf.raw_intercept_])
    family = loss_family(clf.estimator_)
    Y, Y_val = (label_targets(labels, 4, family, clf.lap_) for labels in (y, y_val))
    return fit_head(
        W,
        X,
        Y,
        k=clf.k,
        lap=clf.lap_,
        folds=[Fold(W, X, Y, X_val, Y_val)],
        fit_intercept=True,
        significance=clf.significance,
    )


@pytest.mark.parametrize("k, lap", [(2, "scaled"), ([1, 2, 3], "paper"), ("auto", "log")])
def test_fit_lip_dask_equals_in_memory_refinement(blobs, k, lap):
    X, y, X_dask, y_dask = blobs
    rng_state = np.random.get_state()
    clf = fit_lip_dask(
        LIPMetaClassifier(incremental(), k=k, lap=lap, significance=1.0),
        X_dask[:2000],
        y_dask[:2000],
        classes=np.arange(4),
        validation=(X_dask[2000:], y_dask[2000:]),
    )
    assert np.random.get_state()[1].tolist() == rng_state[1].tolist()
    assert loss_family(clf.estimator_) == "log" and hasattr(clf, "predict_proba")
    assert clf.n_features_in_ == 6 and clf.lap_ == lap
    expected = _in_memory_head(clf, X[:2000], y[:2000], X[2000:], y[2000:])
    assert clf.k_ == expected.k
    assert clf.validation_scores_ == expected.validation_scores
    W = np.vstack([clf.coef_.T, clf.intercept_])
    assert rel_err(W, expected.coef) < 1e-10
    if clf.k_ is not None:
        assert not np.allclose(clf.coef_, clf.raw_coef_)
    # Blockwise prediction on Dask through dask-ml's ParallelPostFit.
    predicted = wrappers.ParallelPostFit(clf).predict(X_dask[2000:])
    assert isinstance(predicted, da.Array)
    np.testing.assert_array_equal(predicted.compute(), clf.predict(X[2000:]))


@pytest.mark.parametrize("lap", ["paper", "log"])
def test_fit_lip_dask_reads_the_training_rows_once(blobs, monkeypatch, lap):
    # The held-out block validates the final head itself, so its statistics serve both.
    import sklearn_lip._dask as dask_module

    calls = []
    original = dask_module.lap_sums_dask

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(dask_module, "lap_sums_dask", counted)
    _, _, X_dask, y_dask = blobs
    fit_lip_dask(
        LIPMetaClassifier(incremental(), k="auto", lap=lap, significance=1.0),
        X_dask[:2000],
        y_dask[:2000],
        classes=np.arange(4),
        validation=(X_dask[2000:], y_dask[2000:]),
    )
    assert calls == [(2000, 6)]


def test_fit_lip_dask_errors(blobs):
    X, y, X_dask, y_dask = blobs
    with pytest.raises(ValueError, match=r"validation=\(X_val, y_val\)"):
        fit_lip_dask(LIPMetaClassifier(incremental()), X_dask, y_dask, classes=np.arange(4))
    with pytest.raises(TypeError, match="needs Dask arrays"):
        fit_lip_dask(LIPMetaClassifier(incremental(), k=2), X, y, classes=np.arange(4))
    # A label the fitted base model does not know is an error, never a silent misencoding.
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        _label_rows(np.array([0, 7, 2]), np.arange(4), "log", "paper", binary=False)


# --- Cleaning on Dask arrays --------------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_blobs(blobs):
    """``blobs`` with 25% of the training labels moved to the next class.

    The held-out block (the last 400 rows) keeps its labels.
    """
    X, y, X_dask, _ = blobs
    flipped = np.random.RandomState(1).rand(2000) < 0.25
    y_noisy = np.where(flipped, (y[:2000] + 1) % 4, y[:2000])
    return X, y, X_dask, y_noisy, flipped


@pytest.mark.parametrize(
    "params",
    [
        {"clean": False},
        {"clean": True, "in_sample_weight": 0.0},
        {"clean": True, "filter_by": "prune_by_noise_rate"},
        {
            "clean": False,
            # an iterable of (train, test) halves, as fit takes it
            "cv": [
                (np.arange(1000, 2000), np.arange(1000)),
                (np.arange(1000), np.arange(1000, 2000)),
            ],
        },
    ],
)
def test_fit_clean_dask_equals_the_in_memory_fit(noisy_blobs, params):
    # LogisticRegression brings each fold's rows into memory: the same fold models as fit's.
    X, _, X_dask, y_noisy, _ = noisy_blobs
    clf = CleanLabelClassifier(LogisticRegression(), cv=3, random_state=0).set_params(**params)
    on_dask = fit_clean_dask(clone(clf), X_dask[:2000], da.from_array(y_noisy, chunks=500))
    in_memory = clf.fit(X[:2000], y_noisy)
    assert on_dask.cleaned_ == in_memory.cleaned_ == (params["clean"] is True)
    assert on_dask.validation_z_ is None and on_dask.fold_params_ == {}
    for column, values in in_memory.label_issues_.items():
        np.testing.assert_allclose(on_dask.label_issues_[column], values, rtol=1e-12)
    np.testing.assert_allclose(on_dask.noise_matrix_, in_memory.noise_matrix_, rtol=1e-12)
    np.testing.assert_allclose(on_dask.estimator_.coef_, in_memory.estimator_.coef_, rtol=1e-10)
    assert on_dask.n_features_in_ == 6 and not hasattr(on_dask, "feature_names_in_")


def test_fit_clean_dask_decides_on_the_held_out_block(noisy_blobs):
    X, y, X_dask, y_noisy, flipped = noisy_blobs
    y_dask = da.from_array(y_noisy, chunks=400)
    validation = (X_dask[2000:], y[2000:])
    clf = fit_clean_dask(
        CleanLabelClassifier(incremental(), cv=3, random_state=0),
        X_dask[:2000],
        y_dask,
        classes=np.arange(4),
        validation=validation,
    )
    flagged = clf.label_issues_["is_label_issue"]
    assert (flagged & flipped).sum() > 0.7 * flipped.sum()
    # The evidence: the plain and the cleaned fit on the held-out block's labels.
    kept = np.flatnonzero(~flagged)
    plain = clone(incremental()).fit(X_dask[:2000], y_dask, classes=np.arange(4))
    cleaned = clone(incremental()).fit(X_dask[:2000][kept], y_dask[kept], classes=np.arange(4))
    rows = np.arange(400)
    plain_given = plain.predict_proba(X[2000:])[rows, y[2000:]]
    cleaned_given = cleaned.predict_proba(X[2000:])[rows, y[2000:]]
    assert clf.validation_scores_["plain"] == pytest.approx(plain_given.mean())
    assert clf.validation_scores_["cleaned"] == pytest.approx(cleaned_given.mean())
    difference = cleaned_given - plain_given
    z = difference.mean() / difference.std(ddof=1) * np.sqrt(400)
    assert clf.validation_z_ == pytest.approx(z)
    assert clf.cleaned_ == (z >= clf.validation_threshold_ and clf.validation_accuracy_z_ > 0)
    assert clf.cleaned_  # 25% noise: the cleaned fit wins clearly
    np.testing.assert_allclose(clf.predict_proba(X[2000:]), cleaned.predict_proba(X[2000:]))
    predicted = wrappers.ParallelPostFit(clf).predict(X_dask[2000:])
    assert isinstance(predicted, da.Array)


@pytest.mark.filterwarnings("ignore::sklearn_lip.cleaning.MinPerClassWarning")
def test_fit_clean_dask_decides_how_many_flagged_rows_to_drop(noisy_blobs):
    X, y, X_dask, y_noisy, _ = noisy_blobs
    y_dask = da.from_array(y_noisy, chunks=500)
    clf = CleanLabelClassifier(LogisticRegression(), cv=3, frac_noise=[0.5, 1.0], random_state=0)
    fitted = fit_clean_dask(clone(clf), X_dask[:2000], y_dask, validation=(X_dask[2000:], y[2000:]))
    rows = np.arange(400)
    plain = LogisticRegression().fit(X[:2000], y_noisy).predict_proba(X[2000:])[rows, y[2000:]]
    models = {}
    for frac_noise, evidence in fitted.validation_candidates_.items():
        never = clone(clf).set_params(frac_noise=frac_noise, clean=False)
        flags = fit_clean_dask(never, X_dask[:2000], y_dask).label_issues_["is_label_issue"]
        models[frac_noise] = LogisticRegression().fit(X[:2000][~flags], y_noisy[~flags])
        difference = models[frac_noise].predict_proba(X[2000:])[rows, y[2000:]] - plain
        z = difference.mean() / difference.std(ddof=1) * np.sqrt(400)
        assert evidence["z"] == pytest.approx(z)
        if frac_noise == fitted.frac_noise_:
            np.testing.assert_array_equal(fitted.label_issues_["is_label_issue"], flags)
    assert sorted(models) == [0.5, 1.0] and fitted.cleaned_  # 25% noise: a clear gain
    chosen = models[fitted.frac_noise_]
    np.testing.assert_allclose(fitted.estimator_.coef_, chosen.coef_, rtol=1e-10)


def test_fit_clean_dask_errors(noisy_blobs):
    X, _, X_dask, y_noisy, _ = noisy_blobs
    clf = CleanLabelClassifier(incremental())
    with pytest.raises(ValueError, match=r"clean='auto' decides on held-out rows"):
        fit_clean_dask(clf, X_dask[:2000], y_noisy, classes=np.arange(4))
    with pytest.raises(TypeError, match="needs a Dask array X"):
        fit_clean_dask(clf, X[:2000], y_noisy, validation=(X[2000:], y_noisy[:400]))
    with pytest.raises(ValueError, match="X has 2400 rows but y has 2000"):
        fit_clean_dask(clf, X_dask, y_noisy, validation=(X[2000:], y_noisy[:400]))
    # Before any fit: without classes=, the first Incremental fit would raise its own error.
    with pytest.raises(ValueError, match=r"validation has labels \[9\]"):
        fit_clean_dask(clf, X_dask[:2000], y_noisy, validation=(X[2000:2003], np.array([0, 9, 1])))


# --- A real dask.distributed LocalCluster (worker processes) -----------------------------


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        # Another process on this machine may hold the default HTTP port; a free one is used.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def test_local_cluster_lip_refine_and_fit(client, problem, blobs):
    X, y, w, W = problem
    X_dask, y_dask = da.from_array(X, chunks=250), da.from_array(y, chunks=250)
    w_dask = da.from_array(w, chunks=250)
    with client.as_current(), distributed.get_task_stream(client) as stream:
        for lap in LAPS:
            refined = lip_refine(
                W, X_dask, y_dask, 2, lap=lap, sample_weight=w_dask, fit_intercept=True
            )
            expected = lip_refine(W, X, y, 2, lap=lap, sample_weight=w, fit_intercept=True)
            assert rel_err(refined, expected) < 1e-10
        X_blobs, y_blobs, Xb_dask, yb_dask = blobs
        clf = fit_lip_dask(
            LIPMetaClassifier(incremental(), k="auto", significance=1.0),
            Xb_dask[:2000],
            yb_dask[:2000],
            classes=np.arange(4),
            validation=(Xb_dask[2000:], yb_dask[2000:]),
        )
    workers = {task["worker"] for task in stream.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    expected = _in_memory_head(clf, X_blobs[:2000], y_blobs[:2000], X_blobs[2000:], y_blobs[2000:])
    assert clf.k_ == expected.k
    assert rel_err(np.vstack([clf.coef_.T, clf.intercept_]), expected.coef) < 1e-10


def test_local_cluster_fit_clean_dask(client, noisy_blobs):
    _, y, X_dask, y_noisy, _ = noisy_blobs
    clf = CleanLabelClassifier(incremental(), cv=3, random_state=0)
    data = (X_dask[:2000], da.from_array(y_noisy, chunks=400))
    kwargs = {"classes": np.arange(4), "validation": (X_dask[2000:], y[2000:])}
    with client.as_current(), distributed.get_task_stream(client) as stream:
        on_cluster = fit_clean_dask(clone(clf), *data, **kwargs)
    workers = {task["worker"] for task in stream.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    threaded = fit_clean_dask(clone(clf), *data, **kwargs)
    for column, values in threaded.label_issues_.items():
        np.testing.assert_array_equal(on_cluster.label_issues_[column], values)
    assert on_cluster.cleaned_ == threaded.cleaned_
    assert on_cluster.validation_z_ == pytest.approx(threaded.validation_z_)


# --- Chunked NumPy / sparse input: peak memory does not grow with n ----------------------

# Measured in a fresh interpreter: tracemalloc counts every thread's allocations, and threads
# left behind by the Dask tests above (event loops shutting down) would otherwise add to the
# peak at random.
_PEAK_SCRIPT = """
import sys, tracemalloc
import numpy as np
from scipy import sparse
from sklearn import config_context
from sklearn_lip import lip_refine

kind, path = sys.argv[1], sys.argv[2]
rng = np.random.RandomState(0)
q, n_classes = 40, 8
W = rng.normal(size=(q + 1, n_classes))
for n in (10_000, 40_000):
    y = rng.randint(0, n_classes, n)
    if kind == "csr":
        X = sparse.random(n, q, density=0.1, format="csr", random_state=rng)
    else:
        X = np.lib.format.open_memmap(f"{path}/X{n}.npy", "w+", np.float32, (n, q))
        X[:] = rng.normal(size=(n, q))
    chunk_size = None if kind == "working_memory" else 1000
    with config_context(working_memory=1):  # 1 MiB of chunk memory
        lip_refine(W, X, y, 3, fit_intercept=True, chunk_size=chunk_size)  # warm-up
        tracemalloc.start()
        lip_refine(W, X, y, 3, fit_intercept=True, chunk_size=chunk_size)
        print(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
"""


@pytest.mark.parametrize("kind", ["memmap", "csr", "working_memory"])
def test_chunked_path_peak_memory_is_flat_in_n(tmp_path, kind):
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, kind, str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_10k, peak_40k = map(int, result.stdout.split())
    # O(n x q) would be 12.8 MB at n = 40k; the chunked pass stays near one chunk.
    assert peak_40k < 1.25 * peak_10k + 64_000
    assert peak_40k < 2_000_000


# --- Optional dependency ------------------------------------------------------------------


def test_import_sklearn_lip_does_not_import_dask():
    code = (
        "import sys, sklearn_lip, sklearn_lip._dask; "
        "assert not any(m.split('.')[0] in ('dask', 'distributed', 'dask_ml') "
        "for m in sys.modules), sorted(m for m in sys.modules if 'dask' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_dask_raises_import_error_naming_the_extra(monkeypatch, problem, blobs):
    X, y, _, W = problem
    U, _, Vt = np.linalg.svd(W, full_matrices=False)
    _, _, X_dask, y_dask = blobs
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ImportError, match=r"pip install 'sklearn-lip\[dask\]'"):
        lap_sums_dask(X, y, U, Vt.T, None, True, False)
    with pytest.raises(ImportError, match=r"sklearn-lip\[dask\]"):
        fit_lip_dask(LIPMetaClassifier(k=1), X_dask, y_dask)
