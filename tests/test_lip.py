"""Tests of lip_refine and LAPStatistics against independent restatements of the formulas."""

import numpy as np
import pytest
from scipy import optimize, sparse
from scipy.special import log_softmax

from sklearn_lip import _lip, _row_sums, lip_refine
from sklearn_lip._lip import LAPStatistics


def paper_reference(W, X, Y, k):
    """The published formula, written out literally with the residual R = Y - X W_k."""
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    W_k = U[:, :k] @ np.diag(S[:k]) @ Vt[:k]
    R = Y - X @ W_k
    sigmas = [U[:, i] @ X.T @ R @ Vt[i] / (U[:, i] @ X.T @ X @ U[:, i]) for i in range(k, len(S))]
    return W_k + U[:, k:] @ np.diag(sigmas) @ Vt[k:]


@pytest.fixture
def problem():
    rng = np.random.RandomState(0)
    n, q, n_classes = 400, 9, 6
    X = rng.normal(size=(n, q))
    y = rng.randint(0, n_classes, n)
    Y = np.eye(n_classes)[y]
    # A least-squares fit plus noise: related to Y, as a trained model's weights are.
    W = np.linalg.lstsq(X, Y, rcond=None)[0] + 0.05 * rng.normal(size=(q, n_classes))
    return W, X, Y, y


def rel_err(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("k", [1, 2, 4, 5])
def test_paper_mode_equals_published_formula(problem, k):
    W, X, Y, _ = problem
    assert rel_err(lip_refine(W, X, Y, k), paper_reference(W, X, Y, k)) < 1e-10


def test_paper_mode_changes_only_lower_components(problem):
    W, X, Y, _ = problem
    refined = lip_refine(W, X, Y, 2)
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    # Top-2 components are untouched; the lower part was changed.
    np.testing.assert_allclose(U[:, :2].T @ refined @ Vt[:2].T, np.diag(S[:2]), atol=1e-12)
    assert not np.allclose(refined, W)


def test_paper_mode_with_soft_and_signed_targets(problem):
    W, X, Y, _ = problem
    soft = 0.8 * Y + 0.2 / Y.shape[1]
    assert rel_err(lip_refine(W, X, soft, 3), paper_reference(W, X, soft, 3)) < 1e-10
    signed = 2 * Y - 1
    assert rel_err(lip_refine(W, X, signed, 3), paper_reference(W, X, signed, 3)) < 1e-10


@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csc_matrix])
def test_sparse_and_chunked_inputs_match_dense(problem, container):
    W, X, Y, y = problem
    X = X * (np.random.RandomState(1).rand(*X.shape) < 0.3)
    dense = lip_refine(W, X, Y, 3, lap="scaled")
    np.testing.assert_allclose(lip_refine(W, container(X), Y, 3, lap="scaled"), dense, rtol=1e-10)
    np.testing.assert_allclose(
        lip_refine(W, X, y, 3, lap="scaled", chunk_size=17), dense, rtol=1e-10
    )
    np.testing.assert_allclose(
        lip_refine(W, container(X), sparse.csr_matrix(Y), 3, lap="scaled", chunk_size=50),
        dense,
        rtol=1e-10,
    )


def test_fit_intercept_equals_appended_ones_column(problem):
    W, X, Y, _ = problem
    X_short = X[:, :-1]
    X_ones = np.column_stack([X_short, np.ones(len(X))])
    for lap in ["paper", "scaled", "log"]:
        np.testing.assert_allclose(
            lip_refine(W, X_short, Y, 2, lap=lap, fit_intercept=True),
            lip_refine(W, X_ones, Y, 2, lap=lap),
            rtol=1e-7,
            atol=1e-9,
        )


