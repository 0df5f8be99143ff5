"""How LIPClassifier trains its networks: hold-outs, early stopping, refits and k validation.

:class:`Trainer` holds the training parameters of one ``fit`` and trains every network of it on
a :class:`Task`: the network predictions come from (early-stopped on held-out noisy rows, then
refitted on every row), the 2-fold networks that estimate a transition matrix, and the network
that validates ``k="auto"`` when nothing was held out.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import ShuffleSplit, StratifiedKFold, StratifiedShuffleSplit
from skorch.callbacks import Callback, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from .._head import Fold
from ..cleaning._confident import estimate_noise_matrix
from ._head_layer import head_inputs, head_layer, head_weights
from ._modules import module_and_params
from ._net import Net, own_torch_rng, softmax

__all__ = [
    "EarlyStoppingSkippedWarning",
    "HeldOutMonitor",
    "Task",
    "Trainer",
    "Training",
    "holdout",
]


class EarlyStoppingSkippedWarning(UserWarning):
    """Warning raised when too few rows can be held out for early stopping.

    Holding out a stratified slice needs at least 2 rows in every class (and enough rows for
    ``validation_fraction`` to contain one per class); otherwise the network trains on every
    row for ``max_epochs`` epochs, which can memorise noisy labels.
    """


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
    held_out: np.ndarray  # rows held out to choose the epoch; None when nothing was held out
    validation_net: object  # the network scored on ``held_out`` (``net`` itself unless refit)
    validation_rows: np.ndarray  # the rows that trained ``validation_net``
    best_epoch: int  # None when nothing was held out
    stop_reason: str


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
                self.best_state_ = copy.deepcopy(net.module_.state_dict())
            return
        self.misses_ += 1
        if self.misses_ >= self.patience:
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
    refit: bool
    validation_fraction: float
    patience: int
    device: str
    verbose: int

    def train(self, task, rows, description, *, held_out=None, restore_best=False, epochs=None):
        """Train one network on ``task`` restricted to ``rows``; return the skorch net.

        With ``held_out``, those rows are the validation split and a :class:`HeldOutMonitor`
        stops training (it is the network's ``monitor_`` callback).
        """
        module, module_params = module_and_params(
            self.module, self.hidden_units, self.module_params, task.X.shape[1], task.n_classes
        )
        callbacks = list(self.callbacks or [])
        train_split = None
        if held_out is not None:
            train_split = predefined_split(Dataset(*task.net_data(held_out)))
            monitor = HeldOutMonitor(
                task.hits[held_out], task.weight[held_out], self.patience, restore_best
            )
            callbacks.append(("monitor_", monitor))
        if self.verbose > 1:
            callbacks.append(ProgressBar())
        net = Net(
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
        return net

    def fit_network(self, task, rows, role):
        """Train on ``rows`` under the early-stopping policy; see :class:`Training`."""
        split = None
        if self.early_stopping:
            split = holdout(rows, task.strata, self.validation_fraction, task.split_seed)
        if split is None:
            reason = "early_stopping=False"
            if self.early_stopping:
                reason = "too few rows to hold out"
                warnings.warn(
                    f"early_stopping holds out validation_fraction={self.validation_fraction} "
                    f"of the {len(rows)} rows, which needs at least 2 rows of every class; "
                    f"training the {role} on every row for max_epochs={self.max_epochs} epochs "
                    "instead.",
                    EarlyStoppingSkippedWarning,
                    stacklevel=3,
                )
            net = self.train(task, rows, f"{role}: {len(rows)} rows, {self.max_epochs} epochs")
            return Training(net, rows, None, None, None, None, reason)
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
        reason = "patience" if monitor.stopped_ else "max_epochs"
        if not self.refit:
            return Training(net, kept, held_out, net, kept, monitor.best_epoch_, reason)
        final = self.train(
            task,
            rows,
            f"{role}, refitted: all {len(rows)} rows, {monitor.best_epoch_} epochs",
            epochs=monitor.best_epoch_,
        )
        return Training(final, rows, held_out, net, kept, monitor.best_epoch_, reason)

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
        """The one hold-out fold of ``k="auto"``, from the rows early stopping held out.

        ``head`` names the module's head layer. Without ``refit`` the held-out rows validate
        the final head itself; with it, the early-stopped network's head. Without early
        stopping a network is trained on part of the rows for it. A generator: that network
        is trained only when ``fit_head`` validates k.
        """
        if training.held_out is not None:
            net, train = training.validation_net, training.validation_rows
            held_out = training.held_out
        elif self.early_stopping:
            return  # too few rows to hold out
        else:
            rows = np.arange(task.X.shape[0])
            split = holdout(rows, task.strata, self.validation_fraction, task.split_seed)
            if split is None:
                return
            train, held_out = split
            description = f"k validation network: {len(train)} rows, {len(held_out)} held out"
            net = self.train(task, train, description)
        layer = head_layer(net, head, task.n_classes)
        X_val, Y_val = head_inputs(net, layer, task.X[held_out]), Y[held_out]
        if net is training.net:
            yield Fold(W=None, X_train=None, Y_train=None, X_val=X_val, Y_val=Y_val)
            return
        yield Fold(
            W=head_weights(layer),
            X_train=head_inputs(net, layer, task.X[train]),
            Y_train=Y[train],
            X_val=X_val,
            Y_val=Y_val,
            sample_weight=None if sample_weight is None else sample_weight[train],
        )
