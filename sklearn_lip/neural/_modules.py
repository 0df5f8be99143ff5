"""The default modules of LIPClassifier, and how the module of every network is built."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
from numbers import Integral

from torch import nn

__all__ = ["module_and_params"]


class _MLP(nn.Module):
    """Fully connected ReLU network: ``body`` (the hidden layers) and a linear ``head``.

    With ``hidden_units=()`` the body is the identity and the network is a multinomial
    logistic regression.
    """

    def __init__(self, n_features, n_classes, hidden_units=(256, 256)):
        super().__init__()
        layers, width = [], n_features
        for units in hidden_units:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_classes)

    def forward(self, X):
        return self.head(self.body(X))


def module_and_params(module, hidden_units, params, n_features, n_classes):
    """The module class and its ``module__*`` constructor arguments.

    Parameters
    ----------
    module : {"mlp", "linear"} or torch.nn.Module subclass
        ``LIPClassifier``'s ``module`` parameter.
    hidden_units : int or tuple of int
        Widths of the hidden layers of ``module="mlp"``.
    params : dict
        The ``module__<name>`` parameters given by the user (only for a module class).
    n_features, n_classes : int
        The sizes of the task, passed to the module as ``module__n_features`` and
        ``module__n_classes`` where its ``__init__`` takes them by these names.

    Returns
    -------
    module : type
        The module class.
    params : dict
        Its constructor arguments, as skorch's ``module__<name>`` parameters.
    """
    if isinstance(module, str):
        if params:
            raise ValueError(
                f"module__ parameters {sorted(params)} are for a user module class; with "
                f"module={module!r} set hidden_units instead."
            )
        if module == "linear":
            hidden = ()
        else:
            hidden = (hidden_units,) if isinstance(hidden_units, Integral) else tuple(hidden_units)
            if not all(isinstance(h, Integral) and h >= 1 for h in hidden):
                raise ValueError(f"hidden_units must be positive integers; got {hidden_units!r}.")
        return _MLP, {
            "module__hidden_units": hidden,
            "module__n_features": n_features,
            "module__n_classes": n_classes,
        }
    if not (isinstance(module, type) and issubclass(module, nn.Module)):
        raise ValueError(
            f"module must be 'mlp', 'linear' or a torch.nn.Module subclass; got {module!r}."
        )
    return module, {**params, **_sizes_it_takes(module, params, n_features, n_classes)}


def _sizes_it_takes(module, params, n_features, n_classes):
    """``module__n_features`` / ``module__n_classes`` for the ones its ``__init__`` names.

    A module that names neither gets only the user's ``module__*`` arguments, as in skorch. A
    size the user also passed must agree with the data.
    """
    named = inspect.signature(module.__init__).parameters
    sizes = {}
    for name, value in (("n_features", n_features), ("n_classes", n_classes)):
        if name not in named:
            continue
        given = params.get(f"module__{name}", value)
        if given != value:
            raise ValueError(
                f"module__{name}={given!r}, but the data has {name}={value}; leave it out "
                f"and {module.__name__} receives {name}={value}."
            )
        sizes[f"module__{name}"] = value
    return sizes
