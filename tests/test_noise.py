"""Tests for sklearn_lip.noise: label-noise generators and NoisyLabelClassifier."""

# SPDX-License-Identifier: BSD-3-Clause

import subprocess
import sys
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags

from sklearn_lip.noise import (
    InstanceDependentNoise,
    NoisyLabelClassifier,
    PairNoise,
    PartialLabelNoise,
    SymmetricNoise,
    TransitionMatrixNoise,
    corrupt_labels,
    make_transition_matrix,
)

N_LARGE = 200_000
ASYMMETRIC_T = np.array([[0.7, 0.2, 0.1], [0.0, 0.9, 0.1], [0.25, 0.25, 0.5]])


def flip_generators(rate=0.3, random_state=0):
    """One instance of each generator that replaces labels (3-class friendly)."""
    return [
        SymmetricNoise(rate, random_state=random_state),
        PairNoise(rate, random_state=random_state),
        TransitionMatrixNoise(
            make_transition_matrix("symmetric", 3, rate), random_state=random_state
        ),
        InstanceDependentNoise(rate, random_state=random_state),
    ]


def all_generators(random_state=0):
    partial = PartialLabelNoise(0.3, random_state=random_state)
    return [*flip_generators(random_state=random_state), partial]


def labels(n_samples, n_classes, seed=0):
    return np.random.RandomState(seed).randint(n_classes, size=n_samples)


def features(n_samples, n_features=5, seed=1):
    return np.random.RandomState(seed).normal(size=(n_samples, n_features))


def assert_proportion(achieved, expected, n_trials):
    """Within 5 binomial standard errors of ``expected`` (exact when ``expected`` is 0 or 1)."""
    tolerance = 5 * np.sqrt(expected * (1 - expected) / n_trials)
    assert abs(achieved - expected) <= tolerance, (achieved, expected, tolerance)


def assert_same_rng_state(before, after):
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def assert_transition_close(y, y_noisy, expected):
    """Empirical ``P(noisy = j | true = i)`` entry by entry within binomial error."""
    empirical = confusion_matrix(y, y_noisy, normalize="true")
    counts = np.bincount(y)
    for i, j in np.ndindex(*expected.shape):
        assert_proportion(empirical[i, j], expected[i, j], counts[i])


# --------------------------------------------------------------------------------------------
# make_transition_matrix
# --------------------------------------------------------------------------------------------


def test_make_transition_matrix_symmetric_and_pair():
    symmetric = make_transition_matrix("symmetric", 4, 0.3)
    np.testing.assert_allclose(np.diag(symmetric), 0.7)
    np.testing.assert_allclose(symmetric[~np.eye(4, dtype=bool)], 0.1)
    pair = make_transition_matrix("pair", 4, 0.3)
    expected = 0.7 * np.eye(4)
    expected[[0, 1, 2, 3], [1, 2, 3, 0]] = 0.3
    np.testing.assert_allclose(pair, expected)
    np.testing.assert_array_equal(make_transition_matrix("pair", 3, 0.0), np.eye(3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "uniform", "n_classes": 3, "rate": 0.1}, "kind"),
        ({"kind": "pair", "n_classes": 1, "rate": 0.1}, "n_classes"),
        ({"kind": "pair", "n_classes": 3, "rate": 1.0}, "rate"),
        ({"kind": "symmetric", "n_classes": 3, "rate": -0.1}, "rate"),
    ],
)
def test_make_transition_matrix_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_transition_matrix(**kwargs)


# --------------------------------------------------------------------------------------------
# Achieved rates and empirical transition matrices on large samples
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.7])
def test_symmetric_noise_rate_and_matrix(rate):
    y = labels(N_LARGE, 4)
    noise = SymmetricNoise(rate, random_state=0)
    _, y_noisy = noise.fit_resample(np.zeros((N_LARGE, 1)), y)
    np.testing.assert_array_equal(noise.noise_mask_, y_noisy != y)
    assert_proportion(noise.noise_rate_, rate, N_LARGE)
    expected = make_transition_matrix("symmetric", 4, rate)
    np.testing.assert_allclose(noise.transition_matrix_, expected)
    assert_transition_close(y, y_noisy, noise.transition_matrix_)


