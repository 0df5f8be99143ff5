"""How LIPClassifier trains its networks: hold-outs, early stopping, refits and k validation.

:class:`Trainer` holds the training parameters of one ``fit`` and trains every network of it on
a :class:`Task`: the network predictions come from (its epoch chosen on held-out noisy rows,
then refitted on every row), the 2-fold networks that estimate a transition matrix, and the
network that validates ``k="auto"`` when nothing was held out. The epoch is chosen on one
stratified hold-out, or on small tables from cross-validated curves (:data:`SMALL_HOLDOUT`).
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import signal
import threading
import warnings
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit
from skorch.callbacks import Callback, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from .._head import Fold
from ..cleaning._confident import estimate_noise_matrix
from ._head_layer import head_inputs, head_layer, head_weights
from ._modules import module_and_params
from ._net import Net, own_torch_rng, softmax

__all__ = [
    "AUTO_FOLDS",
    "SMALL_HOLDOUT",
    "EarlyStoppingSkippedWarning",
    "HeldOutMonitor",
    "Task",
    "Trainer",
    "Training",
    "ctrl_c_recorded",
    "holdout",
]

#: ``validation="auto"`` ranks epochs on cross-validated curves when a hold-out would have fewer
#: rows than this (tables under 600 rows at ``validation_fraction=0.2``): on so few noisy rows
#: one hold-out's curve is too noisy to pick an epoch (the user guide's small-tables benchmark).
SMALL_HOLDOUT = 120

#: Number of folds of the cross-validated curves that ``validation="auto"`` uses.
AUTO_FOLDS = 3

#: The per-epoch columns of a validation curve.
CURVE_KEYS = ("train_loss", "valid_loss", "valid_acc")


class EarlyStoppingSkippedWarning(UserWarning):
    """Warning raised when too few rows can be held out for early stopping.

    Holding out a stratified slice needs at least 2 rows in every class (and enough rows for
    ``validation_fraction`` to contain one per class); otherwise the network trains on every
    row for ``max_epochs`` epochs, which can memorise noisy labels.
    """


@contextmanager
def ctrl_c_recorded(event):
    """Set ``event`` on a Ctrl-C (SIGINT) while training, then let it interrupt as usual.

    skorch ends training on any ``KeyboardInterrupt``, which is also how its callbacks stop a
    network, and its ``fit`` then returns normally; ``event`` tells a Ctrl-C apart, so that
    :class:`Trainer` stops the whole fit rather than going on to the next network. Signals
    reach only the main thread; elsewhere nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def record(signum, frame):
        if previous is signal.SIG_IGN:
            return
        event.set()
        if callable(previous):
            previous(signum, frame)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, record)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _reads_validation(callback):
    """Whether a skorch callback monitors a validation score (``monitor="valid_..."``)."""
    callback = callback[1] if isinstance(callback, tuple) else callback
    monitor = getattr(callback, "monitor", None)
    return isinstance(monitor, str) and monitor.startswith("valid")


@dataclass
class Task:
    """What every network of one ``fit`` trains on; rows are selected by index."""

    X: np.ndarray  # float32 features
    target: np.ndarray  # what the loss reads per row (labels, candidate rows or row indices)
    weight: np.ndarray  # sample weights, ones when none were given
    strata: np.ndarray  # labels for stratified splits; None for candidate sets
    hits: np.ndarray  # (n_samples, n_classes) bool: the predictions that count as right
    n_classes: int
    make_loss: object  # callable returning a fresh criterion
    net_seed: int  # torch seed of every network
    split_seed: int  # seed of every hold-out split

    def net_data(self, rows):
        """``(X, y)`` for skorch: the rows' features and ``{"target", "weight"}``, mean weight 1."""
        weight = self.weight[rows]
        total = weight.sum()
        return self.X[rows], {
            "target": self.target[rows],
            "weight": (weight * (len(weight) / total if total > 0 else 0.0)).astype(np.float32),
        }


@dataclass
class Training:
    """One network trained under the early-stopping policy, and what decided its length."""

    net: object  # the network predictions come from
    rows: np.ndarray  # the rows that trained it
    rule: str  # how the epoch was chosen: "holdout", "cv" or "max_epochs"
    rule_reason: str  # why that rule
    stop_reason: str
    best_epoch: int = None  # None when nothing was held out
    held_out: np.ndarray = None  # the rows of the one hold-out ("holdout" rule)
    # (network, its training rows, its held-out rows) of every validation split, each network
    # at the chosen epoch: the hold-out's (``net`` itself unless refit), or one per fold
    validations: list = ()
    curve: dict = None  # per epoch: "epoch" and CURVE_KEYS (means over the folds for "cv")


