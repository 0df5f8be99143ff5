"""Settings of the small networks that the torch test modules train.

A module rather than fixtures: tests/test_common.py needs them while pytest collects it, to
build the LIPClassifier instance it checks. Test modules import it as ``_settings`` (pytest puts
tests/ on ``sys.path`` for the modules there); it imports neither torch nor skorch.
"""

# Small networks: every test fits in well under a second.
FAST = dict(hidden_units=(16,), max_epochs=20, lr=0.01, k=3, random_state=0)
# The same networks trained a fixed number of epochs on every row (no early stopping).
FIXED = {**FAST, "early_stopping": False}
