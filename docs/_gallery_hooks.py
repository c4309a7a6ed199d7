"""Hooks of the gallery build, named by ``conf.py`` (importable, so cacheable).

- :func:`reset_warnings` runs before and after each example. Before, it
  writes any warning the example emits without the build machine's file path
  (``UserWarning: ...``, not ``/home/.../file.py:353: UserWarning: ...``),
  and, in a smoke build (``SKLSTM_EXAMPLES_SMOKE=1``: one to three epochs
  instead of the hundreds each example documents), drops scikit-learn's
  ``ConvergenceWarning``: with two epochs training always stops while it
  still improves, which says nothing about the example. After, it restores
  both, so that no example's settings leak into the next.
- :func:`add_smoke_banner` puts a warning at the top of each example page of a
  smoke build: its scores and plots come from a few epochs and are not
  results.
"""

import os
import re
import warnings

SMOKE_BANNER = """
.. warning::

   **Smoke run: the scores and plots on this page are not results.** This page
   was built with ``SKLSTM_DOCS_FAST=1``, which trains each model for one to
   three epochs to check that the code runs. Run the script (``python
   examples/<name>.py``) or build the documentation without
   ``SKLSTM_DOCS_FAST`` for the numbers the text describes.

"""

_saved = {}


def _format_without_path(message, category, filename, lineno, line=None):
    return f"{category.__name__}: {message}\n"


def reset_warnings(gallery_conf, fname, when):
    """Format warnings without paths; drop ConvergenceWarning in smoke runs."""
    if when == "before" and not _saved:
        _saved["filters"] = warnings.catch_warnings()
        _saved["filters"].__enter__()
        _saved["formatwarning"] = warnings.formatwarning
        warnings.formatwarning = _format_without_path
        if os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1":
            from sklearn.exceptions import ConvergenceWarning

            warnings.filterwarnings("ignore", category=ConvergenceWarning)
    elif when == "after" and _saved:
        warnings.formatwarning = _saved.pop("formatwarning")
        _saved.pop("filters").__exit__(None, None, None)


# The title of a generated page: a line of "=" over and under it, or under it.
_TITLE = re.compile(r"^(?:=+\n)?[^\n=].*\n=+\n", re.MULTILINE)


def add_smoke_banner(app, docname, source):
    """Sphinx ``source-read``: the smoke warning under each example's title."""
    if os.environ.get("SKLSTM_EXAMPLES_SMOKE") != "1":
        return
    if not docname.startswith("auto_examples/plot_"):
        return
    text = source[0]
    title = _TITLE.search(text)
    if title is None:
        return
    source[0] = text[: title.end()] + SMOKE_BANNER + text[title.end() :]
