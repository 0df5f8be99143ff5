"""
Coming from cleanlab: the same call flags the same rows
=======================================================

:func:`sklearn_lip.find_label_issues <sklearn_lip.cleaning.find_label_issues>` takes
cleanlab's arguments (``labels=``, ``pred_probs=``, ``filter_by=``,
``return_indices_ranked_by=``, ...) and reproduces the rules of
``cleanlab.filter.find_label_issues`` (cleanlab 2.9). This example runs both on the
same out-of-fold probabilities, for each of cleanlab's seven ``filter_by`` rules, and
compares the rows they flag. Data: the breast cancer table with 20% of its labels flipped.
"""

# %%
# Out-of-fold probabilities
# -------------------------
# Both libraries expect probabilities from models that did not train on the row they
# predict: ``cross_val_predict(..., method="predict_proba")`` gives them.
import cleanlab.filter
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_lip

X, y = load_breast_cancer(return_X_y=True)
noise = sklearn_lip.SymmetricNoise(0.2, random_state=0)
_, labels = noise.fit_resample(X, y)
model = make_pipeline(StandardScaler(), LogisticRegression())
pred_probs = cross_val_predict(model, X, labels, cv=5, method="predict_proba")

# %%
# The same call, both libraries
# -----------------------------
rules = [
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
    "low_normalized_margin",
    "low_self_confidence",
]
counts, found = {}, {}
for rule in rules:
    theirs = cleanlab.filter.find_label_issues(
        labels=labels, pred_probs=pred_probs, filter_by=rule, n_jobs=1
    )
    ours = sklearn_lip.find_label_issues(labels=labels, pred_probs=pred_probs, filter_by=rule)
    same = np.array_equal(theirs, ours)
    counts[rule] = ours.sum()
    found[rule] = (ours & noise.noise_mask_).sum()
    print(f"{rule:22s} cleanlab {theirs.sum():3d} rows, sklearn_lip {ours.sum():3d}, same: {same}")

# %%
# Ranked indices, worst first, as ``return_indices_ranked_by`` asks:
theirs = cleanlab.filter.find_label_issues(
    labels, pred_probs, return_indices_ranked_by="self_confidence", n_jobs=1
)
ours = sklearn_lip.find_label_issues(
    labels=labels,
    pred_probs=pred_probs,
    filter_by="prune_by_noise_rate",
    return_indices_ranked_by="self_confidence",
)
print("same ranked indices:", np.array_equal(theirs, ours), "- first five:", ours[:5])

# %%
# One difference: the default rule
# --------------------------------
# Without ``filter_by`` (and without ``method``), sklearn_lip uses its own rule,
# ``method="class_margin"``, where cleanlab uses ``filter_by="prune_by_noise_rate"``. Pass
# ``filter_by`` explicitly when migrating. The figure compares how many rows each rule flags
# and how many of those were flipped by the noise (here we know which).
default = sklearn_lip.find_label_issues(labels=labels, pred_probs=pred_probs)
counts["class_margin (our default)"] = default.sum()
found["class_margin (our default)"] = (default & noise.noise_mask_).sum()
print(f"{noise.noise_mask_.sum()} labels were flipped")

fig, ax = plt.subplots(figsize=(7, 3.8))
names = list(counts)
ax.barh(names, [counts[name] for name in names], color="C0", label="flagged")
ax.barh(names, [found[name] for name in names], color="C1", label="flagged and flipped")
ax.axvline(noise.noise_mask_.sum(), color="k", linestyle="--", label="flipped labels")
ax.invert_yaxis()
ax.set_xlabel("rows")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