def test_pair_noise_default_mapping_is_next_sorted_class():
    y = np.array(["b", "c", "a", "d"])[labels(N_LARGE, 4)]
    noise = PairNoise(0.4, random_state=0)
    _, y_noisy = noise.fit_resample(np.zeros((N_LARGE, 1)), y)
    flipped = noise.noise_mask_
    successor = {"a": "b", "b": "c", "c": "d", "d": "a"}
    assert np.all(y_noisy[flipped] == np.vectorize(successor.get)(y[flipped]))
    assert_proportion(noise.noise_rate_, 0.4, N_LARGE)
    codes = np.searchsorted(noise.classes_, y), np.searchsorted(noise.classes_, y_noisy)
    assert_transition_close(*codes, make_transition_matrix("pair", 4, 0.4))


def test_pair_noise_user_mapping_leaves_unmapped_classes_alone():
    y = labels(N_LARGE, 3)
    # rate >= 0.5 is allowed: the partner becomes the majority noisy label.
    noise = PairNoise(0.6, mapping={0: 2}, random_state=0)
    _, y_noisy = noise.fit_resample(np.zeros((N_LARGE, 1)), y)
    np.testing.assert_array_equal(y_noisy[y != 0], y[y != 0])
    assert set(y_noisy[y == 0]) == {0, 2}
    assert_proportion(np.mean(y_noisy[y == 0] == 2), 0.6, np.sum(y == 0))
    np.testing.assert_allclose(noise.transition_matrix_, [[0.4, 0, 0.6], [0, 1, 0], [0, 0, 1]])


def test_transition_matrix_noise_matches_matrix_and_never_draws_zero_entries():
    y = labels(N_LARGE, 3)
    noise = TransitionMatrixNoise(ASYMMETRIC_T, random_state=0)
    _, y_noisy = noise.fit_resample(np.zeros((N_LARGE, 1)), y)
    assert_transition_close(y, y_noisy, ASYMMETRIC_T)
    assert not np.any((y == 1) & (y_noisy == 0))  # T[1, 0] == 0 exactly
    expected_rate = np.bincount(y) @ (1 - np.diag(ASYMMETRIC_T)) / N_LARGE
    assert_proportion(noise.noise_rate_, expected_rate, N_LARGE)


def test_transition_matrix_rows_are_renormalized():
    T = np.array([[0.9, 0.1], [0.2, 0.8 + 5e-7]])
    noise = TransitionMatrixNoise(T, random_state=0)
    noise.fit_resample([[0]] * 4, [0, 1, 0, 1])
    np.testing.assert_allclose(noise.transition_matrix_.sum(axis=1), 1, rtol=0, atol=1e-15)


@pytest.mark.parametrize("rate", [0.05, 0.4])
def test_instance_dependent_noise_mean_rate(rate):
    # The truncated normal centred at 0.05 has mean 0.10: the location must be solved for.
    y, X = labels(N_LARGE, 3), features(N_LARGE)
    noise = InstanceDependentNoise(rate, random_state=0)
    _, y_noisy = noise.fit_resample(X, y)
    np.testing.assert_array_equal(noise.noise_mask_, y_noisy != y)
    assert_proportion(noise.noise_rate_, rate, N_LARGE)
    empirical = confusion_matrix(y, y_noisy, normalize="true")
    np.testing.assert_allclose(noise.transition_matrix_, empirical)
    for c in range(3):  # the flip rates do not depend on the class
        assert_proportion(1 - noise.transition_matrix_[c, c], rate, np.sum(y == c))


def test_instance_dependent_noise_targets_follow_the_features():
    # Where a flipped label goes is a function of x: predictable from X, unlike symmetric noise.
    y, X = labels(20_000, 3), features(20_000, n_features=30)
    accuracies = []
    for noise in [InstanceDependentNoise(0.4, random_state=0), SymmetricNoise(0.4, random_state=0)]:
        _, y_noisy = noise.fit_resample(X, y)
        moved = noise.noise_mask_ & (y == 0)
        model = LogisticRegression().fit(X[moved], y_noisy[moved])
        accuracies.append(model.score(X[moved], y_noisy[moved]))
    assert accuracies[0] > 0.85 and accuracies[1] < 0.6, accuracies


