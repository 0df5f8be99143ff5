"""Tests for sklearn_lip.cleaning: confident learning and CleanLabelClassifier."""

# SPDX-License-Identifier: BSD-3-Clause

import functools
import warnings

import numpy as np
import pytest
from _label_cases import CLEANLAB_FILTERS, tied_or_near_equal_probabilities
from joblib import parallel_config
from scipy.stats import norm
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, ShuffleSplit, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_lip.cleaning import (
    CleanLabelClassifier,
    MinPerClassWarning,
    confident_joint,
    estimate_noise_matrix,
    find_label_issues,
    label_quality_scores,
)
from sklearn_lip.cleaning._checks import check_proba
from sklearn_lip.cleaning._folds import out_of_fold_proba

# A hand-computed case, 3 classes. Thresholds (mean self-confidence per given class):
# t0 = (.8 + .7 + .05 + .3) / 4 = .4625, t1 = (.7 + .8 + .3) / 3 = .6, t2 = (.8 + .6) / 2 = .7.
# Confident classes: rows 0, 1 -> 0; row 2 -> none (.05 < t0, .55 < t1, .4 < t2);
# row 3 -> 1 (.65 >= t1); rows 4, 5 -> 1; row 6 -> none; row 7 -> 2; row 8 -> none (.6 < t2).
HAND_LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
HAND_PROBA = np.array(
    [
        [0.80, 0.10, 0.10],
        [0.70, 0.20, 0.10],
        [0.05, 0.55, 0.40],
        [0.30, 0.65, 0.05],
        [0.20, 0.70, 0.10],
        [0.10, 0.80, 0.10],
        [0.30, 0.30, 0.40],
        [0.10, 0.10, 0.80],
        [0.20, 0.20, 0.60],
    ]
)


def _flip(y, rate, rng):
    """Move a random ``rate`` of the labels to a different, uniformly drawn class."""
    n_classes = len(np.unique(y))
    flipped = rng.uniform(size=len(y)) < rate
    y_noisy = y.copy()
    y_noisy[flipped] = (y[flipped] + rng.randint(1, n_classes, flipped.sum())) % n_classes
    return y_noisy, flipped


def _noisy_task(n_samples=600, n_classes=4, rate=0.25, seed=0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=10,
        n_informative=8,
        n_classes=n_classes,
        class_sep=2.0,
        random_state=seed,
    )
    y_noisy, flipped = _flip(y, rate, np.random.RandomState(seed))
    return StandardScaler().fit_transform(X), y, y_noisy, flipped


# --- the functions on the hand-computed case -----------------------------------------------


def test_confident_joint_hand_computed():
    raw = confident_joint(HAND_LABELS, HAND_PROBA, calibrate=False)
    np.testing.assert_array_equal(raw, [[2, 1, 0], [0, 2, 0], [0, 0, 1]])
    # Calibrated rows sum to the given-label counts (4, 3, 2).
    calibrated = confident_joint(HAND_LABELS, HAND_PROBA)
    np.testing.assert_allclose(calibrated, [[8 / 3, 4 / 3, 0], [0, 3, 0], [0, 0, 2]])


def test_label_quality_scores_hand_computed():
    scores = label_quality_scores(HAND_LABELS, HAND_PROBA)
    np.testing.assert_allclose(scores, [0.7, 0.5, -0.5, -0.35, 0.5, 0.7, -0.1, 0.7, 0.4])


def test_noise_matrix_hand_computed():
    # Column sums of the calibrated joint (per true class): 8/3, 13/3, 2.
    expected = [[1, 0, 0], [4 / 13, 9 / 13, 0], [0, 0, 1]]
    noise = estimate_noise_matrix(HAND_LABELS, HAND_PROBA)
    np.testing.assert_allclose(noise, expected)
    np.testing.assert_allclose(noise.sum(axis=1), 1)


def test_find_label_issues_hand_computed():
    # Per-class counts: class 0 has 4 - 8/3 = 4/3 -> 1 issue, classes 1 and 2 none. The
    # smallest margin in class 0 is row 2, while the confident joint's off-diagonal is row 3.
    # Row 6 (margin -0.1) is not flagged: its class has no issues in the count.
    class_margin = find_label_issues(
        HAND_LABELS, HAND_PROBA, min_per_class=1, method="class_margin"
    )
    np.testing.assert_array_equal(np.flatnonzero(class_margin), [2])
    joint = find_label_issues(HAND_LABELS, HAND_PROBA, method="confident_joint", min_per_class=1)
    np.testing.assert_array_equal(np.flatnonzero(joint), [3])


def test_in_sample_proba_changes_the_ranking_not_the_counts():
    # Row 2 fits its label 0 well once trained on (in-sample [.9, .05, .05]), row 3 does not
    # ([.1, .85, .05]). With equal weights their blended margins are 0.175 and -0.55, so
    # row 3 is now the lowest of class 0. The count (1 issue in class 0) is unchanged.
    in_sample = HAND_PROBA.copy()
    in_sample[2] = [0.9, 0.05, 0.05]
    in_sample[3] = [0.1, 0.85, 0.05]
    scores = label_quality_scores(HAND_LABELS, HAND_PROBA, in_sample_proba=in_sample)
    np.testing.assert_allclose(scores[[2, 3]], [0.175, -0.55])
    issues = find_label_issues(
        HAND_LABELS, HAND_PROBA, min_per_class=1, in_sample_proba=in_sample, method="class_margin"
    )
    np.testing.assert_array_equal(np.flatnonzero(issues), [3])
    # Weight 0 ranks by pred_proba alone, as without in_sample_proba.
    for weight in [0, 0.0]:
        only_oof = find_label_issues(
            HAND_LABELS,
            HAND_PROBA,
            min_per_class=1,
            in_sample_proba=in_sample,
            in_sample_weight=weight,
            method="class_margin",
        )
        np.testing.assert_array_equal(np.flatnonzero(only_oof), [2])
    # Weight 1 ranks by the in-sample margins: 0.85 for row 2, -0.75 for row 3.
    np.testing.assert_allclose(
        label_quality_scores(
            HAND_LABELS, HAND_PROBA, in_sample_proba=in_sample, in_sample_weight=1
        )[[2, 3]],
        [0.85, -0.75],
    )


def test_class_without_given_rows_is_never_confident():
    # No row is labelled 2, so row 0 (p = 0.7 for class 2) is not counted at all.
    labels = np.array([0, 0, 1, 1])
    proba = np.array([[0.1, 0.2, 0.7], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.2, 0.8, 0.0]])
    np.testing.assert_array_equal(
        confident_joint(labels, proba, calibrate=False), [[1, 0, 0], [0, 2, 0], [0, 0, 0]]
    )
    # No row is confidently of class 2, so its noise-matrix row is the identity row.
    np.testing.assert_allclose(estimate_noise_matrix(labels, proba)[2], [0, 0, 1])


def test_labels_as_integral_floats_and_lists_accepted():
    expected = confident_joint(HAND_LABELS, HAND_PROBA)
    got = confident_joint(HAND_LABELS.astype(float).tolist(), HAND_PROBA.tolist())
    np.testing.assert_allclose(got, expected)


# --- cleanlab's names and outputs ------------------------------------------------------------


def test_pred_probs_is_another_name_for_pred_proba():
    expected = find_label_issues(HAND_LABELS, HAND_PROBA, min_per_class=1)
    for function in [
        find_label_issues,
        label_quality_scores,
        confident_joint,
        estimate_noise_matrix,
    ]:
        kwargs = {"min_per_class": 1} if function is find_label_issues else {}
        np.testing.assert_array_equal(
            function(labels=HAND_LABELS, pred_probs=HAND_PROBA, **kwargs),
            function(HAND_LABELS, pred_proba=HAND_PROBA, **kwargs),
        )
        with pytest.raises(TypeError, match="pass only one"):
            function(HAND_LABELS, HAND_PROBA, pred_probs=HAND_PROBA)
        with pytest.raises(TypeError, match="as pred_proba \\(or pred_probs\\)"):
            function(HAND_LABELS)
    np.testing.assert_array_equal(
        find_label_issues(HAND_LABELS, HAND_PROBA, min_examples_per_class=1), expected
    )
    with pytest.raises(TypeError, match="pass only one"):
        find_label_issues(HAND_LABELS, HAND_PROBA, min_per_class=1, min_examples_per_class=1)


