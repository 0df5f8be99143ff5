"""Tests of LIPMetaClassifier beyond scikit-learn's common checks (see test_common.py)."""

import pickle
import re
import warnings
from functools import partial

import numpy as np
import pytest
from scipy import sparse
from scipy.stats import norm
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, Perceptron, RidgeClassifier, SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_lip import LIPMetaClassifier, LIPSkippedWarning, _head, lip_refine
from sklearn_lip._head import (
    Fold,
    _choose_k,
    _moves_too_few_rows,
    candidate_predictions,
    fit_head,
    paired_z,
)
from sklearn_lip._lip import LAPStatistics
from sklearn_lip._row_sums import project_rows
from sklearn_lip.meta import loss_family


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=300, n_features=12, n_informative=8, n_classes=5, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def test_fixed_k_equals_lip_refine_on_the_inner_weights(data):
    X, y = data
    clf = LIPMetaClassifier(RidgeClassifier(), k=2, lap="paper").fit(X, y)
    W = np.vstack([clf.estimator_.coef_.T, clf.estimator_.intercept_])
    Y = 2 * np.eye(5)[y] - 1  # ridge fits -1/+1 targets
    expected = lip_refine(W, np.column_stack([X, np.ones(len(X))]), Y, 2)
    np.testing.assert_allclose(np.vstack([clf.coef_.T, clf.intercept_]), expected, rtol=1e-10)
    np.testing.assert_allclose(clf.raw_coef_, clf.estimator_.coef_)
    np.testing.assert_allclose(
        clf.decision_function(X), X @ clf.coef_.T + clf.intercept_, rtol=1e-12
    )
    assert clf.k_ == 2 and clf.lap_ == "paper"
    assert clf.validation_scores_ is None


def test_lap_modes_and_targets_per_family():
    assert loss_family(LogisticRegression()) == "log"
    assert loss_family(SGDClassifier(loss="log_loss")) == "log"
    assert loss_family(RidgeClassifier()) == "squared"
    assert loss_family(LinearSVC()) == "margin"
    assert loss_family(Perceptron()) == "margin"


@pytest.mark.parametrize(
    "estimator, has_proba",
    [
        (LogisticRegression(), True),
        (RidgeClassifier(), False),
        (LinearSVC(), False),
        (SGDClassifier(loss="modified_huber"), False),
    ],
)
def test_predict_proba_only_for_log_loss_models(data, estimator, has_proba):
    X, y = data
    clf = LIPMetaClassifier(estimator, k=2)
    assert hasattr(clf, "predict_proba") is has_proba
    clf.fit(X, y)
    assert hasattr(clf, "predict_proba") is has_proba
    if has_proba:
        proba = clf.predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))
        np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-10)


def test_unchanged_weights_reproduce_the_base_estimator(data):
    X, y = data
    # A fraction keeping the whole spectrum leaves W as fitted.
    clf = LIPMetaClassifier(LogisticRegression(), k=0.999999999).fit(X, y)
    assert clf.k_ is None
    base = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), base.predict_proba(X), rtol=1e-10)


def test_fraction_k_keeps_that_share_of_the_spectrum(data):
    X, y = data
    clf = LIPMetaClassifier(RidgeClassifier(), k=0.5).fit(X, y)
    energy = np.cumsum(clf.singular_values_**2) / np.sum(clf.singular_values_**2)
    assert energy[clf.k_ - 1] >= 0.5 > (energy[clf.k_ - 2] if clf.k_ > 1 else 0)


def test_auto_keeps_weights_when_validation_shows_no_gain():
    # Pure-noise labels: no k can beat the base significantly.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 10))
    y = rng.randint(0, 6, 400)
    clf = LIPMetaClassifier(LogisticRegression(), random_state=0).fit(X, y)
    assert clf.k_ is None
    assert "unchanged" in clf.validation_scores_
    np.testing.assert_allclose(clf.coef_, clf.raw_coef_)


