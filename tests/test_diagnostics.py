"""Tests for sklearn_lip.diagnostics against hand-computed cases."""

# SPDX-License-Identifier: BSD-3-Clause

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.stats import ortho_group
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.tree import DecisionTreeClassifier

from sklearn_lip.diagnostics import (
    effective_rank,
    plot_singular_spectra,
    plot_subspace_similarity,
    principal_angles,
    singular_spectrum,
    subspace_similarity,
    subspace_similarity_matrix,
)


def _weights(singular_values, V, n_features=7, seed=0):
    """``U diag(s) V^T`` with a random orthonormal ``U``: known singular values and ``V``."""
    U = ortho_group.rvs(n_features, random_state=seed)[:, : len(singular_values)]
    return U @ np.diag(singular_values) @ V.T


def _rotation(n, a, b, theta):
    """Rotation by ``theta`` in the plane of coordinates ``a`` and ``b`` of ``R^n``."""
    R = np.eye(n)
    R[[a, a, b, b], [a, b, a, b]] = np.cos(theta), -np.sin(theta), np.sin(theta), np.cos(theta)
    return R


S4 = np.array([4.0, 3.0, 2.0, 1.0])


# --------------------------------------------------------------------------- spectrum, rank


def test_singular_spectrum_known_values():
    W = _weights(S4, ortho_group.rvs(4, random_state=1))
    assert_allclose(singular_spectrum(W), S4)
    assert_allclose(singular_spectrum(W, normalize=True), S4 / 10)


def test_singular_spectrum_zero_matrix_cannot_be_normalized():
    assert_allclose(singular_spectrum(np.zeros((3, 2))), [0.0, 0.0])
    with pytest.raises(ValueError, match="zero matrix"):
        singular_spectrum(np.zeros((3, 2)), normalize=True)


@pytest.mark.parametrize("n", [1, 3, 10])
def test_effective_rank_of_identity_is_n(n):
    assert effective_rank(np.eye(n)) == pytest.approx(n)


def test_effective_rank_hand_computed():
    # p = (1/2, 1/4, 1/4): H = 1.5 log 2, so erank = 2 ** 1.5
    assert effective_rank(np.diag([2.0, 1.0, 1.0])) == pytest.approx(2**1.5)
    # one non-zero singular value: erank 1, and zeros contribute 0 log 0 = 0
    assert effective_rank(np.outer([1.0, 2.0, 3.0], [1.0, -1.0])) == pytest.approx(1.0)


def test_effective_rank_scale_invariant_and_lower_for_steeper_spectrum():
    W = _weights(S4, np.eye(4))
    assert effective_rank(5.0 * W) == pytest.approx(effective_rank(W))
    steeper = _weights(S4**2, np.eye(4))
    assert 1.0 < effective_rank(steeper) < effective_rank(W) < 4.0


def test_effective_rank_zero_matrix_raises():
    with pytest.raises(ValueError, match="zero matrix"):
        effective_rank(np.zeros((2, 2)))


# --------------------------------------------------------------------------- phi, angles


def test_identical_matrices_phi_one_angles_zero():
    W = _weights(S4, ortho_group.rvs(4, random_state=2))
    assert_allclose(subspace_similarity_matrix(W, W), np.ones((4, 4)))
    for k in range(1, 5):
        assert_allclose(principal_angles(W, W, k), np.zeros(k), atol=1e-7)


def test_orthogonal_class_subspaces_phi_zero_angles_right_angle():
    Q = ortho_group.rvs(6, random_state=3)
    W_a = _weights([2.0, 1.0], Q[:, :2])
    W_b = _weights([5.0, 3.0], Q[:, 2:4], seed=1)
    assert_allclose(subspace_similarity_matrix(W_a, W_b), np.zeros((2, 2)), atol=1e-12)
    assert_allclose(principal_angles(W_a, W_b, 2), [np.pi / 2, np.pi / 2])