def test_label_quality_score_methods_hand_computed():
    labels, proba = [0, 1], [[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]]
    np.testing.assert_allclose(
        label_quality_scores(labels, proba, method="self_confidence"), [0.7, 0.3]
    )
    np.testing.assert_allclose(
        label_quality_scores(labels, proba, method="normalized_margin"), [0.75, 0.35]
    )
    # normalized entropy h = -sum(p log p) / log 3, s = h / p_given, score log(1 + s) / s
    p = np.asarray(proba)
    h = -np.sum(p * np.log(p), axis=1) / np.log(3)
    s = h / np.array([0.7, 0.3])
    np.testing.assert_allclose(
        label_quality_scores(labels, proba, method="confidence_weighted_entropy"),
        np.log(1 + s) / s,
    )
    with pytest.raises(ValueError, match="method must be one of"):
        label_quality_scores(labels, proba, method="entropy")


def test_ranked_indices_worst_first():
    # Flagged: row 2 (class_margin) or row 3 (confident_joint); with min_per_class=1 and both
    # rules' rows, the order follows the scores.
    issues = find_label_issues(
        HAND_LABELS,
        HAND_PROBA,
        method="class_margin",
        min_per_class=1,
        num_to_remove_per_class=[2, 1, 0],
    )
    np.testing.assert_array_equal(np.flatnonzero(issues), [2, 3, 6])
    by_self_confidence = find_label_issues(
        HAND_LABELS,
        HAND_PROBA,
        min_per_class=1,
        num_to_remove_per_class=[2, 1, 0],
        return_indices_ranked_by="self_confidence",
        method="class_margin",
    )
    # self-confidences: row 2 0.05, row 3 0.30, row 6 0.30 (tie: row order)
    np.testing.assert_array_equal(by_self_confidence, [2, 3, 6])
    by_margin = find_label_issues(
        HAND_LABELS,
        HAND_PROBA,
        min_per_class=1,
        num_to_remove_per_class=[2, 1, 0],
        return_indices_ranked_by="normalized_margin",
        method="class_margin",
    )
    # margins: row 2 -0.5, row 3 -0.35, row 6 -0.1
    np.testing.assert_array_equal(by_margin, [2, 3, 6])
    with pytest.raises(ValueError, match="return_indices_ranked_by must be None or one of"):
        find_label_issues(
            HAND_LABELS, HAND_PROBA, return_indices_ranked_by="margin", method="class_margin"
        )


def test_frac_noise_and_num_to_remove_per_class_with_our_rule():
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=0.3)
    proba = LogisticRegression().fit(X[:300], y_noisy[:300]).predict_proba(X)
    full = find_label_issues(y_noisy, proba, method="class_margin")
    counts = np.bincount(y_noisy[full], minlength=4)
    half = find_label_issues(y_noisy, proba, frac_noise=0.5, method="class_margin")
    # each class flags about half as many rows, the lowest-margin ones among the full set
    assert np.all(np.abs(np.bincount(y_noisy[half], minlength=4) - counts / 2) <= 0.5)
    assert not np.any(half & ~full)
    exact = find_label_issues(
        y_noisy, proba, num_to_remove_per_class=[3, 0, 7, 1], method="class_margin"
    )
    np.testing.assert_array_equal(np.bincount(y_noisy[exact], minlength=4), [3, 0, 7, 1])
    for bad in [[1, 2], [-1, 0, 0, 0], [0.5, 0, 0, 0], [1000, 0, 0, 0]]:
        with pytest.raises(ValueError, match="num_to_remove_per_class"):
            find_label_issues(y_noisy, proba, num_to_remove_per_class=bad, method="class_margin")
    with pytest.raises(ValueError, match="frac_noise must be a number in \\(0, 1\\]; got 0"):
        find_label_issues(y_noisy, proba, frac_noise=0, method="class_margin")
    with pytest.raises(ValueError, match="not both"):
        find_label_issues(
            y_noisy,
            proba,
            frac_noise=0.5,
            num_to_remove_per_class=[1, 1, 1, 1],
            method="class_margin",
        )
    with pytest.raises(ValueError, match="apply to method='class_margin'"):
        find_label_issues(y_noisy, proba, method="confident_joint", frac_noise=0.5)


def test_filter_by_errors():
    with pytest.raises(ValueError, match="filter_by must be one of cleanlab's"):
        find_label_issues(HAND_LABELS, HAND_PROBA, filter_by="class_margin")
    with pytest.raises(ValueError, match="either method .* or filter_by"):
        find_label_issues(
            HAND_LABELS, HAND_PROBA, method="class_margin", filter_by="prune_by_class"
        )
    with pytest.raises(ValueError, match="filter_by rules, the default, use pred_probs alone"):
        find_label_issues(HAND_LABELS, HAND_PROBA, filter_by="both", in_sample_proba=HAND_PROBA)
    with pytest.raises(ValueError, match="num_to_remove_per_class is not supported with"):
        find_label_issues(
            HAND_LABELS, HAND_PROBA, filter_by="confident_learning", num_to_remove_per_class=1
        )
    with pytest.raises(ValueError, match=r"confident_joint must be a \(3, 3\) array"):
        find_label_issues(HAND_LABELS, HAND_PROBA, filter_by="both", confident_joint=np.eye(2))
    with pytest.raises(ValueError, match="confident_joint is used by cleanlab's filter_by"):
        find_label_issues(HAND_LABELS, HAND_PROBA, confident_joint=np.eye(3), method="class_margin")
    with pytest.raises(NotImplementedError, match="multi_label=True: .*single-label"):
        find_label_issues(HAND_LABELS, HAND_PROBA, filter_by="both", multi_label=True)
    with pytest.raises(NotImplementedError, match="adjust_pred_probs"):
        find_label_issues(
            HAND_LABELS,
            HAND_PROBA,
            filter_by="both",
            return_indices_ranked_by="self_confidence",
            rank_by_kwargs={"adjust_pred_probs": True},
        )