def test_auto_picks_a_k_when_the_gain_is_clear():
    # 40 classes whose means live in a 3-dimensional subspace, weakly regularized logistic
    # regression with 40% symmetric noise: truncation to the true rank helps clearly.
    rng = np.random.RandomState(0)
    n_classes, n_features, n = 40, 30, 6000
    means = rng.normal(size=(n_classes, 3)) @ rng.normal(size=(3, n_features))
    y = rng.randint(0, n_classes, n)
    X = means[y] + 1.5 * rng.normal(size=(n, n_features))
    flip = rng.rand(n) < 0.4
    y_noisy = np.where(flip, rng.randint(0, n_classes, n), y)
    clf = LIPMetaClassifier(
        LogisticRegression(C=100, max_iter=300),
        k=[2, 3, 5, 10, 20],
        lap="paper",
        significance=0.2,
        early_stop="exact",
        random_state=0,
    ).fit(X[:4000], y_noisy[:4000])
    assert clf.k_ in (2, 3, 5) and clf.n_validation_folds_ == 3
    assert clf.validation_z_ >= norm.isf(0.2 / 5)  # one-sided, Bonferroni over 5 candidates
    assert clf.validation_threshold_ == pytest.approx(norm.isf(0.2 / 5))
    stricter = clone(clf).set_params(significance=0.01).fit(X[:4000], y_noisy[:4000])
    assert stricter.k_ is None  # the same evidence is not enough at a stricter level
    assert clf.validation_scores_[clf.k_] > clf.validation_scores_["unchanged"]
    # No candidate gains on this task's first split: the futility stop keeps W there, the
    # price of skipping the other two fits (it never picks a k that "exact" would not).
    futile = clone(clf).set_params(early_stop="futility").fit(X[:4000], y_noisy[:4000])
    assert futile.k_ is None and futile.n_validation_folds_ == 1
    base = LogisticRegression(C=100, max_iter=300).fit(X[:4000], y_noisy[:4000])
    assert clf.score(X[4000:], y[4000:]) > base.score(X[4000:], y[4000:])


def test_auto_without_enough_rows_per_class_is_an_error_but_a_fixed_k_fits(data):
    X, y = data
    y = y.copy()
    y[0] = 9  # a class with a single row: no stratified validation possible
    # Since 0.3 the same policy as CleanLabelClassifier: an error, not a silent skip.
    with pytest.raises(ValueError, match="cv=3 is larger than the smallest class of y, 9"):
        LIPMetaClassifier(RidgeClassifier()).fit(X, y)
    assert LIPMetaClassifier(RidgeClassifier(), k=2).fit(X, y).k_ == 2


def test_k_none_keeps_w_without_reading_rows_or_warning(data):
    X, y = data
    W = np.vstack([RidgeClassifier().fit(X, y).coef_.T, np.ones(5)]).astype(np.float32)
    head = fit_head(W, None, None, k=None, lap="paper")  # neither X nor Y is read
    assert head.k is None and head.coef.dtype == np.float32
    np.testing.assert_array_equal(head.coef, W)
    np.testing.assert_allclose(
        head.singular_values, np.linalg.svd(W.astype(np.float64), compute_uv=False)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a binary model under k=None: no LIPSkippedWarning
        clf = LIPMetaClassifier(LogisticRegression(), k=None).fit(X, y > 2)
    np.testing.assert_array_equal(clf.coef_, clf.raw_coef_)
    assert np.isnan(
        fit_head(np.full((3, 2), np.inf), None, None, k=None, lap="paper").singular_values
    ).all()


def test_binary_problem_warns_and_behaves_like_the_base(data):
    X, y = data
    y = (y > 2).astype(int)
    with pytest.warns(LIPSkippedWarning, match="rank 1"):
        clf = LIPMetaClassifier(LogisticRegression(), k=1).fit(X, y)
    base = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(clf.decision_function(X), base.decision_function(X), rtol=1e-10)
    np.testing.assert_allclose(clf.predict_proba(X), base.predict_proba(X), rtol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))


