"""Demo: digits with injected label noise, base classifiers vs the same with LIP.

Trains each base model on noisy training labels and scores it on the clean test labels, then
does the same with LIP added (package defaults: k chosen by validation, LAP mode per model
family), and with label cleaning (``CleanLabelClassifier``, confident learning) for comparison.
Prints one table; every number is measured in this run.

Run: ``python examples/demo.py`` (or ``bash scripts/run_demo.sh`` from a fresh clone).
"""

import time
import warnings

from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_lip import (
    CleanLabelClassifier,
    LIPMetaClassifier,
    PairNoise,
    SymmetricNoise,
)

SEED = 0
NOISES = {
    "symmetric 20%": SymmetricNoise(0.2, random_state=SEED),
    "symmetric 40%": SymmetricNoise(0.4, random_state=SEED),
    "pair 30%": PairNoise(0.3, random_state=SEED),
}


def models():
    """(name, base estimator, the same with LIP) pairs; the network only with torch installed."""
    pairs = [
        (name, est, LIPMetaClassifier(est, random_state=SEED))
        for name, est in [
            ("LogisticRegression", LogisticRegression(max_iter=1000)),
            ("RidgeClassifier", RidgeClassifier()),
            ("LinearSVC", LinearSVC(random_state=SEED)),
        ]
    ]
    try:
        from sklearn_lip import LIPClassifier
    except ImportError as error:
        print(f"(skipping LIPClassifier: {error})")
        return pairs
    net = dict(hidden_units=(128,), max_epochs=30, random_state=SEED)
    pairs.append(("MLP (LIPClassifier)", LIPClassifier(k=None, **net), LIPClassifier(**net)))
    return pairs


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=SEED
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    print(f"digits: {len(y_train)} training rows (noisy labels), {len(y_test)} clean test rows")
    print(f"seed {SEED}; LIP defaults: k='auto' (3-fold validation), lap='auto'\n")
    header = (
        f"| {'noise':<14} | {'model':<20} | {'base':>6} | {'+LIP':>6} | {'k':>4} | "
        f"{'LIP fit s':>9} | {'cleaned':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    pairs = models()
    lip_changed, cleaning_gains = 0, []
    for noise_name, noise in NOISES.items():
        _, y_noisy = clone(noise).fit_resample(X_train, y_train)
        for name, base, with_lip in pairs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                base_acc = clone(base).fit(X_train, y_noisy).score(X_test, y_test)
                start = time.perf_counter()
                fitted = clone(with_lip).fit(X_train, y_noisy)
                seconds = time.perf_counter() - start
                cleaner = CleanLabelClassifier(base, random_state=SEED)
                cleaned_acc = cleaner.fit(X_train, y_noisy).score(X_test, y_test)
            k = "-" if fitted.k_ is None else str(fitted.k_)
            lip_changed += fitted.k_ is not None
            cleaning_gains.append(cleaned_acc - base_acc)
            print(
                f"| {noise_name:<14} | {name:<20} | {base_acc:6.3f} | "
                f"{fitted.score(X_test, y_test):6.3f} | {k:>4} | {seconds:9.2f} | "
                f"{cleaned_acc:7.3f} |"
            )
    n_fits = len(cleaning_gains)
    print(
        f"\nIn this run LIP changed {lip_changed} of {n_fits} models (k '-': validation found no "
        "k that beats the unchanged weights clearly, so LIP left them as fitted); label "
        f"cleaning changed test accuracy by {100 * sum(cleaning_gains) / n_fits:+.1f} points on "
        "average.\nOur benchmarks (benchmarks/results/, summarized in docs/user_guide.rst) find "
        "the same on 20- to 100-class tasks and on networks: LIP's defaults almost never change "
        "a model, while label cleaning gains several points."
    )


if __name__ == "__main__":
    main()