def test_cleanlabs_other_arguments_keep_cleanlabs_meaning():
    """The arguments of cleanlab's own tests (test_filter_count.py) give cleanlab's rows."""
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    labels, proba = _shared_inputs()[1]
    counts = np.bincount(labels)
    joint = cleanlab_count().compute_confident_joint(labels, proba) + np.eye(len(counts), dtype=int)
    calls = [
        {"filter_by": "prune_by_class", "num_to_remove_per_class": 3},  # a scalar
        {"filter_by": "both", "confident_joint": joint},
        {"filter_by": "prune_by_noise_rate", "confident_joint": joint, "frac_noise": 0.5},
        {"filter_by": "both", "multi_label": False, "n_jobs": 2, "verbose": True},
        {
            "filter_by": "prune_by_class",
            "return_indices_ranked_by": "normalized_margin",
            "rank_by_kwargs": {"adjust_pred_probs": False},
        },
        {"filter_by": "low_self_confidence", "rank_by_kwargs": {}},
    ]
    for kwargs in calls:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cleanlab_filter.find_label_issues(labels, proba, **kwargs)
        np.testing.assert_array_equal(
            find_label_issues(labels=labels, pred_probs=proba, **kwargs), expected, str(kwargs)
        )
    # cleanlab warns about, and ignores, frac_noise without pruning and a joint it re-estimates
    for kwargs, match in (
        ({"filter_by": "confident_learning", "frac_noise": 0.5}, "frac_noise=0.5 is ignored"),
        ({"filter_by": "confident_learning", "confident_joint": joint}, "is ignored with"),
    ):
        with pytest.warns(UserWarning, match=match):
            got = find_label_issues(labels=labels, pred_probs=proba, **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_array_equal(
                got, cleanlab_filter.find_label_issues(labels, proba, **kwargs)
            )


def test_a_cleanlab_call_without_filter_by_gives_cleanlabs_rows():
    """The default rule is cleanlab's: its calls run unchanged, positional or not."""
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    for labels, proba in _shared_inputs():
        joint = cleanlab_count().compute_confident_joint(labels, proba)
        for kwargs in [{}, {"confident_joint": joint}, {"n_jobs": 1, "min_examples_per_class": 5}]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = cleanlab_filter.find_label_issues(labels, proba, **kwargs)
                got = find_label_issues(labels, proba, **kwargs)
            np.testing.assert_array_equal(got, expected, str(kwargs))
    # this package's rule is one argument away, and flags other rows on these tasks
    labels, proba = _shared_inputs()[2]
    assert not np.array_equal(
        find_label_issues(labels, proba, method="class_margin"), find_label_issues(labels, proba)
    )


def cleanlab_count():
    return pytest.importorskip("cleanlab.count")


def test_cleanlab_min_examples_per_class_semantics_warn():
    # Class 2 has 2 rows: with min_examples_per_class=2 cleanlab's pruning leaves it alone.
    with pytest.warns(MinPerClassWarning, match=r"nothing flagged in class index\(es\) \[2\]"):
        find_label_issues(
            HAND_LABELS, HAND_PROBA, filter_by="prune_by_class", min_examples_per_class=2
        )


def _shared_inputs():
    """Out-of-fold probabilities of noisy tasks: binary, 3-10 classes, one with a rare class."""
    from sklearn.model_selection import cross_val_predict

    tasks = []
    for n_samples, n_classes, rate, seed in [
        (300, 2, 0.2, 0),
        (400, 3, 0.3, 1),
        (500, 8, 0.4, 3),
        (300, 4, 0.2, 4),
        (200, 10, 0.3, 5),
    ]:
        X, y = make_classification(
            n_samples=n_samples,
            n_features=10,
            n_informative=8,
            n_classes=n_classes,
            n_clusters_per_class=1,
            random_state=seed,
        )
        y_noisy, _ = _flip(y, rate, np.random.RandomState(seed))
        if seed == 4:
            y_noisy[:3] = n_classes - 1  # a few rows moved into the last class
        proba = cross_val_predict(
            LogisticRegression(max_iter=500), X, y_noisy, cv=3, method="predict_proba"
        )
        tasks.append((y_noisy, proba))
    return tasks


@pytest.mark.parametrize("filter_by", CLEANLAB_FILTERS)
def test_filter_by_gives_cleanlabs_rows(filter_by):
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    pruning = filter_by.startswith("prune") or filter_by == "both"
    compared = 0
    for labels, proba in _shared_inputs():
        counts = np.bincount(labels)
        options = [{}, {"min_examples_per_class": 5}]
        if pruning:
            options += [{"frac_noise": 0.5}, {"num_to_remove_per_class": counts // 5}]
        for extra in options:
            for ranked_by in [
                None,
                "self_confidence",
                "normalized_margin",
                "confidence_weighted_entropy",
            ]:
                kwargs = {"filter_by": filter_by, "return_indices_ranked_by": ranked_by, **extra}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # both libraries warn about small classes
                    expected = cleanlab_filter.find_label_issues(labels, proba, n_jobs=1, **kwargs)
                    got = find_label_issues(labels=labels, pred_probs=proba, **kwargs)
                np.testing.assert_array_equal(got, expected, err_msg=str(kwargs))
                compared += int(np.size(expected) > 0)
    assert compared > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_filter_by_gives_cleanlabs_rows_on_ties_float32_and_near_equal_rows(dtype):
    """Cleanlab computes in the dtype it is given, and its rounding ties depend on it.

    Rows are compared exactly; a ranked order only up to tied scores (cleanlab's sort is not
    stable, ours is).
    """
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    cleanlab_rank = pytest.importorskip("cleanlab.rank")
    rng = np.random.default_rng(0)
    for trial in range(60):
        labels, proba = tied_or_near_equal_probabilities(rng, dtype)
        kwargs = {
            "filter_by": CLEANLAB_FILTERS[trial % len(CLEANLAB_FILTERS)],
            "min_examples_per_class": [1, 5][trial % 2],
            "return_indices_ranked_by": [None, "self_confidence", "normalized_margin"][trial % 3],
        }
        if trial % 4 == 0 and kwargs["filter_by"] in CLEANLAB_FILTERS[:3]:
            kwargs["frac_noise"] = 0.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cleanlab_filter.find_label_issues(labels, proba, n_jobs=1, **kwargs)
            got = find_label_issues(labels, proba, **kwargs)
        assert got.dtype == expected.dtype
        if kwargs["return_indices_ranked_by"] is None:
            np.testing.assert_array_equal(got, expected, str(kwargs))
        else:
            np.testing.assert_array_equal(np.sort(got), np.sort(expected), str(kwargs))
            scores = cleanlab_rank.get_label_quality_scores(
                labels, proba, method=kwargs["return_indices_ranked_by"]
            )
            np.testing.assert_array_equal(scores[got], scores[expected], str(kwargs))


def test_float32_probabilities_are_not_copied_to_float64():
    labels, proba = tied_or_near_equal_probabilities(np.random.default_rng(1), np.float32)
    assert check_proba(proba, "pred_probs") is proba


def test_our_default_rule_beside_cleanlabs():
    # Documented difference: class_margin counts issues per class as prune_by_class does, but
    # ranks by the margin, not the self-confidence, and uses this package's confident joint;
    # the flagged sets overlap strongly without being equal.
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    for labels, proba in _shared_inputs()[1:4]:
        ours = find_label_issues(labels, proba, min_per_class=1, method="class_margin")
        theirs = cleanlab_filter.find_label_issues(
            labels, proba, filter_by="prune_by_class", n_jobs=1
        )
        assert (ours & theirs).sum() / (ours | theirs).sum() > 0.8
        assert not np.array_equal(ours, theirs)


# --- min_per_class ---------------------------------------------------------------------------


def test_min_per_class_unflags_and_warns():
    # Class 0 has 4 rows and 1 issue; with min_per_class=4 nothing may be flagged there.
    with pytest.warns(MinPerClassWarning, match=r"class index\(es\) \[0\]"):
        issues = find_label_issues(HAND_LABELS, HAND_PROBA, min_per_class=4, method="class_margin")
    assert not issues.any()
    with warnings.catch_warnings():
        warnings.simplefilter("error", MinPerClassWarning)
        assert (
            find_label_issues(HAND_LABELS, HAND_PROBA, min_per_class=3, method="class_margin").sum()
            == 1
        )


def test_min_per_class_keeps_highest_quality_flagged_rows():
    # Both rows labelled 1 confidently belong to class 0: the method empties class 1.
    # Thresholds t0 = 0.7, t1 = (0.2 + 0.25) / 2 = 0.225; rows 4 and 5 reach t0 and 0 is
    # their most probable class.
    labels = np.array([0, 0, 0, 0, 1, 1])
    proba = np.array([[0.7, 0.3]] * 4 + [[0.8, 0.2], [0.75, 0.25]])
    np.testing.assert_array_equal(confident_joint(labels, proba, calibrate=False), [[4, 0], [2, 0]])
    for method in ["class_margin", "confident_joint"]:
        with pytest.warns(MinPerClassWarning):
            issues = find_label_issues(labels, proba, method=method, min_per_class=1)
        # Row 5 has the higher margin (0.25 - 0.75) of the two and is kept.
        np.testing.assert_array_equal(np.flatnonzero(issues), [4])


def test_meta_estimator_never_drops_a_class():
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=0.5, random_state=0)
    y = np.array(["a", "b", "c"])[y].astype(object)
    # A rare class of 6 rows scattered inside the other clusters: all look mislabelled.
    y[:6] = "rare"
    clf = CleanLabelClassifier(random_state=0)
    with pytest.warns(MinPerClassWarning, match=r"so that class\(es\) \['rare'\] keep"):
        clf.fit(X, y)
    assert list(clf.classes_) == ["a", "b", "c", "rare"]
    assert list(clf.estimator_.classes_) == list(clf.classes_)
    assert (~clf.label_issues_["is_label_issue"][:6]).sum() == 5


# --- flags on a large synthetic case with known flips ---------------------------------------


@pytest.mark.parametrize("method, min_recall", [("class_margin", 0.85), ("confident_joint", 0.7)])
@pytest.mark.parametrize("estimator", [LogisticRegression(), LinearSVC()])
def test_flags_find_the_flipped_rows(estimator, method, min_recall):
    X, _, y_noisy, flipped = _noisy_task(n_samples=1200, rate=0.25)
    clf = CleanLabelClassifier(estimator, method=method, random_state=0).fit(X, y_noisy)
    flagged = clf.label_issues_["is_label_issue"]
    precision = (flagged & flipped).sum() / flagged.sum()
    recall = (flagged & flipped).sum() / flipped.sum()
    # Chance precision is the noise rate (about 0.25); chance recall is the flagged fraction.
    assert precision > 0.7
    assert recall > min_recall
    assert flagged.mean() < 0.35
    # The noise matrix recovers the 25% symmetric noise: 0.75 on the diagonal.
    assert clf.noise_matrix_.shape == (4, 4)
    np.testing.assert_allclose(clf.noise_matrix_.sum(axis=1), 1)
    np.testing.assert_allclose(np.diag(clf.noise_matrix_), 0.75, atol=0.1)


def test_cleaning_improves_accuracy_on_noisy_labels():
    X, y, y_noisy, _ = _noisy_task(n_samples=1200, rate=0.35, seed=1)
    X_test, y_test = X[800:], y[800:]
    base = LinearSVC().fit(X[:800], y_noisy[:800]).score(X_test, y_test)
    clf = CleanLabelClassifier(LinearSVC(), clean=True, random_state=0)
    clf.fit(X[:800], y_noisy[:800])
    assert clf.score(X_test, y_test) > base


# --- the meta-estimator ----------------------------------------------------------------------


def test_attributes_and_refit_on_kept_rows():
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    clf = CleanLabelClassifier(KNeighborsClassifier(), clean=True, cv=3, random_state=0)
    clf.fit(X, y_noisy)
    flagged, quality = clf.label_issues_["is_label_issue"], clf.label_issues_["label_quality"]
    assert flagged.dtype == bool and flagged.shape == (300,)
    assert quality.shape == (300,)
    assert clf.n_features_in_ == 10
    assert clf.estimator_.n_samples_fit_ == (~flagged).sum()
    np.testing.assert_array_equal(clf.predict(X), clf.estimator_.predict(X))
    np.testing.assert_array_equal(clf.predict_proba(X), clf.estimator_.predict_proba(X))
    # The flags come from the out-of-fold scores, the lowest of which they must include.
    assert quality[flagged].mean() < quality.mean()


def _plain_and_cleaned_fold_proba(clf, X, y, frac_noise=1.0):
    """The out-of-fold probabilities ``clean="auto"`` compares, recomputed from scratch.

    Each fold's training rows are flagged by models that left out the fold's test rows and
    one more fold, so that no held-out label reaches the cleaned model. ``frac_noise`` scales
    the number flagged, as one candidate of a list does.
    """
    y_encoded = np.searchsorted(clf.classes_, y)
    seed = np.random.RandomState(clf.random_state).randint(np.iinfo(np.int32).max)
    folds = list(StratifiedKFold(clf.cv, shuffle=True, random_state=seed).split(X, y_encoded))
    plain, cleaned = np.empty((len(y), len(clf.classes_))), np.empty((len(y), len(clf.classes_)))
    fold_model = clone(clf.estimator).set_params(**clf.fold_params_)
    for train, test in folds:
        plain[test] = clone(fold_model).fit(X[train], y[train]).predict_proba(X[test])
        out_of_fold = np.zeros((len(y), len(clf.classes_)))
        in_sample, n_models = np.zeros_like(out_of_fold), np.zeros(len(y))
        for _, other in folds:
            rows = np.setdiff1d(train, other)
            if len(rows) == len(train):  # the fold itself
                continue
            proba = clone(fold_model).fit(X[rows], y[rows]).predict_proba(X)
            out_of_fold[other] = proba[other]
            in_sample[rows] += proba[rows]
            n_models[rows] += 1
        issues = find_label_issues(
            y_encoded[train],
            out_of_fold[train],
            in_sample_proba=in_sample[train] / n_models[train, None],
            min_per_class=clf.min_per_class,
            method="class_margin",
            frac_noise=frac_noise,
        )
        kept = train[~issues]
        cleaned[test] = clone(fold_model).fit(X[kept], y[kept]).predict_proba(X[test])
    return plain, cleaned


def _paired_z(cleaned, plain, y):
    """The probability z and McNemar's accuracy z of ``clean="auto"``, from scratch."""
    rows = np.arange(len(y))
    gain = cleaned[rows, y] - plain[rows, y]
    cleaned_right, plain_right = cleaned.argmax(1) == y, plain.argmax(1) == y
    wins, losses = np.sum(cleaned_right & ~plain_right), np.sum(~cleaned_right & plain_right)
    accuracy_z = (wins - losses) / np.sqrt(wins + losses) if wins + losses else 0.0
    return gain.mean() / gain.std(ddof=1) * np.sqrt(len(y)), accuracy_z


@pytest.mark.filterwarnings("ignore::sklearn_lip.cleaning.MinPerClassWarning")
@pytest.mark.parametrize("cv", [2, 5])  # two folds: each fold's halves are the blocks
def test_auto_evidence_does_not_see_the_held_out_labels(cv):
    """Labels with no signal: cleaning cannot help, so its z must stay near zero.

    Flags from the usual out-of-fold probabilities (models that trained on the held-out
    rows) gave a mean z of 2.3 on these tasks with five folds: the kept rows agree with the
    held-out labels.
    """
    z = []
    for seed in range(8):
        rng = np.random.RandomState(seed)
        X, y = rng.normal(size=(150, 5)), rng.randint(3, size=150)
        clf = CleanLabelClassifier(KNeighborsClassifier(), cv=cv, random_state=0).fit(X, y)
        z.append(clf.validation_z_)
    assert np.mean(z) < 1.0


def test_auto_with_two_folds_still_finds_a_clear_gain():
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=0.35, seed=2)
    clf = CleanLabelClassifier(KNeighborsClassifier(n_neighbors=1), cv=2, random_state=0)
    assert clf.fit(X, y_noisy).cleaned_ and clf.validation_z_ > 4


@pytest.mark.parametrize(
    "estimator, rate, cleaned",
    [
        (KNeighborsClassifier(n_neighbors=1), 0.35, True),  # memorises: cleaning wins clearly
        (LogisticRegression(), 0.0, False),  # the cleaned folds gain nothing on clean labels
        # stops early (after 20 of 50 iterations): the folds train 20 iterations, no hold-out
        (
            HistGradientBoostingClassifier(early_stopping=True, max_iter=50, random_state=0),
            0.35,
            True,
        ),
    ],
)
def test_auto_keeps_the_cleaned_fit_only_on_significant_held_out_evidence(estimator, rate, cleaned):
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=rate, seed=2)
    clf = CleanLabelClassifier(estimator, random_state=0).fit(X, y_noisy)
    if isinstance(estimator, HistGradientBoostingClassifier):
        n_iter = clone(estimator).fit(X, y_noisy).n_iter_
        assert n_iter < estimator.max_iter
        assert clf.fold_params_ == {"early_stopping": False, "max_iter": n_iter}
    else:
        assert clf.fold_params_ == {}
    plain, fold_cleaned = _plain_and_cleaned_fold_proba(clf, X, y_noisy)
    rows = np.arange(600)
    plain_right, cleaned_right = plain.argmax(1) == y_noisy, fold_cleaned.argmax(1) == y_noisy
    assert clf.validation_scores_ == {
        "plain": pytest.approx(plain[rows, y_noisy].mean()),
        "cleaned": pytest.approx(fold_cleaned[rows, y_noisy].mean()),
        "plain_accuracy": pytest.approx(plain_right.mean()),
        "cleaned_accuracy": pytest.approx(cleaned_right.mean()),
    }
    z, accuracy_z = _paired_z(fold_cleaned, plain, y_noisy)
    assert clf.validation_z_ == pytest.approx(z)
    assert clf.validation_accuracy_z_ == pytest.approx(accuracy_z)
    assert clf.validation_threshold_ == pytest.approx(1.6448536)
    assert clf.cleaned_ is cleaned and clf.label_issues_["is_label_issue"].any()
    significant = clf.validation_z_ >= clf.validation_threshold_
    assert clf.cleaned_ == (significant and clf.validation_accuracy_z_ > 0)
    kept = ~clf.label_issues_["is_label_issue"] if cleaned else np.ones(600, bool)
    final = clone(estimator).fit(X[kept], y_noisy[kept])
    np.testing.assert_array_equal(clf.predict_proba(X), final.predict_proba(X))


