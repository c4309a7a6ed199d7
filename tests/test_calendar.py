import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import (
    CalendarFeatures,
    LSTMRegressor,
    SlidingWindow,
    backtest,
    recursive_forecast,
)


def flatten(windows):
    return np.asarray(windows, dtype=np.float64).reshape(len(windows), -1)


def hourly(n=120):
    """A daily cycle in hourly rows, indexed by a DatetimeIndex with a frequency."""
    index = pd.date_range("2024-01-01", periods=n, freq="h")
    hours = np.arange(n)
    load = np.sin(2 * np.pi * hours / 24) + 0.01 * hours
    return pd.DataFrame({"load": load}, index=index)


def linear_calendar_model(window=3):
    return make_pipeline(
        CalendarFeatures(),
        SlidingWindow(window),
        FunctionTransformer(flatten),
        LinearRegression(),
    )


def test_month_one_hot_has_a_single_one_per_row():
    index = pd.date_range("2023-01-31", periods=30, freq="ME")
    frame = pd.DataFrame({"sales": np.arange(30.0)}, index=index)
    calendar = CalendarFeatures(encoding="onehot", keep_input=False).fit(frame)
    onehot = calendar.transform(frame)
    assert calendar.features_ == ("month",)
    assert onehot.shape == (30, 12)
    np.testing.assert_array_equal(onehot.sum(axis=1), 1.0)
    np.testing.assert_array_equal(onehot.argmax(axis=1), index.month - 1)
    assert calendar.get_feature_names_out().tolist() == [
        f"month_{m}" for m in range(1, 13)
    ]