def holdout(rows, strata, fraction, seed):
    """Split ``rows`` into (kept, held-out), stratified when ``strata`` is given.

    Returns None when the rows are too few (or a class too small) to hold any out.
    """
    splitter_class = ShuffleSplit if strata is None else StratifiedShuffleSplit
    splitter = splitter_class(n_splits=1, test_size=fraction, random_state=seed)
    try:
        kept, held_out = next(splitter.split(rows, None if strata is None else strata[rows]))
    except ValueError:  # scikit-learn's message: a class has 1 row, or test/train too small
        return None
    return rows[kept], rows[held_out]


class HeldOutMonitor(Callback):
    """Scores every epoch on held-out rows and stops when they stop improving.

    Records ``valid_acc`` (weighted accuracy against the held-out rows' *noisy* labels, or
    membership in their candidate sets) in the history beside skorch's ``valid_loss``, from
    the predictions of skorch's own validation pass (its batches follow the rows' order). An
    epoch is better when its accuracy is higher, or equal with a lower loss; training stops
    after ``patience`` epochs without a better one (skorch's ``KeyboardInterrupt``
    convention), and with ``restore_best`` the best epoch's weights are loaded at the end of
    training.
    """

    def __init__(self, hits, weight, patience, restore_best):
        self.hits = hits
        self.weight = weight
        self.patience = patience
        self.restore_best = restore_best

    def on_train_begin(self, net, **kwargs):
        self.best_key_, self.best_epoch_, self.best_state_ = None, None, None
        self.misses_, self.stopped_ = 0, False

    def on_epoch_begin(self, net, **kwargs):
        self.predicted_ = []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training:
            self.predicted_.append(y_pred.argmax(dim=1).cpu().numpy())

    def on_epoch_end(self, net, **kwargs):
        predicted = np.concatenate(self.predicted_)
        right = self.hits[np.arange(len(predicted)), predicted]
        accuracy = float(np.average(right, weights=self.weight))
        net.history.record("valid_acc", accuracy)
        key = (accuracy, -float(net.history[-1, "valid_loss"]))
        if self.best_key_ is None or key > self.best_key_:
            self.best_key_, self.best_epoch_, self.misses_ = key, len(net.history), 0
            net.history.record("valid_acc_best", True)
            if self.restore_best:
                self.best_state_ = deepcopy(net.module_.state_dict())
            return
        self.misses_ += 1
        if self.patience is not None and self.misses_ >= self.patience:
            self.stopped_ = True
            raise KeyboardInterrupt  # how skorch callbacks end training

    def on_train_end(self, net, **kwargs):
        if self.best_state_ is not None and self.best_epoch_ != len(net.history):
            net.module_.load_state_dict(self.best_state_)
        self.best_state_ = None  # a copy of the weights the network now holds, or stale