@pytest.mark.filterwarnings("ignore::sklearn_lip.cleaning.MinPerClassWarning")
@pytest.mark.parametrize(
    "estimator, rate, cleaned, frac_noise",
    [
        (KNeighborsClassifier(n_neighbors=3), 0.35, True, 1.0),  # dropping all wins most
        # every flagged row dropped predicts fewer held-out labels right; the worst half, more
        (LogisticRegression(), 0.2, True, 0.5),
        (KNeighborsClassifier(n_neighbors=3), 0.0, False, 1.0),  # clean labels: neither wins
    ],
)
def test_a_list_of_frac_noise_decides_how_many_flagged_rows_to_drop(
    estimator, rate, cleaned, frac_noise
):
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=rate, seed=2)
    clf = CleanLabelClassifier(estimator, frac_noise=[1.0, 0.5], random_state=0)
    clf.fit(X, y_noisy)
    assert (clf.cleaned_, clf.frac_noise_) == (cleaned, frac_noise)
    threshold = norm.isf(0.05 / 2)  # Bonferroni over the two fractions
    assert clf.validation_threshold_ == pytest.approx(threshold)
    assert sorted(clf.validation_candidates_) == [0.5, 1.0]
    passing, candidates = [], clf.validation_candidates_
    for fraction, evidence in candidates.items():
        plain, fold_cleaned = _plain_and_cleaned_fold_proba(clf, X, y_noisy, fraction)
        z, accuracy_z = _paired_z(fold_cleaned, plain, y_noisy)
        assert evidence["z"] == pytest.approx(z)
        assert evidence["accuracy_z"] == pytest.approx(accuracy_z)
        rows = np.arange(600)
        assert evidence["cleaned"] == pytest.approx(fold_cleaned[rows, y_noisy].mean())
        if z >= threshold and accuracy_z > 0:
            passing.append((z, fraction))
    assert clf.cleaned_ == bool(passing)
    assert clf.frac_noise_ == max(passing or [(c["z"], f) for f, c in candidates.items()])[1]
    best = clf.validation_candidates_[clf.frac_noise_]
    assert (clf.validation_z_, clf.validation_accuracy_z_) == (best["z"], best["accuracy_z"])
    # label_issues_ are the flags at frac_noise_: those of one fraction, always dropped
    single = CleanLabelClassifier(estimator, frac_noise=clf.frac_noise_, clean=True)
    single.set_params(random_state=0).fit(X, y_noisy)
    flagged = clf.label_issues_["is_label_issue"]
    np.testing.assert_array_equal(flagged, single.label_issues_["is_label_issue"])
    kept = ~flagged if clf.cleaned_ else np.ones(600, bool)
    final = clone(estimator).fit(X[kept], y_noisy[kept])
    np.testing.assert_array_equal(clf.predict_proba(X), final.predict_proba(X))


