#!/usr/bin/env bash
# Install torch 2.13.0 into .venv before the `torch` extra, so that the extra does not choose it.
# On PyPI, torch 2.13.0 for Linux x86_64 is the CUDA build: a 526 MB wheel that pulls several GB
# of CUDA wheels. Set TORCH_INDEX_URL to the PyTorch project's CPU index for the small CPU build:
#     TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu bash scripts/run_tests.sh
# Unset (the default), pip's own configured index is used (on the project's build machines that
# index serves the CPU build).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    .venv/bin/python -m pip install -q torch==2.13.0 --index-url "$TORCH_INDEX_URL"
else
    .venv/bin/python -m pip install -q torch==2.13.0
fi
