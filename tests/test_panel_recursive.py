"""Recursive forecasts of a panel: windows of each series' last row only.

Each test compares ``recursive_forecast`` with the path that predicts every
context row of every series at each step (forced by disabling the batched
one), which is what recursive_forecast did for panels before.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    CalendarFeatures,
    LSTMRegressor,
    PerSeriesScaler,
    SlidingWindow,
    make_horizon_targets,
    recursive_forecast,
)
from sklstm.forecasting import _panel_recursive

WINDOW = 4
STEPS = 3


@pytest.fixture
def ragged():
    """Three monthly series of other lengths, start times and levels."""
    rng = np.random.RandomState(0)
    series = {
        name: pd.Series(
            level + np.cumsum(rng.normal(size=n)),
            index=pd.date_range(start, periods=n, freq="MS"),
        )
        for name, level, start, n in [
            ("a", 10.0, "2020-01-01", 14),
            ("b", -5.0, "2020-07-01", 9),
            ("c", 300.0, "2019-03-01", 20),
        ]
    }
    return pd.concat(series, names=["series", "time"]).to_frame("value")


def lstm():
    return LSTMRegressor(hidden_size=8, max_epochs=2, random_state=0)


def fitted(model, panel):
    X, Y = make_horizon_targets(panel, horizon=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # PerSeriesScaler
        return model.fit(X, Y[:, 0])


def every_row_forecast(monkeypatch, model, panel, **kwargs):
    """The forecast of the path that predicts every context row of every series."""
    with monkeypatch.context() as patch:
        patch.setattr(_panel_recursive, "_panel_window_forecast", lambda *args: None)
        return recursive_forecast(model, panel, STEPS, **kwargs)


def assert_same_forecast(monkeypatch, model, panel, **kwargs):
    forecast = recursive_forecast(model, panel, STEPS, **kwargs)
    expected = every_row_forecast(monkeypatch, model, panel, **kwargs)
    assert forecast.index.equals(expected.index)
    assert forecast["forecast"].dtype == np.float64
    np.testing.assert_allclose(forecast["forecast"], expected["forecast"], rtol=1e-6)
    return forecast


def count_predicted_windows(monkeypatch, model):
    """A list that receives the number of windows of each LSTM predict call."""
    counts = []
    original = LSTMRegressor.predict

    def predict(self, X, **kwargs):
        counts.append(len(X))
        return original(self, X, **kwargs)

    monkeypatch.setattr(LSTMRegressor, "predict", predict)
    return counts


@pytest.mark.parametrize("scaled", [True, False])
def test_a_window_pipeline_predicts_one_window_a_series(monkeypatch, ragged, scaled):
    steps = [StandardScaler()] if scaled else []
    model = fitted(make_pipeline(*steps, SlidingWindow(WINDOW), lstm()), ragged)
    forecast = assert_same_forecast(monkeypatch, model, ragged)
    assert forecast.index.get_level_values(0).unique().tolist() == ["a", "b", "c"]
    counts = count_predicted_windows(monkeypatch, model)
    recursive_forecast(model, ragged, STEPS)
    assert counts == [3] * STEPS  # one window of each series' last row a step


def test_a_pandas_output_pipeline_windows_each_series(monkeypatch, ragged):
    pipeline = make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm())
    model = fitted(pipeline.set_output(transform="pandas"), ragged)
    assert_same_forecast(monkeypatch, model, ragged)


def test_a_per_series_scaler_reads_each_series_id(monkeypatch, ragged):
    model = fitted(
        make_pipeline(PerSeriesScaler(), SlidingWindow(WINDOW), lstm()), ragged
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert_same_forecast(monkeypatch, model, ragged)


def test_calendar_features_read_each_rows_time(monkeypatch, ragged):
    pipeline = make_pipeline(CalendarFeatures(), SlidingWindow(WINDOW), lstm())
    assert_same_forecast(monkeypatch, fitted(pipeline, ragged), ragged)


def test_exogenous_columns_take_their_future_rows(monkeypatch, ragged):
    panel = ragged.assign(price=np.sin(np.arange(len(ragged), dtype=float)))
    model = fitted(
        make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm()), panel
    )
    future = np.arange(3 * STEPS, dtype=float).reshape(-1, 1) / 10
    assert_same_forecast(monkeypatch, model, panel, future_exog=future)


def test_a_target_transformer_around_the_pipeline(monkeypatch, ragged):
    pipeline = make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm())
    model = TransformedTargetRegressor(pipeline, func=np.arcsinh, inverse_func=np.sinh)
    model = fitted(model, ragged)
    counts = count_predicted_windows(monkeypatch, model)
    assert_same_forecast(monkeypatch, model, ragged)
    assert counts[:STEPS] == [3] * STEPS


def test_a_search_object_around_the_pipeline(monkeypatch, ragged):
    pipeline = make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm())
    search = GridSearchCV(pipeline, {"lstmregressor__hidden_size": [4]}, cv=2)
    assert_same_forecast(monkeypatch, fitted(search, ragged), ragged)


def test_a_series_shorter_than_the_window_predicts_every_row(monkeypatch, ragged):
    short = pd.concat(
        [ragged.loc[["a"]], ragged.loc[["b"]].iloc[:2], ragged.loc[["c"]]]
    )
    model = fitted(
        make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm()), ragged
    )
    counts = count_predicted_windows(monkeypatch, model)
    forecast = recursive_forecast(model, short, STEPS)
    # WINDOW rows of "a" and "c" a step, and every row of "b", which grows.
    assert counts == [2 * WINDOW + 2, 2 * WINDOW + 3, 2 * WINDOW + 4]
    assert forecast.index.get_level_values(0).unique().tolist() == ["a", "b", "c"]


@pytest.mark.parametrize("context", [WINDOW - 1, WINDOW + 2])
def test_a_context_other_than_the_window_predicts_every_context_row(
    monkeypatch, ragged, context
):
    model = fitted(
        make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm()), ragged
    )
    counts = count_predicted_windows(monkeypatch, model)
    recursive_forecast(model, ragged, STEPS, context=context)
    assert counts == [3 * context] * STEPS