def test_half_the_flags_are_the_most_suspect_half():
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=0.3, seed=2)
    flags = {
        frac_noise: CleanLabelClassifier(clean=False, frac_noise=frac_noise, random_state=0)
        .fit(X, y_noisy)
        .label_issues_
        for frac_noise in (0.5, 1.0)
    }
    half, every = flags[0.5]["is_label_issue"], flags[1.0]["is_label_issue"]
    assert np.all(every[half]) and 0.4 < half.sum() / every.sum() < 0.6
    quality = flags[1.0]["label_quality"]
    for label in np.unique(y_noisy):  # within each class, the lowest label quality
        rows = y_noisy == label
        assert quality[half & rows].max() <= quality[every & ~half & rows].min()


@pytest.mark.parametrize("one", [[1.0], (1,), np.array([1.0])])
def test_a_single_frac_noise_in_a_list_is_that_frac_noise(one):
    X, _, y_noisy, _ = _noisy_task(n_samples=400, rate=0.3, seed=2)
    plain = CleanLabelClassifier(random_state=0).fit(X, y_noisy)
    listed = CleanLabelClassifier(frac_noise=one, random_state=0).fit(X, y_noisy)
    assert listed.cleaned_ == plain.cleaned_ and listed.frac_noise_ == plain.frac_noise_ == 1.0
    assert listed.validation_scores_ == plain.validation_scores_
    assert listed.validation_z_ == plain.validation_z_
    assert listed.validation_candidates_ == {1.0: plain.validation_candidates_[1.0]}
    np.testing.assert_array_equal(
        listed.label_issues_["is_label_issue"], plain.label_issues_["is_label_issue"]
    )
    np.testing.assert_array_equal(listed.estimator_.coef_, plain.estimator_.coef_)


def test_the_flags_the_noise_matrix_and_the_table_read_each_pass_once(monkeypatch):
    from sklearn_lip.cleaning import _confident, _rank

    rows_read = {"confident joint": 0, "margins": 0}
    count_block, quality_block = _confident._confident_block, _rank.block_quality

    def counting(block, thresholds):
        rows_read["confident joint"] += block.labels.size
        return count_block(block, thresholds)

    def scoring(block, method, issues=None):
        rows_read["margins"] += block.labels.size
        return quality_block(block, method, issues)

    monkeypatch.setattr(_confident, "_confident_block", counting)
    monkeypatch.setattr(_rank, "block_quality", scoring)
    X, _, y_noisy, _ = _noisy_task(n_samples=300, rate=0.3)
    clf = CleanLabelClassifier(clean=False, random_state=0).fit(X, y_noisy)
    # one pass each serves the flags, noise_matrix_ and label_issues_["label_quality"]
    assert rows_read == {"confident joint": 300, "margins": 300}
    assert clf.label_issues_["is_label_issue"].any()


