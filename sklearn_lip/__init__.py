"""sklearn-lip: learning from noisy and ambiguous labels with LIP, for scikit-learn.

LIP (Si et al., 2025) refines a fitted classifier's weight matrix: it keeps the principal
singular components and re-fits the singular values of the rest on the training data.
``import sklearn_lip`` imports neither torch, matplotlib, Dask nor imbalanced-learn.
"""

# SPDX-License-Identifier: BSD-3-Clause

from ._head import LIPSkippedWarning
from ._lip import lip_refine
from .meta import LIPMetaClassifier
from .noise import (
    InstanceDependentNoise,
    NoisyLabelClassifier,
    PairNoise,
    PartialLabelNoise,
    SymmetricNoise,
    TransitionMatrixNoise,
    corrupt_labels,
    make_transition_matrix,
)

__version__ = "0.1.0"

__all__ = [
    "InstanceDependentNoise",
    "LIPMetaClassifier",
    "LIPSkippedWarning",
    "NoisyLabelClassifier",
    "PairNoise",
    "PartialLabelNoise",
    "SymmetricNoise",
    "TransitionMatrixNoise",
    "corrupt_labels",
    "lip_refine",
    "make_transition_matrix",
]
