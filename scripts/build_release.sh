#!/usr/bin/env bash
# Build the release files, sdist and wheel, into dist/ with `python -m build`, then check them
# with `twine check` (metadata and README rendering, as PyPI does on upload). Creates .venv and
# installs `build` and `twine` (part of the `dev` extra) into it if they are missing.
# Usage: bash scripts/build_release.sh
# dist/ is emptied first, so it holds exactly this version's two files afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c "import build, twine" 2>/dev/null ||
    .venv/bin/python -m pip install -q "build>=1.2" "twine>=5"
rm -rf dist
# an isolated build environment, so the files do not depend on what .venv holds; building the
# wheel from the sdist checks that the sdist is complete
.venv/bin/python -m build --outdir dist .  # the sdist, then the wheel built from it
.venv/bin/python -m twine check --strict dist/*
ls -l dist