class _FailsIfFitted(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        raise AssertionError("fitted before its parameters were checked")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"frac_noise": []}, r"a list of distinct ones; got \[\]"),
        ({"frac_noise": [0.5, 0.5]}, r"a list of distinct ones; got \[0.5, 0.5\]"),
        ({"frac_noise": [0.5, 1.5]}, r"a number in \(0, 1\] or a list"),
        ({"frac_noise": np.full((2, 2), 0.5)}, r"a list of distinct ones; got array"),
        ({"frac_noise": [0.5, 1.0], "clean": True}, "decided by clean='auto'; got clean=True"),
        ({"frac_noise": [0.5, 1.0], "clean": False}, "decided by clean='auto'"),
        ({"frac_noise": 0.5, "method": "confident_joint"}, "no effect with method='conf"),
        ({"frac_noise": [0.5, 1], "filter_by": "low_self_confidence"}, "no effect with filter_by"),
    ],
)
def test_frac_noise_errors_come_before_any_fit(params, match):
    X, _, y_noisy, _ = _noisy_task(n_samples=100)
    with pytest.raises(ValueError, match=match):
        CleanLabelClassifier(_FailsIfFitted(), **params).fit(X, y_noisy)


class _NeedsManyRows(LogisticRegression):
    """Fails on fewer than 400 rows, as HistGradientBoosting's own split can on a small fold."""

    def fit(self, X, y, sample_weight=None):
        if len(X) < 400:
            raise ValueError(f"only {len(X)} rows")
        return super().fit(X, y, sample_weight)


def test_auto_keeps_every_row_with_a_warning_when_a_decision_fit_fails():
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=0.3, seed=2)
    clf = CleanLabelClassifier(_NeedsManyRows(), random_state=0)
    with pytest.warns(FitFailedWarning, match=r"fold fit of clean='auto' failed.*only 360 rows"):
        clf.fit(X, y_noisy)
    assert not clf.cleaned_ and clf.validation_z_ is None
    assert clf.label_issues_["is_label_issue"].any()
    np.testing.assert_allclose(clf.estimator_.coef_, LogisticRegression().fit(X, y_noisy).coef_)


class _EarlyStopsOnManyRows(LogisticRegression):
    """A fold budget as early-stopped gradient boosting has, and a too-small-split failure.

    Like boosting's validation split, early stopping fails on fewer than ``min_rows`` rows.
    """

    def __init__(self, early_stopping=True, max_iter=100, min_rows=0):
        super().__init__(max_iter=max_iter)
        self.early_stopping = early_stopping
        self.min_rows = min_rows

    def fit(self, X, y, sample_weight=None):
        if self.early_stopping and len(X) < self.min_rows:
            raise ValueError(f"the validation split of {len(X)} rows is too small")
        super().fit(X, y, sample_weight)
        self.do_early_stopping_, self.n_iter_ = self.early_stopping, self.max_iter
        return self


def test_auto_keeps_the_plain_fit_with_a_warning_when_the_cleaned_fit_fails():
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=0.3, seed=2)
    works = CleanLabelClassifier(_EarlyStopsOnManyRows(), random_state=0).fit(X, y_noisy)
    assert works.cleaned_
    assert works.fold_params_ == {"early_stopping": False, "max_iter": 100}
    kept = int(np.sum(~works.label_issues_["is_label_issue"]))
    # The decision's fold models train without early stopping; the final fit, with it, fails.
    fails = clone(works).set_params(estimator__min_rows=kept + 1)
    message = rf"on the {kept} rows kept of 600 .* every row is kept .* {kept} rows is too small"
    with pytest.warns(FitFailedWarning, match=message):
        fails.fit(X, y_noisy)
    assert not fails.cleaned_ and fails.validation_z_ == works.validation_z_
    plain = _EarlyStopsOnManyRows().fit(X, y_noisy)
    np.testing.assert_allclose(fails.estimator_.coef_, plain.coef_)
    always = clone(fails).set_params(clean=True)  # no plain fit to fall back on: the error
    with pytest.raises(ValueError, match=f"{kept} rows is too small") as raised:
        always.fit(X, y_noisy)
    assert f"on the {kept} rows kept of 600" in " ".join(raised.value.__notes__)


def test_clean_true_always_drops_and_false_never_drops_the_flagged_rows():
    X, _, y_noisy, _ = _noisy_task(n_samples=600, rate=0.0, seed=2)
    always = CleanLabelClassifier(LogisticRegression(), clean=True, random_state=0)
    never = clone(always).set_params(clean=False)
    auto = clone(always).set_params(clean="auto")
    for clf in (always, never, auto):
        clf.fit(X, y_noisy)
    flagged = always.label_issues_["is_label_issue"]
    assert flagged.any()
    for clf in (never, auto):
        np.testing.assert_array_equal(clf.label_issues_["is_label_issue"], flagged)
    assert always.cleaned_ and not never.cleaned_ and not auto.cleaned_
    assert always.fold_params_ == never.fold_params_ == auto.fold_params_ == {}
    assert always.validation_z_ is None and never.validation_scores_ is None
    kept = LogisticRegression().fit(X[~flagged], y_noisy[~flagged])
    np.testing.assert_allclose(always.estimator_.coef_, kept.coef_)
    every_row = LogisticRegression().fit(X, y_noisy)
    np.testing.assert_allclose(never.estimator_.coef_, every_row.coef_)
    np.testing.assert_allclose(auto.estimator_.coef_, every_row.coef_)  # declined on clean labels


def test_default_estimator_is_logistic_regression():
    X, _, y_noisy, _ = _noisy_task(n_samples=200)
    clf = CleanLabelClassifier(random_state=0).fit(X, y_noisy)
    assert isinstance(clf.estimator_, LogisticRegression)
    assert clf.estimator is None


def test_decision_function_only_estimator_binary_and_method_availability():
    X, _, y_noisy, flipped = _noisy_task(n_samples=400, n_classes=2, rate=0.2)
    clf = CleanLabelClassifier(LinearSVC(), random_state=0).fit(X, y_noisy)
    assert not hasattr(clf, "predict_proba")
    assert clf.decision_function(X).shape == (400,)
    assert (clf.label_issues_["is_label_issue"] & flipped).sum() > 0.7 * flipped.sum()


def test_in_sample_probabilities_are_the_mean_over_the_models_trained_on_the_row():
    X, _, y_noisy, _ = _noisy_task(n_samples=120, n_classes=3)
    classes = np.arange(3)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    proba, in_sample = out_of_fold_proba(
        LogisticRegression(), X, y_noisy, classes, splits, {}, None, in_sample=True
    )
    expected_oof = np.empty_like(proba)
    expected_in_sample = np.zeros_like(proba)
    for train, test in splits:
        model = LogisticRegression().fit(X[train], y_noisy[train])
        expected_oof[test] = model.predict_proba(X[test])
        expected_in_sample[train] += model.predict_proba(X[train]) / 2  # 2 models per row
    np.testing.assert_allclose(proba, expected_oof)
    np.testing.assert_allclose(in_sample, expected_in_sample)
    _, skipped = out_of_fold_proba(LogisticRegression(), X, y_noisy, classes, splits, {}, None)
    assert skipped is None


def test_rows_no_fold_model_trained_on_fall_back_to_out_of_fold():
    X, y = make_blobs(n_samples=90, centers=3, random_state=0)
    rows = np.arange(90)
    first, second, third = rows[:30], rows[30:60], rows[60:]
    # The third block is tested but no model trains on it.
    splits = [(first, second), (second, np.concatenate([first, third]))]
    proba, in_sample = out_of_fold_proba(
        LogisticRegression(), X, y, np.arange(3), splits, {}, None, in_sample=True
    )
    np.testing.assert_array_equal(in_sample[third], proba[third])
    assert not np.allclose(in_sample[first], proba[first])


