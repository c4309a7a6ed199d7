import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    LSTMRegressor,
    SlidingWindow,
    make_horizon_targets,
    recursive_forecast,
)


def heteroscedastic(n_samples=1500):
    """Targets far from 0 whose noise grows with one input: |x| sets the spread."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, 6, 2))
    noise_sd = 0.1 + 0.6 * np.abs(X[:, -2, 1])
    y = (
        5
        + 3 * (X[:, -1, 0] + 0.5 * X[:, -3, 1])
        + noise_sd * rng.normal(size=n_samples)
    )
    return X, y, noise_sd


CALIBRATED = dict(
    hidden_size=32,
    max_epochs=80,
    lr=3e-3,
    normalize_y=True,
    early_stopping=True,
    validation_fraction=0.2,
    random_state=0,
)


def coverage(y, low, high):
    return np.mean((y >= low) & (y <= high))


def test_gaussian_interval_covers_nominally_and_tracks_the_noise():
    X, y, noise_sd = heteroscedastic()
    correlations = []
    for seed in range(3):
        params = {**CALIBRATED, "random_state": seed}
        model = LSTMRegressor(**params, loss="gaussian").fit(X[:1200], y[:1200])
        mean, std = model.predict(X[1200:], return_std=True)
        assert mean.shape == std.shape == (300,)
        assert (
            0.85 <= coverage(y[1200:], mean - 1.645 * std, mean + 1.645 * std) <= 0.95
        )
        correlations.append(np.corrcoef(std, noise_sd[1200:])[0, 1])
        np.testing.assert_array_equal(model.predict(X[1200:]), mean)
    # The predicted spread follows the true, input-dependent one (seeds 0-3
    # gave 0.58, 0.63, 0.64, 0.63): the median of three seeds is asserted.
    assert np.median(correlations) > 0.6


def test_quantile_interval_covers_nominally_without_crossing():
    X, y, _ = heteroscedastic()
    model = LSTMRegressor(**CALIBRATED, loss="quantile", quantiles=(0.05, 0.5, 0.95))
    model.fit(X[:1200], y[:1200])
    quantiles = model.predict_quantiles(X[1200:])
    assert quantiles.shape == (300, 3)
    assert (np.diff(quantiles, axis=1) >= 0).all()
    assert 0.85 <= coverage(y[1200:], quantiles[:, 0], quantiles[:, 2]) <= 0.95
    np.testing.assert_array_equal(model.predict(X[1200:]), quantiles[:, 1])


def test_multi_output_distributional_shapes():
    X, y, _ = heteroscedastic(n_samples=100)
    Y = np.column_stack([y, -y])
    fast = dict(hidden_size=4, max_epochs=1, random_state=0)
    gaussian = LSTMRegressor(**fast, loss="gaussian").fit(X, Y)
    assert [a.shape for a in gaussian.predict(X, return_std=True)] == [(100, 2)] * 2
    quantile = LSTMRegressor(**fast, loss="quantile").fit(X, Y)
    assert quantile.predict_quantiles(X).shape == (100, 2, 3)
    assert quantile.predict(X).shape == (100, 2)
    median, quantiles = quantile.predict(X, return_quantiles=True)
    assert (median.shape, quantiles.shape) == ((100, 2), (100, 2, 3))


@pytest.mark.parametrize("loss", ["absolute_error", "huber"])
def test_robust_losses_learn(loss):
    X, y, _ = heteroscedastic(n_samples=600)
    model = LSTMRegressor(
        hidden_size=16,
        max_epochs=30,
        lr=1e-2,
        loss=loss,
        normalize_y=True,
        random_state=0,
    ).fit(X[:500], y[:500])
    assert model.score(X[500:], y[500:]) > 0.8


@pytest.mark.parametrize(
    "alias, name", [("mse", "squared_error"), ("mae", "absolute_error")]
)
def test_deprecated_loss_names_warn_and_train_the_same_model(alias, name):
    X, y, _ = heteroscedastic(n_samples=100)
    params = dict(hidden_size=4, max_epochs=2, random_state=0, n_threads=1)
    message = (
        f"loss='{alias}' was deprecated in version 0.2 and will be removed in "
        f"0.3. Use loss='{name}'"
    )
    with pytest.warns(FutureWarning, match=message):
        deprecated = LSTMRegressor(**params, loss=alias).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        current = LSTMRegressor(**params, loss=name).fit(X, y)
    np.testing.assert_array_equal(deprecated.predict(X), current.predict(X))


def test_normalize_y_predicts_in_the_original_units():
    X, y, _ = heteroscedastic(n_samples=600)
    far = 1000.0 + 100.0 * y
    model = LSTMRegressor(
        hidden_size=16, max_epochs=30, lr=1e-2, normalize_y=True, random_state=0
    ).fit(X[:500], far[:500])
    np.testing.assert_allclose(model.y_mean_, [far[:500].mean()])
    np.testing.assert_allclose(model.y_scale_, [far[:500].std()])
    assert model.score(X[500:], far[500:]) > 0.8


def test_return_std_needs_the_gaussian_loss():
    X, y, _ = heteroscedastic(n_samples=50)
    model = LSTMRegressor(hidden_size=4, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="return_std=True needs loss='gaussian'"):
        model.predict(X, return_std=True)
    assert not hasattr(model, "predict_quantiles")


@pytest.mark.parametrize("loss", ["squared_error", "gaussian"])
def test_return_quantiles_needs_the_quantile_loss(loss):
    X, y, _ = heteroscedastic(n_samples=50)
    model = LSTMRegressor(hidden_size=4, max_epochs=1, loss=loss, n_threads=1)
    model.fit(X, y)
    with pytest.raises(ValueError, match="return_quantiles=True needs loss='quantile'"):
        model.predict(X, return_quantiles=True)


def test_return_quantiles_is_predict_and_predict_quantiles_at_once():
    X, y, _ = heteroscedastic(n_samples=50)
    model = LSTMRegressor(hidden_size=4, max_epochs=1, loss="quantile", n_threads=1)
    median, quantiles = model.fit(X, y).predict(X, return_quantiles=True)
    np.testing.assert_array_equal(median, model.predict(X))
    np.testing.assert_array_equal(quantiles, model.predict_quantiles(X))
    assert quantiles.shape == (50, 3)


def small_window_model(loss):
    return window_model(hidden_size=4, max_epochs=1, loss=loss, n_threads=1)


@pytest.mark.parametrize(
    "loss, keyword", [("gaussian", "return_std"), ("quantile", "return_quantiles")]
)
def test_pipeline_passes_interval_keywords_to_the_lstm(loss, keyword):
    series = seasonal_series(n=80)
    X, y = series[:-1, None], series[1:]
    pipe = small_window_model(loss).fit(X, y)
    y_pred, spread = pipe.predict(X, **{keyword: True})
    direct = pipe[-1].predict(pipe[:-1].transform(X), **{keyword: True})
    # The pipeline against the steps by hand: float32 outputs of order 1.
    np.testing.assert_allclose(y_pred, direct[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(spread, direct[1], rtol=1e-5, atol=1e-6)
    # One module computes every output: with or without the keyword, the same.
    np.testing.assert_array_equal(y_pred, pipe.predict(X))


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["lstm", "pipeline"])
@pytest.mark.parametrize(
    "loss, keyword", [("gaussian", "return_std"), ("quantile", "return_quantiles")]
)
def test_transformed_target_regressor_refuses_intervals_it_cannot_transform(
    in_pipeline, loss, keyword
):
    series = seasonal_series(n=80)
    X, y = series[:-1, None], series[1:]
    regressor = small_window_model(loss)
    if not in_pipeline:
        X = SlidingWindow(window=24).fit_transform(X)
        regressor = regressor[-1]
    model = TransformedTargetRegressor(regressor, transformer=StandardScaler())
    model.fit(X, y)
    with pytest.raises(ValueError, match=read_as_array_message(keyword)):
        model.predict(X, **{keyword: True})
    # The point forecast and the documented way round still work.
    assert model.predict(X).shape == (len(y),)
    assert len(model.regressor_.predict(X, **{keyword: True})) == 2


def read_as_array_message(keyword):
    return (
        rf"predict\(X, {keyword}=True\) returns a tuple of 2 arrays, which was "
        "read as one array of predicted values. A TransformedTargetRegressor "
        "does this: it transforms predicted values but cannot transform a "
        r"standard deviation or quantiles.*normalize_y=True.*"
        rf"\.regressor_\.predict\(X, {keyword}=True\)"
    )


class ScaleOutput:
    """A hand-written wrapper, not scikit-learn's, that reads ``ndim`` too."""

    def __init__(self, regressor):
        self.regressor = regressor

    def predict(self, X, **params):
        pred = self.regressor.predict(X, **params)
        return 2.0 * (pred if pred.ndim == 1 else pred[:, 0])


