import subprocess
import sys

import joblib
import numpy as np
import pytest

from sklstm._cli import main
from sklstm.datasets import load_elnino


def test_elnino_is_the_monthly_noaa_series():
    sst = load_elnino()
    assert sst.shape == (732,)
    assert str(sst.index[0].date()) == "1950-01-01"
    assert str(sst.index[-1].date()) == "2010-12-01"
    assert sst.between(15.0, 30.0).all()


def test_demo_writes_scores_plot_and_model(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "--epochs", "2", "--out", str(tmp_path), "--window", "6"]) == 0
    captured = capsys.readouterr()
    assert "train_loss" in captured.err  # the progress bar
    for line in ("naive (last month)", "linear AR(6)", "LSTM pipeline"):
        assert line in captured.out
    assert (tmp_path / "forecast.png").stat().st_size > 10_000
    model = joblib.load(tmp_path / "model.joblib")
    sst = load_elnino().to_frame()
    assert np.isfinite(model.predict(sst)).all()
    scores = (tmp_path / "scores.csv").read_text()
    assert scores.count("\n") == 5


def test_module_entry_point_help():
    result = subprocess.run(
        [sys.executable, "-m", "sklstm", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--device" in result.stdout
    assert "--epochs" in result.stdout