def test_instance_dependent_noise_standardizes_and_accepts_sparse():
    y, X = labels(2_000, 4), features(2_000)
    X[:, 0] = 0  # a constant feature must not break the standardization
    reference = InstanceDependentNoise(0.3, random_state=0).fit_resample(X, y)[1]
    rescaled = InstanceDependentNoise(0.3, random_state=0).fit_resample(1000 * X + 7, y)[1]
    np.testing.assert_array_equal(rescaled, reference)
    X_sparse = sp.csc_matrix(np.where(X > 0.5, X, 0))
    from_sparse = InstanceDependentNoise(0.3, random_state=0).fit_resample(X_sparse, y)[1]
    from_dense = InstanceDependentNoise(0.3, random_state=0).fit_resample(X_sparse.toarray(), y)[1]
    np.testing.assert_array_equal(from_sparse, from_dense)


def test_instance_dependent_noise_extreme_rate_stays_close():
    y, X = labels(N_LARGE, 2), features(N_LARGE)
    noise = InstanceDependentNoise(0.95, flip_rate_std=0.3, random_state=0)
    noise.fit_resample(X, y)
    assert_proportion(noise.noise_rate_, 0.95, N_LARGE)


def test_partial_label_noise_candidates():
    y = np.array(["x", "y", "z", "w"])[labels(N_LARGE, 4)]
    noise = PartialLabelNoise(0.25, random_state=0)
    _, candidates = noise.fit_resample(np.zeros((N_LARGE, 1)), y)
    assert candidates.shape == (N_LARGE, 4) and candidates.dtype == np.int64
    assert set(np.unique(candidates)) == {0, 1}
    true_columns = np.searchsorted(noise.classes_, y)
    assert np.all(candidates[np.arange(N_LARGE), true_columns] == 1)
    wrong = candidates.sum(axis=1) - 1
    np.testing.assert_array_equal(noise.noise_mask_, wrong > 0)
    assert_proportion(noise.noise_rate_, 0.25, N_LARGE * 3)
    for c in range(4):  # P(j in set | true = c) = ambiguity for every other class j
        rows = candidates[true_columns == c]
        for j in set(range(4)) - {c}:
            assert_proportion(rows[:, j].mean(), 0.25, len(rows))
    np.testing.assert_allclose(noise.transition_matrix_, 0.75 * np.eye(4) + 0.25)


def test_zero_rate_returns_y_unchanged():
    y, X = labels(500, 3), features(500)
    for noise in flip_generators(rate=0.0):
        y_noisy = noise.fit_resample(X, y)[1]
        np.testing.assert_array_equal(y_noisy, y)
        assert noise.noise_rate_ == 0 and not noise.noise_mask_.any()
    candidates = PartialLabelNoise(0.0, random_state=0).fit_resample(X, y)[1]
    np.testing.assert_array_equal(candidates, np.eye(3, dtype=int)[y])


# --------------------------------------------------------------------------------------------
# Randomness: reproducible, and the global RNG is never touched
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("noise", all_generators(), ids=lambda est: type(est).__name__)
def test_reproducible_and_global_rng_untouched(noise):
    y, X = labels(1_000, 3), features(1_000)
    state_before = np.random.get_state()
    first = noise.fit_resample(X, y)[1]
    again = noise.fit_resample(X, y)[1]
    fresh = clone(noise).fit_resample(X, y)[1]
    other_seed = clone(noise).set_params(random_state=1).fit_resample(X, y)[1]
    corrupt_labels(y, noise, X=X, random_state=3)
    assert_same_rng_state(state_before, np.random.get_state())
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, fresh)
    assert not np.array_equal(first, other_seed)


def test_classifier_fit_leaves_global_rng_untouched():
    X, y = make_classification(n_samples=300, random_state=0)
    state_before = np.random.get_state()
    NoisyLabelClassifier(noise=SymmetricNoise(0.2, random_state=0)).fit(X, y)
    assert_same_rng_state(state_before, np.random.get_state())


