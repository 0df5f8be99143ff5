"""Tests of partial-label learning: candidate-set targets and LIPClassifier fitted on them."""

import numpy as np
import pytest

# Fixed epochs on every row: these tests are about candidate sets; how early stopping reads
# them is tested on its own below (and the stopping rule in test_neural.py).
from _settings import FIXED
from scipy import sparse
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_lip._partial import encode_candidates, encode_labels, is_candidate_matrix
from sklearn_lip.noise import NoisyLabelClassifier, PartialLabelNoise

pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_lip.neural import LIPClassifier  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data(four_class_task):
    """Features, true labels and candidate sets (ambiguity 0.3) of the 4-class task."""
    X, y = four_class_task
    _, candidates = PartialLabelNoise(ambiguity=0.3, random_state=0).fit_resample(X, y)
    return X, y, candidates


# --- recognising and checking candidate matrices ----------------------------------------------


def test_is_candidate_matrix():
    assert not is_candidate_matrix(None)
    assert not is_candidate_matrix([0, 1, 2])
    assert not is_candidate_matrix([[0], [1]])  # a column vector of labels
    assert is_candidate_matrix([[1, 0], [1, 1]])
    assert is_candidate_matrix(sparse.csr_matrix(np.eye(3)))


@pytest.mark.parametrize(
    "Y, classes, message",
    [
        ([[1, 0, 2], [0, 1, 0]], None, r"only 0 and 1 .* \[0, 1, 2\]"),
        ([[1, 0, 0], [0, 0, 0], [0, 0, 0]], None, r"2 rows .* no candidate \(rows \[1, 2\]\)"),
        ([[1, 0, 0], [0, 1, 1]], ["a", "b"], "classes has 2 labels but .* has 3 columns"),
        ([[1, 0], [0, 1]], ["a", "a"], "at least 2 distinct labels"),
    ],
)
def test_encode_candidates_errors(Y, classes, message):
    with pytest.raises(ValueError, match=message):
        encode_candidates(Y, classes)


