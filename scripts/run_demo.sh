#!/usr/bin/env bash
# Create .venv (if missing), install sklearn-lip, run the demo (examples/demo.py).
# Usage: bash scripts/run_demo.sh          # linear models only: installs no torch, runs in seconds
#        bash scripts/run_demo.sh --full   # the long grid, with the network rows (installs torch)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
if [ "${1:-}" = "--full" ]; then
    # torch before the `torch` extra; TORCH_INDEX_URL picks its index (see install_torch.sh).
    bash scripts/install_torch.sh
    .venv/bin/python -m pip install -q -e ".[torch]"
else
    .venv/bin/python -m pip install -q -e .
fi
exec .venv/bin/python examples/demo.py "$@"
