"""Sphinx configuration for the sklearn-lip documentation.

Build with ``bash scripts/build_docs.sh`` (installs the ``docs`` extra into ``.venv`` if needed,
then runs ``python -m sphinx -W -b html docs docs/_build/html`` and executes the gallery).
``-D plot_gallery=0`` builds the gallery pages without running the examples. Everything is
local: no intersphinx, no fonts or icons fetched, no network access.

Generated at build time, inside ``docs/`` (ignored by git): ``generated/`` (one page per
public object, from the autosummary tables of ``api.rst``), ``auto_examples/`` (the gallery,
from ``examples/plot_*.py``) and ``sg_execution_times.rst``.
"""

# SPDX-License-Identifier: BSD-3-Clause

import importlib
import os
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
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",  # Markdown pages (.md) next to the reStructuredText ones
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# api.rst lists the objects in autosummary tables; each gets a page under generated/ from the
# templates in _templates/autosummary/ (with the gallery examples that use it). ``members``
# adds each class's public methods to its page.
autosummary_generate = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc docstrings carry the types
# numpydoc would add a Methods table per class whose entries need autosummary stub pages;
# autodoc's ``members`` already documents every method on the page.
numpydoc_show_class_members = False

# -- HTML: pydata-sphinx-theme, offline -------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-lip {release}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "navbar_persistent": [],  # the search field moves to a button: one line of header
    "navbar_end": ["search-button", "theme-switcher"],
    "header_links_before_dropdown": 4,  # one line of links at 1280 px; the rest under "More"
    # "On this page" only where listed: not on the landing page (its table needs the width)
    # nor in the gallery (the examples' code lines run to 100 characters)
    "secondary_sidebar_items": {
        **{page: ["page-toc"] for page in ("user_guide", "neural", "scale", "architecture")},
        **{page: ["page-toc"] for page in ("api", "whats_new", "generated/*")},
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "show_prev_next": False,
    "icon_links": [],  # icons would be external links; none are fetched at build time
    "navigation_with_keys": False,
}
html_sidebars = {"index": [], "whats_new": [], "auto_examples/index": []}
html_context = {"default_mode": "light"}

# -- Gallery: examples/plot_*.py, executed ----------------------------------------------------
# examples/demo.py and examples/plot_paper_analysis.py are command-line scripts (the README's
# demo, the paper analysis with --quick/--outdir); tests/test_examples.py runs them, the
# gallery does not. SKLEARN_LIP_GALLERY_PATTERN narrows the executed examples (a regular
# expression on the file path); the others are still rendered, without their output.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": os.environ.get("SKLEARN_LIP_GALLERY_PATTERN", r"/plot_"),
    "ignore_pattern": r"(demo|plot_paper_analysis)\.py$",
    "doc_module": ("sklearn_lip",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_lip": None},  # link the examples' code to these pages
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "first_notebook_cell": None,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "matplotlib_animations": False,
    # execute every example on every build: an output cached from an older version of the
    # package would hide an example it broke (the gallery takes well under a minute)
    "run_stale_examples": True,
}


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
