"""
Early stopping on noisy labels with LIPClassifier
=================================================

A network trained for many epochs on noisy labels ends up memorising them.
:class:`~sklearn_lip.neural.LIPClassifier` holds out a slice of the (noisy) training rows,
scores every epoch on it, stops when it stops improving, then trains a network on every row
for the chosen number of epochs. This example reads what it decided and draws the curve it
decided on. Digits, 40% of the training labels flipped at random.
"""

# %%
# Fit the default and the old fixed-epoch training
# ------------------------------------------------
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_lip import SymmetricNoise
from sklearn_lip.neural import LIPClassifier

torch.set_num_threads(1)  # small networks: one thread is fastest and reproducible
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
_, y_noisy = SymmetricNoise(0.4, random_state=0).fit_resample(X_train, y_train)

stopped = LIPClassifier(random_state=0).fit(X_train, y_noisy)
memorised = LIPClassifier(early_stopping=False, random_state=0)
memorised.fit(X_train, y_noisy)
print(f"early-stopped (default): {stopped.score(X_test, y_test):.3f} clean-test accuracy")
print(f"50 epochs on every row:  {memorised.score(X_test, y_test):.3f} clean-test accuracy")

# %%
# What was decided
# ----------------
# ``epoch_rule_`` says how the epoch was chosen (``"holdout"``: 1257 training rows hold out 252,
# enough for one hold-out; smaller tables get 3-fold curves, ``"cv"``), ``stop_reason_`` why
# training ended, ``best_epoch_`` the epoch kept. ``k_`` is LIP's choice for the head:
# ``None`` means the held-out rows showed no significant gain and the head is as trained.
print("epoch_rule_:", stopped.epoch_rule_, "-", stopped.epoch_rule_reason_)
print("stop_reason_:", stopped.stop_reason_)
print("best_epoch_:", stopped.best_epoch_, "of", len(stopped.validation_curve_["epoch"]))
print("k_:", stopped.k_)

# %%
# The validation curve
# --------------------
# ``validation_curve_`` holds, per epoch of the early-stopped network, the training loss and
# the held-out loss and accuracy against the *noisy* held-out labels. With 40% of the labels
# wrong the held-out accuracy cannot approach 1. Here it rises for a few epochs and then
# levels off while the training loss keeps falling: the network goes on fitting its training
# rows, wrong labels included, without doing better on the held-out ones. Ten epochs
# (``n_iter_no_change``) without a better held-out accuracy stopped the training, and the
# refit on every row trained for ``best_epoch_`` epochs.
curve = stopped.validation_curve_
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
ax_loss.plot(curve["epoch"], curve["train_loss"], label="train_loss")
ax_loss.plot(curve["epoch"], curve["valid_loss"], label="valid_loss")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("loss")
ax_loss.legend()
ax_acc.plot(curve["epoch"], curve["valid_acc"], color="C2")
ax_acc.axvline(stopped.best_epoch_, color="k", linestyle="--", label="best_epoch_")
ax_acc.set_xlabel("epoch")
ax_acc.set_ylabel("held-out accuracy on noisy labels")
ax_acc.legend()
fig.tight_layout()
plt.show()
