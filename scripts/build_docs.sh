#!/usr/bin/env bash
# Build the documentation into docs/_build/html with warnings as errors, executing the gallery
# (examples/plot_*.py). Installs the `docs` extra into .venv first if something is missing.
# Usage: bash scripts/build_docs.sh                     # the whole site, gallery executed
#        bash scripts/build_docs.sh -D plot_gallery=0   # without running the examples
# Extra arguments go to sphinx-build. SKLEARN_LIP_GALLERY_PATTERN (a regular expression on
# the example's path) runs only some examples; the others are rendered without output.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/python -c "import sphinx, numpydoc, myst_parser, pydata_sphinx_theme, \
sphinx_gallery, cleanlab, dask_ml, distributed, matplotlib, torch, skorch, sklearn_lip" \
    2>/dev/null; then
    # torch before the `torch` extra; TORCH_INDEX_URL picks its index (see install_torch.sh).
    .venv/bin/python -c "import torch" 2>/dev/null || bash scripts/install_torch.sh
    .venv/bin/python -m pip install -q -e ".[docs]"
fi
# One BLAS/torch thread per process: the examples' timings and results do not depend on the
# machine's core count, and a shared machine is not oversubscribed.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec .venv/bin/python -m sphinx -W --keep-going -b html "$@" docs docs/_build/html
