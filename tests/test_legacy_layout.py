"""Models saved by the flat layout (sklstm 0.2.0.dev0 before the subpackages) load.

The files in tests/data were written by the flat layout's code: joblib records
``sklstm._regressor.LSTMRegressor`` and the like, skops the same module paths.
"""

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor, SequenceNormalizer, SlidingWindow

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def expected():
    with np.load(DATA / "old_layout_expected.npz") as arrays:
        return dict(arrays)


def test_files_name_the_old_module_paths():
    # Guards the fixture itself: the test below would prove nothing if the
    # files were regenerated with the new layout.
    raw = (DATA / "old_layout_models.joblib").read_bytes()
    assert b"sklstm._regressor" in raw
    assert b"sklstm._window" in raw


def test_joblib_file_of_the_flat_layout_loads_and_predicts_the_same(expected):
    models = joblib.load(DATA / "old_layout_models.joblib")
    assert isinstance(models["pipe"][-1], LSTMRegressor)
    assert isinstance(models["pipe"][0], SlidingWindow)
    assert isinstance(models["clf"], LSTMClassifier)
    assert isinstance(models["norm"][0], SequenceNormalizer)
    series = expected["series"].reshape(-1, 1)
    assert_allclose(models["pipe"].predict(series), expected["pipe"], rtol=1e-5)
    assert_allclose(
        models["clf"].predict_proba(expected["Xc"]), expected["clf"], rtol=1e-5
    )
    assert_allclose(models["norm"].predict(expected["Xc"]), expected["norm"], rtol=1e-5)


@pytest.mark.parametrize("name", ["pipe", "clf", "norm"])
def test_skops_file_of_the_flat_layout_loads_and_predicts_the_same(name, expected):
    pytest.importorskip("skops.io")
    model = sklstm.load(DATA / f"old_layout_{name}.skops")
    if name == "pipe":
        got = model.predict(expected["series"].reshape(-1, 1))
    elif name == "clf":
        got = model.predict_proba(expected["Xc"])
    else:
        got = model.predict(expected["Xc"])
    assert_allclose(got, expected[name], rtol=1e-5)


def test_old_paths_name_the_classes_of_today():
    from sklstm._regressor import LSTMRegressor as Old

    assert Old is LSTMRegressor


def test_old_paths_resolve_in_a_fresh_interpreter():
    # pickle imports the recorded module before sklstm itself has run.
    code = (
        "import sklstm._window as old, sklstm;"
        "assert old.SlidingWindow is sklstm.SlidingWindow;"
        "assert old.SlidingWindow.__module__ == 'sklstm.preprocessing._window'"
    )
    root = Path(__file__).parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