@pytest.mark.parametrize("theta", [0.0, 0.3, 1.0, np.pi / 2])
def test_rotation_in_class_space(theta):
    # V_a = I; W_b = W_a R has V_b = R^T, whose first column is e_0 rotated by theta in (e_0, e_1)
    W_a = _weights(S4, np.eye(4))
    W_b = W_a @ _rotation(4, 0, 1, theta)
    assert subspace_similarity(W_a, W_b, 1, 1) == pytest.approx(np.cos(theta) ** 2)
    assert_allclose(principal_angles(W_a, W_b, 1), [theta], atol=1e-7)
    # the top-2 subspace is the rotation plane itself: unchanged
    assert subspace_similarity(W_a, W_b, 2, 2) == pytest.approx(1.0)
    assert_allclose(principal_angles(W_a, W_b, 2), [0.0, 0.0], atol=1e-7)
    # the rotation acts on classes only: the left (feature) subspaces are those of W_a
    assert subspace_similarity(W_a, W_b, 1, 1, side="left") == pytest.approx(1.0)


def test_rotation_in_feature_space_changes_only_left_side():
    theta = 0.4
    W_a = _weights(S4, np.eye(4), n_features=4)
    U_a = np.linalg.svd(W_a)[0]
    R = U_a @ _rotation(4, 0, 2, theta) @ U_a.T  # rotates u_1 towards u_3
    W_b = R @ W_a
    assert subspace_similarity(W_a, W_b, 1, 1, side="left") == pytest.approx(np.cos(theta) ** 2)
    assert_allclose(principal_angles(W_a, W_b, 1, side="left"), [theta], atol=1e-7)
    assert_allclose(subspace_similarity_matrix(W_a, W_b), np.ones((4, 4)), atol=1e-12)


def test_principal_angles_sorted_ascending():
    t1, t2 = 1.2, 0.25
    V_b = _rotation(4, 0, 2, t1) @ _rotation(4, 1, 3, t2)
    W_a = _weights(S4, np.eye(4))
    W_b = _weights(S4, V_b, seed=4)
    angles = principal_angles(W_a, W_b, 2)
    assert_allclose(angles, [t2, t1], atol=1e-7)
    # phi with i = j = k is the mean squared cosine of the principal angles
    assert subspace_similarity(W_a, W_b, 2, 2) == pytest.approx(np.mean(np.cos(angles) ** 2))


def test_phi_invariances_and_symmetry():
    rng = np.random.RandomState(0)
    W_a, W_b = rng.normal(size=(8, 5)), rng.normal(size=(8, 5))
    phi = subspace_similarity_matrix(W_a, W_b)
    # global scale, feature-space rotation and sign of W: right singular subspaces unchanged
    Q = ortho_group.rvs(8, random_state=5)
    assert_allclose(subspace_similarity_matrix(3.0 * W_a, -W_b), phi, atol=1e-12)
    assert_allclose(subspace_similarity_matrix(Q @ W_a, W_b), phi, atol=1e-12)
    # phi(a, b, i, j) = phi(b, a, j, i)
    assert_allclose(subspace_similarity_matrix(W_b, W_a), phi.T, atol=1e-12)
    # nested subspaces: phi(a, a, i, j) = 1 for all i, j
    assert_allclose(subspace_similarity_matrix(W_a, W_a), np.ones((5, 5)))


def test_phi_not_invariant_to_column_scaling():
    # scaling class columns changes V: the ordering of the top direction flips here
    W = _weights([2.0, 1.0], np.eye(2))
    assert subspace_similarity(W, W * [1.0, 3.0], 1, 1) == pytest.approx(0.0, abs=1e-12)


def test_phi_of_random_subspaces_matches_chance_level():
    rng = np.random.RandomState(0)
    n_classes, i, j = 10, 3, 5
    pairs = [rng.normal(size=(2, 20, n_classes)) for _ in range(400)]
    draws = [subspace_similarity(W_a, W_b, i, j) for W_a, W_b in pairs]
    assert np.mean(draws) == pytest.approx(i * j / (n_classes * min(i, j)), abs=0.02)


def test_similarity_matrix_matches_scalar_function():
    rng = np.random.RandomState(1)
    W_a, W_b = rng.normal(size=(6, 5)), rng.normal(size=(9, 5))
    phi = subspace_similarity_matrix(W_a, W_b, 4, 3)
    assert phi.shape == (4, 3)
    expected = [[subspace_similarity(W_a, W_b, i, j) for j in range(1, 4)] for i in range(1, 5)]
    assert_allclose(phi, expected, atol=1e-12)
    assert np.all((phi >= 0) & (phi <= 1))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("i", [0, 5, -1, 1.5, True, "2"])
