"""benchmarks/bench_accuracy.py's protocol: splits and batched recursive forecasts."""

import pathlib

import numpy as np
import pytest

from sklstm import make_horizon_targets, recursive_forecast

BENCHMARKS = pathlib.Path(__file__).parents[1] / "benchmarks"


@pytest.fixture
def protocol(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import _accuracy_protocol

    return _accuracy_protocol


def test_split_forecasts_every_test_point_and_only_complete_horizons(protocol):
    n_train, origins, origins_h = protocol.split(100)
    assert n_train == 80
    assert (origins + 1).tolist() == list(range(80, 100))
    assert origins_h[0] == origins[0] and origins_h[-1] + protocol.HORIZON == 99


def test_batched_recursive_forecasts_match_recursive_forecast(protocol, capsys):
    values = np.sin(np.arange(120) / 4) + np.arange(120) / 50
    model = protocol.linear_ar(window=8)
    X, Y = make_horizon_targets(protocol.as_frame(values[:96]), horizon=1)
    model.fit(X, Y.ravel())
    origins = np.arange(95, 108)
    batched = protocol.recursive_forecasts(model, values, origins, 8, horizon=12)
    one_by_one = [
        recursive_forecast(model, protocol.as_frame(values[: o + 1]), steps=12)
        for o in origins
    ]
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-5, atol=1e-6)
    assert "origin by origin" not in capsys.readouterr().out  # it did batch