def test_interval_tuple_is_refused_by_any_wrapper_that_reads_it_as_an_array():
    series = seasonal_series(n=80)
    X, y = series[:-1, None], series[1:]
    pipe = small_window_model("gaussian").fit(X, y)
    # The refusal depends on what is done with the result, not on the caller.
    with pytest.raises(ValueError, match=read_as_array_message("return_std")):
        ScaleOutput(pipe).predict(X, return_std=True)
    np.testing.assert_allclose(ScaleOutput(pipe).predict(X), 2.0 * pipe.predict(X))


def test_interval_tuple_behaves_as_a_plain_tuple():
    series = seasonal_series(n=80)
    X, y = series[:-1, None], series[1:]
    result = small_window_model("quantile").fit(X, y).predict(X, return_quantiles=True)
    y_pred, y_quantiles = result
    assert isinstance(result, tuple)
    assert y_pred.shape == (len(y),)
    assert y_quantiles.shape[0] == len(y)
    # Probes for an array attribute see a tuple, as for any other tuple.
    assert not hasattr(result, "ndim")
    copied = pickle.loads(pickle.dumps(result))
    assert copied.keyword == "return_quantiles"
    np.testing.assert_array_equal(copied[1], y_quantiles)


@pytest.mark.parametrize("quantiles", [(0.1, 0.9), (0.5, 0.1), (0.0, 0.5), [0.5, 1.2]])
def test_invalid_quantiles_are_rejected_before_training(quantiles):
    X, y, _ = heteroscedastic(n_samples=50)
    with pytest.raises(ValueError, match="quantiles must be increasing"):
        LSTMRegressor(loss="quantile", quantiles=quantiles).fit(X, y)