@pytest.mark.parametrize("estimator", [LogisticRegression(), LinearSVC()])
def test_in_sample_blend_ranks_the_flipped_rows_better(estimator):
    # The label quality of the blend separates flipped from clean rows better (higher ROC AUC)
    # than the out-of-fold probabilities alone, on each of four noisy tasks.
    for seed in range(4):
        X, _, y_noisy, flipped = _noisy_task(n_samples=600, rate=0.3, seed=seed)
        auc = {}
        for weight in [0.0, 0.5]:
            clf = CleanLabelClassifier(
                estimator, cv=2, in_sample_weight=weight, random_state=0
            ).fit(X, y_noisy)
            auc[weight] = roc_auc_score(flipped, -clf.label_issues_["label_quality"])
        assert auc[0.5] > auc[0.0], (seed, auc)


def test_meta_estimator_flags_as_the_functions_do():
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    for weight in [0.0, 0.3]:
        clf = CleanLabelClassifier(cv=3, in_sample_weight=weight, random_state=0)
        clf.fit(X, y_noisy)
        seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
        splits = list(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y_noisy))
        proba, in_sample = out_of_fold_proba(
            LogisticRegression(), X, y_noisy, clf.classes_, splits, {}, None, in_sample=True
        )
        ranking = {"in_sample_proba": in_sample, "in_sample_weight": weight}
        np.testing.assert_allclose(
            clf.label_issues_["label_quality"], label_quality_scores(y_noisy, proba, **ranking)
        )
        np.testing.assert_array_equal(
            clf.label_issues_["is_label_issue"],
            find_label_issues(y_noisy, proba, **ranking, method="class_margin"),
        )
        np.testing.assert_allclose(clf.noise_matrix_, estimate_noise_matrix(y_noisy, proba))
        np.testing.assert_array_equal(clf.label_issues_["given_label"], y_noisy)
        np.testing.assert_array_equal(clf.label_issues_["predicted_label"], proba.argmax(axis=1))


@pytest.mark.parametrize("filter_by", ["prune_by_noise_rate", "both", "low_self_confidence"])
def test_filter_by_flags_as_cleanlab_does_on_the_same_folds(filter_by):
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    clf = CleanLabelClassifier(cv=3, filter_by=filter_by, min_per_class=1, random_state=0)
    clf.fit(X, y_noisy)
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y_noisy))
    proba, _ = out_of_fold_proba(LogisticRegression(), X, y_noisy, clf.classes_, splits, {}, None)
    expected = cleanlab_filter.find_label_issues(y_noisy, proba, filter_by=filter_by, n_jobs=1)
    assert expected.any()
    np.testing.assert_array_equal(clf.label_issues_["is_label_issue"], expected)
    np.testing.assert_allclose(
        clf.label_issues_["label_quality"], label_quality_scores(y_noisy, proba)
    )
    with pytest.raises(ValueError, match="pass either method .* or filter_by"):
        CleanLabelClassifier(method="class_margin", filter_by=filter_by).fit(X, y_noisy)


def test_get_label_issues_is_cleanlabs_table():
    pandas = pytest.importorskip("pandas")
    X, _, y_noisy, _ = _noisy_task(n_samples=200)
    clf = CleanLabelClassifier(cv=3, random_state=0)
    with pytest.raises(NotFittedError):
        clf.get_label_issues()
    table = clf.fit(X, y_noisy).get_label_issues()
    assert isinstance(table, pandas.DataFrame)
    assert list(table.columns) == [
        "is_label_issue",
        "label_quality",
        "given_label",
        "predicted_label",
    ]
    np.testing.assert_array_equal(table["is_label_issue"], clf.label_issues_["is_label_issue"])
    assert len(table) == len(y_noisy)


def test_random_state_reproducible_and_global_rng_untouched():
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    state = np.random.get_state()
    first = CleanLabelClassifier(random_state=3).fit(X, y_noisy)
    second = CleanLabelClassifier(random_state=3).fit(X, y_noisy)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2] == after[2]
    for column in first.label_issues_:
        np.testing.assert_array_equal(first.label_issues_[column], second.label_issues_[column])
    # Another seed gives other folds, hence other out-of-fold scores.
    other = CleanLabelClassifier(random_state=4).fit(X, y_noisy)
    quality = "label_quality"
    assert not np.array_equal(first.label_issues_[quality], other.label_issues_[quality])


def test_n_jobs_gives_the_same_result():
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    serial = CleanLabelClassifier(LinearSVC(), random_state=0).fit(X, y_noisy)
    with parallel_config(backend="threading"):  # threads: no process start-up in the test
        parallel = CleanLabelClassifier(LinearSVC(), random_state=0, n_jobs=2).fit(X, y_noisy)
    np.testing.assert_allclose(
        serial.label_issues_["label_quality"], parallel.label_issues_["label_quality"]
    )


def test_string_labels_pandas_and_pipeline():
    pd = pytest.importorskip("pandas")
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    y = pd.Series(np.array(["ant", "bee", "cat", "dog"])[y_noisy])
    pipe = make_pipeline(StandardScaler(), CleanLabelClassifier(random_state=0)).fit(X, y)
    assert set(pipe.predict(X)) <= {"ant", "bee", "cat", "dog"}
    clf = CleanLabelClassifier(random_state=0).fit(X, y)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert list(clf.classes_) == ["ant", "bee", "cat", "dog"]
    # The inner estimator receives the DataFrame (e.g. for a ColumnTransformer inside it).
    assert list(clf.estimator_.feature_names_in_) == list(X.columns)
    encoded = CleanLabelClassifier(random_state=0).fit(X.to_numpy(), y_noisy)
    np.testing.assert_array_equal(
        clf.label_issues_["is_label_issue"], encoded.label_issues_["is_label_issue"]
    )
    # The table keeps the original labels and becomes a DataFrame as it is.
    table = pd.DataFrame(clf.label_issues_)
    assert list(table.columns) == [
        "is_label_issue",
        "label_quality",
        "given_label",
        "predicted_label",
    ]
    np.testing.assert_array_equal(table["given_label"], y)
    assert set(table["predicted_label"]) <= {"ant", "bee", "cat", "dog"}


def test_grid_search_over_cv_method_and_inner_params():
    X, _, y_noisy, _ = _noisy_task(n_samples=200)
    grid = GridSearchCV(
        CleanLabelClassifier(LinearSVC(), random_state=0),
        [
            {"cv": [2, 3], "in_sample_weight": [0.0, 0.5]},
            {"method": ["confident_joint"], "estimator__C": [0.01, 1]},
        ],
        cv=2,
    ).fit(X, y_noisy)
    assert len(grid.cv_results_["params"]) == 6
    best = grid.best_estimator_
    assert best.estimator_.C == best.get_params()["estimator__C"]


def test_sample_weight_reaches_the_final_fit():
    X, _, y_noisy, _ = _noisy_task(n_samples=300)
    weight = np.random.RandomState(0).uniform(0.5, 2, size=300)
    clf = CleanLabelClassifier(LogisticRegression(), clean=True, random_state=0)
    weighted = clone(clf).fit(X, y_noisy, sample_weight=weight)
    unweighted = clone(clf).fit(X, y_noisy)
    kept = ~weighted.label_issues_["is_label_issue"]
    reference = LogisticRegression().fit(X[kept], y_noisy[kept], sample_weight=weight[kept])
    np.testing.assert_allclose(weighted.estimator_.coef_, reference.coef_)
    # The weights also reach the out-of-fold fits, hence change the scores.
    assert not np.allclose(
        weighted.label_issues_["label_quality"], unweighted.label_issues_["label_quality"]
    )


def test_sample_weight_with_metadata_routing():
    X, _, y_noisy, _ = _noisy_task(n_samples=200)
    weight = np.random.RandomState(0).uniform(0.5, 2, size=200)
    with config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        routed = CleanLabelClassifier(inner, random_state=0).fit(X, y_noisy, sample_weight=weight)
        not_requested = CleanLabelClassifier(
            LogisticRegression().set_fit_request(sample_weight=False), random_state=0
        )
        with pytest.raises(TypeError, match="sample_weight"):
            not_requested.fit(X, y_noisy, sample_weight=weight)
    plain = CleanLabelClassifier(random_state=0).fit(X, y_noisy, sample_weight=weight)
    np.testing.assert_allclose(routed.estimator_.coef_, plain.estimator_.coef_)