def test_estimator_without_coef_raises_type_error(data):
    X, y = data
    with pytest.raises(TypeError, match="KNeighborsClassifier has none"):
        LIPMetaClassifier(KNeighborsClassifier()).fit(X, y)


@pytest.mark.parametrize(
    "k, message",
    [(7, "1 <= k < rank"), (0, "'k' parameter"), ("best", "'k' parameter"), (1.5, "'k' parameter")],
)
def test_invalid_k(data, k, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        LIPMetaClassifier(RidgeClassifier(), k=k).fit(X, y)


def test_invalid_lap_and_cv(data):
    X, y = data
    with pytest.raises(ValueError, match="'lap' parameter"):
        LIPMetaClassifier(lap="exact").fit(X, y)
    with pytest.raises(ValueError, match="'cv' parameter"):
        LIPMetaClassifier(cv="five").fit(X, y)


def test_string_labels_pandas_sparse_and_float32(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    labels = np.array(["ant", "bee", "cat", "dog", "eel"])[y]
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = LIPMetaClassifier(RidgeClassifier(), k=2).fit(frame, labels)
    np.testing.assert_array_equal(clf.classes_, np.unique(labels))
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    assert set(clf.predict(frame)) <= set(labels)
    dense_pred = clf.predict(frame)
    sparse_clf = LIPMetaClassifier(RidgeClassifier(solver="sparse_cg", tol=1e-10), k=2)
    np.testing.assert_array_equal(
        sparse_clf.fit(sparse.csr_matrix(X), labels).predict(sparse.csr_matrix(X)),
        LIPMetaClassifier(RidgeClassifier(solver="sparse_cg", tol=1e-10), k=2)
        .fit(X, labels)
        .predict(X),
    )
    assert (clf.fit(X.astype(np.float32), labels).predict(X) == dense_pred).mean() > 0.98


def test_pickle_and_clone_round_trip(data):
    X, y = data
    clf = LIPMetaClassifier(LogisticRegression(), k=2).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    cloned = clone(clf)
    assert not hasattr(cloned, "coef_") and cloned.get_params()["k"] == 2


def test_grid_search_over_k_and_inner_params_in_a_pipeline(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), LIPMetaClassifier(LogisticRegression()))
    grid = GridSearchCV(
        pipe,
        {"lipmetaclassifier__k": [1, 2, 3], "lipmetaclassifier__estimator__C": [0.1, 1.0]},
        cv=3,
    ).fit(X, y)
    assert grid.best_params_["lipmetaclassifier__k"] in (1, 2, 3)
    assert len(grid.cv_results_["mean_test_score"]) == 6


def test_sample_weight_reaches_inner_fit_and_refit(data):
    X, y = data
    weights = np.random.RandomState(0).randint(0, 3, len(y)).astype(float)
    weighted = LIPMetaClassifier(RidgeClassifier(), k=2).fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(len(y)), weights.astype(int))
    repeated = LIPMetaClassifier(RidgeClassifier(), k=2).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8, atol=1e-10)
    # Weights that the inner fit cannot take: tests/test_base.py, for every wrapping classifier.


def test_sample_weight_with_metadata_routing(data):
    X, y = data
    weights = np.random.RandomState(0).rand(len(y))
    with config_context(enable_metadata_routing=True):
        inner = RidgeClassifier().set_fit_request(sample_weight=True)
        routed = LIPMetaClassifier(inner, k=2).fit(X, y, sample_weight=weights)
        unrouted = LIPMetaClassifier(
            RidgeClassifier().set_fit_request(sample_weight=False), k=2
        ).fit(X, y, sample_weight=weights)
    direct = RidgeClassifier().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(routed.raw_coef_, direct.coef_)
    np.testing.assert_allclose(unrouted.raw_coef_, RidgeClassifier().fit(X, y).coef_)


