"""Pieces of the network benchmarks (bench_neural, bench_partial): LIP's best k as a ceiling."""

# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import torch

from sklearn_lip import lip_refine

__all__ = ["LAP_MODES", "oracle_gains"]

LAP_MODES = ("paper", "scaled", "log")


def _accuracy(predicted, y):
    return float(np.mean(predicted == y))


def _body_features(net, X):
    """Output of the default MLP's body, the input of its head."""
    with torch.no_grad():
        return net.module_.body(torch.as_tensor(X, dtype=torch.float32)).double().numpy()


def oracle_gains(clf, X_train, Y_train, X_test, y_test):
    """Best test-accuracy gain over every k, per LAP mode: k chosen on the *clean test labels*.

    An upper bound on what any k selection could reach with this network, not a result.

    Returns
    -------
    gains : dict
        ``{lap: (gain in points, k)}``.
    """
    W = np.vstack([clf.raw_coef_.T, clf.raw_intercept_])
    F_train, F_test = _body_features(clf.net_, X_train), _body_features(clf.net_, X_test)

    def accuracy(weights):
        return _accuracy(clf.classes_[np.argmax(F_test @ weights[:-1] + weights[-1], 1)], y_test)

    base = accuracy(W)
    gains = {}
    for lap in LAP_MODES:
        by_k = {
            k: accuracy(lip_refine(W, F_train, Y_train, k, lap=lap, fit_intercept=True))
            for k in range(1, np.linalg.matrix_rank(W))
        }
        best = max(by_k, key=by_k.get)
        gains[lap] = (100 * (by_k[best] - base), best)
    return gains