def test_fourier_terms_lie_on_the_unit_circle_one_period_apart():
    frame = hourly(n=48)
    calendar = CalendarFeatures(features=("hour", "dayofweek")).fit(frame)
    out = calendar.transform(frame)
    names = calendar.get_feature_names_out().tolist()
    assert names == ["load", "hour_sin", "hour_cos", "dayofweek_sin", "dayofweek_cos"]
    np.testing.assert_array_equal(out[:, 0], frame["load"])
    for sine, cosine in ((1, 2), (3, 4)):
        np.testing.assert_allclose(out[:, sine] ** 2 + out[:, cosine] ** 2, 1.0)
    # Hour 0 is angle 0; 24 hours later the same point.
    np.testing.assert_allclose(out[0, 1:3], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(out[24, 1:3], out[0, 1:3])


@pytest.mark.parametrize(
    "freq, features",
    [
        ("h", ("hour", "dayofweek")),
        ("D", ("dayofweek", "month")),
        ("W", ("month",)),
        ("MS", ("month",)),
        ("QS", ("quarter",)),
    ],
)
def test_auto_chooses_features_by_the_frequency(freq, features):
    index = pd.date_range("2020-01-01", periods=10, freq=freq)
    frame = pd.DataFrame({"x": np.zeros(10)}, index=index)
    assert CalendarFeatures().fit(frame).features_ == features


def test_period_index_and_the_time_level_of_a_panel():
    periods = pd.period_range("2020-01", periods=6, freq="M")
    frame = pd.DataFrame({"x": np.arange(6.0)}, index=periods)
    onehot = CalendarFeatures(encoding="onehot", keep_input=False).fit_transform(frame)
    np.testing.assert_array_equal(onehot.argmax(axis=1), np.arange(6))
    panel = pd.concat({"a": frame, "b": frame}, names=["series", "month"])
    out = CalendarFeatures(encoding="onehot", keep_input=False).fit_transform(panel)
    np.testing.assert_array_equal(out, np.vstack([onehot, onehot]))


def test_a_datetime_column_instead_of_the_index():
    frame = pd.DataFrame(
        {"when": pd.date_range("2024-03-01", periods=4, freq="D"), "x": 1.0}
    )
    calendar = CalendarFeatures(features=("dayofweek",), column="when").fit(frame)
    out = calendar.transform(frame)
    assert calendar.get_feature_names_out().tolist() == [
        "x",
        "dayofweek_sin",
        "dayofweek_cos",
    ]
    angle = 2 * np.pi * frame["when"].dt.dayofweek / 7
    np.testing.assert_allclose(out[:, 1], np.sin(angle))


def test_pandas_output_keeps_the_index_and_names():
    frame = hourly(n=5)
    out = CalendarFeatures().set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_index_equal(out.index, frame.index)
    assert list(out.columns)[:2] == ["load", "hour_sin"]


@pytest.mark.parametrize(
    "X, kwargs, error, message",
    [
        (pd.DataFrame({"x": [1.0, 2.0]}), {}, ValueError, "not dates"),
        (np.ones((3, 2)), {}, TypeError, "DataFrame's index"),
        (hourly(5), {"column": "when"}, ValueError, "column='when' is not"),
        (hourly(5), {"features": ("week",)}, ValueError, r"unknown: \['week'\]"),
        (hourly(5), {"encoding": "binary"}, ValueError, "encoding"),
    ],
)
def test_inputs_without_dates_are_refused_clearly(X, kwargs, error, message):
    with pytest.raises(error, match=message):
        CalendarFeatures(**kwargs).fit(X)


def test_auto_refuses_yearly_or_irregular_times():
    yearly = pd.DataFrame(
        {"x": np.zeros(5)}, index=pd.date_range("2000", periods=5, freq="YS")
    )
    with pytest.raises(ValueError, match="yearly"):
        CalendarFeatures().fit(yearly)
    irregular = pd.DataFrame(
        {"x": np.zeros(4)},
        index=pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-05", "2020-03-01"]),
    )
    with pytest.raises(ValueError, match="no common frequency"):
        CalendarFeatures().fit(irregular)
    # Named features need no frequency.
    assert CalendarFeatures(features=["month"]).fit(irregular).features_ == ("month",)


def test_the_input_is_not_modified():
    frame = hourly(n=10)
    before = frame.copy()
    CalendarFeatures().fit_transform(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_grid_search_clones_the_pipeline():
    frame = hourly(n=96)
    X, y = frame.iloc[:-1], frame["load"].to_numpy()[1:]
    pipe = make_pipeline(
        CalendarFeatures(), SlidingWindow(3), FunctionTransformer(flatten), Ridge()
    )
    search = GridSearchCV(
        pipe,
        {"calendarfeatures__encoding": ["fourier", "onehot"]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert search.best_params_["calendarfeatures__encoding"] in {"fourier", "onehot"}
    assert clone(pipe).get_params()["calendarfeatures__features"] == "auto"


def test_with_an_lstm_in_a_pipeline():
    frame = hourly(n=80)
    X, y = frame.iloc[:-1], frame["load"].to_numpy()[1:]
    lstm = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0, n_threads=1)
    model = make_pipeline(CalendarFeatures(), SlidingWindow(6), lstm).fit(X, y)
    assert model.predict(X).shape == (len(X),)
    assert model[-1].n_features_in_ == 6  # the window's steps


def test_recursive_forecast_extends_the_calendar_from_the_index():
    frame = hourly()
    X, y = frame.iloc[:-1], frame["load"].to_numpy()[1:]
    model = linear_calendar_model().fit(X, y)
    forecast = recursive_forecast(model, X, steps=4)
    # By hand: append each forecast with the next hour's time.
    rows = X.copy()
    expected = []
    for _ in range(4):
        expected.append(model.predict(rows)[-1])
        next_time = rows.index[-1] + pd.Timedelta(hours=1)
        rows = pd.concat([rows, pd.DataFrame({"load": [expected[-1]]}, [next_time])])
    np.testing.assert_allclose(forecast, expected, rtol=1e-10)


def test_recursive_backtest_reads_the_calendar_of_the_forecast_times():
    """All origins advanced together match the origin-by-origin forecasts."""
    frame = hourly()
    X, y = frame.iloc[:-1], frame["load"].to_numpy()[1:]
    results = backtest(
        linear_calendar_model(),
        X,
        y,
        initial_train_size=80,
        horizon=3,
        refit=False,
        baselines=(),
    )
    model = linear_calendar_model().fit(X.iloc[:80], y[:80])
    expected = [
        recursive_forecast(model, X.iloc[: o + 1], 3) for o in range(80, len(X) - 2)
    ]
    np.testing.assert_allclose(results["y_pred"], np.ravel(expected), rtol=1e-9)


def test_calendar_columns_computed_ahead_are_known_future_covariates():
    frame = hourly()
    calendar = CalendarFeatures(keep_input=False).set_output(transform="pandas")
    X = frame.join(calendar.fit_transform(frame[[]]))  # from the index alone
    names = list(calendar.get_feature_names_out())
    y = frame["load"].to_numpy()[1:]
    model = make_pipeline(SlidingWindow(3), FunctionTransformer(flatten), Ridge())
    results = backtest(
        model,
        X.iloc[:-1],
        y,
        initial_train_size=80,
        horizon=3,
        baselines=(),
        target="load",
        known_future=names,
    )
    fitted = clone(model).fit(X.iloc[:80], y[:80])
    future = calendar.transform(pd.DataFrame(index=X.index[81:84]))
    expected = recursive_forecast(
        fitted, X.iloc[:81], 3, target="load", future_exog=future
    )
    np.testing.assert_allclose(results["y_pred"][:3], expected, rtol=1e-10)


def test_a_panel_backtest_reads_each_series_calendar():
    frame = hourly(n=60)
    panel = pd.concat({"a": frame, "b": 2 * frame}, names=["series", "time"])
    X = panel.groupby(level=0).head(59)
    y = panel.groupby(level=0).tail(59)["load"].to_numpy()
    model = make_pipeline(
        CalendarFeatures().set_output(
            transform="pandas"
        ),  # SlidingWindow reads the index
        SlidingWindow(3),
        FunctionTransformer(flatten),
        Ridge(alpha=1e-6),
    )
    results = backtest(
        model, X, y, initial_train_size=40, horizon=2, refit=False, baselines=()
    )
    assert set(results["series"]) == {"a", "b"}
    error = (results["y_pred"] - results["y_true"]).abs().max()
    assert error < 0.05 * results["y_true"].abs().max()
