"""Tests of lip_refine and LAPStatistics against independent restatements of the formulas."""

import numpy as np
import pytest
from scipy import optimize, sparse
from scipy.special import log_softmax

from sklearn_lip import lip_refine
from sklearn_lip._lip import LAPStatistics


def paper_reference(W, X, Y, k):
    """The published formula, written out literally with the residual R = Y - X W_k."""
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    W_k = U[:, :k] @ np.diag(S[:k]) @ Vt[:k]
    R = Y - X @ W_k
    sigmas = [
        U[:, i] @ X.T @ R @ Vt[i] / (U[:, i] @ X.T @ X @ U[:, i]) for i in range(k, len(S))
    ]
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

    reference = optimize.minimize(cross_entropy, S[k:], method="Nelder-Mead",
                                  options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20000})
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
            lambda s: objective(s)[0], lambda s: objective(s)[1], sigma0
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


def test_log_mode_is_finite_and_improves_for_huge_logits(problem):
    W, X, Y, _ = problem
    W = 300 * W  # logits spanning hundreds, as SGD weights give
    stats = LAPStatistics(W, X, Y, keep_projections=True)
    objective = stats.log_objective(2)
    refined = stats.refit(2, "log")
    loss, grad = objective(refined[2:])
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss < objective(stats.singular_values[2:])[0]
