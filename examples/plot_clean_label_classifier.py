"""
Cleaning a noisy tabular task with CleanLabelClassifier
=======================================================

:class:`~sklearn_lip.cleaning.CleanLabelClassifier` flags rows whose given label looks wrong
(confident learning on out-of-fold probabilities) and, with ``clean="auto"``, keeps the fit
without them only when held-out noisy rows show that it helps. Here: the digits with 30% of
the training labels flipped at random, around a logistic regression.
"""

# %%
# Noisy training labels, clean test labels
# ----------------------------------------
# :class:`~sklearn_lip.SymmetricNoise` flips 30% of the training labels to another class and
# records which rows it flipped in ``noise_mask_``, so we can check the flags against the
# truth. The test labels stay clean: accuracy on them is what we care about.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lip import CleanLabelClassifier, SymmetricNoise

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
noise = SymmetricNoise(0.3, random_state=0)
_, y_noisy = noise.fit_resample(X_train, y_train)
flipped = noise.noise_mask_
print(f"{flipped.sum()} of {len(y_noisy)} training labels flipped")

# %%
# The base model and the cleaned one
# ----------------------------------
base = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=300))
plain = base.fit(X_train, y_noisy)
cleaner = CleanLabelClassifier(base, cv=5, random_state=0).fit(X_train, y_noisy)
print(f"logistic regression on noisy labels: {plain.score(X_test, y_test):.3f}")
print(f"CleanLabelClassifier around it:      {cleaner.score(X_test, y_test):.3f}")

# %%
# Was the cleaning kept?
# ----------------------
# ``clean="auto"`` fitted the folds a second time without their flagged rows and compared the
# two sets of fold models on held-out rows, against the noisy labels (the only labels a user
# has). ``cleaned_`` says what it decided, ``validation_z_`` and ``validation_threshold_`` why.
print("cleaned_:", cleaner.cleaned_)
print(f"validation_z_: {cleaner.validation_z_:.2f} (needed {cleaner.validation_threshold_:.2f})")
print({name: round(score, 3) for name, score in cleaner.validation_scores_.items()})

# %%
# Reading ``label_issues_``
# -------------------------
# One entry per training row, in the columns of cleanlab's ``get_label_issues()`` table
# (``cleaner.get_label_issues()`` makes that table, a pandas DataFrame). Here we know which labels
# were flipped, so we can count how many flags were right.
issues = cleaner.label_issues_
flagged = issues["is_label_issue"]
print(f"flagged {flagged.sum()} rows: {(flagged & flipped).sum()} of them were flipped")
print(f"flipped rows found: {(flagged & flipped).sum()} of {flipped.sum()}")
suggested = issues["predicted_label"][flagged & flipped]
print(f"predicted_label is the true one on {np.mean(suggested == y_train[flagged & flipped]):.0%}")

# %%
# The ranking score ``label_quality`` (lower is more suspect) separates the flipped rows from
# the others; the flags are the lowest-scored rows of each class.
fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(-1, 1, 41)
ax.hist(issues["label_quality"][~flipped], bins=bins, alpha=0.6, label="label kept")
ax.hist(issues["label_quality"][flipped], bins=bins, alpha=0.6, label="label flipped")
ax.set_xlabel("label_quality (given label's probability minus the largest other)")
ax.set_ylabel("training rows")
ax.legend()
fig.tight_layout()
plt.show()
