"""Inputs shared by the label-issue test modules (tests/test_cleaning*.py).

Test modules import it as ``_label_cases`` (pytest puts tests/ on ``sys.path``, as for
``_settings``).
"""

import numpy as np

#: cleanlab's seven ``filter_by`` rules, written out here rather than read from the package,
#: so that a rule missing there fails the tests.
CLEANLAB_FILTERS = (
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
)


def tied_or_near_equal_probabilities(rng, dtype, n_samples=(30, 300), n_classes=(2, 9), ties=None):
    """Rows of rounded (tied) or almost duplicated probabilities, where rounding flips rows.

    ``n_samples`` and ``n_classes`` are ``[low, high)`` ranges drawn from ``rng``; ``ties``
    chooses the kind (None: drawn from ``rng`` too). Ties: two decimals and a floor,
    renormalised; near-equal rows: a third of the rows copies of others, moved by 1e-7.
    """
    n_samples, n_classes = int(rng.integers(*n_samples)), int(rng.integers(*n_classes))
    labels = rng.integers(0, n_classes, n_samples)
    logits = rng.normal(size=(n_samples, n_classes)) * rng.uniform(0.5, 4)
    proba = np.exp(logits + 2 * np.eye(n_classes)[labels])
    proba /= proba.sum(axis=1, keepdims=True)
    if ties is None:
        ties = rng.random() < 0.5
    if ties:
        proba = np.round(proba, 2) + 1e-3
    else:
        copies = rng.integers(0, n_samples, n_samples // 3)
        proba[copies] = proba[rng.integers(0, n_samples, copies.size)]
        proba[copies] = np.abs(proba[copies] + rng.normal(0, 1e-7, proba[copies].shape))
    return labels, (proba / proba.sum(axis=1, keepdims=True)).astype(dtype)