def test_splitter_whose_training_folds_miss_a_class():
    # Sorted labels and unshuffled 3-fold KFold: each training part lacks one class.
    X, y = make_blobs(n_samples=90, centers=3, random_state=0)
    y = np.sort(y)
    classes = np.array([0, 1, 2])
    splits = list(KFold(3).split(X))
    proba, _ = out_of_fold_proba(LogisticRegression(), X, y, classes, splits, {}, None)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    for (_, test), missing in zip(splits, classes, strict=True):
        np.testing.assert_array_equal(proba[test, missing], 0)


# --- error paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels, proba, match",
    [
        ([0, 1], [[0.5, 0.4], [0.5, 0.5]], "rows must sum to 1"),
        ([0, 1], [[1.2, -0.2], [0.5, 0.5]], r"probabilities in \[0, 1\]"),
        ([0, 1], [[1.0], [1.0]], "at least 2 columns"),
        ([0, 1], [0.5, 0.5], "2D array"),
        ([0, 1, 1], [[0.5, 0.5], [0.5, 0.5]], "labels has 3 entries but pred_proba has 2"),
        ([0, 2], [[0.5, 0.5], [0.5, 0.5]], r"indices 0..1 .* got \[2\]"),
        ([-1, 0], [[0.5, 0.5], [0.5, 0.5]], r"got \[-1\]"),
        (["a", "b"], [[0.5, 0.5], [0.5, 0.5]], "LabelEncoder"),
        ([0.5, 1], [[0.5, 0.5], [0.5, 0.5]], "dtype float64"),
        ([[0, 1], [1, 0]], [[0.5, 0.5], [0.5, 0.5]], "1d array"),
        ([0, 1], [[np.nan, 1.0], [0.5, 0.5]], "NaN"),
    ],
)
@pytest.mark.parametrize(
    "function",
    [confident_joint, estimate_noise_matrix, label_quality_scores, find_label_issues],
)
def test_function_input_errors(function, labels, proba, match):
    with pytest.raises(ValueError, match=match):
        function(labels, proba)


def test_find_label_issues_parameter_errors():
    with pytest.raises(ValueError, match="method must be one of .* got 'margin'"):
        find_label_issues(HAND_LABELS, HAND_PROBA, method="margin")
    with pytest.raises(ValueError, match="min_per_class must be an integer >= 1; got 0"):
        find_label_issues(HAND_LABELS, HAND_PROBA, min_per_class=0, method="class_margin")


@pytest.mark.parametrize(
    "function",
    [label_quality_scores, functools.partial(find_label_issues, method="class_margin")],
    ids=["label_quality_scores", "find_label_issues"],
)
def test_in_sample_errors(function):
    with pytest.raises(ValueError, match=r"in_sample_weight must be a number in \[0, 1\]; got 1.5"):
        function(HAND_LABELS, HAND_PROBA, in_sample_proba=HAND_PROBA, in_sample_weight=1.5)
    with pytest.raises(ValueError, match="in_sample_weight must be a number"):
        function(HAND_LABELS, HAND_PROBA, in_sample_weight="half")
    with pytest.raises(ValueError, match=r"shape of pred_proba, \(9, 3\); got \(8, 3\)"):
        function(HAND_LABELS, HAND_PROBA, in_sample_proba=HAND_PROBA[:8])
    with pytest.raises(ValueError, match="in_sample_proba rows must sum to 1"):
        function(HAND_LABELS, HAND_PROBA, in_sample_proba=HAND_PROBA * 0.5)


def test_cv_larger_than_smallest_class():
    X, y = make_blobs(n_samples=40, centers=2, random_state=0)
    y[:3] = 2
    with pytest.raises(ValueError, match=r"cv=5 is larger than the smallest class of y, 2, "):
        CleanLabelClassifier().fit(X, y)
    CleanLabelClassifier(cv=3).fit(X, y)


def test_three_dimensional_x_is_rejected_naming_the_cleaner():
    X, y = np.zeros((60, 3, 2)), np.arange(60) % 2
    with pytest.raises(ValueError, match="dim <= 2 is required by CleanLabelClassifier"):
        CleanLabelClassifier().fit(X, y)


def test_empty_input_gives_the_empty_input_error():
    # Before: "needs at least 2 classes in y; got 1 class" for an input without rows.
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\)"):
        CleanLabelClassifier().fit(np.empty((0, 4)), np.empty(0))


def test_single_class_rejected():
    X = np.random.RandomState(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="at least 2 classes in y; got 1 class"):
        CleanLabelClassifier().fit(X, np.zeros(10))


def test_cv_that_is_not_a_partition_rejected():
    X, y = make_blobs(n_samples=60, centers=2, random_state=0)
    with pytest.raises(ValueError, match="cover every row exactly once"):
        CleanLabelClassifier(cv=ShuffleSplit(3, random_state=0)).fit(X, y)


def test_sample_weight_refused_by_inner_estimator():
    X, y = make_blobs(n_samples=60, centers=2, random_state=0)
    with pytest.raises(ValueError, match="KNeighborsClassifier does not accept sample_weight"):
        CleanLabelClassifier(KNeighborsClassifier()).fit(X, y, sample_weight=np.ones(60))


def test_extra_fit_params_need_routing():
    X, y = make_blobs(n_samples=60, centers=2, random_state=0)
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        CleanLabelClassifier().fit(X, y, groups=np.ones(60))


@pytest.mark.parametrize(
    "params",
    [
        {"estimator": StandardScaler()},
        {"cv": 1},
        {"method": "prune"},
        {"min_per_class": 0},
        {"in_sample_weight": -0.1},
        {"in_sample_weight": 2},
        {"random_state": "seed"},
    ],
)
def test_invalid_parameters(params):
    X, y = make_blobs(n_samples=60, centers=2, random_state=0)
    with pytest.raises(InvalidParameterError):
        CleanLabelClassifier(**params).fit(X, y)


def test_inner_probabilities_are_checked():
    class BadProba(LogisticRegression):
        def predict_proba(self, X):
            return super().predict_proba(X) * 0.5

    X, y = make_blobs(n_samples=60, centers=2, random_state=0)
    with pytest.raises(ValueError, match="pred_proba rows must sum to 1"):
        CleanLabelClassifier(BadProba()).fit(X, y)


def test_composes_with_lip_estimators_and_feeds_forward_correction():
    pytest.importorskip("skorch")
    from sklearn_lip import LIPClassifier, LIPMetaClassifier

    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=6, n_classes=3, random_state=0
    )
    rng = np.random.RandomState(0)
    flipped = rng.rand(len(y)) < 0.25
    y_noisy = np.where(flipped, (y + 1) % 3, y)
    meta = CleanLabelClassifier(
        LIPMetaClassifier(LogisticRegression(), k=1), cv=3, random_state=0
    ).fit(X, y_noisy)
    assert meta.estimator_.k_ == 1
    flagged = meta.label_issues_["is_label_issue"]
    assert flagged[flipped].mean() > flagged[~flipped].mean()
    net = LIPClassifier(hidden_units=(16,), max_epochs=10, k=None, random_state=0)
    cleaned = CleanLabelClassifier(net, cv=2, random_state=0).fit(X, y_noisy)
    assert cleaned.predict(X).shape == y.shape
    # The estimated noise matrix is a valid forward-correction matrix for the network.
    forward = LIPClassifier(
        hidden_units=(16,),
        max_epochs=10,
        k=None,
        criterion="forward",
        criterion__transition_matrix=cleaned.noise_matrix_,
        random_state=0,
    ).fit(X, y_noisy)
    np.testing.assert_allclose(forward.transition_matrix_, cleaned.noise_matrix_)
