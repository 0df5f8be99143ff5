"""Finding label issues with confident learning, and a classifier that trains without them.

Confident learning (Northcutt, Jiang and Chuang, JAIR 2021) compares each row's given label
with out-of-fold predicted probabilities. A row *confidently* belongs to class ``j`` when its
predicted probability of ``j`` reaches the per-class threshold ``t_j``, the mean probability of
``j`` over the rows labelled ``j``. Counting (given label, confident class) pairs gives the
*confident joint*, from which the number of label issues in each class and the noise matrix are
estimated. Within each class, the rows to flag are ranked by their margin (given label's
probability minus the largest other one). :class:`CleanLabelClassifier` ranks by the margin
of a blend of the out-of-fold probabilities with the *in-sample* probabilities of the fold
models that trained on the row: a label that even a model trained on it fits poorly is
likely wrong (the "small-loss" evidence of Han et al., 2018), and that adds information the
out-of-fold probabilities lack. The counts always come from the out-of-fold probabilities.

The functions take ``labels`` as integer indices ``0..K-1`` into the columns of ``pred_proba``
(encode string labels first, e.g. with :class:`~sklearn.preprocessing.LabelEncoder`).
:class:`CleanLabelClassifier` does the encoding itself, computes the out-of-fold probabilities,
flags the issues and refits its estimator on the rows that are kept.

One module per step, imports running down this list: ``_checks`` (the input checks and
tolerances shared by the rules, :class:`MinPerClassWarning`, and ``RowBlocks``, which reads
the probabilities a block of rows at a time: NumPy arrays and memory maps 65,536 rows at a
time, Dask arrays by their chunks), ``_confident``
(:func:`confident_joint`, :func:`estimate_noise_matrix`), ``_rank``
(:func:`label_quality_scores` and the scores behind it), ``_rules`` (this package's rules,
``method=``), ``_cleanlab`` (cleanlab's seven ``filter_by`` rules, kept exact), ``_filter``
(:func:`find_label_issues`, which dispatches to one or the other), ``_folds`` (out-of-fold
probabilities), ``_dask_folds`` (the same on Dask arrays) and ``_classifier``
(:class:`CleanLabelClassifier`, :func:`fit_clean_dask`).
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

from ._checks import MinPerClassWarning
from ._classifier import CleanLabelClassifier, fit_clean_dask
from ._confident import confident_joint, estimate_noise_matrix
from ._filter import find_label_issues
from ._rank import label_quality_scores

__all__ = [
    "CleanLabelClassifier",
    "MinPerClassWarning",
    "confident_joint",
    "estimate_noise_matrix",
    "find_label_issues",
    "fit_clean_dask",
    "label_quality_scores",
]
