#!/usr/bin/env bash
# Create .venv (if missing), install sklearn-lip with the neural extra, run the demo.
# Usage: bash scripts/run_demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
# The small CPU build of torch first: the `torch` extra would otherwise pull a multi-GB CUDA build.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[torch]"
exec .venv/bin/python examples/demo.py
