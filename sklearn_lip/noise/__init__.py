"""Label-noise injection: generators that corrupt ``y``, in imbalanced-learn's sampler style.

Robustness studies corrupt the *training* labels and score on the clean ones. A scikit-learn
step cannot change ``y``, so there are two routes:

- the noise generators :class:`SymmetricNoise`, :class:`PairNoise`,
  :class:`TransitionMatrixNoise`, :class:`InstanceDependentNoise` and :class:`PartialLabelNoise`
  follow imbalanced-learn's sampler contract, ``fit_resample(X, y) -> (X, y_noisy)``, so they are
  steps of ``imblearn.pipeline.Pipeline``, which applies samplers during ``fit`` only;
- :class:`NoisyLabelClassifier` wraps any classifier and corrupts ``y`` inside its
  own ``fit``: the route for ``sklearn.pipeline.Pipeline``, ``cross_val_score`` and
  ``GridSearchCV``.

The generators implement the sampler contract themselves: imbalanced-learn is never imported.
One module per family: ``_base`` (the contract, :func:`corrupt_labels`), ``_class_conditional``,
``_instance_dependent`` and ``_partial_label``; ``_classifier`` holds :class:`NoisyLabelClassifier`,
built on the base that the package's wrapping classifiers share.

Transition matrices follow ``T[i, j] = P(noisy label = j | true label = i)``: rows sum to 1 and
rows and columns are in the sorted order of the classes. cleanlab's ``noise_matrix`` is the
transpose, ``P(noisy = i | true = j)``: pass ``noise_matrix.T``.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from ._base import corrupt_labels
from ._class_conditional import (
    PairNoise,
    SymmetricNoise,
    TransitionMatrixNoise,
    make_transition_matrix,
)
from ._classifier import NoisyLabelClassifier
from ._instance_dependent import InstanceDependentNoise
from ._partial_label import PartialLabelNoise

__all__ = [
    "InstanceDependentNoise",
    "NoisyLabelClassifier",
    "PairNoise",
    "PartialLabelNoise",
    "SymmetricNoise",
    "TransitionMatrixNoise",
    "corrupt_labels",
    "make_transition_matrix",
]
