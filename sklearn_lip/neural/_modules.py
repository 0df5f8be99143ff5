"""The default modules of LIPClassifier, and how the module of every network is built."""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

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
        ``module__n_classes``.

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
        params = {"module__hidden_units": hidden}
        module_class = _MLP
    elif issubclass(module, nn.Module):
        module_class = module
    else:
        raise ValueError(
            f"module must be 'mlp', 'linear' or a torch.nn.Module subclass; got {module!r}."
        )
    sizes = {"module__n_features": n_features, "module__n_classes": n_classes}
    return module_class, {**params, **sizes}