def test_horizon_targets_align_and_drop_the_incomplete_future():
    frame = pd.DataFrame({"load": np.arange(10.0), "temp": np.arange(10.0) * -1})
    X, Y = make_horizon_targets(frame, horizon=3, target="load")
    assert isinstance(X, pd.DataFrame)
    assert len(X) == len(Y) == 7
    np.testing.assert_array_equal(Y[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(Y[-1], [7.0, 8.0, 9.0])
    _, Y_temp = make_horizon_targets(frame, horizon=2, target=1)
    np.testing.assert_array_equal(Y_temp[0], [-1.0, -2.0])


def test_a_target_never_appears_in_its_own_input_window():
    series = np.arange(100.0)  # every value is unique
    X, Y = make_horizon_targets(series, horizon=5)
    windows = SlidingWindow(window=8).fit_transform(X)
    for window, targets in zip(windows, Y, strict=True):
        assert not np.isin(targets, window).any()
        assert targets.min() > window.max()


def test_horizon_targets_errors():
    with pytest.raises(ValueError, match="horizon=5 needs at least 6"):
        make_horizon_targets(np.arange(5.0), horizon=5)
    with pytest.raises(ValueError, match="not a column"):
        make_horizon_targets(pd.DataFrame({"a": range(9)}), horizon=2, target="b")


@pytest.mark.parametrize("target", [True, False])
def test_bool_target_is_not_read_as_a_column_position(target):
    """Regression: target=True was read as column 1 (bool is an Integral)."""
    data = np.column_stack([np.arange(9.0), -np.arange(9.0)])
    with pytest.raises(ValueError, match=f"target={target} is a bool"):
        make_horizon_targets(data, horizon=2, target=target)
    model = LinearRegression().fit(data[:-1], data[1:, 0])
    with pytest.raises(ValueError, match=f"target={target} is a bool"):
        recursive_forecast(
            model, data, steps=2, target=target, future_exog=np.zeros((2, 1))
        )


def test_recursive_forecast_refuses_a_multi_output_model():
    """Regression: the second output of each row was fed back as the target."""
    series = np.arange(30.0)
    X, Y = make_horizon_targets(series, horizon=2)
    two_outputs = LinearRegression().fit(X, Y)
    with pytest.raises(ValueError, match=r"returned shape \(30, 2\).*\(2,\) values"):
        recursive_forecast(two_outputs, series, steps=3)
    # One output as a column is still one value per row.
    one_column = LinearRegression().fit(X, Y[:, :1])
    np.testing.assert_allclose(
        recursive_forecast(one_column, series, steps=2), [30.0, 31.0]
    )


def seasonal_series(n=480, period=12):
    rng = np.random.RandomState(0)
    t = np.arange(n)
    return 10 + 3 * np.sin(2 * np.pi * t / period) + 0.3 * rng.normal(size=n)


def window_model(**params):
    defaults = dict(hidden_size=32, max_epochs=60, lr=5e-3, normalize_y=True)
    lstm = LSTMRegressor(**{**defaults, **params}, random_state=0)
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=24)),
            ("lstm", lstm),
        ]
    )


