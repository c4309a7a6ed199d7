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
from sklstm.forecasting._multistep import _future_times
from sklstm.preprocessing._labels import _next_label

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


# -- The forecast times ------------------------------------------------------------


def label_by_label(times, steps):
    """The future times as _future_times computed them before: each label from
    the index grown by the labels before it."""
    future = []
    for _ in range(steps):
        future.append(_next_label(times))
        times = times.append(pd.Index(future[-1:]))
    return future


@pytest.mark.parametrize(
    "times",
    [
        pd.date_range("2020-01-01", periods=5, freq="MS"),  # inferred, not kept
        pd.DatetimeIndex(["2020-01-31", "2020-02-29", "2020-03-31"]),  # inferred ME
        pd.date_range("2020-01-01", periods=4, freq="2D"),
        pd.date_range("2021-03-27 22:00", periods=4, freq="h", tz="Europe/Paris"),
        pd.bdate_range("2024-01-04", periods=6),  # across a weekend
        pd.period_range("2020Q3", periods=3, freq="Q"),
        pd.RangeIndex(3, 12, 3),
        pd.Index([10, 15, 20], dtype="int64"),
        pd.Index([7], dtype="int32"),
    ],
)
def test_future_times_continue_each_index_as_label_by_label(times):
    assert _future_times(times, 30) == label_by_label(times, 30)


@pytest.mark.parametrize(
    "times, last",
    [
        (pd.date_range("2262-04-08", periods=3, freq="D"), "2262-04-11 00:00:00"),
        (pd.Index([2**63 - 7, 2**63 - 5, 2**63 - 3], dtype="int64"), str(2**63 - 1)),
    ],
)
def test_future_times_beyond_the_index_type_name_the_last_label(times, last):
    with pytest.raises(ValueError, match="does not exist"):
        label_by_label(times, 5)
    with pytest.raises(ValueError, match=rf"index ends at \S*{last}\S*: the label"):
        _future_times(times, 5)
