"""LIPClassifier: a neural network trained with skorch whose last linear layer LIP refines.

Design: composition. :class:`LIPClassifier` is a plain scikit-learn classifier that builds a
skorch ``NeuralNetClassifier`` in ``fit`` and keeps it as ``net_``. Subclassing skorch would
make every attribute skorch sets in ``__init__`` a constructor parameter and fail
``check_no_attributes_set_in_init``; instead the skorch conventions users know are accepted
as parameters and forwarded: ``module__<name>`` (constructor arguments of the module),
``criterion__<name>``, ``optimizer`` and ``optimizer__<name>``, ``callbacks`` and
``callbacks__<name>__<param>``, ``iterator_train__<name>`` and ``iterator_valid__<name>``.
They are listed by ``get_params`` and accepted by ``set_params``, so ``clone`` and
``GridSearchCV`` see them. Labels are encoded here (skorch does not), candidate-set targets are
ours, and predictions come from the refined head, not from the module's own output layer.

Training data reach skorch as ``X`` (float32) and a dict ``y = {"target", "weight"}``: the
loss reads the per-row weights from it, so the module's ``forward`` needs no extra argument.
By default a stratified slice of the (noisy) training rows is held out and training stops when
the held-out accuracy on those noisy labels stops improving; a network trained to convergence
on noisy labels memorises them. After training, the inputs of the head layer (the body's
features) are collected with a forward hook in evaluation mode, and
:func:`sklearn_lip._head.fit_head` refines ``W = [head.weight.T; head.bias]`` exactly as
:class:`~sklearn_lip.LIPMetaClassifier` does for linear models.

One module per part, imports running down this list:

- ``_modules``: the default modules (``"mlp"``, ``"linear"``) and how a module is built;
- ``_criteria``: the criteria by name, and the adapter that gives any torch loss row weights;
- ``_net``: the skorch subclass, the skorch-style parameter names, torch's RNG and device;
- ``_head_layer``: the head layer, its weights and its inputs (what LIP refines);
- ``_training``: hold-outs, the early-stopping monitor, and ``Trainer``, which trains every
  network of one ``fit`` (early stopping, refit, transition-matrix folds, k validation);
- ``_classifier``: :class:`LIPClassifier`, which holds the parameters and orchestrates.

Importing this package requires torch and skorch; ``import sklearn_lip`` does not import it.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'LIPClassifier needs PyTorch and skorch: pip install "sklearn-lip[torch]"'
    ) from exc

from ._classifier import LIPClassifier
from ._criteria import NOISY_LABEL_CRITERIA, PARTIAL_LABEL_CRITERIA
from ._training import EarlyStoppingSkippedWarning

__all__ = [
    "EarlyStoppingSkippedWarning",
    "LIPClassifier",
    "NOISY_LABEL_CRITERIA",
    "PARTIAL_LABEL_CRITERIA",
]