def naive_rmse_per_horizon(series, origins, horizon):
    errors = [series[o + 1 : o + 1 + horizon] - series[o] for o in origins]
    return np.sqrt(np.mean(np.square(errors), axis=0))


def test_direct_forecast_beats_naive_at_every_horizon():
    series, horizon, n_train = seasonal_series(), 6, 360
    X, Y = make_horizon_targets(series, horizon)
    model = window_model().fit(X[:n_train], Y[:n_train])
    predicted = model.predict(X)[n_train:]  # held-out rows, windows over the past
    rmse = np.sqrt(np.mean((predicted - Y[n_train:]) ** 2, axis=0))
    origins = np.arange(n_train, len(X))
    assert (rmse < naive_rmse_per_horizon(series, origins, horizon)).all()


def test_recursive_forecast_beats_naive_at_every_horizon():
    series, horizon, n_train = seasonal_series(), 6, 360
    one_step = window_model().fit(series[: n_train - 1, None], series[1:n_train])
    origins = np.arange(n_train, len(series) - horizon, 10)
    forecasts = np.array(
        [recursive_forecast(one_step, series[: o + 1], steps=horizon) for o in origins]
    )
    actual = np.array([series[o + 1 : o + 1 + horizon] for o in origins])
    rmse = np.sqrt(np.mean((forecasts - actual) ** 2, axis=0))
    assert (rmse < naive_rmse_per_horizon(series, origins, horizon)).all()


def test_recursive_forecast_with_pipeline_inside_transformed_target():
    series = np.arange(60.0)
    history = pd.DataFrame(
        {"y": series}, index=pd.date_range("2020", periods=60, freq="MS")
    )
    original = history.copy()
    model = TransformedTargetRegressor(
        regressor=Pipeline([("scale", StandardScaler()), ("ar", LinearRegression())]),
        transformer=StandardScaler(),
    ).fit(history.iloc[:-1], series[1:])
    forecast = recursive_forecast(model, history, steps=4)
    np.testing.assert_allclose(forecast, [60.0, 61.0, 62.0, 63.0])
    pd.testing.assert_frame_equal(history, original)


def test_recursive_forecast_needs_future_exogenous_columns():
    data = np.column_stack([np.arange(30.0), np.ones(30)])
    model = LinearRegression().fit(data[:-1], data[1:, 0])
    with pytest.raises(ValueError, match=r"Pass future_exog of shape \(3, 1\)"):
        recursive_forecast(model, data, steps=3)
    with pytest.raises(ValueError, match=r"future_exog has shape \(2, 1\)"):
        recursive_forecast(model, data, steps=3, future_exog=np.ones((2, 1)))
    forecast = recursive_forecast(model, data, steps=3, future_exog=np.ones((3, 1)))
    np.testing.assert_allclose(forecast, [30.0, 31.0, 32.0])


@pytest.mark.filterwarnings(r"ignore:\s*This function behavior:UserWarning")
def test_mapie_online_intervals_around_the_pipeline():
    """The recipe of docs/forecasting.md: predict each row, then learn from it."""
    regression = pytest.importorskip("mapie.regression")
    series = seasonal_series()
    X, y = series[:-1, None], series[1:]
    model = window_model(max_epochs=30, n_threads=1).fit(X[:300], y[:300])
    windows = model[:-1].transform(X)
    mapie = regression.TimeSeriesRegressor(model[-1], method="aci", cv="prefit")
    mapie.fit(windows[:300], y[:300])
    mapie.conformalize(windows[300:400], y[300:400])
    bounds = []
    for t in range(400, len(y)):
        row = slice(t, t + 1)
        _, interval = mapie.predict(
            windows[row], confidence_level=0.9, allow_infinite_bounds=True
        )
        bounds.append(interval[:, :, 0])
        mapie.adapt_conformal_inference(
            windows[row], y[row], gamma=0.05, confidence_level=0.9
        )
        mapie.update(windows[row], y[row])
    bounds = np.concatenate(bounds)
    assert bounds.shape == (len(y) - 400, 2)
    assert coverage(y[400:], bounds[:, 0], bounds[:, 1]) >= 0.8
    assert np.isfinite(bounds).mean() > 0.9


