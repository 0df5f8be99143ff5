"""
Partial labels: learning from candidate sets
============================================

In partial-label learning each training row comes with a *set* of candidate classes, one of
which is right. :class:`~sklearn_lip.PartialLabelNoise` makes such sets from clean labels,
and :class:`~sklearn_lip.neural.LIPClassifier` trains on them directly when ``y`` is a 0/1
candidate matrix, with a partial-label loss (``"cc"``, classifier-consistent, the default
for candidate sets, or ``"proden"``). The naive alternative draws one candidate per row
and trains on it as if it were the label. Digits, each wrong class joining a row's set with
probability 0.5.
"""

# %%
# Candidate sets
# --------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_lip import PartialLabelNoise
from sklearn_lip.neural import LIPClassifier

torch.set_num_threads(1)  # small networks: one thread is fastest and reproducible
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
noise = PartialLabelNoise(ambiguity=0.5, random_state=0)
_, candidates = noise.fit_resample(X_train, y_train)  # shape (n_train, 10), 0/1
sizes = candidates.sum(axis=1)
print(f"candidate matrix {candidates.shape}, {sizes.mean():.1f} candidates per row on average")
print("first row:", candidates[0], "true class:", y_train[0])

# %%
# Three networks
# --------------
# The same network and training (early stopping on held-out rows; for candidate sets a
# held-out prediction counts as right when it is one of the row's candidates), three
# targets: the candidate matrix with each partial-label loss, and one random candidate per
# row with cross-entropy.
rng = np.random.default_rng(0)
one_candidate = np.array([rng.choice(np.flatnonzero(row)) for row in candidates])
print(f"the random candidate is the true class for {np.mean(one_candidate == y_train):.0%}")

settings = {
    'candidate sets, criterion="cc"': (candidates, "cc"),
    'candidate sets, criterion="proden"': (candidates, "proden"),
    "one random candidate, ce": (one_candidate, "ce"),
}
accuracy = {}
for name, (target, criterion) in settings.items():
    clf = LIPClassifier(hidden_units=(128,), criterion=criterion, random_state=0)
    clf.fit(X_train, target)
    accuracy[name] = clf.score(X_test, y_test)
    print(f"{name:36s} clean-test accuracy {accuracy[name]:.3f}, best epoch {clf.best_epoch_}")

# %%
# ``predict`` returns one class per row in every case; the test labels are clean.
fig, (ax_sizes, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5), width_ratios=[1, 1.4])
ax_sizes.hist(sizes, bins=np.arange(0.5, 11.5), rwidth=0.8)
ax_sizes.set_xlabel("candidates per training row")
ax_sizes.set_ylabel("rows")
ax_acc.barh(list(accuracy), list(accuracy.values()), color=["C0", "C0", "C7"])
ax_acc.set_xlim(0.5, 1)
ax_acc.invert_yaxis()
ax_acc.set_xlabel("clean-test accuracy")
fig.tight_layout()
plt.show()

# %%
# On this data both partial-label losses learned from the candidate sets (accuracies printed
# above), while the network trained on one random candidate per row learned little: with
# this many candidates the drawn label is right for only about one row in five, so most of
# its labels are wrong. With smaller candidate sets the gap is much smaller; the
# :doc:`user guide <../user_guide>` reports the partial-label benchmark.