# --------------------------------------------------------------------------------------------
# Containers, dtypes, no mutation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("noise", flip_generators(rate=0.5), ids=lambda est: type(est).__name__)
def test_containers_and_dtypes_are_kept(noise):
    X = features(60)
    y = labels(60, 3).astype(np.int32)
    y.setflags(write=False)  # the caller's labels are never written to
    y_noisy = noise.fit_resample(X, y)[1]
    assert y_noisy.dtype == np.int32 and noise.noise_mask_.any()

    strings = np.array(["cat", "dog", "eel"], dtype=object)[y]
    as_list = noise.fit_resample(X, strings.tolist())[1]
    assert isinstance(as_list, list) and set(as_list) <= {"cat", "dog", "eel"}

    series = pd.Series(strings, index=np.arange(100, 160), name="animal", dtype="category")
    X_frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    X_out, series_noisy = noise.fit_resample(X_frame, series)
    assert X_out is X_frame
    assert series_noisy.name == "animal" and series_noisy.dtype == series.dtype
    np.testing.assert_array_equal(series_noisy.index, series.index)
    np.testing.assert_array_equal(series_noisy.to_numpy(), np.asarray(as_list, dtype=object))
    np.testing.assert_array_equal(noise.feature_names_in_, X_frame.columns)
    np.testing.assert_array_equal(series.cat.codes, y)  # the input Series is unchanged


def test_sparse_X_is_returned_as_is():
    X = sp.random(50, 4, density=0.3, format="csr", random_state=0)
    y = labels(50, 3)
    for noise in all_generators():
        assert noise.fit_resample(X, y)[0] is X


def test_partial_label_noise_with_string_series():
    y = pd.Series(["b", "a", "c", "a"], index=[7, 8, 9, 10])
    candidates = PartialLabelNoise(0.0, random_state=0).fit_resample([[0]] * 4, y)[1]
    np.testing.assert_array_equal(candidates, [[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0]])


def test_fit_validates_without_drawing_noise():
    noise = SymmetricNoise(0.5, random_state=0).fit(features(10), labels(10, 2))
    assert noise.n_features_in_ == 5 and not hasattr(noise, "noise_mask_")
    np.testing.assert_array_equal(noise.classes_, [0, 1])


# --------------------------------------------------------------------------------------------
# corrupt_labels
# --------------------------------------------------------------------------------------------


def test_corrupt_labels_overrides_random_state_without_mutating_noise():
    y = labels(300, 3)
    noise = SymmetricNoise(0.4, random_state=0)
    y_noisy = corrupt_labels(y, noise, random_state=5)
    expected = SymmetricNoise(0.4, random_state=5).fit_resample(np.zeros((300, 1)), y)[1]
    np.testing.assert_array_equal(y_noisy, expected)
    assert noise.random_state == 0 and not hasattr(noise, "noise_mask_")
    default = corrupt_labels(y, noise)
    np.testing.assert_array_equal(default, noise.fit_resample(np.zeros((300, 1)), y)[1])


def test_corrupt_labels_feature_noise_needs_X():
    with pytest.raises(ValueError, match="pass X"):
        corrupt_labels([0, 1, 0], InstanceDependentNoise(0.2))
    X = features(3)
    assert len(corrupt_labels([0, 1, 0], InstanceDependentNoise(0.2), X=X, random_state=0)) == 3


def test_corrupt_labels_rejects_non_noise():
    with pytest.raises(TypeError, match="noise"):
        corrupt_labels([0, 1], LogisticRegression())


# --------------------------------------------------------------------------------------------
# Error paths
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda r: SymmetricNoise(r), "rate"),
        (lambda r: PairNoise(r), "rate"),
        (lambda r: InstanceDependentNoise(r), "rate"),
        (lambda r: PartialLabelNoise(r), "ambiguity"),
    ],
)
def test_rate_outside_unit_interval(make, name, bad):
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        make(bad).fit_resample(features(10), labels(10, 2))


@pytest.mark.parametrize(
    "matrix, match",
    [
        (np.eye(2), r"shape \(3, 3\)"),
        (np.ones(3), r"shape \(3, 3\)"),
        (ASYMMETRIC_T.T, "row-stochastic"),  # columns sum to 1: cleanlab's convention
        (np.array([[1.2, -0.2, 0], [0, 1, 0], [0, 0, 1]]), "row-stochastic"),
        (np.array([[np.nan, 1, 0], [0, 1, 0], [0, 0, 1]]), "row-stochastic"),
    ],
)
def test_transition_matrix_errors(matrix, match):
    with pytest.raises(ValueError, match=f"transition_matrix.*{match}"):
        TransitionMatrixNoise(matrix).fit_resample(features(9), labels(9, 3))