@dataclass
class Trainer:
    """The training parameters of one ``LIPClassifier.fit``, and the networks trained with them.

    The fields are the estimator's parameters of the same names (``patience`` is
    ``n_iter_no_change``); ``module_params`` are its ``module__*`` parameters and
    ``net_params`` its other skorch-style ones, passed to every skorch net unchanged.
    """

    module: object
    hidden_units: object
    module_params: dict
    net_params: dict
    callbacks: list
    optimizer: type
    lr: float
    max_epochs: int
    batch_size: int
    early_stopping: bool
    validation: object
    refit: bool
    validation_fraction: float
    patience: int
    device: str
    verbose: int
    interrupted: threading.Event = field(default_factory=threading.Event)

    def check_callbacks(self, estimates_transition):
        """Fail before any training if a callback monitors a validation score it will lack.

        Networks trained on every row (refitted, without early stopping, or estimating the
        transition matrix) have no validation split.
        """
        reading = [callback for callback in self.callbacks or [] if _reads_validation(callback)]
        if not reading:
            return
        if not self.early_stopping or self.refit or estimates_transition:
            network = (
                "the networks of early_stopping=False"
                if not self.early_stopping
                else "the 2-fold networks that estimate the transition matrix"
                if estimates_transition
                else "the network refitted on every row (refit=True)"
            )
            names = [type(c[1] if isinstance(c, tuple) else c).__name__ for c in reading]
            raise ValueError(
                f"LIPClassifier: callbacks {names} monitor a validation score, but "
                f"{network} have no held-out rows. Set early_stopping=True and refit=False, "
                "so that they run on the early-stopped network and its hold-out, or remove "
                "them."
            )

    def check_module(self, n_features, n_classes, head, seed):
        """Fail before any training if the module cannot be built or lacks its ``head``.

        The module is built once, as skorch will build it, under its own seed (torch's
        global random state is restored afterwards) and then discarded.
        """
        module, params = module_and_params(
            self.module, self.hidden_units, self.module_params, n_features, n_classes
        )
        arguments = {name.removeprefix("module__"): value for name, value in params.items()}
        with own_torch_rng(seed):
            try:
                built = module(**arguments)
            except TypeError as exc:
                raise ValueError(
                    f"LIPClassifier could not build the module {module.__name__} with the "
                    f"arguments {sorted(arguments)}: {exc}. It receives its module__* "
                    "parameters, and n_features and n_classes where its __init__ names them."
                ) from exc
        head_layer(built, head, n_classes)

    def _stop_if_interrupted(self, description):
        """Raise ``KeyboardInterrupt`` after a Ctrl-C that skorch turned into a quiet stop."""
        if self.interrupted.is_set():
            raise KeyboardInterrupt(f"LIPClassifier.fit interrupted during the {description}")

    def build(
        self, task, *, held_out=None, patience=None, restore_best=False, epochs=None, copy=False
    ):
        """An untrained skorch net for ``task``; ``held_out`` rows become its validation split.

        With ``held_out``, a :class:`HeldOutMonitor` (the net's ``monitor_`` callback) records
        the held-out accuracy and stops training after ``patience`` epochs without a better
        one. ``copy`` gives the net copies of the user's callbacks, for nets that train side
        by side (a callback keeps the state of one training).
        """
        module, module_params = module_and_params(
            self.module, self.hidden_units, self.module_params, task.X.shape[1], task.n_classes
        )
        callbacks = list(self.callbacks or [])
        if copy:
            callbacks = deepcopy(callbacks)
        train_split = None
        if held_out is not None:
            train_split = predefined_split(Dataset(*task.net_data(held_out)))
            monitor = HeldOutMonitor(
                task.hits[held_out], task.weight[held_out], patience, restore_best
            )
            callbacks.append(("monitor_", monitor))
        if self.verbose > 1:
            callbacks.append(ProgressBar())
        return Net(
            module,
            criterion=task.make_loss(),
            optimizer=self.optimizer,
            lr=self.lr,
            max_epochs=epochs or self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            classes=list(range(task.n_classes)),
            callbacks=callbacks,
            predict_nonlinearity=softmax,
            device=self.device,
            verbose=self.verbose,
            iterator_train__shuffle=True,
            **module_params,
            **self.net_params,
        )

    def train(self, task, rows, description, *, held_out=None, restore_best=False, epochs=None):
        """Train one network on ``task`` restricted to ``rows``; return the skorch net.

        With ``held_out``, those rows are the validation split and early stopping's patience
        applies (see :meth:`build`).
        """
        net = self.build(
            task,
            held_out=held_out,
            patience=self.patience,
            restore_best=restore_best,
            epochs=epochs,
        )
        if self.verbose:
            print(f"[LIPClassifier] {description}")
        with own_torch_rng(task.net_seed):
            try:
                net.fit(*task.net_data(rows))
            except KeyError as exc:
                if held_out is None and "valid_" in str(exc):
                    raise ValueError(
                        f"A callback reads a validation score ({exc.args[0]}), but the "
                        f"{description} has no held-out rows (early_stopping=False, or a "
                        "network refitted on every row); remove that callback or train "
                        "with early_stopping=True and refit=False."
                    ) from exc
                raise
        self._stop_if_interrupted(description)
        return net

    def epoch_rule(self, n_rows):
        """How the epoch of a network trained on ``n_rows`` rows is chosen, and why.

        Returns ``(rule, n_folds, reason)``: ``rule`` is ``"max_epochs"`` (no early
        stopping), ``"holdout"`` or ``"cv"`` (``n_folds`` cross-validated curves).
        """
        if not self.early_stopping:
            return "max_epochs", None, "early_stopping=False"
        if self.validation == "holdout":
            return "holdout", None, "validation='holdout'"
        if self.validation != "auto":
            if not self.refit:
                raise ValueError(
                    f"LIPClassifier: validation={self.validation} chooses the epoch from "
                    "cross-validated curves, and only a network refitted on every row can use "
                    "that epoch; set refit=True, or validation='holdout' to keep the "
                    "early-stopped network."
                )
            return "cv", self.validation, f"validation={self.validation}"
        held_out = int(np.ceil(n_rows * self.validation_fraction))
        if held_out >= SMALL_HOLDOUT or not self.refit:
            why = f"{held_out} rows held out" + ("" if self.refit else " (refit=False)")
            return "holdout", None, f"validation='auto': {why}"
        return (
            "cv",
            AUTO_FOLDS,
            (
                f"validation='auto': a hold-out of validation_fraction="
                f"{self.validation_fraction:g} would rank epochs on {held_out} rows, fewer "
                f"than {SMALL_HOLDOUT}"
            ),
        )

    def fit_network(self, task, rows, role):
        """Train on ``rows`` under the early-stopping policy; see :class:`Training`."""
        rule, n_folds, reason = self.epoch_rule(len(rows))
        if rule == "max_epochs":
            return self._train_every_row(task, rows, role)
        if rule == "cv":
            return self._fit_cross_validated(task, rows, role, n_folds, reason)
        split = holdout(rows, task.strata, self.validation_fraction, task.split_seed)
        if split is None:
            skipped = f"validation_fraction={self.validation_fraction}"
            return self._train_every_row(task, rows, role, skipped=skipped)
        kept, held_out = split
        network = "early-stopped network" if self.refit else role
        net = self.train(
            task,
            kept,
            f"{network}: {len(kept)} rows, {len(held_out)} held out to choose the epoch",
            held_out=held_out,
            restore_best=not self.refit,
        )
        monitor = dict(net.callbacks_)["monitor_"]
        stop_reason = "patience" if monitor.stopped_ else "max_epochs"
        if not monitor.stopped_ and len(net.history) < self.max_epochs:
            stop_reason = "stopped by a callback"  # skorch's KeyboardInterrupt convention
        history = net.history
        curve = {key: np.asarray(history[:, key]) for key in ("epoch", *CURVE_KEYS)}
        final = net
        if self.refit:
            final = self.train(
                task,
                rows,
                f"{role}, refitted: all {len(rows)} rows, {monitor.best_epoch_} epochs",
                epochs=monitor.best_epoch_,
            )
        return Training(
            final,
            rows if self.refit else kept,
            rule,
            reason,
            stop_reason,
            best_epoch=monitor.best_epoch_,
            held_out=held_out,
            validations=[(net, kept, held_out)],
            curve=curve,
        )

    def _train_every_row(self, task, rows, role, skipped=None):
        """Train on every row for ``max_epochs`` epochs, without early stopping.

        ``skipped`` names the split that early stopping could not make (it needs at least 2
        rows of every class); an :class:`EarlyStoppingSkippedWarning` then says so.
        """
        reason = "early_stopping=False"
        if skipped is not None:
            reason = "too few rows to hold out"
            warnings.warn(
                f"early_stopping holds out {skipped} of the {len(rows)} rows, which needs at "
                f"least 2 rows of every class; training the {role} on every row for "
                f"max_epochs={self.max_epochs} epochs instead.",
                EarlyStoppingSkippedWarning,
                stacklevel=4,
            )
        net = self.train(task, rows, f"{role}: {len(rows)} rows, {self.max_epochs} epochs")
        return Training(net, rows, "max_epochs", reason, reason)

    def _fit_cross_validated(self, task, rows, role, n_folds, reason):
        """Choose the epoch on the mean of ``n_folds`` held-out curves, then refit on ``rows``.

        The fold networks train in lockstep, one epoch each at a time, so that the mean curve
        is known after every epoch: patience applies to it, and each fold network keeps its
        weights of the best mean epoch (they validate ``k="auto"``). Folds are stratified for
        labels; a class with fewer rows than folds is missing from some held-out folds.
        """
        strata = None if task.strata is None else task.strata[rows]
        if strata is not None and np.bincount(strata).min(initial=len(rows)) < 2:
            return self._train_every_row(task, rows, role, skipped=f"{n_folds} folds")
        splitter = (KFold if strata is None else StratifiedKFold)(
            n_folds, shuffle=True, random_state=task.split_seed
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            splits = [(rows[train], rows[test]) for train, test in splitter.split(rows, strata)]
        nets = [self.build(task, held_out=test, copy=True) for _, test in splits]
        data = [task.net_data(train) for train, _ in splits]
        fold_weight = [task.weight[test].sum() for _, test in splits]
        if self.verbose:
            print(f"[LIPClassifier] {n_folds} fold networks, trained together to choose the epoch")
        curve = {key: [] for key in CURVE_KEYS}
        best_key, best_epoch, best_states, misses = None, None, None, 0
        stop_reason = "max_epochs"
        with own_torch_rng(task.net_seed):
            for net, (train, _) in zip(nets, splits, strict=True):
                net.initialize()
                net.notify("on_train_begin", X=task.X[train], y=None)
            for epoch in range(1, self.max_epochs + 1):
                try:
                    for net, (X, y) in zip(nets, data, strict=True):
                        net.fit_loop(X, y, epochs=1)
                except KeyboardInterrupt:  # a callback stopped a fold network (skorch's way)
                    self._stop_if_interrupted("fold networks")  # unless it was a Ctrl-C
                    stop_reason = "stopped by a callback"
                    break
                for key in CURVE_KEYS:
                    values = [net.history[-1, key] for net in nets]
                    curve[key].append(float(np.average(values, weights=fold_weight)))
                key = (curve["valid_acc"][-1], -curve["valid_loss"][-1])
                if best_key is None or key > best_key:
                    best_key, best_epoch, misses = key, epoch, 0
                    best_states = [deepcopy(net.module_.state_dict()) for net in nets]
                    continue
                misses += 1
                if misses >= self.patience:
                    stop_reason = "patience"
                    break
            for net, (train, _) in zip(nets, splits, strict=True):
                net.notify("on_train_end", X=task.X[train], y=None)
        if best_epoch is None:
            raise ValueError(f"the {role}'s fold networks stopped before their first epoch ended")
        for net, state in zip(nets, best_states, strict=True):
            net.module_.load_state_dict(state)
        n_epochs = len(curve["valid_acc"])
        final = self.train(
            task,
            rows,
            f"{role}, refitted: all {len(rows)} rows, {best_epoch} epochs",
            epochs=best_epoch,
        )
        return Training(
            final,
            rows,
            "cv",
            reason,
            stop_reason,
            best_epoch=best_epoch,
            validations=[
                (net, train, test) for net, (train, test) in zip(nets, splits, strict=True)
            ],
            curve={
                "epoch": np.arange(1, n_epochs + 1),
                **{k: np.asarray(v) for k, v in curve.items()},
            },
        )

    def estimate_transition_matrix(self, task):
        """Confident-joint estimate of T from 2-fold out-of-fold probabilities of ``task``."""
        labels = task.target
        if np.bincount(labels, minlength=task.n_classes).min() < 2:
            raise ValueError(
                "criterion='forward' without a transition_matrix estimates it from 2-fold "
                "out-of-fold predictions, which needs at least 2 rows of every class; pass "
                "criterion__transition_matrix=..."
            )
        proba = np.zeros((len(labels), task.n_classes))
        folds = StratifiedKFold(2, shuffle=True, random_state=task.split_seed)
        for fold, (train, test) in enumerate(folds.split(task.X, labels), start=1):
            net = self.fit_network(task, train, f"transition-matrix network, fold {fold}/2").net
            with own_torch_rng():
                proba[test] = net.predict_proba(task.X[test])
        return estimate_noise_matrix(labels, proba)

    def validation_folds(self, task, head, Y, sample_weight, training):
        """The hold-out folds of ``k="auto"``: the splits that chose the epoch.

        ``head`` names the module's head layer. Each validation network (at the chosen epoch)
        gives one fold: the hold-out's, whose held-out rows validate the final head itself
        without ``refit``, or one per cross-validated fold. Without early stopping a network
        is trained on part of the rows for it. A generator: networks are trained and their
        features computed only when ``fit_head`` validates k.
        """
        validations = training.validations
        if not validations:
            if self.early_stopping:
                return  # too few rows to hold out
            rows = np.arange(task.X.shape[0])
            split = holdout(rows, task.strata, self.validation_fraction, task.split_seed)
            if split is None:
                return
            train, held_out = split
            description = f"k validation network: {len(train)} rows, {len(held_out)} held out"
            validations = [(self.train(task, train, description), train, held_out)]
        for net, train, held_out in validations:
            layer = head_layer(net.module_, head, task.n_classes)
            X_val, Y_val = head_inputs(net, layer, task.X[held_out]), Y[held_out]
            if net is training.net:
                yield Fold(W=None, X_train=None, Y_train=None, X_val=X_val, Y_val=Y_val)
                continue
            yield Fold(
                W=head_weights(layer),
                X_train=head_inputs(net, layer, task.X[train]),
                Y_train=Y[train],
                X_val=X_val,
                Y_val=Y_val,
                sample_weight=None if sample_weight is None else sample_weight[train],
            )
