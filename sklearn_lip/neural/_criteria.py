"""Training criteria of LIPClassifier: the named losses, and any torch loss made to take weights."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import functools
import inspect

import torch
from torch import nn
from torch.nn import functional as F

from ..losses import (
    ClassifierConsistentLoss,
    CrossEntropy,
    ForwardCorrectedCrossEntropy,
    GeneralizedCrossEntropy,
    LabelSmoothingCrossEntropy,
    ProdenLoss,
    SymmetricCrossEntropy,
)

__all__ = ["NOISY_LABEL_CRITERIA", "PARTIAL_LABEL_CRITERIA", "loss_factory", "resolve_criterion"]

#: Criteria for 1-D (possibly noisy) labels; the loss reads class indices.
NOISY_LABEL_CRITERIA = {
    "ce": CrossEntropy,
    "label_smoothing": LabelSmoothingCrossEntropy,
    "gce": GeneralizedCrossEntropy,
    "sce": SymmetricCrossEntropy,
    "forward": ForwardCorrectedCrossEntropy,
}
#: Criteria for candidate sets (partial labels).
PARTIAL_LABEL_CRITERIA = {"cc": ClassifierConsistentLoss, "proden": ProdenLoss}


def resolve_criterion(criterion, params, partial):
    """The criterion's name and loss class (or instance); a loss of the wrong kind raises.

    Parameters
    ----------
    criterion : str, torch.nn.Module subclass or instance
        ``LIPClassifier``'s ``criterion`` parameter.
    params : dict
        The ``criterion__<name>`` parameters, without their prefix.
    partial : bool
        Whether ``y`` is a candidate matrix.

    Returns
    -------
    name : str
        The criterion's name (``"auto"`` resolved) or the loss class's name.
    criterion : torch.nn.Module subclass or instance
        The loss to build.
    """
    criteria = {**NOISY_LABEL_CRITERIA, **PARTIAL_LABEL_CRITERIA}
    if isinstance(criterion, str):
        name = ("cc" if partial else "ce") if criterion == "auto" else criterion
        criterion = criteria[name]
    else:
        loss_class = criterion if isinstance(criterion, type) else type(criterion)
        if not issubclass(loss_class, nn.Module):
            raise ValueError(
                f"criterion must be a name, a torch.nn.Module subclass or an instance of "
                f"one; got {criterion!r}."
            )
        if params and not isinstance(criterion, type):
            raise ValueError(
                f"criterion__ parameters {sorted(params)} need criterion as a class; got "
                f"an instance of {loss_class.__name__}."
            )
        names = {loss: name for name, loss in criteria.items()}
        name = names.get(loss_class, loss_class.__name__)
    if partial and name in NOISY_LABEL_CRITERIA:
        raise ValueError(
            f"criterion={name!r} is a noisy-label loss, but y is a candidate matrix (2-D); "
            f"use one of {sorted(PARTIAL_LABEL_CRITERIA)} or 'auto'."
        )
    if not partial and name in PARTIAL_LABEL_CRITERIA:
        raise ValueError(
            f"criterion={name!r} is a partial-label loss and needs y as a 2-D candidate "
            f"matrix; with 1-D labels use one of {sorted(NOISY_LABEL_CRITERIA)} or 'auto'."
        )
    return name, criterion


def loss_factory(criterion, params):
    """A callable returning a fresh criterion module; checks ``params`` once.

    ``criterion`` is a loss class (built with ``params``) or an instance (deep-copied, so that
    no state is shared between networks). Losses other than the package's own are wrapped in
    :class:`_TorchLoss`, which gives them the ``sample_weight`` argument.
    """
    if isinstance(criterion, type):
        factory = functools.partial(criterion, **params)
        try:
            factory()
        except TypeError as exc:
            raise ValueError(
                f"criterion parameters {sorted(params)} do not fit {criterion.__name__}: {exc}"
            ) from exc
    else:
        factory = functools.partial(copy.deepcopy, criterion)
    if "sample_weight" in inspect.signature(factory().forward).parameters:
        return factory
    return functools.partial(_torch_loss, factory)


def _torch_loss(factory):
    """A fresh loss of ``factory`` that takes ``sample_weight`` (see :class:`_TorchLoss`)."""
    return _TorchLoss(factory())


class _TorchLoss(nn.Module):
    """A loss called as ``loss(input, target)`` (any torch loss), made to take row weights.

    The package's losses take ``sample_weight`` themselves. Here, with weights that are not
    all 1, the wrapped loss is evaluated with ``reduction="none"`` and the weighted mean (or
    sum) of its rows is returned. ``nn.NLLLoss`` expects log-probabilities: it receives the
    log-softmax of the logits (skorch applies ``log`` to a module's probabilities instead).
    """

    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, input, target, sample_weight=None):
        if isinstance(self.loss, nn.NLLLoss):
            input = F.log_softmax(input, dim=1)
        if sample_weight is None or bool(torch.all(sample_weight == 1)):
            return self.loss(input, target)
        reduction = getattr(self.loss, "reduction", None)
        if reduction not in ("mean", "sum"):
            raise ValueError(
                f"sample_weight needs a criterion that accepts it: {type(self.loss).__name__} "
                "has no reduction='mean' or 'sum' to evaluate per row; use one of the "
                "package's criteria or fit without sample_weight."
            )
        self.loss.reduction = "none"
        try:
            rows = self.loss(input, target)
        finally:
            self.loss.reduction = reduction
        rows = rows.reshape(len(sample_weight), -1)
        if reduction == "mean":
            return (rows.mean(dim=1) * sample_weight).mean()
        return (rows.sum(dim=1) * sample_weight).sum()