def test_invalid_subspace_dimension_raises(i):
    W = np.random.RandomState(0).normal(size=(6, 4))
    with pytest.raises(ValueError, match=r"i must be an integer with 1 <= i <= rank\(W_a\) = 4"):
        subspace_similarity(W, W, i, 1)


def test_dimension_bounded_by_numerical_rank():
    # columns summing to zero (like a multinomial logistic model): rank l - 1
    W = np.random.RandomState(0).normal(size=(6, 4))
    W -= W.mean(axis=1, keepdims=True)
    assert subspace_similarity(W, W, 3, 3) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"j must be .* rank\(W_b\) = 3; got j=4"):
        subspace_similarity(W, W, 1, 4)
    with pytest.raises(ValueError, match=r"k must be .* min\(rank\(W_a\), rank\(W_b\)\) = 1"):
        principal_angles(W, np.outer(np.ones(6), [1.0, -1.0, 0.0, 0.0]), 2)
    with pytest.raises(ValueError, match="max_i must be"):
        subspace_similarity_matrix(W, W, max_i=4)


def test_bad_side_shape_and_zero_matrix_raise():
    W = np.ones((3, 2))
    with pytest.raises(ValueError, match="side must be one of"):
        subspace_similarity(W, W, 1, 1, side="up")
    shapes = r"same number of classes \(columns\).*\(3, 2\) and \(3, 4\)"
    with pytest.raises(ValueError, match=shapes):
        subspace_similarity(W, np.ones((3, 4)), 1, 1)
    with pytest.raises(ValueError, match=r"same number of features \(rows\)"):
        principal_angles(W, np.ones((4, 2)), 1, side="left")
    with pytest.raises(ValueError, match="W_b is the zero matrix"):
        subspace_similarity(W, np.zeros((3, 2)), 1, 1)


# --------------------------------------------------------------------------- estimators


@pytest.fixture(scope="module")
def multiclass_data():
    return make_classification(
        n_samples=200, n_features=6, n_informative=4, n_classes=4, random_state=0
    )


def test_estimator_weights_include_intercept_row(multiclass_data):
    X, y = multiclass_data
    model = LogisticRegression().fit(X, y)
    W = np.vstack([model.coef_.T, model.intercept_])
    assert_allclose(singular_spectrum(model), np.linalg.svd(W, compute_uv=False))
    without = np.linalg.svd(model.coef_.T, compute_uv=False)
    assert_allclose(singular_spectrum(model, intercept=False), without)
    assert not np.allclose(without, singular_spectrum(model))
    assert_allclose(subspace_similarity_matrix(model, W), np.ones((3, 3)), atol=1e-10)


def test_binary_estimator_has_rank_one(multiclass_data):
    X, y = multiclass_data
    model = LogisticRegression().fit(X, y == 0)
    assert singular_spectrum(model).shape == (1,)
    assert effective_rank(model) == pytest.approx(1.0)
    assert subspace_similarity(model, model, 1, 1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"i must be .* = 1; got i=2"):
        subspace_similarity(model, model, 2, 1)


def test_scalar_intercept_is_broadcast(multiclass_data):
    X, y = multiclass_data
    model = RidgeClassifier(fit_intercept=False).fit(X, y)
    assert np.ndim(model.intercept_) == 0
    W = np.vstack([model.coef_.T, np.zeros(4)])
    assert_allclose(singular_spectrum(model), np.linalg.svd(W, compute_uv=False))
    assert subspace_similarity(model, model, 2, 2, side="left") == pytest.approx(1.0)


def test_raw_reads_pre_refinement_weights(multiclass_data):
    X, y = multiclass_data
    model = LogisticRegression().fit(X, y)
    model.raw_coef_, model.raw_intercept_ = 2.0 * model.coef_, np.zeros(4)
    raw = np.vstack([2.0 * model.coef_.T, np.zeros(4)])
    assert_allclose(singular_spectrum(model, raw=True), np.linalg.svd(raw, compute_uv=False))
    with pytest.raises(ValueError, match="raw=True reads the raw_coef_ of an estimator"):
        singular_spectrum(raw, raw=True)
    with pytest.raises(ValueError, match="LogisticRegression has no raw_coef_"):
        singular_spectrum(LogisticRegression().fit(X, y), raw=True)


