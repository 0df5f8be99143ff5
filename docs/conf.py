"""Sphinx configuration for the sklearn-lip documentation.

Build from the repository root with ``python -m sphinx -W -b html docs docs/_build/html``
(needs the ``docs`` extra: ``pip install -e ".[docs]"``). Everything is local: no intersphinx,
no theme package (the default alabaster theme), no network access.
"""

# SPDX-License-Identifier: BSD-3-Clause

import importlib
import re
import sys
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
# document the checkout next to this file, even when another copy is installed
sys.path.insert(0, str(ROOT))
sklearn_lip = importlib.import_module("sklearn_lip")

project = "sklearn-lip"
author = "sklearn-lip developers"
copyright = "sklearn-lip developers, BSD-3-Clause"
version = release = sklearn_lip.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",  # Markdown pages (.md) next to the reStructuredText ones
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]

# api.rst lists the objects by hand; ``members`` adds each class's public methods
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc docstrings carry the types
# numpydoc would add a Methods table per class whose entries need autosummary stub pages;
# autodoc's ``members`` already documents every method on the page.
numpydoc_show_class_members = False

html_theme = "alabaster"
html_title = f"sklearn-lip {release}"


# Docstrings follow scikit-learn's standard wording, which cross-references scikit-learn's
# glossary (":term:`fit`") and user guide (":ref:`metadata_routing`"); so do the
# ``set_*_request`` methods scikit-learn generates. Intersphinx would resolve these but needs the
# network, so the references that stay unresolved here link to scikit-learn's pages instead:
# every glossary term, and the user-guide labels listed below. Any other missing reference
# still warns (and fails ``-W``).
SKLEARN_DOCS = "https://scikit-learn.org/stable/"
SKLEARN_LABELS = {"metadata_routing": "metadata_routing.html"}


def link_sklearn_reference(app, env, node, contnode):
    """``missing-reference`` handler: a link into scikit-learn's documentation, or ``None``."""
    target = node["reftarget"]
    if node["reftype"] == "term":
        page = "glossary.html#term-" + re.sub(r"\s+", "-", target.strip().lower())
    elif node["reftype"] == "ref" and target in SKLEARN_LABELS:
        page = SKLEARN_LABELS[target]
    else:
        return None
    return nodes.reference("", "", contnode, internal=False, refuri=SKLEARN_DOCS + page)


def setup(app):
    """Register the handler that links unresolved glossary and label references to scikit-learn."""
    app.connect("missing-reference", link_sklearn_reference)
