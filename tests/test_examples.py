import runpy
from pathlib import Path

import pytest

# The gallery: plot_*.py files run as scripts (serve_*.py starts a server instead).
EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_runs_in_smoke_mode(path, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("SKLSTM_EXAMPLES_SMOKE", "1")
    monkeypatch.chdir(tmp_path)
    namespace = runpy.run_path(str(path), run_name="__main__")
    assert namespace["SMOKE"]  # it ran to the end, in smoke mode