@pytest.mark.parametrize(
    "mapping, match",
    [
        ({0: 5}, r"mapping refers to classes that are not in y: \[5\]"),
        ({"dog": 1}, r"not in y: \['dog'\]"),
        ({0: 1, 2: 2}, r"map to themselves"),
    ],
)
def test_pair_mapping_errors(mapping, match):
    with pytest.raises(ValueError, match=match):
        PairNoise(0.2, mapping=mapping).fit_resample(features(9), np.arange(9) % 3)


@pytest.mark.parametrize("noise", all_generators(), ids=lambda est: type(est).__name__)
def test_single_class_is_rejected(noise):
    with pytest.raises(ValueError, match="at least 2 classes.*got 1 class"):
        noise.fit_resample(features(5), ["a"] * 5)


def test_instance_dependent_noise_rejects_nan():
    X = features(6)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        InstanceDependentNoise(0.2).fit_resample(X, labels(6, 2))


def test_other_parameter_errors():
    X, y = features(10), labels(10, 2)
    with pytest.raises(ValueError, match="'flip_rate_std' parameter"):
        InstanceDependentNoise(0.2, flip_rate_std=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="'mapping' parameter"):
        PairNoise(0.2, mapping=[(0, 1)]).fit_resample(X, y)
    with pytest.raises(ValueError, match="'noise' parameter"):
        NoisyLabelClassifier(noise=StandardScaler()).fit(X, y)
    with pytest.raises(ValueError, match="'estimator' parameter"):
        NoisyLabelClassifier(StandardScaler()).fit(X, y)


# --------------------------------------------------------------------------------------------
# Pipelines: the corruption happens at fit time only
# --------------------------------------------------------------------------------------------
# A 1-nearest-neighbour model reproduces its (noisy) training labels on the training rows, so
# scoring on those rows against the *clean* labels gives exactly 1 - achieved noise rate. If the
# score labels were corrupted too (same seed), the score would be 1.


def test_imblearn_pipeline_applies_the_sampler_at_fit_only():
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    X, y = features(400), labels(400, 3)
    noise = SymmetricNoise(0.3, random_state=0)
    pipe = imblearn_pipeline.Pipeline([("noise", noise), ("knn", KNeighborsClassifier(1))])
    pipe.fit(X, y)
    fitted_noise = pipe.named_steps["noise"]
    assert 0 < fitted_noise.noise_rate_ < 1
    assert pipe.score(X, y) == pytest.approx(1 - fitted_noise.noise_rate_)
    expected_train = fitted_noise.fit_resample(X, y)[1]
    np.testing.assert_array_equal(pipe.predict(X), expected_train)


def test_classifier_in_sklearn_pipeline_corrupts_at_fit_only():
    X, y = features(400), labels(400, 3)
    clf = NoisyLabelClassifier(KNeighborsClassifier(1), SymmetricNoise(0.3, random_state=0))
    pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    fitted = pipe[-1]
    assert 0 < fitted.noise_.noise_rate_ < 1
    assert pipe.score(X, y) == pytest.approx(1 - fitted.noise_.noise_rate_)
    np.testing.assert_array_equal(fitted.noise_mask_, pipe.predict(X) != y)
    assert not hasattr(clf.noise, "noise_mask_")  # the given noise object is never fitted


def test_cross_val_score_scores_on_clean_labels():
    X, y = features(300), labels(300, 3)
    clf = NoisyLabelClassifier(KNeighborsClassifier(1), SymmetricNoise(0.4, random_state=0))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(clf, X, y, cv=cv)
    expected = []
    for train, test in cv.split(X, y):
        y_noisy = SymmetricNoise(0.4, random_state=0).fit_resample(X[train], y[train])[1]
        model = KNeighborsClassifier(1).fit(X[train], y_noisy)
        expected.append(np.mean(model.predict(X[test]) == y[test]))
    np.testing.assert_allclose(scores, expected)


