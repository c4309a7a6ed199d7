"""Sphinx configuration of the sklstm documentation.

Build from the repository root with::

    python -m pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

``SKLSTM_DOCS_FAST=1`` runs the gallery examples in their smoke mode (a few
epochs each), as CI does; without it the examples train fully and the pages
show real scores.
"""

import os
import re
import sys
from pathlib import Path

from docutils import nodes

# The gallery runs matplotlib without a display.
os.environ.setdefault("MPLBACKEND", "Agg")
# The examples train small networks, for which more PyTorch threads gain
# little; and several threads slow to a crawl when other processes keep the
# cores busy (measured on 2 busy cores: 26 s against 5.5 min for the fast
# build). Set before torch is first imported, just below; an explicit
# OMP_NUM_THREADS wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")
if os.environ.get("SKLSTM_DOCS_FAST") == "1":
    # Read by every example: cut epochs so that CI stays fast.
    os.environ["SKLSTM_EXAMPLES_SMOKE"] = "1"

HERE = Path(__file__).parent
# Document the checkout's sources even when an older sklstm is installed;
# the gallery's hooks (_gallery_hooks.py) are named by module path.
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _gallery_hooks import add_smoke_banner  # noqa: E402

import sklstm  # noqa: E402

project = "sklstm"
author = "The sklstm developers"
copyright = "The sklstm developers"
version = release = sklstm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
# accuracy_table.md is bench_accuracy.py's output, included by accuracy.md.
exclude_patterns = ["_build", "README.md", "**/README.md", "accuracy_table.md"]

# -- MyST (the guide pages are Markdown) ------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

# -- API reference ----------------------------------------------------------
autosummary_generate = True
# Which members each page lists is set by the templates in _templates/.
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
# Every public docstring passes numpydoc's validation; the build fails
# otherwise (-W). Left out: GL08 (private helpers without docstrings),
# ES01 (extended summary), SA01 (See Also), EX01 (Examples on methods: each
# public class and function has an Examples section, run by pytest as a
# doctest), RT02 (returned values are named, "self : LSTMRegressor", as in
# scikit-learn).
numpydoc_validation_checks = {"all", "GL08", "ES01", "SA01", "EX01", "RT02"}
# scikit-learn's metadata-routing and set_output methods, which every
# estimator inherits, are left out of the API pages: sklstm's estimators
# request no metadata, and SlidingWindow's 3-D output is not a table.
SKLEARN_PLUMBING = re.compile(r"get_metadata_routing|set_output|set_\w+_request")

# -- Gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "backreferences_dir": "gen_modules",
    "doc_module": ("sklstm",),
    "reference_url": {"sklstm": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # Warnings reach a page without the build machine's paths; a smoke
    # build's ConvergenceWarnings (two epochs) stay off it.
    "reset_modules": ("matplotlib", "_gallery_hooks.reset_warnings"),
    "reset_modules_order": "both",
    # An example that raises fails the build, once the others have run.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
}

# -- HTML -------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_sidebars = {"getting_started": [], "api": []}
html_show_sourcelink = False


# -- References into scikit-learn's documentation ---------------------------
# Docstrings, sklstm's and those inherited from scikit-learn (``score``), use
# scikit-learn's glossary terms and labels. Without network access at build
# time there is no intersphinx inventory, so the few that occur are linked
# here by hand; any other unresolved reference still fails the build.
SKLEARN_DOCS = "https://scikit-learn.org/stable/"
SKLEARN_TERMS = {"fit"}
SKLEARN_LABELS = {
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
}


def link_sklearn_references(app, env, node, contnode):
    """Resolve a missing ``:term:`` or ``:ref:`` to scikit-learn's pages."""
    if node.get("refdomain") != "std":
        return None
    target = node["reftarget"]
    if node["reftype"] == "term" and target.lower() in SKLEARN_TERMS:
        uri = f"{SKLEARN_DOCS}glossary.html#term-{target.lower()}"
    elif node["reftype"] == "ref" and target in SKLEARN_LABELS:
        uri = SKLEARN_DOCS + SKLEARN_LABELS[target]
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=uri)
    reference += contnode
    return reference


def skip_sklearn_plumbing(app, what, name, obj, skip, options):
    """Leave scikit-learn's metadata-routing and set_output methods out."""
    return True if SKLEARN_PLUMBING.fullmatch(name) else None


def setup(app):
    app.connect("autodoc-skip-member", skip_sklearn_plumbing)
    app.connect("missing-reference", link_sklearn_references)
    app.connect("source-read", add_smoke_banner)