def test_encode_candidates_accepts_booleans_and_sparse():
    dense, classes = encode_candidates(np.array([[True, False], [True, True]]))
    np.testing.assert_array_equal(dense, [[1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_array_equal(classes, [0, 1])
    from_sparse, _ = encode_candidates(sparse.csr_matrix(dense))
    np.testing.assert_array_equal(from_sparse, dense)


def test_encode_labels():
    classes, indices = encode_labels(np.array(["b", "c", "b"]), classes=["c", "a", "b"])
    np.testing.assert_array_equal(classes, ["c", "a", "b"])
    np.testing.assert_array_equal(indices, [2, 0, 2])
    with pytest.raises(ValueError, match=r"at least 2 classes; got one class: \['b'\]"):
        encode_labels(["b", "b"])


# --- LIPClassifier on candidate sets ----------------------------------------------------------


def test_fit_on_partial_label_noise_output(data):
    X, y, candidates = data
    clf = LIPClassifier(**FIXED).fit(X, candidates)
    assert clf.criterion_ == "cc"
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.predict(X).shape == (len(y),)
    assert clf.score(X, y) > 0.6  # accuracy on the true labels
    in_candidates = candidates[np.arange(len(y)), clf.predict(X)] > 0
    assert clf.score(X, candidates) == pytest.approx(in_candidates.mean())
    # LIP ran on the candidate matrix: top-k singular values kept, the rest re-fitted.
    np.testing.assert_allclose(clf.refined_singular_values_[:3], clf.singular_values_[:3])
    assert not np.allclose(clf.refined_singular_values_[3:], clf.singular_values_[3:])


def test_classes_name_the_columns_and_sparse_equals_dense(data):
    X, _, candidates = data
    names = ["north", "east", "south", "west"]
    dense = LIPClassifier(classes=names, criterion="cc", **FIXED).fit(X, candidates)
    assert set(dense.predict(X)) <= set(names)
    sparse_fit = LIPClassifier(classes=names, criterion="cc", **FIXED).fit(
        X, sparse.csr_matrix(candidates)
    )
    np.testing.assert_array_equal(dense.predict_proba(X), sparse_fit.predict_proba(X))
    with pytest.raises(ValueError, match="classes has 3 labels but the candidate matrix"):
        LIPClassifier(classes=names[:3], **FIXED).fit(X, candidates)


def test_candidate_rows_without_candidate_are_rejected(data):
    X, _, candidates = data
    broken = candidates.copy()
    broken[5] = 0
    with pytest.raises(ValueError, match=r"1 rows of the candidate matrix y have no candidate"):
        LIPClassifier(**FIXED).fit(X, broken)


@pytest.mark.parametrize("criterion", ["ce", "gce", "forward"])
def test_noisy_label_criteria_refuse_candidate_sets(data, criterion):
    X, _, candidates = data
    with pytest.raises(ValueError, match="is a noisy-label loss, but y is a candidate matrix"):
        LIPClassifier(criterion=criterion, **FIXED).fit(X, candidates)


@pytest.mark.parametrize("criterion", ["cc", "proden"])
@pytest.mark.parametrize("lap", ["paper", "scaled", "log"])
def test_partial_label_criteria_and_lap_modes(data, criterion, lap):
    X, y, candidates = data
    clf = LIPClassifier(criterion=criterion, lap=lap, **FIXED).fit(X, candidates)
    assert (clf.criterion_, clf.lap_, clf.k_) == (criterion, lap, 3)
    assert clf.score(X, y) > 0.5


def test_auto_k_validates_on_candidate_sets(data):
    X, _, candidates = data
    clf = LIPClassifier(**{**FIXED, "k": "auto"}).fit(X, candidates)
    assert {"unchanged", 1, 2, 3} <= set(clf.validation_scores_)
    # A held-out prediction is right when it lies in the row's candidate set: with every
    # class a candidate, every prediction is right, whatever the network learned.
    everything = LIPClassifier(**{**FIXED, "k": "auto"}).fit(X, np.ones_like(candidates))
    assert set(everything.validation_scores_.values()) == {1.0}
    assert everything.k_ is None


@pytest.mark.parametrize("criterion", ["cc", "proden"])
def test_early_stopping_scores_held_out_rows_by_their_candidate_sets(data, criterion):
    X, _, candidates = data
    clf = LIPClassifier(
        criterion=criterion, refit=False, **{**FIXED, "early_stopping": True, "max_epochs": 60}
    ).fit(X, candidates)
    held_out = clf.validation_indices_
    assert len(held_out) == 60
    predicted = clf.net_.predict(X[held_out].astype(np.float32))
    in_candidates = candidates[held_out, predicted] > 0
    best = clf.best_epoch_ - 1
    assert np.mean(in_candidates) == pytest.approx(clf.validation_curve_["valid_acc"][best])


def test_grid_search_over_criterion_and_k_with_candidate_sets(data):
    X, y, candidates = data
    grid = GridSearchCV(
        LIPClassifier(**FIXED),
        {"criterion": ["cc", "proden"], "k": [1, 3]},
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(X[:150], candidates[:150])
    assert set(grid.cv_results_["params"][0]) == {"criterion", "k"}
    assert 0.5 < grid.best_score_ <= 1  # candidate accuracy on held-out rows
    assert grid.best_estimator_.score(X[150:], y[150:]) > 0.4


def test_noisy_label_classifier_with_partial_label_noise(data):
    X, y, _ = data
    # Integer labels 0..K-1 are the candidate matrix's default column labels.
    clf = NoisyLabelClassifier(LIPClassifier(**FIXED), PartialLabelNoise(0.3, random_state=0)).fit(
        X, y
    )
    assert clf.estimator_.criterion_ == "cc"
    assert clf.score(X, y) > 0.6
    # Other labels: tell LIPClassifier the column labels, which PartialLabelNoise sorts.
    names = np.array(["ant", "bee", "cat", "dog"])
    clf = NoisyLabelClassifier(
        LIPClassifier(classes=names, **FIXED), PartialLabelNoise(0.3, random_state=0)
    ).fit(X, names[y])
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names[y]) > 0.6
