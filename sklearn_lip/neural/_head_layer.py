"""The layer LIP refines: a network's head, its weights ``[weight.T; bias]`` and its inputs."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import torch
from torch import nn

from ._net import own_torch_rng

__all__ = ["head_inputs", "head_layer", "head_weights"]


def head_layer(module, head, n_classes):
    """The module's head: an ``nn.Linear`` producing ``n_classes`` outputs."""
    try:
        layer = module.get_submodule(head)
    except AttributeError as exc:
        raise ValueError(
            f"The module {type(module).__name__} has no submodule head={head!r}; name its "
            "last nn.Linear layer with the head parameter."
        ) from exc
    if not isinstance(layer, nn.Linear) or layer.out_features != n_classes:
        raise ValueError(
            f"head={head!r} must be an nn.Linear layer with {n_classes} outputs (one per "
            f"class); got {layer!r}."
        )
    return layer


def head_weights(layer):
    """``[weight.T; bias]`` of a linear layer, float64, shape (in_features + 1, out_features)."""
    weight = layer.weight.detach().cpu().double().numpy().T
    bias = (
        np.zeros(weight.shape[1])
        if layer.bias is None
        else layer.bias.detach().cpu().double().numpy()
    )
    return np.vstack([weight, bias])


def head_inputs(net, layer, X):
    """The head layer's inputs (the body's features) for ``X``, batched, in eval mode, no grad.

    Also checks that the head's output is the module's output, so that refining the head
    refines the predictions. The last batch is padded with zero rows to the full batch size:
    float32 matrix products round differently for different numbers of rows, and a row's
    features should not depend on which other rows are predicted with it.
    """
    batch_size = getattr(net, "iterator_valid__batch_size", net.batch_size)
    n_samples = len(X)
    if batch_size > 0 and n_samples % batch_size:
        padding = np.zeros((batch_size - n_samples % batch_size, *X.shape[1:]), dtype=X.dtype)
        X = np.concatenate([X, padding])
    seen = {}

    def record(module, args, output):
        seen["features"], seen["logits"] = args[0], output

    handle = layer.register_forward_hook(record)
    features = []
    try:
        with own_torch_rng():
            for logits in net.forward_iter(X, training=False):
                seen_logits = seen.pop("logits", None)
                if not (
                    isinstance(logits, torch.Tensor)
                    and seen_logits is not None
                    and torch.equal(logits, seen_logits.to(logits.device))
                ):
                    raise ValueError(
                        f"The output of {type(net.module_).__name__} must be the output of its "
                        "head layer (a single tensor of logits); LIP refines that layer."
                    )
                features.append(seen.pop("features").detach().cpu().numpy())
    finally:
        handle.remove()
    return np.concatenate(features)[:n_samples]