def test_sample_weight_equals_repeated_rows(problem):
    W, X, Y, _ = problem
    weights = np.random.RandomState(2).randint(0, 3, len(X))
    repeated = np.repeat(np.arange(len(X)), weights)
    for lap in ["paper", "scaled"]:
        np.testing.assert_allclose(
            lip_refine(W, X, Y, 2, lap=lap, sample_weight=weights),
            lip_refine(W, X[repeated], Y[repeated], 2, lap=lap),
            rtol=1e-10,
        )


def test_scaled_mode_is_joint_least_squares(problem):
    W, X, Y, _ = problem
    k = 2
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    # Unknowns: alpha for X W_k, one sigma per lower component; solve the vectorized LS.
    W_k = U[:, :k] @ np.diag(S[:k]) @ Vt[:k]
    columns = [(X @ W_k).ravel()] + [np.outer(X @ U[:, i], Vt[i]).ravel() for i in range(k, 6)]
    coef, *_ = np.linalg.lstsq(np.column_stack(columns), Y.ravel(), rcond=None)
    alpha, sigmas = coef[0], coef[1:]
    assert alpha > 0
    expected = W_k + U[:, k:] @ np.diag(sigmas / alpha) @ Vt[k:]
    assert rel_err(lip_refine(W, X, Y, k, lap="scaled"), expected) < 1e-9


def test_scaled_mode_falls_back_to_W_when_alpha_not_positive(problem):
    W, X, Y, _ = problem
    # Targets anti-correlated with the kept part of W give alpha < 0.
    anti = -(X @ W)
    np.testing.assert_allclose(lip_refine(W, X, anti, 2, lap="scaled"), W, rtol=1e-12, atol=1e-14)


def test_log_mode_reaches_the_cross_entropy_optimum(problem):
    W, X, Y, _ = problem
    k = 2
    U, S, Vt = np.linalg.svd(W, full_matrices=False)

    def cross_entropy(sigmas):
        weights = U @ np.diag(np.concatenate([S[:k], sigmas])) @ Vt
        return -np.mean(np.sum(Y * log_softmax(X @ weights, axis=1), axis=1))

    reference = optimize.minimize(
        cross_entropy,
        S[k:],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20000},
    )
    refined = lip_refine(W, X, Y, k, lap="log")
    refined_sigmas = np.diag(U.T @ refined @ Vt.T)[k:]
    assert cross_entropy(refined_sigmas) <= reference.fun + 1e-6
    assert cross_entropy(refined_sigmas) < cross_entropy(S[k:])


def test_log_mode_gradient_matches_finite_differences(problem):
    W, X, Y, _ = problem
    candidates = np.clip(Y + (np.random.RandomState(3).rand(*Y.shape) < 0.3), 0, 1)
    for targets in [Y, candidates]:
        stats = LAPStatistics(
            W, X, targets, keep_projections=True, sample_weight=np.linspace(0.5, 2, len(X))
        )
        objective = stats.log_objective(3)
        sigma0 = stats.singular_values[3:] * 0.7
        error = optimize.check_grad(
            lambda s, f=objective: f(s)[0], lambda s, f=objective: f(s)[1], sigma0
        )
        assert error < 1e-6 * max(1.0, np.abs(objective(sigma0)[1]).max())


def test_log_mode_with_candidate_sets_uses_partial_label_loss(problem):
    W, X, Y, _ = problem
    candidates = Y.copy()
    candidates[:, 0] = 1  # class 0 is a candidate of every row
    k = 2
    U, S, Vt = np.linalg.svd(W, full_matrices=False)

    def candidate_loss(sigmas):
        weights = U @ np.diag(np.concatenate([S[:k], sigmas])) @ Vt
        log_p = log_softmax(X @ weights, axis=1)
        return -np.mean(np.log(np.sum(candidates * np.exp(log_p), axis=1)))

    refined = lip_refine(W, X, candidates, k, lap="log")
    refined_sigmas = np.diag(U.T @ refined @ Vt.T)[k:]
    grad = optimize.approx_fprime(refined_sigmas, candidate_loss, 1e-7)
    assert np.abs(grad).max() < 1e-4
    assert candidate_loss(refined_sigmas) < candidate_loss(S[k:])


