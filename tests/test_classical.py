"""The classical anchors of backtest: statsforecast's AutoETS and AutoARIMA."""

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression

from sklstm import backtest, make_horizon_targets

statsforecast = pytest.importorskip("statsforecast")
from statsforecast.models import AutoARIMA, AutoETS  # noqa: E402


class FailingRegressor(RegressorMixin, BaseEstimator):
    def fit(self, X, y):
        raise AssertionError("fit must not be reached")

    def predict(self, X):
        raise AssertionError("predict must not be reached")


def seasonal_walk(n=90, season=4, seed=0):
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.normal(size=n)) + 3 * np.sin(2 * np.pi * np.arange(n) / season)


def one_step(series, **kwargs):
    options = {"initial_train_size": 60, "baselines": ("ets", "arima")} | kwargs
    return backtest(LinearRegression(), series[:-1], series[1:], **options)


def test_refitting_at_every_origin_matches_statsforecast_by_hand():
    series = seasonal_walk()
    results = one_step(series, season_length=4, step=12)
    for origin, row in results.set_index("origin").iterrows():
        # The targets observed at origin o are y[:o] = series[1:o + 1].
        observed = series[1 : origin + 1]
        ets = AutoETS(season_length=4).forecast(y=observed, h=1)["mean"]
        arima = AutoARIMA(season_length=4).forecast(y=observed, h=1)["mean"]
        assert row["ets"] == pytest.approx(ets[0])
        assert row["arima"] == pytest.approx(arima[0])


def test_between_refits_the_fit_is_rolled_forward_without_refitting():
    series = seasonal_walk()
    results = one_step(series, refit=False, horizon=1, baselines=("ets",))
    model = AutoETS(season_length=1).fit(series[1:61])
    for origin in (61, 75, 88):
        expected = model.forward(y=series[1 : origin + 1], h=1)["mean"]
        row = results[results["origin"] == origin]
        assert row["ets"].item() == pytest.approx(expected[0])


@pytest.mark.parametrize("refit", [True, False, 2])
@pytest.mark.parametrize("window", ["expanding", "rolling"])
def test_forecasts_at_an_origin_ignore_later_values(refit, window):
    series = seasonal_walk()
    options = {"refit": refit, "window": window, "horizon": 3, "step": 8}
    results = one_step(series, **options)
    changed = series.copy()
    origin = 70
    changed[origin + 1 :] += 100.0  # everything after the origin
    altered = one_step(changed, **options)
    before = results["origin"] <= origin
    for name in ("ets", "arima"):
        assert np.isfinite(results[name]).all()
        np.testing.assert_allclose(altered.loc[before, name], results.loc[before, name])
        assert not np.allclose(altered.loc[~before, name], results.loc[~before, name])


def test_direct_targets_forecast_the_first_column():
    series = pd.Series(seasonal_walk(), name="y")
    X, Y = make_horizon_targets(series, horizon=3)
    results = backtest(
        LinearRegression(),
        X,
        Y,
        initial_train_size=60,
        horizon=3,
        step=10,
        baselines=("ets",),
    )
    for origin, rows in results.groupby("origin"):
        # Y[t, 0] is the value at t + 1: observed by origin o up to Y[o - 1, 0].
        expected = AutoETS(season_length=1).forecast(y=Y[:origin, 0], h=3)["mean"]
        np.testing.assert_allclose(rows["ets"], expected)


def test_season_comes_from_the_index():
    index = pd.period_range("2000-01", periods=90, freq="M")
    series = pd.Series(seasonal_walk(season=12), index=index)
    results = backtest(
        LinearRegression(),
        series.iloc[:-1],
        series.to_numpy()[1:],
        initial_train_size=70,
        step=19,
        baselines=("ets",),
    )
    expected = AutoETS(season_length=12).forecast(y=series.to_numpy()[1:71], h=1)
    assert results.attrs["season_length"] == 12
    assert results["ets"].iloc[0] == pytest.approx(expected["mean"][0])


def test_a_panel_gets_one_model_per_series():
    walks = {name: seasonal_walk(seed=seed) for seed, name in enumerate("ab")}
    frame = pd.concat(
        {name: pd.DataFrame({"y": values}) for name, values in walks.items()},
        names=["series", "time"],
    )
    X, Y = make_horizon_targets(frame, horizon=1)
    results = backtest(
        LinearRegression(),
        X,
        Y.ravel(),
        initial_train_size=60,
        horizon=2,
        step=10,
        baselines=("ets",),
    )
    for (name, origin), rows in results.groupby(["series", "origin"]):
        observed = walks[name][1 : origin + 1]
        expected = AutoETS(season_length=1).forecast(y=observed, h=2)["mean"]
        np.testing.assert_allclose(rows["ets"], expected)


def test_missing_statsforecast_names_the_extra_before_any_fit(monkeypatch):
    # None in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "statsforecast", None)
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)
    series = seasonal_walk()
    with pytest.raises(ImportError, match=r'pip install "sklstm\[classical\]"'):
        backtest(
            FailingRegressor(),
            series[:-1],
            series[1:],
            initial_train_size=60,
            baselines=("naive", "arima"),
        )
    # Without them, nothing is imported.
    results = backtest(
        LinearRegression(),
        series[:-1],
        series[1:],
        initial_train_size=60,
        baselines=("naive",),
    )
    assert "arima" not in results


@pytest.mark.parametrize(
    "options, message",
    [
        ({"initial_train_size": 5}, "initial_train_size=5 leave 5"),
        ({"initial_train_size": 60, "window": 6}, "and window=6 leave 6"),
        ({"initial_train_size": 60, "baselines": ("ETS",)}, r"unknown names \['ETS'\]"),
    ],
)
def test_bad_arguments_raise_before_any_fit(options, message):
    series = seasonal_walk()
    options = {"baselines": ("ets",)} | options
    with pytest.raises(ValueError, match=message):
        backtest(FailingRegressor(), series[:-1], series[1:], **options)
