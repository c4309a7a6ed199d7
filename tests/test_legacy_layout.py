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


def _fitted_lstms(models):
    return [models["pipe"][-1], models["clf"], models["norm"][-1]]


def _check_validation_loss_names(model):
    assert "validation_scores_" not in vars(model)  # renamed when loaded
    history = model.history_
    losses = history["valid_loss"].tolist() if "valid_loss" in history else None
    assert model.validation_loss_ == losses
    with pytest.warns(FutureWarning, match="use validation_loss_"):
        assert model.validation_scores_ == losses
    return losses


def test_old_files_expose_validation_loss_and_the_deprecated_name():
    """0.2.0.dev0 saved ``validation_scores_``; it loads as ``validation_loss_``."""
    raw = (DATA / "old_layout_models.joblib").read_bytes()
    assert b"validation_scores_" in raw and b"validation_loss_" not in raw
    models = joblib.load(DATA / "old_layout_models.joblib")
    for model in _fitted_lstms(models):  # trained without early stopping
        assert _check_validation_loss_names(model) is None


@pytest.mark.parametrize("name", ["pipe", "clf"])
def test_old_skops_files_expose_validation_loss(name):
    pytest.importorskip("skops.io")
    model = sklstm.load(DATA / f"old_layout_{name}.skops")
    _check_validation_loss_names(model[-1] if name == "pipe" else model)