def test_log_mode_rejects_negative_targets(problem):
    W, X, Y, _ = problem
    with pytest.raises(ValueError, match="non-negative"):
        lip_refine(W, X, 2 * Y - 1, 2, lap="log")


def test_zero_norm_direction_gives_no_nan():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 4))
    X[:, 3] = 0.0  # X u = 0 for the direction living on feature 3
    W = np.diag([4.0, 3.0, 2.0, 1.0])
    Y = np.eye(4)[rng.randint(0, 4, 50)]
    for lap in ["paper", "scaled"]:
        refined = lip_refine(W, X, Y, 2, lap=lap)
        assert np.all(np.isfinite(refined))
        assert refined[3, 3] == 0.0


@pytest.mark.parametrize("k", [0, 6, 2.5, True, "3"])
def test_invalid_k_raises(problem, k):
    W, X, Y, _ = problem
    with pytest.raises(ValueError, match=r"1 <= k < rank\(W\) = 6"):
        lip_refine(W, X, Y, k)


def test_rank_one_weights_raise():
    X = np.ones((10, 3))
    W = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="rank >= 2"):
        lip_refine(W, X, np.eye(2)[np.arange(10) % 2], 1)


def test_shape_errors(problem):
    W, X, Y, _ = problem
    with pytest.raises(ValueError, match="X must have shape"):
        lip_refine(W, X[:, :3], Y, 2)
    with pytest.raises(ValueError, match="Y must have shape"):
        lip_refine(W, X, Y[:, :3], 2)
    with pytest.raises(ValueError, match="W must be 2-D"):
        lip_refine(W[0], X, Y, 2)
    with pytest.raises(ValueError, match="lap must be one of"):
        lip_refine(W, X, Y, 2, lap="exact")
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        lip_refine(W, X, Y, 2, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative; got 1 negative weights"):
        lip_refine(W, X, Y, 2, sample_weight=_with(np.ones(len(X)), 9, -0.5))
    with pytest.raises(ValueError, match="X has no rows"):
        lip_refine(W, X[:0], Y[:0], 2)


def test_log_mode_is_finite_and_improves_for_huge_logits(problem):
    W, X, Y, _ = problem
    W = 300 * W  # logits spanning hundreds, as SGD weights give
    stats = LAPStatistics(W, X, Y, keep_projections=True)
    objective = stats.log_objective(2)
    refined = stats.refit(2, "log")
    loss, grad = objective(refined[2:])
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss < objective(stats.singular_values[2:])[0]


# --- Input checks (issue 14) ----------------------------------------------------------------


@pytest.fixture
def very_sparse(problem):
    """The problem with about one non-zero per row: the Gram form's regime."""
    W, X, Y, y = problem
    mask = np.random.RandomState(4).rand(*X.shape) < 0.12
    X = sparse.csr_matrix(X * mask)
    assert _row_sums._use_gram(X, W.shape[1])
    return W, X, Y, y


def _with(a, index, value):
    a = a.copy()
    a[index] = value
    return a


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("path", ["dense", "chunked", "log", "csr", "gram"])
def test_non_finite_X_raises_naming_X(problem, very_sparse, value, path):
    W, X, Y, _ = very_sparse if path == "gram" else problem
    if sparse.issparse(X):
        X = X.copy()
        X.data[5] = value
    else:
        X = _with(X, (17, 3), value)
        X = sparse.csr_matrix(X) if path == "csr" else X
    kwargs = {"lap": "log"} if path == "log" else {"chunk_size": 50} if path == "chunked" else {}
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        lip_refine(W, X, Y, 2, **kwargs)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_W_Y_and_weights_raise_naming_the_array(problem, very_sparse, value):
    W, X, Y, y = problem
    with pytest.raises(ValueError, match="W contains NaN or infinity"):
        lip_refine(_with(W, (0, 0), value), X, Y, 2)
    for features in (X, very_sparse[1]):
        with pytest.raises(ValueError, match="Y contains NaN or infinity"):
            lip_refine(W, features, _with(Y, (3, 1), value), 2)
    with pytest.raises(ValueError, match="sample_weight contains NaN or infinity"):
        lip_refine(W, X, Y, 2, sample_weight=_with(np.ones(len(X)), 9, value))
    with pytest.raises(ValueError, match="class indices"):
        lip_refine(W, X, _with(y.astype(float), 2, value), 2)


def test_Y_of_an_all_zero_sparse_row_is_checked(very_sparse):
    # Without an intercept, a row of X with no non-zero adds nothing to X^T Y.
    W, X, Y, _ = very_sparse
    X = X.tolil()
    X[7, :] = 0
    with pytest.raises(ValueError, match="Y contains NaN"):
        lip_refine(W, X.tocsr(), _with(Y, (7, 0), np.nan), 2)


@pytest.mark.parametrize("labels", [[0, 6], [-1, 0], [0.5, 1]])
def test_class_indices_out_of_range_or_fractional_raise(problem, labels):
    W, X, _, y = problem
    y = y.astype(float)
    y[:2] = labels
    with pytest.raises(ValueError, match=r"class indices"):
        lip_refine(W, X, y, 2)


def test_finiteness_is_read_off_the_sums_not_a_second_pass(problem, monkeypatch):
    W, X, Y, _ = problem
    checked = []
    isfinite = np.isfinite

    def recording(a, *args, **kwargs):
        checked.append(np.size(a))
        return isfinite(a, *args, **kwargs)

    monkeypatch.setattr(np, "isfinite", recording)
    lip_refine(W, X, Y, 2)
    assert checked and max(checked) < X.size  # W and the sums, never X itself


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", ["indices", "dense", "sparse"])
def test_gram_form_equals_the_projection(
    very_sparse, monkeypatch, fit_intercept, weighted, targets
):
    W, X, Y, y = very_sparse
    X = X[:, :-1] if fit_intercept else X  # the last row of W is then the bias
    labels = {"indices": y, "dense": 2 * Y - 1, "sparse": sparse.csr_matrix(Y)}[targets]
    weights = np.random.RandomState(5).uniform(0.2, 3, X.shape[0]) if weighted else None
    kwargs = {"fit_intercept": fit_intercept, "sample_weight": weights, "lap": "scaled"}
    gram = lip_refine(W, X, labels, 2, **kwargs)
    monkeypatch.setattr(_row_sums, "_use_gram", lambda X, n_components: False)
    projected = lip_refine(W, X, labels, 2, **kwargs)
    dense = lip_refine(W, X.toarray(), labels, 2, **kwargs)
    monkeypatch.setattr(_row_sums, "_CACHE_ROWS", 7)  # many pieces, the last one shorter
    pieces = [lip_refine(W, data, labels, 2, **kwargs) for data in (X, X.toarray())]
    assert X.shape[0] % 7 and X.shape[0] > 3 * 7
    for refined in (projected, dense, *pieces):
        np.testing.assert_allclose(gram, refined, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("lap", ["paper", "scaled"])
def test_float32_stays_float32_with_float32_accuracy(problem, lap):
    W, X, _, y = problem
    W32, X32 = W.astype(np.float32), X.astype(np.float32)
    refined = lip_refine(W32, X32, y, 3, lap=lap)
    assert refined.dtype == np.float32
    # The same rounded numbers in float64: the float32 product costs about 1e-6.
    exact = lip_refine(W32.astype(np.float64), X32.astype(np.float64), y, 3, lap=lap)
    assert rel_err(refined, exact) < 1e-5
    assert lip_refine(W, X32, y, 3, lap=lap).dtype == np.float64


def test_null_components_are_not_refitted(problem):
    # W 1 = 0, as for multinomial logistic weights: the null direction of the thin SVD is any
    # unit vector of W's left null space, so re-fitting it would follow rounding noise.
    W, X, Y, _ = problem
    W = W - W.mean(axis=1, keepdims=True)
    noise = 1e-13 * np.random.RandomState(6).normal(size=W.shape)
    noisy = noise - noise.mean(axis=1, keepdims=True)
    for lap in ["paper", "scaled", "log"]:
        first = lip_refine(W, X, Y, 2, lap=lap)
        second = lip_refine(W + noisy, X, Y, 2, lap=lap)
        assert rel_err(second, first) < 1e-6, lap
        assert np.allclose(first.sum(axis=1), 0, atol=1e-9)  # still no null component


def test_near_equal_lower_singular_values_follow_wedins_bound(problem):
    # Documented limit: within the rank, a perturbation delta of W turns the lower directions
    # by about delta / gap, and the refinement with them; it stays within that bound.
    W, X, Y, _ = problem
    U, _, Vt = np.linalg.svd(W, full_matrices=False)
    rng = np.random.RandomState(7)
    delta = 1e-9
    changes = []
    for gap in (1e-2, 1e-4):
        S = np.array([5.0, 4.0, 3.0, 1.0 + gap, 1.0, 0.5])
        W_gap = (U * S) @ Vt
        noise = rng.normal(size=W.shape)
        perturbed = W_gap + delta * noise / np.linalg.norm(noise, 2)
        refined = lip_refine(W_gap, X, Y, 2)
        changes.append(np.abs(lip_refine(perturbed, X, Y, 2) - refined).max())
        assert changes[-1] < delta / gap * np.abs(refined).max()
    assert changes[1] > 10 * changes[0]  # the sensitivity is real: it grows like 1 / gap


@pytest.mark.parametrize("k", [1, 3, 5])
def test_lower_from_computes_the_lower_sums_only_and_refits_the_same(problem, k):
    W, X, Y, _ = problem
    full = LAPStatistics(W, X, Y)
    lower = LAPStatistics(W, X, Y, lower_from=k)
    assert lower.computed == slice(k, full.rank) and full.computed == slice(0, W.shape[1])
    assert np.isnan(lower.zz[:k]).all() and np.isnan(lower.zy[:k]).all()
    np.testing.assert_allclose(lower.zz[k:], full.zz[k:], rtol=1e-12)
    np.testing.assert_allclose(lower.zy[k:], full.zy[k:], rtol=1e-12)
    for kept in range(k, full.rank):
        np.testing.assert_allclose(lower.refit(kept), full.refit(kept), rtol=1e-12)
    with pytest.raises(ValueError, match=f"lower_from={k}"):
        lower.refit(k, lap="scaled")
    if k > 1:
        with pytest.raises(ValueError, match=f"components {k} to {full.rank - 1} only"):
            lower.refit(k - 1)
    # Out of range, or with the projections kept: every sum.
    for lower_from in (0, full.rank):
        assert LAPStatistics(W, X, Y, lower_from=lower_from).computed == full.computed
    kept = LAPStatistics(W, X, Y, lower_from=k, keep_projections=True)
    assert kept.computed == full.computed and kept.Z.shape == (X.shape[0], W.shape[1])


@pytest.mark.parametrize("lap, n_columns", [("paper", 4), ("scaled", 6)])
def test_lip_refine_projects_onto_the_directions_its_mode_reads(
    problem, monkeypatch, lap, n_columns
):
    W, X, Y, _ = problem
    projected = []
    original = _lip.block_lap_sums

    def spy(X, Y, sample_weight, U, V, fit_intercept):
        projected.append(U.shape[1])
        return original(X, Y, sample_weight, U, V, fit_intercept)

    monkeypatch.setattr(_lip, "block_lap_sums", spy)
    lip_refine(W, X, Y, 2, lap=lap)
    assert projected == [n_columns]  # rank 6, k = 2: the paper mode reads the 4 lower ones