def test_grid_search_over_noise_rate_and_inner_params():
    X, y = make_classification(
        n_samples=150, n_features=5, n_informative=4, n_redundant=0, n_classes=3, random_state=0
    )
    clf = NoisyLabelClassifier(LogisticRegression(), SymmetricNoise(random_state=0))
    grid = {"noise__rate": [0.0, 0.45], "estimator__C": [0.01, 1.0]}
    search = GridSearchCV(clf, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    for params, score in zip(
        search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
    ):
        expected = cross_val_score(clone(clf).set_params(**params), X, y, cv=2).mean()
        assert score == pytest.approx(expected)
    assert search.best_estimator_.noise_.rate == search.best_params_["noise__rate"]


# --------------------------------------------------------------------------------------------
# NoisyLabelClassifier
# --------------------------------------------------------------------------------------------


def test_classifier_defaults_and_attributes():
    X, y = make_classification(n_samples=200, random_state=0)
    clf = NoisyLabelClassifier().fit(X, y)
    assert isinstance(clf.estimator_, LogisticRegression)
    assert isinstance(clf.noise_, SymmetricNoise) and clf.noise_.rate == 0.2
    assert clf.noise_mask_ is clf.noise_.noise_mask_ and clf.noise_mask_.shape == (200,)
    assert clf.estimator is None and clf.noise is None
    assert clf.predict_proba(X).shape == (200, 2)


def test_classifier_random_state_seeds_a_noise_without_its_own():
    X, y = make_classification(n_samples=200, random_state=0)
    first = NoisyLabelClassifier(random_state=0).fit(X, y)
    second = NoisyLabelClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(first.noise_mask_, second.noise_mask_)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    seeded = NoisyLabelClassifier(noise=SymmetricNoise(random_state=0)).fit(X, y)
    np.testing.assert_array_equal(first.noise_mask_, seeded.noise_mask_)
    # The noise's own seed wins; clone and get_params see the new parameter.
    own = NoisyLabelClassifier(noise=SymmetricNoise(random_state=1), random_state=0).fit(X, y)
    assert own.noise_.random_state == 1 and own.noise.random_state == 1
    assert not np.array_equal(own.noise_mask_, first.noise_mask_)
    assert clone(first).get_params()["random_state"] == 0
    assert NoisyLabelClassifier().fit(X, y).noise_.random_state is None


def test_classifier_tags_say_deterministic_only_for_deterministic_parts():
    # Seeded through random_state like scikit-learn's estimators: deterministic for a seed.
    assert not get_tags(NoisyLabelClassifier()).non_deterministic
    assert not get_tags(NoisyLabelClassifier(noise=SymmetricNoise())).non_deterministic


def test_classifier_classes_come_from_clean_labels():
    # Class "c" always becomes "a": the inner model never sees it, the meta-estimator does.
    X = features(300)
    y = np.array(["a", "b", "c"])[labels(300, 3)]
    T = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    clf = NoisyLabelClassifier(noise=TransitionMatrixNoise(T, random_state=0)).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    np.testing.assert_array_equal(clf.estimator_.classes_, ["a", "b"])
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 3)
    np.testing.assert_array_equal(proba[:, 2], 0)
    np.testing.assert_allclose(proba[:, :2], clf.estimator_.predict_proba(X))
    assert np.all(np.isneginf(clf.predict_log_proba(X)[:, 2]))
    assert set(clf.predict(X)) <= {"a", "b"}


def test_classifier_forwards_sample_weight():
    X, y = make_classification(n_samples=200, random_state=0)
    weights = np.random.RandomState(0).uniform(0.1, 3, size=200)
    noise = SymmetricNoise(0.2, random_state=0)
    y_noisy = clone(noise).fit_resample(X, y)[1]
    expected = LogisticRegression().fit(X, y_noisy, sample_weight=weights).coef_
    clf = NoisyLabelClassifier(LogisticRegression(), noise).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(clf.estimator_.coef_, expected)
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        clf.fit(X, y, classes=[0, 1])
    with config_context(enable_metadata_routing=True):
        routed = NoisyLabelClassifier(
            LogisticRegression().set_fit_request(sample_weight=True), noise
        ).fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(routed.estimator_.coef_, expected)
        unrequested = NoisyLabelClassifier(LogisticRegression(), noise)
        with pytest.raises(ValueError, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=weights)


