"""Tests of sklearn_lip._base: what the three wrapping classifiers share, checked on each."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC
from sklearn.utils import get_tags

from sklearn_lip import (
    CleanLabelClassifier,
    LIPMetaClassifier,
    NoisyLabelClassifier,
    SymmetricNoise,
)

WRAPPERS = {
    "LIPMetaClassifier": lambda estimator: LIPMetaClassifier(estimator, k=1, random_state=0),
    "CleanLabelClassifier": lambda estimator: CleanLabelClassifier(estimator, random_state=0),
    "NoisyLabelClassifier": lambda estimator: NoisyLabelClassifier(
        estimator, SymmetricNoise(0.2, random_state=0)
    ),
}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y, np.random.RandomState(0).uniform(0.5, 2, len(y))


@pytest.mark.parametrize("name", WRAPPERS)
def test_sample_weight_the_inner_fit_cannot_take_is_an_error(name, data):
    X, y, weights = data
    # KNeighborsClassifier has no coef_, so LIPMetaClassifier gets a coef_ model without weights.
    inner = LinearModelWithoutWeights() if name == "LIPMetaClassifier" else KNeighborsClassifier()
    with pytest.raises(ValueError, match=f"{type(inner).__name__} does not accept sample_weight"):
        WRAPPERS[name](inner).fit(X, y, sample_weight=weights)
    # Without weights the same estimator fits.
    WRAPPERS[name](inner).fit(X, y)


@pytest.mark.parametrize("name", WRAPPERS)
@pytest.mark.parametrize(
    "bad, message",
    [
        (-1.0, r"non-negative; got 1 negative weights \(the smallest -1\)"),
        (np.nan, "NaN or infinity"),
        ("short", r"shape \(120,\), one weight per row"),
    ],
)
def test_bad_sample_weight_fails_before_any_fit_naming_the_wrapper(name, data, bad, message):
    X, y, weights = data
    weights = weights[:-1] if bad == "short" else np.r_[weights[:-1], bad]
    fits = []

    class Recording(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            fits.append(len(X))
            return super().fit(X, y, sample_weight=sample_weight)

    # LogisticRegression itself accepts negative weights without a word.
    with pytest.raises(ValueError, match=f"{name}: sample_weight .*{message}"):
        WRAPPERS[name](Recording()).fit(X, y, sample_weight=weights)
    assert fits == []


@pytest.mark.parametrize("name", ["LIPMetaClassifier", "CleanLabelClassifier"])
def test_a_cv_larger_than_the_smallest_class_fails_before_any_fit(name, data, monkeypatch):
    X, y, _ = data
    y = y.copy()
    y[:2] = 3  # a class of two rows
    monkeypatch.setattr(LogisticRegression, "fit", lambda *args, **kwargs: pytest.fail("fit"))
    estimator = WRAPPERS[name](LogisticRegression()).set_params(cv=3)
    if name == "LIPMetaClassifier":
        estimator.set_params(k="auto")
    with pytest.raises(ValueError, match=f"{name}: cv=3 is larger than the smallest class of y, 3"):
        estimator.fit(X, y)


@pytest.mark.parametrize("name", WRAPPERS)
def test_sample_weight_reaches_the_inner_fit(name, data, monkeypatch):
    X, y, weights = data
    seen = []
    original = LogisticRegression.fit

    def recording_fit(self, X, y, sample_weight=None):
        seen.append(sample_weight)
        return original(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(LogisticRegression, "fit", recording_fit)
    WRAPPERS[name](LogisticRegression()).fit(X, y, sample_weight=weights)
    assert seen and all(w is not None for w in seen)
    # The final fit sees each of its rows' weights (CleanLabelClassifier drops flagged rows).
    assert set(np.round(seen[-1], 12)) <= set(np.round(weights, 12))


@pytest.mark.parametrize("name", WRAPPERS)
def test_other_fit_params_need_metadata_routing(name, data):
    X, y, _ = data
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        WRAPPERS[name](LogisticRegression()).fit(X, y, check_input=False)


@pytest.mark.parametrize("name", WRAPPERS)
def test_routing_decides_with_metadata_routing(name, data):
    X, y, weights = data
    with config_context(enable_metadata_routing=True):
        requested = LogisticRegression().set_fit_request(sample_weight=True)
        routed = WRAPPERS[name](requested).fit(X, y, sample_weight=weights)
        declined = LogisticRegression().set_fit_request(sample_weight=False)
        if name == "LIPMetaClassifier":
            # It uses the weights itself (the LIP re-fit), so declining them is allowed.
            WRAPPERS[name](declined).fit(X, y, sample_weight=weights)
        else:
            with pytest.raises(TypeError, match="sample_weight"):
                WRAPPERS[name](declined).fit(X, y, sample_weight=weights)
    unweighted = WRAPPERS[name](LogisticRegression()).fit(X, y)
    assert not np.allclose(routed.estimator_.coef_, unweighted.estimator_.coef_)


@pytest.mark.parametrize("name", WRAPPERS)
def test_default_estimator_and_delegated_methods(name, data):
    X, y, _ = data
    default = WRAPPERS[name](None)
    assert isinstance(default._get_estimator(), LogisticRegression)
    assert hasattr(default, "predict_proba") and hasattr(default, "decision_function")
    # Methods the wrapped estimator lacks are absent, before and after fit.
    margin = WRAPPERS[name](LinearSVC())
    assert not hasattr(margin, "predict_proba")
    assert not hasattr(margin.fit(X, y), "predict_proba")
    assert hasattr(margin, "decision_function")


@pytest.mark.parametrize("name", ["CleanLabelClassifier", "NoisyLabelClassifier"])
def test_input_tags_are_forwarded(name):
    # (LIPMetaClassifier wraps linear models, none of which accepts NaN.)
    nan_friendly = HistGradientBoostingClassifier()
    tags = get_tags(WRAPPERS[name](nan_friendly))
    assert tags.input_tags.allow_nan == get_tags(nan_friendly).input_tags.allow_nan
    assert not get_tags(WRAPPERS[name](LogisticRegression())).input_tags.allow_nan


class LinearModelWithoutWeights(LogisticRegression):
    """A linear classifier whose fit takes no sample_weight."""

    def fit(self, X, y):
        """Fit without weights."""
        return super().fit(X, y)
