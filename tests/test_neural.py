"""Tests of sklearn_lip.neural.LIPClassifier on 1-D labels (candidate sets: test_partial.py)."""

import os
import pickle
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from _settings import FAST, FIXED
from scipy.stats import norm
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skorch.callbacks import Callback, EarlyStopping  # noqa: E402

from sklearn_lip import CleanLabelClassifier, SymmetricNoise  # noqa: E402
from sklearn_lip.losses import (  # noqa: E402
    ClassifierConsistentLoss,
    GeneralizedCrossEntropy,
    SymmetricCrossEntropy,
)
from sklearn_lip.neural import EarlyStoppingSkippedWarning, LIPClassifier  # noqa: E402
from sklearn_lip.neural._training import Trainer  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def body_features(clf, X):
    with torch.no_grad():
        return clf.net_.module_.body(torch.as_tensor(X, dtype=torch.float32)).double().numpy()


# --- import behaviour -------------------------------------------------------------------------


IMPORT_SCRIPT = """
import sys
import sklearn_lip
print("torch imported:", "torch" in sys.modules or "skorch" in sys.modules)
# Blocked only now: scipy.stats, imported by the package, fails when torch is None here.
for missing in ("torch", "skorch"):
    sys.modules[missing] = None
    try:
        from sklearn_lip.neural import LIPClassifier
    except ImportError as exc:
        print(missing, "->", exc)
    del sys.modules[missing]
"""