def test_classifier_tags_and_methods_follow_its_parts():
    nan_ok = NoisyLabelClassifier(HistGradientBoostingClassifier(), SymmetricNoise())
    assert get_tags(nan_ok).input_tags.allow_nan
    assert not get_tags(nan_ok).input_tags.sparse
    no_nan = NoisyLabelClassifier(HistGradientBoostingClassifier(), InstanceDependentNoise())
    assert not get_tags(no_nan).input_tags.allow_nan
    assert get_tags(NoisyLabelClassifier()).input_tags.sparse
    svc = NoisyLabelClassifier(LinearSVC())
    assert not hasattr(svc, "predict_proba") and hasattr(svc, "decision_function")
    assert hasattr(NoisyLabelClassifier(), "predict_proba")


def test_classifier_with_nan_features_and_tree_model():
    X, y = make_classification(n_samples=200, random_state=0)
    X[::7, 0] = np.nan
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    clf = NoisyLabelClassifier(tree, SymmetricNoise(random_state=0)).fit(X, y)
    assert clf.score(X, y) > 0.7


def test_package_import_does_not_import_imblearn():
    code = "import sys, sklearn_lip.noise; assert 'imblearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# imbalanced-learn sampler checks (scikit-learn's own checks are in tests/test_common.py)
# --------------------------------------------------------------------------------------------


def _imblearn_view(noise):
    """The same generator, reporting imbalanced-learn's tags.

    imblearn's sampler checks read ``input_tags.dataframe`` and ``sampler_tags``, fields that
    only imblearn's own ``Tags`` have; sklearn_lip does not import imblearn to build them.
    """
    from imblearn.utils._tags import InputTags, SamplerTags, Tags

    cls = type(noise)

    def __sklearn_tags__(self):
        tags = cls.__sklearn_tags__(self)
        input_tags = {f.name: getattr(tags.input_tags, f.name) for f in fields(tags.input_tags)}
        other = {f.name: getattr(tags, f.name) for f in fields(tags) if f.name != "input_tags"}
        return Tags(
            **{**other, "estimator_type": "sampler"},
            input_tags=InputTags(**input_tags, dataframe=True),
            sampler_tags=SamplerTags(),
        )

    namespace = {"__sklearn_tags__": __sklearn_tags__, "__module__": __name__}
    view = type(cls.__name__, (cls,), namespace)
    return view(**noise.get_params())


_NO_SAMPLING_STRATEGY = "label noise never balances classes, so there is no sampling_strategy_"
_NO_ONE_HOT = "targets are class labels; a 2-D y is kept for PartialLabelNoise's candidate output"
_TWO_CLASS_CHECK = "this check uses 2-class y while the instance's transition matrix is 3 x 3"
_CANDIDATE_MATRIX = "returns a 0/1 int64 candidate matrix whatever the container and dtype of y"
IMBLEARN_EXPECTED_FAILURES = {
    "check_samplers_fit": _NO_SAMPLING_STRATEGY,
    "check_samplers_multiclass_ova": _NO_ONE_HOT,
}
IMBLEARN_EXTRA_FAILURES = {
    TransitionMatrixNoise: {
        name: _TWO_CLASS_CHECK
        for name in [
            "check_samplers_string",
            "check_samplers_nan",
            "check_sampler_get_feature_names_out",
            "check_sampler_get_feature_names_out_pandas",
        ]
    },
    PartialLabelNoise: {
        name: _CANDIDATE_MATRIX
        for name in [
            "check_samplers_pandas",
            "check_samplers_pandas_sparse",
            "check_samplers_list",
            "check_samplers_preserve_dtype",
        ]
    },
}


def _imblearn_check_params():
    try:
        from imblearn.utils.estimator_checks import estimator_checks_generator
    except ImportError:  # imbalanced-learn is optional
        return []
    params = []
    generators = [*flip_generators(rate=0.2), PartialLabelNoise(0.3, random_state=0)]
    for noise in generators:
        expected = {**IMBLEARN_EXPECTED_FAILURES, **IMBLEARN_EXTRA_FAILURES.get(type(noise), {})}
        for estimator, check in estimator_checks_generator(_imblearn_view(noise)):
            name = check.func.__name__
            marks = []
            if name in expected:  # imblearn's own xfail marks are not strict; these are
                marks = [pytest.mark.xfail(strict=True, reason=expected[name])]
            check_id = f"{type(noise).__name__}-{name}"
            params.append(pytest.param(estimator, check, marks=marks, id=check_id))
    return params


@pytest.mark.parametrize("estimator, check", _imblearn_check_params())
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)
