import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sklstm
from sklstm._cli import main
from sklstm.datasets import load_co2, load_elnino


def test_elnino_is_the_monthly_noaa_series():
    sst = load_elnino()
    assert sst.shape == (732,)
    assert str(sst.index[0].date()) == "1950-01-01"
    assert str(sst.index[-1].date()) == "2010-12-01"
    assert sst.between(15.0, 30.0).all()


def test_co2_is_the_monthly_mauna_loa_series():
    co2 = load_co2()
    assert co2.shape == (526,)
    assert co2.index.freqstr == "MS"
    assert co2.notna().all() and co2.between(310.0, 380.0).all()
    assert co2.iloc[-12:].min() > co2.iloc[:-60].max()  # it trends


def test_demo_writes_scores_plots_and_model(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "--epochs", "2", "--out", str(tmp_path), "--window", "6"]) == 0
    captured = capsys.readouterr()
    # stderr is not a terminal here: no progress bar flooding the log
    assert "train_loss" not in captured.err
    for line in ("naive (last month)", "linear AR", "LSTM pipeline", "coverage"):
        assert line in captured.out
    for name in ("elnino", "co2"):
        assert (tmp_path / f"forecast_{name}.png").stat().st_size > 10_000
        results = pd.read_csv(tmp_path / f"backtest_{name}.csv")
        assert {"y_true", "y_pred", "naive", "lower", "upper"} <= set(results)
    # sklstm.load opens it with its defaults (no allow_pickle, no trusted=)
    model = sklstm.load(tmp_path / "model.skops")
    sst = load_elnino().to_frame()
    assert np.isfinite(model.predict(sst)).all()
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert len(scores) == 8  # 4 models x 2 series
    assert set(scores["series"]) == {"elnino", "co2"}


def test_module_entry_point_help():
    result = subprocess.run(
        [sys.executable, "-m", "sklstm", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--device" in result.stdout
    assert "--epochs" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--epochs", "0"], "argument --epochs: expected at least 1, got 0"),
        (["--epochs", "-3"], "argument --epochs: expected at least 1, got -3"),
        (["--epochs", "x"], "argument --epochs: expected a whole number, got 'x'"),
        (["--window", "5000"], "argument --window: 5000 months is longer than"),
        (["--device", "tpu"], "argument --device: The 'device' parameter"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(arguments, message, capsys, tmp_path):
    """argparse's convention: usage, one error line on stderr, exit status 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", *arguments, "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error
    assert not any(tmp_path.iterdir())  # refused before writing anything
