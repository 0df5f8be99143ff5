"""sklearn-lip: learning from noisy and ambiguous labels with LIP, for scikit-learn.

LIP (Si et al., 2025) refines a fitted classifier's weight matrix: it keeps the principal
singular components and re-fits the singular values of the rest on the training data.
``import sklearn_lip`` imports neither torch, matplotlib, Dask nor imbalanced-learn.
"""

# SPDX-License-Identifier: BSD-3-Clause

from ._head import LIPSkippedWarning
from ._lip import lip_refine
from .cleaning import (
    CleanLabelClassifier,
    MinPerClassWarning,
    confident_joint,
    estimate_noise_matrix,
    find_label_issues,
    fit_clean_dask,
    label_quality_scores,
)
from .meta import LIPMetaClassifier, fit_lip_dask
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

__version__ = "0.3.dev0"

__all__ = [
    "CleanLabelClassifier",
    "InstanceDependentNoise",
    "LIPClassifier",
    "LIPMetaClassifier",
    "LIPSkippedWarning",
    "MinPerClassWarning",
    "NoisyLabelClassifier",
    "PairNoise",
    "PartialLabelNoise",
    "SymmetricNoise",
    "TransitionMatrixNoise",
    "confident_joint",
    "corrupt_labels",
    "estimate_noise_matrix",
    "find_label_issues",
    "fit_clean_dask",
    "fit_lip_dask",
    "label_quality_scores",
    "lip_refine",
    "make_transition_matrix",
]


def __getattr__(name):
    # LIPClassifier needs torch and skorch: import them only when it is asked for.
    if name == "LIPClassifier":
        from .neural import LIPClassifier

        return LIPClassifier
    raise AttributeError(f"module 'sklearn_lip' has no attribute {name!r}")