def test_import_without_torch():
    """``import sklearn_lip`` needs no torch; the neural module names the extra to install."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SCRIPT], capture_output=True, text=True, check=True
    )
    hint = 'LIPClassifier needs PyTorch and skorch: pip install "sklearn-lip[torch]"'
    assert result.stdout.splitlines() == [
        "torch imported: False",
        f"torch -> {hint}",
        f"skorch -> {hint}",
    ]


# --- fitting and predicting -------------------------------------------------------------------


def test_predictions_come_from_the_refined_head(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(**{**FIXED, "k": 2}).fit(X, y)
    features = body_features(clf, X)
    np.testing.assert_allclose(
        clf.decision_function(X), features @ clf.coef_.T + clf.intercept_, rtol=1e-6
    )
    # The raw head is the trained network's own output layer.
    raw = features @ clf.raw_coef_.T + clf.raw_intercept_
    raw_proba = np.exp(raw - raw.max(axis=1, keepdims=True))
    raw_proba /= raw_proba.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.net_.predict_proba(X.astype(np.float32)), raw_proba, atol=1e-5)
    assert not np.allclose(clf.coef_, clf.raw_coef_)
    # LIP keeps the top-k singular values.
    assert clf.k_ == 2 and clf.lap_ == "log"
    np.testing.assert_allclose(clf.refined_singular_values_[:2], clf.singular_values_[:2])
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[clf.decision_function(X).argmax(1)])
    assert clf.n_iter_ == 20 and clf.stop_reason_ == "early_stopping=False"
    assert clf.validation_scores_ is None and clf.validation_indices_ is None


def test_without_lip_the_head_is_the_trained_layer_and_no_rows_are_read(
    four_class_task, monkeypatch
):
    from sklearn_lip.neural import _classifier

    def no_pass(*args):
        raise AssertionError("k=None read the head's inputs")

    monkeypatch.setattr(_classifier, "head_inputs", no_pass)
    X, y = four_class_task
    clf = LIPClassifier(**{**FIXED, "k": None}).fit(X, y)
    np.testing.assert_array_equal(clf.coef_, clf.raw_coef_)
    np.testing.assert_array_equal(clf.intercept_, clf.raw_intercept_)
    W = np.vstack([clf.raw_coef_.T, clf.raw_intercept_]).astype(np.float64)
    np.testing.assert_allclose(clf.singular_values_, np.linalg.svd(W, compute_uv=False), rtol=1e-6)
    assert clf.k_ is None and clf.validation_scores_ is None


@pytest.mark.parametrize("params", [FAST, FIXED], ids=["early_stopping", "fixed_epochs"])
def test_auto_k_validates_on_held_out_rows_and_keeps_the_final_network(four_class_task, params):
    X, y = four_class_task
    fixed = LIPClassifier(**params).fit(X, y)
    auto = LIPClassifier(**{**params, "k": "auto"}).fit(X, y)
    # The final network is the same whatever k is: with early stopping its held-out rows
    # validate k; without, k="auto" trains an extra network for validation.
    np.testing.assert_array_equal(auto.raw_coef_, fixed.raw_coef_)
    assert set(auto.validation_scores_) >= {"unchanged", 1, 2, 3}
    assert auto.validation_z_ is not None
    assert auto.validation_threshold_ == pytest.approx(
        norm.isf(0.05 / (len(auto.validation_scores_) - 1))
    )
    if auto.k_ is None:
        np.testing.assert_array_equal(auto.coef_, auto.raw_coef_)


def test_labels_are_encoded_and_pandas_input_is_accepted(four_class_task):
    X, y = four_class_task
    names = np.array(["ant", "bee", "cat", "dog"])
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = LIPClassifier(**FIXED).fit(frame, pd.Series(names[y]))
    assert list(clf.classes_) == list(names)
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert clf.n_features_in_ == X.shape[1]
    assert set(clf.predict(frame)) <= set(names)
    assert clf.score(frame, names[y]) > 0.7
    # float64 and float32 input give the same model (X is cast to float32).
    as_float32 = LIPClassifier(**FIXED).fit(X.astype(np.float32), names[y])
    np.testing.assert_array_equal(as_float32.predict_proba(X), clf.predict_proba(frame))


def test_classes_parameter_adds_outputs_and_rejects_unknown_labels(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(classes=[3, 2, 1, 0, 9], **FIXED).fit(X, y)
    assert list(clf.classes_) == [3, 2, 1, 0, 9]
    assert clf.predict_proba(X).shape == (len(X), 5)
    assert clf.score(X, y) > 0.7
    with pytest.raises(ValueError, match=r"not in classes: \[3\]"):
        LIPClassifier(classes=[0, 1, 2], **FIXED).fit(X, y)


def test_fixed_random_state_is_reproducible_and_leaves_global_rngs_alone(four_class_task):
    X, y = four_class_task
    np.random.seed(1)
    torch.manual_seed(1)
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()
    first = LIPClassifier(**FAST).fit(X, y).predict_proba(X)
    second = LIPClassifier(**FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    other = LIPClassifier(**{**FAST, "random_state": 1}).fit(X, y).predict_proba(X)
    assert not np.allclose(first, other)


def test_fits_in_threads_match_sequential_fits_and_leave_torch_rng_alone(four_class_task):
    X, y = four_class_task
    seeds = [0, 0, 1, 1]
    sequential = [LIPClassifier(**{**FAST, "random_state": s}).fit(X, y) for s in seeds]
    torch.manual_seed(5)
    torch_state = torch.get_rng_state()
    with ThreadPoolExecutor(4) as pool:
        threaded = list(
            pool.map(lambda s: LIPClassifier(**{**FAST, "random_state": s}).fit(X, y), seeds)
        )
    assert torch.equal(torch.get_rng_state(), torch_state)
    for alone, together in zip(sequential, threaded, strict=True):
        np.testing.assert_array_equal(alone.predict_proba(X), together.predict_proba(X))


@pytest.mark.parametrize(
    "criterion, params",
    [
        ("ce", None),
        ("label_smoothing", {"smoothing": 0.2}),
        ("gce", {"q": 0.5}),
        ("sce", {"alpha": 0.5, "beta": 0.5}),
        ("forward", None),
    ],
)
def test_every_noisy_label_criterion_trains(four_class_task, criterion, params):
    X, y = four_class_task
    params = {f"criterion__{name}": value for name, value in (params or {}).items()}
    clf = LIPClassifier(criterion=criterion, **params, **FIXED).fit(X, y)
    assert clf.criterion_ == criterion
    assert clf.score(X, y) > 0.7
    if criterion == "forward":
        T = clf.transition_matrix_
        assert T.shape == (4, 4)
        np.testing.assert_allclose(T.sum(axis=1), 1)
        assert np.all(np.diag(T) > 0.5)  # clean labels: mostly on the diagonal


def test_forward_uses_a_given_transition_matrix(four_class_task):
    X, y = four_class_task
    T = np.full((4, 4), 0.1) + 0.6 * np.eye(4)
    clf = LIPClassifier(criterion="forward", criterion__transition_matrix=T)
    clf.set_params(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.transition_matrix_, T)
    assert type(clf.net_.criterion_).__name__ == "ForwardCorrectedCrossEntropy"


def test_criterion_errors(four_class_task):
    X, y = four_class_task
    with pytest.raises(ValueError, match="needs y as a 2-D candidate matrix"):
        LIPClassifier(criterion="cc", **FAST).fit(X, y)
    with pytest.raises(
        ValueError, match=r"criterion parameters \['p'\] do not fit GeneralizedCrossEntropy"
    ):
        LIPClassifier(criterion="gce", criterion__p=1, **FAST).fit(X, y)


def test_sample_weight_equals_repeating_rows(four_class_task):
    # One full batch per epoch and no hold-out split: weights and repetitions give the same
    # loss, so the same network up to float32 rounding.
    X, y = four_class_task[0][:60], four_class_task[1][:60]
    weight = np.random.RandomState(0).randint(0, 3, size=len(y))
    params = {**FIXED, "k": 2, "batch_size": 512}
    weighted = LIPClassifier(**params).fit(X, y, sample_weight=weight)
    repeated = LIPClassifier(**params).fit(np.repeat(X, weight, 0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)
    unweighted = LIPClassifier(**params).fit(X, y)
    assert not np.allclose(weighted.predict_proba(X), unweighted.predict_proba(X), atol=1e-2)


def test_module_choices(four_class_task):
    X, y = four_class_task
    linear = LIPClassifier(module="linear", **FIXED).fit(X, y)
    assert linear.coef_.shape == (4, X.shape[1])
    assert linear.score(X, y) > 0.5
    with pytest.raises(ValueError, match=r"module__ parameters \['module__width'\] are for a user"):
        LIPClassifier(module="mlp", module__width=3, **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="hidden_units must be positive"):
        LIPClassifier(**{**FIXED, "hidden_units": (4, 0)}).fit(X, y)


class Tower(torch.nn.Module):
    """A user module whose head is a nested layer."""

    def __init__(self, n_features, n_classes, width=8, detour=False):
        super().__init__()
        self.detour = detour
        self.classifier = torch.nn.Sequential(
            torch.nn.Linear(n_features, width), torch.nn.Tanh(), torch.nn.Linear(width, n_classes)
        )

    def forward(self, X):
        logits = self.classifier(X)
        return 2 * logits if self.detour else logits


def test_user_module_with_a_named_head(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(module=Tower, module__width=12, head="classifier.2", **FIXED).fit(X, y)
    assert clf.coef_.shape == (4, 12)
    assert clf.score(X, y) > 0.5
    with pytest.raises(ValueError, match="no submodule head='head'"):
        LIPClassifier(module=Tower, **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="must be an nn.Linear layer with 4 outputs"):
        LIPClassifier(module=Tower, head="classifier.0", **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="must be the output of its head"):
        LIPClassifier(module=Tower, module__detour=True, head="classifier.2", **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="torch.nn.Module subclass"):
        LIPClassifier(module=dict, **FIXED).fit(X, y)


class OwnSizes(torch.nn.Module):
    """A skorch-style user module: it names its sizes its own way, and knows no n_features."""

    def __init__(self, in_dim, hidden=16, out=4):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(in_dim, hidden), torch.nn.ReLU())
        self.head = torch.nn.Linear(hidden, out)

    def forward(self, X):
        return self.head(self.body(X))


class LazyInput(torch.nn.Module):
    """A module that learns the number of features from the first batch, and names n_classes."""

    def __init__(self, n_classes, hidden=16):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.LazyLinear(hidden), torch.nn.ReLU())
        self.head = torch.nn.Linear(hidden, n_classes)

    def forward(self, X):
        return self.head(self.body(X))


def test_a_user_module_receives_only_the_sizes_it_names(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(module=OwnSizes, module__in_dim=X.shape[1], module__hidden=8, **FIXED)
    assert clf.fit(X, y).coef_.shape == (4, 8)
    lazy = LIPClassifier(module=LazyInput, **FIXED).fit(X, y)
    assert lazy.coef_.shape == (4, 16)
    with pytest.raises(ValueError, match=r"module__n_classes=3, but the data has n_classes=4"):
        LIPClassifier(module=Tower, module__n_classes=3, head="classifier.2", **FIXED).fit(X, y)
    # both fail before any training (the module is built once to check it)
    with pytest.raises(ValueError, match="must be an nn.Linear layer with 4 outputs"):
        LIPClassifier(module=OwnSizes, module__in_dim=X.shape[1], module__out=3, **FIXED).fit(X, y)
    with pytest.raises(ValueError, match=r"could not build the module OwnSizes .*\[\]: .*in_dim"):
        LIPClassifier(module=OwnSizes, **FIXED).fit(X, y)


# --- noise-robust training by default -----------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_task():
    """A task a network memorises: 40% of the training labels flipped, clean test labels."""
    X, y = make_classification(
        n_samples=900,
        n_features=20,
        n_informative=10,
        n_classes=4,
        class_sep=1.5,
        random_state=1,
    )
    X = StandardScaler().fit_transform(X)
    rng = np.random.RandomState(0)
    flip = rng.rand(600) < 0.4
    y_noisy = y[:600].copy()
    y_noisy[flip] = (y_noisy[flip] + rng.randint(1, 4, flip.sum())) % 4
    return X[:600], y_noisy, X[600:], y[600:]


def test_default_stops_early_on_noisy_held_out_rows_instead_of_memorising(noisy_task):
    X, y_noisy, X_test, y_test = noisy_task
    params = dict(hidden_units=(128,), lr=0.01, max_epochs=60, k=None, random_state=0)
    default = LIPClassifier(**params).fit(X, y_noisy)
    memorising = LIPClassifier(early_stopping=False, **params).fit(X, y_noisy)
    assert memorising.score(X, y_noisy) > 0.95  # it fits the noise
    assert default.score(X_test, y_test) > memorising.score(X_test, y_test) + 0.1
    assert default.stop_reason_ == "patience"
    # The early-stopped network ran `patience` epochs past its best; the refit stops there.
    assert len(default.validation_curve_["epoch"]) == default.best_epoch_ + 10
    assert default.n_iter_ == default.best_epoch_


@pytest.mark.parametrize("seed", [0, 1])
def test_defaults_survive_40_percent_symmetric_noise_on_digits(seed):
    # The acceptance setting (benchmarks/bench_neural.py part 1 measures 3 seeds):
    # 70/30 split, standardized, SymmetricNoise(0.4) on the training labels.
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    scaler = StandardScaler().fit(X_train)
    _, y_noisy = SymmetricNoise(0.4, random_state=seed).fit_resample(X_train, y_train)
    clf = LIPClassifier(random_state=seed).fit(scaler.transform(X_train), y_noisy)
    assert clf.score(scaler.transform(X_test), y_test) >= 0.88


def test_early_stopping_records_the_held_out_curve_and_rows(four_class_task):
    X, y = four_class_task
    params = {**FAST, "max_epochs": 200, "n_iter_no_change": 3, "refit": False}
    clf = LIPClassifier(**params).fit(X, y)
    held_out = clf.validation_indices_
    assert len(held_out) == 60 and len(set(held_out)) == 60
    np.testing.assert_array_equal(np.bincount(y[held_out]), np.bincount(y) // 5)  # stratified
    curve = clf.validation_curve_
    assert set(curve) == {"epoch", "train_loss", "valid_loss", "valid_acc"}
    assert all(len(values) == clf.n_iter_ for values in curve.values())
    # The best epoch has the highest held-out accuracy, the lowest loss among ties.
    best = clf.best_epoch_ - 1
    ties = np.flatnonzero(curve["valid_acc"] == curve["valid_acc"].max())
    assert best == ties[np.argmin(curve["valid_loss"][ties])]
    # The network predicts as it did at its best epoch: its held-out accuracy is the recorded one.
    held_out_acc = np.mean(clf.net_.predict(X[held_out].astype(np.float32)) == y[held_out])
    assert held_out_acc == pytest.approx(curve["valid_acc"][best])
    assert clf.stop_reason_ == "patience" and clf.n_iter_ < 200


def test_refit_trains_on_every_row_for_the_chosen_number_of_epochs(four_class_task):
    X, y = four_class_task
    params = {**FAST, "k": "auto", "validation": "holdout"}
    kept = LIPClassifier(refit=False, **params).fit(X, y)
    refit = LIPClassifier(**params).fit(X, y)  # refit=True is the default
    assert refit.best_epoch_ == kept.best_epoch_  # the same early-stopped network chose it
    assert refit.n_iter_ == refit.best_epoch_
    np.testing.assert_array_equal(refit.validation_indices_, kept.validation_indices_)
    assert not np.allclose(refit.raw_coef_, kept.raw_coef_)
    assert refit.validation_scores_ is not None


def test_small_tables_choose_the_epoch_on_cross_validated_curves(four_class_task):
    X, y = four_class_task  # 300 rows: a 20% hold-out would have 60
    params = {**FAST, "k": "auto", "max_epochs": 200, "n_iter_no_change": 3}
    clf = LIPClassifier(**params).fit(X, y)
    assert clf.epoch_rule_ == "cv"
    assert "60 rows, fewer than 120" in clf.epoch_rule_reason_
    assert clf.validation_indices_ is None  # every row was held out once
    curve = clf.validation_curve_
    assert set(curve) == {"epoch", "train_loss", "valid_loss", "valid_acc"}
    n_epochs = len(curve["epoch"])
    assert clf.stop_reason_ == "patience" and n_epochs < 200
    best = clf.best_epoch_ - 1
    assert n_epochs == clf.best_epoch_ + 3  # patience 3 on the mean curve
    ties = np.flatnonzero(curve["valid_acc"] == curve["valid_acc"].max())
    assert best == ties[np.argmin(curve["valid_loss"][ties])]
    assert clf.n_iter_ == clf.best_epoch_  # refitted on every row for the chosen epochs
    assert clf.validation_scores_ is not None  # the fold networks validated k


def test_cross_validated_curves_pool_every_row_at_the_fold_networks_best_epoch(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(validation=3, **{**FAST, "max_epochs": 30, "n_iter_no_change": 5})
    clf.classes_ = np.unique(y)
    trainer = clf._trainer()
    task = clf._task(trainer, X.astype(np.float32), y, None, np.ones(len(y)), 4, 0, 0)
    training = trainer.fit_network(task, np.arange(len(y)), "final network")
    held_out = np.concatenate([test for _, _, test in training.validations])
    np.testing.assert_array_equal(np.sort(held_out), np.arange(len(y)))  # each row once
    right = 0
    for net, train, test in training.validations:
        assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(y)
        right += np.sum(net.predict(X[test].astype(np.float32)) == y[test])
    # The fold networks hold their weights of the chosen epoch: they score its mean accuracy.
    assert right / len(y) == pytest.approx(training.curve["valid_acc"][training.best_epoch - 1])
    assert len(training.net.history) == training.best_epoch


def test_tables_with_enough_rows_keep_one_hold_out():
    X, y = make_classification(
        n_samples=600, n_features=6, n_classes=4, n_informative=4, random_state=0
    )
    clf = LIPClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    assert clf.epoch_rule_ == "holdout" and len(clf.validation_indices_) == 120
    assert clf.epoch_rule_reason_ == "validation='auto': 120 rows held out"
    kept = LIPClassifier(refit=False, **{**FAST, "max_epochs": 2}).fit(X[:300], y[:300])
    assert kept.epoch_rule_ == "holdout"  # only a refitted network can use a cv epoch
    fixed = LIPClassifier(**FIXED).fit(X, y)
    assert (fixed.epoch_rule_, fixed.epoch_rule_reason_) == ("max_epochs", "early_stopping=False")


def test_cross_validated_curves_need_refit(four_class_task):
    X, y = four_class_task
    with pytest.raises(
        ValueError, match="LIPClassifier: validation=3 chooses the epoch .* set refit=True"
    ):
        LIPClassifier(validation=3, refit=False, **FAST).fit(X, y)


def test_a_user_callback_stops_the_fold_networks_with_its_own_copy(four_class_task):
    X, y = four_class_task
    stop = EarlyStopping(monitor="train_loss", patience=1, threshold=10.0)  # stops at epoch 2
    clf = LIPClassifier(callbacks=[stop], **{**FAST, "max_epochs": 50}).fit(X, y)
    assert clf.epoch_rule_ == "cv" and clf.stop_reason_ == "stopped by a callback"
    # One epoch recorded: each fold network's copy stopped at its own epoch 2. One shared
    # callback would have stopped the second fold network in epoch 1 (a worse loss than the
    # first's), before any mean could be taken.
    assert clf.best_epoch_ == 1 and len(clf.validation_curve_["epoch"]) == 1


def test_too_few_rows_to_hold_out_fall_back_to_every_row_with_a_warning():
    X = np.arange(14, dtype=float).reshape(7, 2)
    y = np.array([0, 0, 0, 1, 1, 1, 2])
    with pytest.warns(EarlyStoppingSkippedWarning, match="at least 2 rows of every class"):
        clf = LIPClassifier(**{**FAST, "k": "auto"}).fit(X, y)
    assert clf.stop_reason_ == "too few rows to hold out" and clf.n_iter_ == 20
    assert clf.validation_indices_ is None and clf.best_epoch_ is None
    assert clf.k_ is None  # nothing held out to validate k: the head is left unchanged
    np.testing.assert_array_equal(clf.coef_, clf.raw_coef_)


def test_verbose_names_the_network_of_every_epoch_table(four_class_task, capsys):
    X, y = four_class_task
    LIPClassifier(verbose=1, validation="holdout", **{**FAST, "max_epochs": 3}).fit(X, y)
    out = capsys.readouterr().out
    early = out.index("[LIPClassifier] early-stopped network: 240 rows, 60 held out")
    final = out.index("[LIPClassifier] final network, refitted: all 300 rows")
    assert early < out.index("valid_acc") < final
    assert out.count("train_loss") == 2  # one table per network
    LIPClassifier(verbose=1, criterion="forward", **{**FIXED, "max_epochs": 2}).fit(X, y)
    out = capsys.readouterr().out
    for name in ("transition-matrix network, fold 1/2", "transition-matrix network, fold 2/2"):
        assert f"[LIPClassifier] {name}: 150 rows, 2 epochs" in out
    assert "[LIPClassifier] final network: 300 rows, 2 epochs" in out
    LIPClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    assert capsys.readouterr().out == ""


# --- skorch conventions -----------------------------------------------------------------------


def test_skorch_style_parameters_are_parameters(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(
        module=Tower,
        module__width=12,
        head="classifier.2",
        optimizer=torch.optim.SGD,
        optimizer__momentum=0.9,
        **FAST,
    )
    assert clf.get_params()["module__width"] == 12
    assert clone(clf).get_params()["optimizer__momentum"] == 0.9
    clf.fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)
    assert clf.net_.optimizer_.defaults["momentum"] == 0.9
    assert clf.net_.module_.classifier[0].out_features == 12
    # set_params accepts new ones, as skorch does.
    fresh = LIPClassifier(**FAST).set_params(iterator_train__drop_last=True, lr=0.02)
    assert fresh.get_params()["iterator_train__drop_last"] is True and fresh.lr == 0.02
    misspelt = clone(LIPClassifier(widht=3, **FAST))  # kept by clone, refused by fit
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['widht'\]"):
        misspelt.fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter"):
        LIPClassifier().set_params(widht=3)


@pytest.mark.parametrize(
    "criterion, params, name",
    [
        (torch.nn.CrossEntropyLoss, {}, "CrossEntropyLoss"),
        (torch.nn.CrossEntropyLoss(label_smoothing=0.1), {}, "CrossEntropyLoss"),
        (torch.nn.NLLLoss, {}, "NLLLoss"),
        (GeneralizedCrossEntropy, {"criterion__q": 0.5}, "gce"),
        (SymmetricCrossEntropy(alpha=0.5), {}, "sce"),
    ],
)
def test_criterion_as_a_loss_class_or_instance(four_class_task, criterion, params, name):
    X, y = four_class_task
    clf = LIPClassifier(criterion=criterion, **params, **FIXED).fit(X, y)
    assert clf.criterion_ == name
    assert clf.score(X, y) > 0.7
    cloned = clone(clf).criterion  # clone deep-copies an instance, keeps a class
    assert cloned is criterion if isinstance(criterion, type) else type(cloned) is type(criterion)


def test_torch_loss_takes_sample_weight_like_repeated_rows(four_class_task):
    X, y = four_class_task[0][:60], four_class_task[1][:60]
    weight = np.random.RandomState(0).randint(0, 3, size=len(y))
    params = {**FIXED, "k": 2, "batch_size": 512, "criterion": torch.nn.CrossEntropyLoss}
    weighted = LIPClassifier(**params).fit(X, y, sample_weight=weight)
    repeated = LIPClassifier(**params).fit(np.repeat(X, weight, 0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-4)


def test_criterion_errors_for_classes_and_instances(four_class_task):
    X, y = four_class_task
    with pytest.raises(ValueError, match="need criterion as a class"):
        LIPClassifier(criterion=torch.nn.CrossEntropyLoss(), criterion__weight=None).fit(X, y)
    with pytest.raises(ValueError, match="'cc' is a partial-label loss"):
        LIPClassifier(criterion=ClassifierConsistentLoss, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight needs a criterion that accepts it"):
        LIPClassifier(criterion=TotalOnly, **FIXED).fit(X, y, sample_weight=np.arange(len(y)))


class TotalOnly(torch.nn.Module):
    """A loss without a per-row mode."""

    def forward(self, input, target):
        return torch.nn.functional.cross_entropy(input, target)


def test_callbacks_and_their_parameters_reach_skorch(four_class_task):
    X, y = four_class_task
    stop = ("stop", EarlyStopping(monitor="train_loss", patience=100))
    clf = LIPClassifier(callbacks=[stop], callbacks__stop__patience=1, validation="holdout", **FAST)
    clf.set_params(max_epochs=200, n_iter_no_change=200).fit(X, y)
    assert clf.n_iter_ < 200  # the user's callback, with patience 1, ended training
    assert clf.stop_reason_ == "stopped by a callback"  # not the package's own monitor


def test_a_callback_that_needs_a_validation_split_fails_before_training(
    four_class_task, monkeypatch
):
    X, y = four_class_task
    # The early-stopped network has one, so skorch's EarlyStopping works without a refit.
    LIPClassifier(callbacks=[EarlyStopping(patience=2)], refit=False, **FAST).fit(X, y)
    trained = []
    monkeypatch.setattr(Trainer, "train", lambda *args, **kwargs: trained.append(1))
    for params, network in (
        ({"early_stopping": False}, "early_stopping=False"),
        ({"refit": True}, r"refitted on every row \(refit=True\)"),
        ({"refit": False, "criterion": "forward"}, "estimate the transition matrix"),
    ):
        with pytest.raises(ValueError, match=f"monitor a validation score, but .*{network}"):
            stop = ("stop", EarlyStopping(patience=2))
            LIPClassifier(callbacks=[stop], **{**FAST, **params}).fit(X, y)
    assert not trained


class _CtrlC(Callback):
    """Sends this process a SIGINT, as a Ctrl-C does, at the end of epoch ``at``."""

    def __init__(self, at=2):
        self.at = at

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("validation", ["holdout", "auto"])  # auto: 300 rows, 3-fold curves
def test_ctrl_c_stops_the_whole_fit(four_class_task, monkeypatch, validation):
    X, y = four_class_task
    trained, original = [], Trainer.train

    def counting_train(self, *args, **kwargs):
        trained.append(args[2] if len(args) > 2 else "")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "train", counting_train)
    # Python's own handler, as in an interactive session: a process started in the background
    # (as CI may start this one) ignores SIGINT, and then so does the fit (the next test)
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        clf = LIPClassifier(callbacks=[_CtrlC()], validation=validation, **FAST)
        with pytest.raises(KeyboardInterrupt, match="interrupted during the"):
            clf.fit(X, y)
        assert not any("refitted" in str(description) for description in trained)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert not hasattr(clf, "net_")
    finally:
        signal.signal(signal.SIGINT, handler)


def test_an_ignored_ctrl_c_stays_ignored(four_class_task):
    X, y = four_class_task
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        clf = LIPClassifier(callbacks=[_CtrlC()], validation="holdout", **FAST).fit(X, y)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, handler)
    assert hasattr(clf, "net_") and clf.stop_reason_ != "stopped by a callback"


def test_a_callback_stopping_training_the_skorch_way_is_not_an_interrupt(four_class_task):
    class StopAtTwo(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    X, y = four_class_task
    clf = LIPClassifier(callbacks=[StopAtTwo()], validation="holdout", refit=False, **FAST)
    clf.fit(X, y)
    assert clf.stop_reason_ == "stopped by a callback" and clf.n_iter_ == 2


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_cuda_without_cuda_fails_at_the_start_of_fit(four_class_task, monkeypatch):
    X, y = four_class_task
    trained = []
    monkeypatch.setattr(Trainer, "train", lambda *args, **kwargs: trained.append(1))
    with pytest.raises(ValueError, match="device='cuda' is not available to torch here"):
        LIPClassifier(device="cuda", criterion="forward", **FAST).fit(X, y)
    assert not trained


@pytest.mark.parametrize("k", [4, [4, 7]])
def test_a_k_no_head_can_use_fails_before_training(four_class_task, monkeypatch, k):
    X, y = four_class_task  # 4 classes: the head has 4 columns, rank(W) <= 4
    trained = []
    monkeypatch.setattr(Trainer, "train", lambda *args, **kwargs: trained.append(1))
    with pytest.raises(ValueError, match=re.escape(f"LIPClassifier: k={k!r} can never be")):
        LIPClassifier(**{**FAST, "k": k}).fit(X, y)
    assert not trained


def test_clone_pickle_and_grid_search(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert not hasattr(clone(clf), "net_")
    grid = GridSearchCV(
        LIPClassifier(**FAST),
        {"hidden_units": [(8,), (16,)], "lr": [0.01], "k": [1, 2], "criterion": ["ce", "gce"]},
        cv=2,
    ).fit(X[:120], y[:120])
    assert set(grid.best_params_) == {"hidden_units", "lr", "k", "criterion"}
    assert grid.best_estimator_.criterion_ == grid.best_params_["criterion"]
    # skorch-style names, new ones too, as a skorch user would search them.
    grid = GridSearchCV(
        LIPClassifier(module=Tower, head="classifier.2", optimizer=torch.optim.SGD, **FAST),
        {"module__width": [4, 8], "optimizer__momentum": [0.0, 0.9]},
        cv=2,
    ).fit(X[:120], y[:120])
    best = grid.best_estimator_
    assert best.net_.module_.classifier[0].out_features == grid.best_params_["module__width"]
    assert best.net_.optimizer_.defaults["momentum"] == grid.best_params_["optimizer__momentum"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_device(four_class_task):
    X, y = four_class_task
    clf = LIPClassifier(device="cuda", **FAST).fit(X, y)
    assert clf.score(X, y) > 0.7
    assert next(clf.net_.module_.parameters()).is_cuda


def test_lap_modes_and_the_doctest_data():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for lap in ("paper", "scaled", "log"):
        clf = LIPClassifier(lap=lap, **{**FAST, "k": 1}).fit(X, y)
        assert clf.lap_ == lap
        np.testing.assert_allclose(clf.refined_singular_values_[:1], clf.singular_values_[:1])


def test_cleaning_folds_reuse_the_networks_chosen_epochs(four_class_task):
    """Around an early-stopped network, the fold networks train its chosen number of epochs.

    They neither hold out rows of their own nor validate LIP (``k=None``), and a declined
    cleaning keeps the plain network fitted first, so no network is trained twice.
    """
    X, y = four_class_task
    y_noisy = SymmetricNoise(0.2, random_state=0).fit_resample(X, y)[1]
    network = LIPClassifier(**FAST)
    clf = CleanLabelClassifier(network, clean=False, cv=2, random_state=0).fit(X, y_noisy)
    plain = clone(network).fit(X, y_noisy)
    assert plain.epoch_rule_ == "cv" and plain.best_epoch_ < FAST["max_epochs"]
    assert clf.fold_params_ == {"early_stopping": False, "max_epochs": plain.best_epoch_, "k": None}
    assert not clf.cleaned_ and clf.estimator_.best_epoch_ == plain.best_epoch_
    np.testing.assert_array_equal(clf.predict_proba(X), plain.predict_proba(X))