def test_unfitted_or_non_linear_estimator_raises(multiclass_data):
    X, y = multiclass_data
    with pytest.raises(NotFittedError):
        singular_spectrum(LogisticRegression())
    with pytest.raises(ValueError, match="DecisionTreeClassifier has no coef_"):
        effective_rank(DecisionTreeClassifier().fit(X, y))


# --------------------------------------------------------------------------- plotting


def test_import_does_not_import_matplotlib():
    code = "import sys, sklearn_lip.diagnostics; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plot_without_matplotlib_names_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"sklearn-lip\[plot\]"):
        plot_singular_spectra({"a": np.eye(2)})


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_plot_singular_spectra_draws_one_line_per_entry(pyplot, multiclass_data):
    X, y = multiclass_data
    model = LogisticRegression().fit(X, y)
    weights = {"steep": _weights(S4**2, np.eye(4)), "model": model}
    _, ax = pyplot.subplots()
    assert plot_singular_spectra(weights, ax, normalize=True) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["steep", "model"]
    assert_allclose(lines[0].get_xdata(), [1, 2, 3, 4])
    assert_allclose(lines[0].get_ydata(), S4**2 / np.sum(S4**2))
    # 4 classes, multinomial: the columns of coef_ sum to zero, so W has rank 3 and its fourth
    # singular value is rounding noise (about 1e-16), which the plot leaves out
    spectrum = singular_spectrum(model, normalize=True)
    assert spectrum[3] < 1e-12
    assert_allclose(lines[1].get_ydata(), spectrum[:3])
    assert ax.get_yscale() == "log"
    assert ax.get_legend() is not None


def test_plot_singular_spectra_rejects_empty_and_lists_without_an_array_repr(pyplot):
    with pytest.raises(ValueError, match="non-empty dict.*got an empty dict"):
        plot_singular_spectra({})
    with pytest.raises(ValueError, match=r"non-empty dict .*got a list\.$") as error:
        plot_singular_spectra([np.eye(3)])
    assert "array" not in str(error.value)


def test_plot_subspace_similarity_image_is_phi(pyplot):
    rng = np.random.RandomState(2)
    W_a, W_b = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    ax = plot_subspace_similarity(W_a, W_b, max_i=3)
    (image,) = ax.get_images()
    assert_allclose(image.get_array(), subspace_similarity_matrix(W_a, W_b, 3, 5))
    assert image.get_clim() == (0.0, 1.0)
    assert image.get_extent() == [0.5, 5.5, 0.5, 3.5]
    assert len(ax.figure.axes) == 2  # the heatmap and its colorbar
    assert ax.get_xlabel().startswith("j") and ax.get_ylabel().startswith("i")


def test_plot_subspace_similarity_marks_cells_at_or_below_chance(pyplot):
    rng = np.random.RandomState(0)
    W_a, W_b = rng.normal(size=(30, 12)), rng.normal(size=(30, 12))
    phi = subspace_similarity_matrix(W_a, W_b)
    ax = plot_subspace_similarity(W_a, W_b)
    (marks,) = ax.collections
    j, i = np.asarray(marks.get_offsets()).T.astype(int)
    chance = np.maximum.outer(np.arange(1, 13), np.arange(1, 13)) / 12
    expected = (phi <= chance + 1e-12) & (chance < 1)
    assert 0 < expected.sum() < expected.size
    marked = np.zeros_like(expected)
    marked[i - 1, j - 1] = True
    np.testing.assert_array_equal(marked, expected)
    assert "max(i, j) / 12" in marks.get_label()
    # multinomial-like weights (columns summing to zero) have rank 11: chance is max(i, j) / 11
    centred = W_a - W_a.mean(axis=1, keepdims=True)
    ax = plot_subspace_similarity(centred, centred)
    (marks,) = ax.collections
    assert "max(i, j) / 11" in marks.get_label() and len(marks.get_offsets()) == 0
    ax = plot_subspace_similarity(W_a, W_b, mark_chance=False)
    assert not ax.collections and ax.get_legend() is None
