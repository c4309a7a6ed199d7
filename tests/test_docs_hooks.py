"""The documentation build's gallery hooks (docs/_gallery_hooks.py)."""

import importlib.util
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

HOOKS = Path(__file__).parents[1] / "docs" / "_gallery_hooks.py"


@pytest.fixture
def hooks():
    spec = importlib.util.spec_from_file_location("_gallery_hooks", HOOKS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGE = """.. _sphx_glr_auto_examples_plot_x.py:


=====
Title
=====

Text.
"""


def test_smoke_banner_goes_under_an_example_title(hooks, monkeypatch):
    monkeypatch.setenv("SKLSTM_EXAMPLES_SMOKE", "1")
    source = [PAGE]
    hooks.add_smoke_banner(None, "auto_examples/plot_x", source)
    title_end = source[0].index("=====\n\n") + len("=====\n")
    assert source[0][title_end:].lstrip().startswith(".. warning::")
    assert "not results" in source[0]
    assert source[0].endswith("\n\nText.\n")


@pytest.mark.parametrize("smoke", ["0", "1"])
def test_smoke_banner_only_on_example_pages_of_smoke_builds(hooks, monkeypatch, smoke):
    monkeypatch.setenv("SKLSTM_EXAMPLES_SMOKE", smoke)
    source = [PAGE]
    hooks.add_smoke_banner(None, "getting_started", source)
    assert source == [PAGE]
    if smoke == "0":
        hooks.add_smoke_banner(None, "auto_examples/plot_x", source)
        assert source == [PAGE]


def test_warnings_lose_paths_and_smoke_convergence_warnings(hooks, monkeypatch):
    monkeypatch.setenv("SKLSTM_EXAMPLES_SMOKE", "1")
    formatwarning = warnings.formatwarning
    hooks.reset_warnings({}, "plot_x.py", when="before")
    try:
        text = warnings.formatwarning("odd", UserWarning, "/home/build/x.py", 3)
        assert text == "UserWarning: odd\n"
        with warnings.catch_warnings(record=True) as caught:
            warnings.warn("two epochs", ConvergenceWarning, stacklevel=1)
            warnings.warn("kept", UserWarning, stacklevel=1)
        assert [str(w.message) for w in caught] == ["kept"]
    finally:
        hooks.reset_warnings({}, "plot_x.py", when="after")
    assert warnings.formatwarning is formatwarning