def test_recursive_forecast_reads_only_the_window_it_needs():
    series = seasonal_series(n=120)
    one_step = window_model(max_epochs=2).fit(series[:-1, None], series[1:])
    history = series[:100]
    automatic = recursive_forecast(one_step, history, steps=5)  # last 24 rows
    whole = recursive_forecast(one_step, history, steps=5, context=len(history) + 5)
    # The same windows in batches of other sizes: float32 kernels, not bits.
    np.testing.assert_allclose(automatic, whole, rtol=1e-5, atol=1e-6)


def test_integer_column_labels_are_read_as_labels_first():
    frame = pd.DataFrame({1: np.arange(8.0), 0: -np.arange(8.0)})  # label 1 first
    _, Y = make_horizon_targets(frame, horizon=2, target=1)
    np.testing.assert_array_equal(Y[0], [1.0, 2.0])
    _, Y = make_horizon_targets(frame, horizon=2, target=0)
    np.testing.assert_array_equal(Y[0], [-1.0, -2.0])
    # Not a label but a position: ambiguous with integer labels, refused.
    labelled = frame.set_axis([10, 20], axis=1)
    with pytest.raises(
        ValueError, match=r"target=0 is not a column label.*columns\[0\]"
    ):
        make_horizon_targets(labelled, horizon=2, target=0)
    # With string labels an integer is a position.
    named = frame.set_axis(["load", "temperature"], axis=1)
    _, Y = make_horizon_targets(named, horizon=2, target=1)
    np.testing.assert_array_equal(Y[0], [-1.0, -2.0])


def test_a_duplicated_column_label_is_refused():
    frame = pd.DataFrame(np.ones((5, 2)), columns=["load", "load"])
    with pytest.raises(ValueError, match="names 2 columns"):
        make_horizon_targets(frame, horizon=2, target="load")


def test_recursive_forecast_names_the_columns_whose_future_it_needs():
    data = pd.DataFrame({"load": np.arange(30.0), "price": np.ones(30)})
    model = LinearRegression().fit(data.iloc[:-1], data["load"].to_numpy()[1:])
    with pytest.raises(ValueError, match=r"other 1 \['price'\] must be known"):
        recursive_forecast(model, data, steps=3, target="load")
    with pytest.raises(ValueError, match=r"non-target column of history, \['price'\]"):
        recursive_forecast(
            model, data, steps=3, target="load", future_exog=np.ones((3, 2))
        )
    with pytest.raises(ValueError, match="leave future_exog=None"):
        recursive_forecast(model, data[["load"]], steps=3, future_exog=np.ones((3, 0)))
    with pytest.raises(ValueError, match=r"pass future_exog\[\['price'\]\]"):
        recursive_forecast(
            model,
            data,
            steps=3,
            target="load",
            future_exog=pd.DataFrame({"tax": [1] * 3}),
        )
    before = data.copy()
    forecast = recursive_forecast(
        model, data, steps=3, target="load", future_exog=np.ones((3, 1))
    )
    np.testing.assert_allclose(forecast, [30.0, 31.0, 32.0])
    pd.testing.assert_frame_equal(data, before)


def test_recursive_forecast_of_a_panel_needs_every_series_future_exog():
    index = pd.MultiIndex.from_product([["a", "b"], range(10)])
    panel = pd.DataFrame({"load": np.arange(20.0), "price": 1.0}, index=index)
    model = LinearRegression().fit(panel.iloc[:-1], panel["load"].to_numpy()[1:])
    with pytest.raises(ValueError, match=r"future_exog of shape \(6, 1\)"):
        recursive_forecast(model, panel, steps=3, target="load")
    forecast = recursive_forecast(
        model, panel, steps=3, target="load", future_exog=np.ones((6, 1))
    )
    assert forecast.shape == (6, 1)


def test_panel_forecast_past_the_last_int64_label_is_a_clear_error():
    times = np.arange(2**63 - 6, 2**63, dtype=np.int64)
    index = pd.MultiIndex.from_product([["a", "b"], times], names=["id", "t"])
    panel = pd.DataFrame({"v": np.arange(12.0)}, index=index)
    model = LinearRegression().fit(panel[["v"]], np.arange(12.0))
    with pytest.raises(ValueError, match=r"index ends at .* does not exist"):
        recursive_forecast(model, panel, steps=2)


def test_nan_in_an_array_history_or_data_names_the_parameter():
    data = np.arange(20.0)
    data[5] = np.nan
    with pytest.raises(ValueError, match="data contains NaN"):
        make_horizon_targets(data, horizon=2)
    model = LinearRegression().fit(np.arange(19.0)[:, None], np.arange(1.0, 20.0))
    with pytest.raises(ValueError, match="history contains NaN"):
        recursive_forecast(model, data[:, None], steps=2)
