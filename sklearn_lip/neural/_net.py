"""The skorch side of LIPClassifier: its net subclass, parameter names, torch's RNG, device."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
from contextlib import contextmanager

import torch
from skorch import NeuralNetClassifier
from skorch.utils import to_tensor

__all__ = ["SKORCH_PREFIXES", "Net", "check_device", "is_skorch_param", "own_torch_rng", "softmax"]

#: Prefixes of the skorch-style parameters ``<prefix>__<name>`` that LIPClassifier accepts.
#: ``module__*`` and ``criterion__*`` build the module and the loss here; the others go to the
#: skorch net unchanged.
SKORCH_PREFIXES = (
    "module",
    "criterion",
    "optimizer",
    "callbacks",
    "iterator_train",
    "iterator_valid",
)


def is_skorch_param(name):
    """Whether ``name`` is a ``<prefix>__<name>`` parameter of :data:`SKORCH_PREFIXES`."""
    prefix, separator, rest = name.partition("__")
    return bool(separator and rest) and prefix in SKORCH_PREFIXES


def softmax(logits):
    """``predict_nonlinearity`` of the skorch net: its ``predict_proba`` gives probabilities."""
    return torch.softmax(logits, dim=-1)


class Net(NeuralNetClassifier):
    """skorch classifier whose ``y`` is ``{"target": ..., "weight": ...}``.

    ``check_data`` is skipped because the targets are already encoded (and ``np.unique`` cannot
    read a dict), and the ``valid_acc`` scorer, which compares ``predict`` with ``y``, is dropped.
    """

    @property
    def _default_callbacks(self):
        return [(name, cb) for name, cb in super()._default_callbacks if name != "valid_acc"]

    def check_data(self, X, y):
        pass

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred, y_true["target"], y_true["weight"])


#: Held while a network trains on torch's process-wide RNG (see :func:`own_torch_rng`).
_TORCH_RNG_LOCK = threading.RLock()


@contextmanager
def own_torch_rng(seed=None):
    """Restore torch's global RNG state on exit, seeding it first when ``seed`` is given.

    Training draws from the global RNG (initialisation, shuffling), and so does every
    ``DataLoader`` iteration, even an unshuffled one (it draws a base seed for its workers).
    A private ``torch.Generator`` cannot replace it: a module's own initialisation and
    dropout always draw from the global one. So the block holds a process-wide lock: fits
    in threads train one at a time, each from its own seed, with the results of sequential
    fits, and the global state is restored between them.
    """
    devices = range(torch.cuda.device_count()) if torch.cuda.is_available() else []
    with _TORCH_RNG_LOCK, torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield


def check_device(device):
    """Raise at the start of ``fit`` when torch cannot use ``device``."""
    try:
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not available to torch here ({exc}); use device='cpu'"
            + (" or install a CUDA build of torch." if "cuda" in str(device) else ".")
        ) from exc
