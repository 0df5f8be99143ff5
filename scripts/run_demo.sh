#!/usr/bin/env bash
# Create .venv (if missing), install sklearn-lip, run the demo (examples/demo.py).
# Usage: bash scripts/run_demo.sh          # linear models only: installs no torch, runs in seconds
#        bash scripts/run_demo.sh --full   # the long grid, with the network rows (installs torch)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
if [ "${1:-}" = "--full" ]; then
    # The small CPU build of torch first: the `torch` extra would otherwise pull a multi-GB CUDA
    # build.
    .venv/bin/python -m pip install -q torch==2.13.0
    .venv/bin/python -m pip install -q -e ".[torch]"
else
    .venv/bin/python -m pip install -q -e .
fi
exec .venv/bin/python examples/demo.py "$@"