def test_fit_does_not_warn_for_supported_input(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LIPMetaClassifier(RidgeClassifier(), random_state=0).fit(X, y)


def test_auto_is_reproducible_with_random_state(data):
    X, y = data
    first = LIPMetaClassifier(LogisticRegression(), random_state=3).fit(X, y)
    second = LIPMetaClassifier(LogisticRegression(), random_state=3).fit(X, y)
    assert first.validation_scores_ == second.validation_scores_


def test_k_none_is_the_base_estimator(data):
    X, y = data
    clf = LIPMetaClassifier(LogisticRegression(), k=None).fit(X, y)
    assert clf.k_ is None and clf.validation_scores_ is None
    np.testing.assert_allclose(
        clf.predict_proba(X), LogisticRegression().fit(X, y).predict_proba(X), rtol=1e-10
    )


# --- Input checks, precision, stability and the k rule (issue 14) -------------------------


def test_k_lists_empty_out_of_range_or_partly_out_of_range(data):
    X, y = data  # 5 classes: rank(W) = 5 for ridge
    with pytest.raises(ValueError, match="k is an empty list"):
        LIPMetaClassifier(RidgeClassifier(), k=[]).fit(X, y)
    with pytest.raises(ValueError, match=r"k=\[50\] can never be used: W has 5 columns"):
        LIPMetaClassifier(RidgeClassifier(), k=[50]).fit(X, y)
    with pytest.raises(ValueError, match="k candidates must be integers"):
        LIPMetaClassifier(RidgeClassifier(), k=[1, 2.5]).fit(X, y)
    with pytest.warns(UserWarning, match=r"k candidates \[0, 50\] are outside .* dropped"):
        clf = LIPMetaClassifier(
            RidgeClassifier(), k=[0, 1, 50], early_stop="exact", random_state=0
        ).fit(X, y)
    assert set(clf.validation_scores_) == {"unchanged", 1}


@pytest.mark.parametrize("k", [5, 9, [5, 6]])
def test_a_k_no_fit_can_use_fails_before_the_base_fit(data, monkeypatch, k):
    X, y = data  # 5 classes: rank(W) <= 5 whatever the fit
    monkeypatch.setattr(RidgeClassifier, "fit", lambda *args, **kwargs: pytest.fail("fitted"))
    with pytest.raises(ValueError, match=re.escape(f"LIPMetaClassifier: k={k!r} can never be")):
        LIPMetaClassifier(RidgeClassifier(), k=k).fit(X, y)


def test_fit_head_checks_k_lists_too(data):
    X, y = data
    W = np.vstack([RidgeClassifier().fit(X, y).coef_.T, np.zeros(5)])
    Y = 2 * np.eye(5)[y] - 1
    fold = [Fold(None, None, None, X_val=X[:100], Y_val=Y[:100])]
    with pytest.raises(ValueError, match="k is an empty list"):
        fit_head(W, X, Y, k=[], lap="paper", folds=fold)
    with pytest.raises(ValueError, match="No candidate"):
        fit_head(W, X, Y, k=[5, 9], lap="paper", folds=fold)
    with pytest.warns(UserWarning, match=r"\[9\] are outside"):
        head = fit_head(W, X, Y, k=[2, 9], lap="paper", folds=fold)
    assert set(head.validation_scores) == {"unchanged", 2}


@pytest.mark.parametrize(
    "lap, targets",
    [("paper", "labels"), ("scaled", "labels"), ("scaled", "anti"), ("log", "labels")],
)
@pytest.mark.parametrize("chunk_rows", [None, 7])
def test_candidate_predictions_equal_each_refit_scored_on_its_own(lap, targets, chunk_rows):
    # The accumulated tails must predict exactly what each candidate's own weights predict,
    # including the scaled mode's fallback to W (alpha <= 0, from anti-correlated targets) and
    # the null component of multinomial logistic weights (W 1 = 0).
    X, y = make_classification(
        n_samples=400, n_features=20, n_informative=12, n_classes=9, random_state=1
    )
    W = np.vstack([LogisticRegression(max_iter=500).fit(X, y).coef_.T, np.zeros(9)])
    W -= W.mean(axis=1, keepdims=True)
    Y = np.eye(9)[y] if targets == "labels" else -(X @ W[:-1] + W[-1])
    stats = LAPStatistics(W, X, Y, fit_intercept=True, keep_projections=lap == "log")
    Z = project_rows(X, slice(None), stats.U, True)
    candidates = list(range(1, stats.rank))
    predicted = candidate_predictions(Z, stats, candidates, lap, chunk_rows=chunk_rows)
    assert set(predicted) == {None, *candidates}
    np.testing.assert_array_equal(predicted[None], (X @ W[:-1] + W[-1]).argmax(axis=1))
    for k in candidates:
        refined = stats.weights(stats.refit(k, lap))
        np.testing.assert_array_equal(predicted[k], (X @ refined[:-1] + refined[-1]).argmax(axis=1))
    if lap == "scaled":  # both branches are exercised
        assert (stats.lower_scale(1, lap) is None) == (targets == "anti")


@pytest.mark.parametrize(
    "estimator, lap, pos_neg",
    [
        (RidgeClassifier(), "paper", (1, -1)),
        (LogisticRegression(max_iter=500), "paper", (1, 0)),
        (LinearSVC(random_state=0), "scaled", (1, -1)),
    ],
    ids=["ridge", "logistic", "linearsvc"],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_left_unscored_change_no_prediction(monkeypatch, estimator, lap, pos_neg, dtype):
    # Rows whose margin no candidate can overcome are not scored: the predictions must be those
    # of scoring every row, in float32 too, and on ridge (whose re-fitted values are nearly its
    # own) the bound must spare most rows, or it does nothing.
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=12, n_classes=9, random_state=2
    )
    X = StandardScaler().fit_transform(X).astype(dtype)
    fitted = clone(estimator).fit(X, y)
    W = np.vstack([fitted.coef_.T, fitted.intercept_])
    Y = np.where(np.eye(9, dtype=bool)[y], *pos_neg)
    stats = LAPStatistics(W, X, Y, fit_intercept=True)
    Z = project_rows(X, slice(None), stats.U, True)
    candidates = list(range(1, stats.rank))
    scored = []
    rows_to_score = _head._TailShifts.rows_to_score

    def recording(self, Z, scores):
        scored.append(rows_to_score(self, Z, scores))
        return scored[-1]

    monkeypatch.setattr(_head._TailShifts, "rows_to_score", recording)
    predicted = candidate_predictions(Z, stats, candidates, lap)
    monkeypatch.setattr(
        _head._TailShifts, "rows_to_score", lambda self, Z, scores: np.ones(len(Z), dtype=bool)
    )
    every_row = candidate_predictions(Z, stats, candidates, lap)
    for k in [None, *candidates]:
        np.testing.assert_array_equal(predicted[k], every_row[k])
    spared = 1 - np.concatenate(scored).mean()
    if isinstance(estimator, RidgeClassifier):
        assert spared > 0.5
    if dtype == np.float64:  # each candidate's own weights, in exact arithmetic's precision
        for k in candidates:
            refined = stats.weights(stats.refit(k, lap))
            expected = (X @ refined[:-1] + refined[-1]).argmax(axis=1)
            np.testing.assert_array_equal(predicted[k], expected)


class _CountingRidge(RidgeClassifier):
    """A RidgeClassifier that records each ``fit`` in a class-level list."""

    fits = []

    def fit(self, X, y, sample_weight=None):
        _CountingRidge.fits.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


def test_futility_fits_no_split_when_no_candidate_changes_a_training_row(data):
    X, y = data  # ridge's re-fitted lower values are nearly its own: no training row changes
    for k in range(1, 5):  # the screen's premise, checked on each candidate's own fit
        refined = LIPMetaClassifier(RidgeClassifier(), k=k, lap="paper").fit(X, y)
        np.testing.assert_array_equal(refined.predict(X), refined.estimator_.predict(X))
    _CountingRidge.fits.clear()
    clf = LIPMetaClassifier(_CountingRidge(), random_state=0).fit(X, y)
    assert (clf.k_, clf.n_validation_folds_, clf.validation_scores_) == (None, 0, {})
    assert clf.validation_threshold_ == pytest.approx(norm.isf(0.05 / 4))  # k in 1..4
    assert _CountingRidge.fits == [len(X)]  # the final fit only
    np.testing.assert_array_equal(clf.coef_, clf.raw_coef_)
    # "exact" and the log mode do not screen: they fit the splits.
    for params in ({"early_stop": "exact"}, {"lap": "log"}):
        _CountingRidge.fits.clear()
        fitted = clone(clf).set_params(**params).fit(X, y)
        assert fitted.n_validation_folds_ >= 1 and len(_CountingRidge.fits) >= 2


@pytest.mark.parametrize("chunk_rows", [None, 7])
def test_the_training_screen_counts_the_rows_each_candidate_moves(data, chunk_rows):
    # Logistic weights truncated to k components move some training rows: the screen must
    # count them per candidate over all blocks, and skip only below the most any one moves.
    X, y = data
    fitted = LogisticRegression().fit(X, y)
    W = np.vstack([fitted.coef_.T, fitted.intercept_])
    stats = LAPStatistics(W, X, np.eye(5)[y], fit_intercept=True)
    candidates = list(range(1, stats.rank))
    predicted = candidate_predictions(
        project_rows(X, slice(None), stats.U, True), stats, candidates, "paper"
    )
    most = max(np.sum(predicted[k] != predicted[None]) for k in candidates)
    assert 1 <= most < len(X) // 2
    screen = partial(
        _moves_too_few_rows, X, stats, candidates, "paper", True, chunk_rows=chunk_rows
    )
    assert not screen(most) and screen(most + 1)
    assert not screen(most - 0.5) and screen(most + 0.5)


@pytest.mark.parametrize(
    "estimator, dtype",
    [
        (LogisticRegression(), np.float32),
        (RidgeClassifier(), np.float32),
        (LinearSVC(random_state=0), np.float64),
    ],
)
def test_float32_input_keeps_the_inner_models_precision(data, estimator, dtype):
    X, y = data
    X32 = X.astype(np.float32)
    clf = LIPMetaClassifier(estimator, k=2, lap="paper").fit(X32, y)
    assert clf.estimator_.coef_.dtype == dtype
    for name in ("coef_", "intercept_", "raw_intercept_"):
        assert getattr(clf, name).dtype == dtype, name
    # Accuracy: the float64 refinement of the same weights, to float32 precision.
    W = np.vstack([clf.estimator_.coef_.T, clf.estimator_.intercept_]).astype(np.float64)
    family = loss_family(clf.estimator_)
    targets = 2 * np.eye(5)[y] - 1 if family != "log" else np.eye(5)[y]
    expected = lip_refine(W, X32.astype(np.float64), targets, 2, fit_intercept=True)
    refined = np.vstack([clf.coef_.T, clf.intercept_])
    np.testing.assert_allclose(refined, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


def test_weighted_and_repeated_rows_agree_after_lip(data):
    # Multinomial logistic weights satisfy W 1 = 0: the null direction of their SVD is
    # arbitrary and must not be re-fitted, or solver noise of 1e-10 becomes 1e-2 in coef_.
    X, y = data
    weights = np.random.RandomState(0).randint(0, 3, len(y))
    rows = np.repeat(np.arange(len(y)), weights)
    base = LogisticRegression(tol=1e-10, max_iter=5000)
    for lap in ["paper", "scaled", "log"]:
        weighted = LIPMetaClassifier(base, k=2, lap=lap).fit(X, y, sample_weight=weights)
        repeated = LIPMetaClassifier(base, k=2, lap=lap).fit(X[rows], y[rows])
        raw_gap = np.abs(weighted.raw_coef_ - repeated.raw_coef_).max()
        assert raw_gap < 1e-6
        gap = np.abs(weighted.coef_ - repeated.coef_).max()
        assert gap < max(100 * raw_gap, 1e-6), (lap, raw_gap, gap)


def _rows(n_right_only_candidate, n_right_only_base, n=400):
    """One fold's correctness: base and candidate right on the same rows but for these."""
    base = np.zeros(n, dtype=bool)
    candidate = np.zeros(n, dtype=bool)
    candidate[:n_right_only_candidate] = True
    base[n - n_right_only_base :] = True
    return base, candidate


def test_auto_rule_refuses_a_k_that_loses_clearly_on_one_split():
    # Pooled over three splits k=5 wins 90 rows net (z = 7.3), but on the third split it loses
    # 30 rows and wins none (z = -5.5): that split's model, like the final one, is hurt.
    folds = [_rows(60, 0), _rows(60, 0), _rows(0, 30)]
    base_parts = [b for b, _ in folds]
    k, scores, _, _ = _choose_k(base_parts, {5: [c for _, c in folds]}, significance=0.05)
    assert k is None and set(scores) == {"unchanged", 5}
    # A small, insignificant loss on one split does not veto it (z = -0.8 there).
    folds = [_rows(60, 0), _rows(60, 0), _rows(10, 14)]
    k, _, z, threshold = _choose_k([b for b, _ in folds], {5: [c for _, c in folds]}, 0.05)
    assert k == 5 and z > 5 and threshold == pytest.approx(norm.isf(0.05))


def test_auto_rule_still_needs_pooled_significance():
    folds = [_rows(8, 2), _rows(7, 3), _rows(6, 4)]  # net 12 of 30 discordant rows: z = 2.2
    parts = {k: [c for _, c in folds] for k in (2, 3, 4, 5, 6, 7, 8, 9, 10)}
    k, _, z, threshold = _choose_k([b for b, _ in folds], parts, significance=0.05)
    assert k is None and 2 < z < threshold == pytest.approx(norm.isf(0.05 / 9))


class _CountingLR(LogisticRegression):
    """A LogisticRegression that records each ``fit`` in a class-level list."""

    fits = []

    def fit(self, X, y, sample_weight=None):
        _CountingLR.fits.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


def test_auto_skips_the_remaining_splits_once_no_candidate_can_pass():
    # Five well-separated classes: keeping one component loses many held-out rows on the first
    # split, so k=[1] can never be eligible and the other two split fits are skipped.
    X, y = make_classification(
        n_samples=600, n_features=10, n_informative=8, n_classes=5, class_sep=3, random_state=0
    )
    _CountingLR.fits.clear()
    clf = LIPMetaClassifier(_CountingLR(), k=[1], cv=3, random_state=0).fit(X, y)
    assert clf.k_ is None and clf.n_validation_folds_ == 1
    assert len(_CountingLR.fits) == 2  # the final fit and one split
    assert clf.validation_scores_[1] < clf.validation_scores_["unchanged"] - 0.1
    # The same splits, all fitted and scored: the same choice.
    fitted = LIPMetaClassifier(LogisticRegression(), k=[1], cv=3, random_state=0).fit(X, y)
    W = np.vstack([fitted.raw_coef_.T, fitted.raw_intercept_])
    Y = np.eye(5)[y]
    folds = list(fitted._folds(LogisticRegression(), X, y, Y, {}))
    assert len(folds) == 3
    head = fit_head(W, X, Y, k=[1], lap="paper", folds=folds)
    assert head.k is None and head.validation_folds == 1


def test_exact_fits_every_split_while_a_candidate_can_pass_futility_does_not():
    # Six classes in three informative dimensions: keeping 3 or 4 components costs next to
    # nothing, so neither candidate is ruled out and "exact" fits every split. Neither gains on
    # the first split, so "futility" stops there; both keep W.
    X, y = make_classification(
        n_samples=600,
        n_features=8,
        n_informative=3,
        n_redundant=0,
        n_clusters_per_class=1,
        n_classes=6,
        random_state=0,
    )
    fits = {}
    for early_stop in ("exact", "futility"):
        _CountingLR.fits.clear()
        clf = LIPMetaClassifier(
            _CountingLR(), k=[3, 4], cv=4, early_stop=early_stop, random_state=0
        ).fit(X, y)
        assert {3, 4} <= set(clf.validation_scores_) and clf.k_ is None
        fits[early_stop] = (clf.n_validation_folds_, len(_CountingLR.fits))
    assert fits == {"exact": (4, 5), "futility": (1, 2)}
    assert LIPMetaClassifier(_CountingLR(), k=2).fit(X, y).n_validation_folds_ is None


def test_futility_keeps_a_gain_that_shows_on_the_first_split():
    # LIP's regime (many classes, few informative dimensions, noisy labels): the validated k
    # gains on every split, so the futility stop does not fire and the choice is exact's.
    X, y = make_classification(
        n_samples=6000, n_features=50, n_informative=25, n_classes=60, class_sep=2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    rng = np.random.RandomState(0)
    noisy = np.where(rng.rand(len(y)) < 0.3, rng.randint(0, 60, len(y)), y)
    chosen = {}
    for early_stop in ("exact", "futility"):
        clf = LIPMetaClassifier(
            LogisticRegression(max_iter=300), early_stop=early_stop, random_state=0
        ).fit(X, noisy)
        chosen[early_stop] = (clf.k_, clf.n_validation_folds_)
    assert chosen["exact"] == chosen["futility"]
    assert chosen["exact"][0] is not None and chosen["exact"][1] == 3


@pytest.mark.parametrize("seed", range(40))
def test_early_stop_never_changes_the_choice(monkeypatch, seed):
    # Random per-split evidence, some of it clearly negative: the lazily stopped "exact" rule
    # must choose what _choose_k chooses on every split.
    from sklearn_lip import _head

    rng = np.random.RandomState(seed)
    n_folds, n = rng.randint(2, 6), 200
    candidates = list(range(1, rng.randint(2, 8)))
    evidence = []
    for _ in range(n_folds):
        base = rng.rand(n) < 0.6
        shift = rng.choice([-0.3, -0.1, 0.0, 0.1, 0.2], size=len(candidates))
        by_k = {}
        for k, s in zip(candidates, shift, strict=True):
            flip = rng.rand(n) < 0.15
            rows = np.where(flip, rng.rand(n) < 0.5 + s, base)
            if rng.rand() > 0.05:  # now and then a candidate is missing from a split
                by_k[k] = rows
        evidence.append((base, by_k))
    drawn = []

    def fake_correctness(fold, *args):
        drawn.append(fold)
        return evidence[fold]

    monkeypatch.setattr(_head, "_fold_correctness", fake_correctness)
    expected = _choose_k(
        [b for b, _ in evidence],
        {c: [e[c] for _, e in evidence] for c in candidates if all(c in e for _, e in evidence)},
        0.05,
    )[0]
    k, _, _, _, n_evaluated = _head._select_k(
        range(n_folds), candidates, "paper", True, 0.05, None, "exact"
    )
    assert k == expected and n_evaluated == len(drawn) <= n_folds
    if n_evaluated < n_folds:
        assert k is None
    # The futility stop only ever keeps W, after the first split, where exact would not.
    drawn.clear()
    k, _, _, _, n_evaluated = _head._select_k(
        range(n_folds), candidates, "paper", True, 0.05, None, "futility"
    )
    assert n_evaluated == len(drawn)
    assert (k, n_evaluated) == (expected, n_folds) or k is None
    if k != expected:
        first_base, first = evidence[0]
        first_z = [paired_z(rows, first_base) for rows in first.values()]
        assert n_evaluated == 1 and max(first_z) <= 0
