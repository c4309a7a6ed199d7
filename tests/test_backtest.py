import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from sklstm import (
    BacktestDisplay,
    LSTMRegressor,
    SlidingWindow,
    backtest,
    backtest_summary,
    make_horizon_targets,
    recursive_forecast,
)
from sklstm.forecasting import _backtest_plan, _conformal
from sklstm.forecasting._conformal import ACI_GAMMA, ACI_WINDOW, adaptive_conformal

matplotlib.use("Agg")

# Forecasts of order 1 computed in another batch: by the float32 LSTM, and by
# float64 linear models.
FLOAT32 = {"rtol": 1e-5, "atol": 1e-5}
FLOAT64 = {"rtol": 1e-12, "atol": 1e-12}


def flatten(X):
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def linear_pipeline(window=4):
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window)),
            ("flatten", FunctionTransformer(flatten)),
            ("linear", LinearRegression()),
        ]
    )


def lstm_pipeline():
    lstm = LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0, n_threads=1)
    return Pipeline([("window", SlidingWindow(8)), ("lstm", lstm)])


def ar_series(n=120, seed=0):
    """A seasonal AR(1) target (period 4) and a known covariate, as columns."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    season = np.sin(2 * np.pi * t / 4)
    target = np.zeros(n)
    for i in range(1, n):
        target[i] = 0.6 * target[i - 1] + season[i] + 0.3 * rng.normal()
    return np.column_stack([target, np.cos(t / 5)])


def refits(n_origins, every):
    return [i % every == 0 for i in range(n_origins)]


def hand_one_step(estimator, X, y, origins, refit_at, start=lambda o: 0):
    """y[o] predicted from X[:o + 1], trained on rows whose target is known."""
    predictions = []
    for origin, refit in zip(origins, refit_at, strict=True):
        if refit:
            model = clone(estimator).fit(
                X[start(origin) : origin], y[start(origin) : origin]
            )
        predictions.append(model.predict(X[: origin + 1])[-1])
    return np.array(predictions)


def test_one_step_matches_a_hand_written_loop():
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    results = backtest(
        linear_pipeline(), X, y, initial_train_size=80, baselines=("naive",)
    )
    origins = np.arange(80, len(X))
    expected = hand_one_step(linear_pipeline(), X, y, origins, [True] * len(origins))
    np.testing.assert_array_equal(results["origin"], origins)
    np.testing.assert_array_equal(results["step"], 1)
    np.testing.assert_array_equal(results["y_true"], y[origins])
    np.testing.assert_allclose(results["y_pred"], expected, rtol=1e-12)


def test_lstm_pipeline_matches_a_hand_written_loop():
    data = ar_series(n=70)
    X, y = data[:-1], data[1:, 0]
    results = backtest(
        lstm_pipeline(), X, y, initial_train_size=64, step=2, baselines=()
    )
    origins = np.arange(64, len(X), 2)
    expected = hand_one_step(lstm_pipeline(), X, y, origins, [True] * len(origins))
    # Each origin's window predicted in another batch: float32 precision.
    np.testing.assert_allclose(results["y_pred"], expected, **FLOAT32)


def test_direct_horizon_matches_a_hand_written_loop():
    X, Y = make_horizon_targets(ar_series(), horizon=3)
    results = backtest(
        linear_pipeline(), X, Y, initial_train_size=70, horizon=3, baselines=()
    )
    expected, truth = [], []
    for origin in range(70, len(X)):
        # Row t's targets reach t + 3: rows < origin - 2 are known at origin.
        model = linear_pipeline().fit(X[: origin - 2], Y[: origin - 2])
        expected.append(model.predict(X[: origin + 1])[-1])
        truth.append(Y[origin])
    assert len(results) == 3 * len(expected)
    np.testing.assert_allclose(results["y_pred"], np.ravel(expected), rtol=1e-12)
    np.testing.assert_array_equal(results["y_true"], np.ravel(truth))
    np.testing.assert_array_equal(results["step"][:3], [1, 2, 3])


def test_recursive_horizon_matches_a_hand_written_loop():
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    results = backtest(
        linear_pipeline(),
        X,
        y,
        initial_train_size=80,
        horizon=3,
        baselines=(),
        target=0,
        known_future=[1],
    )
    expected, truth = [], []
    for origin in range(80, len(X) - 2):
        model = linear_pipeline().fit(X[:origin], y[:origin])
        # The covariate's future is known: column 1 at rows origin+1 ... +3.
        future = data[origin + 1 : origin + 4, 1:]
        expected.append(
            recursive_forecast(model, X[: origin + 1], 3, future_exog=future)
        )
        truth.append(y[origin : origin + 3])
    # Origins advance together: float64 products of another batch size round
    # the last bits differently (1e-14 here).
    np.testing.assert_allclose(
        results["y_pred"], np.ravel(expected), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_array_equal(results["y_true"], np.ravel(truth))


@pytest.mark.parametrize("make_pipeline", [linear_pipeline, lstm_pipeline])
def test_recursive_origins_advance_together_as_the_per_origin_loop(make_pipeline):
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    CountingRegressor.predict_calls = 0
    results = backtest(
        make_pipeline(),
        X,
        y,
        initial_train_size=60,
        horizon=4,
        step=3,
        refit=False,
        season_length=4,
        target=0,
        known_future=[1],
    )
    model = make_pipeline().fit(X[:60], y[:60])
    linear = Pipeline([*model.steps[:-1], ("linear", LinearRegression())])
    if make_pipeline is lstm_pipeline:
        linear.steps.insert(1, ("flatten", FunctionTransformer(flatten)))
    linear.fit(X[:60], y[:60])
    origins = np.arange(60, len(X) - 3, 3)
    # All origins in one batch against one at a time: float64 products round
    # the last bits differently (1e-14 here), the LSTM's float32 ones more.
    lstm = make_pipeline is lstm_pipeline
    tolerance = {"y_pred": FLOAT32 if lstm else FLOAT64, "linear": FLOAT64}
    for column, fitted in (("y_pred", model), ("linear", linear)):
        expected = [
            recursive_forecast(
                fitted, X[: o + 1], 4, future_exog=data[o + 1 : o + 5, 1:]
            )
            for o in origins
        ]
        np.testing.assert_allclose(
            results[column], np.ravel(expected), **tolerance[column]
        )


@pytest.mark.filterwarnings("ignore:window=6 is longer than the")
def test_recursive_origins_without_a_whole_window_are_rolled_one_by_one():
    """A DataFrame through a scaler; the first origins see fewer rows than the
    window (padded), later ones a whole window: both match the per-origin loop."""
    data = ar_series(n=60)
    frame = pd.DataFrame(data[:-1], columns=["target", "covariate"])
    y = data[1:, 0]
    estimator = linear_pipeline(window=6)
    results = backtest(
        estimator,
        frame,
        y,
        initial_train_size=3,
        horizon=3,
        refit=2,
        baselines=(),
        target="target",
        known_future=["covariate"],
    )
    expected = []
    for o in range(3, len(frame) - 2):
        if (o - 3) % 2 == 0:  # refit=2; origins 3 and 4 lack a whole window
            model = linear_pipeline(window=6).fit(frame.iloc[:o], y[:o])
        future = data[o + 1 : o + 4, 1:]
        expected.append(
            recursive_forecast(model, frame.iloc[: o + 1], 3, future_exog=future)
        )
    np.testing.assert_allclose(
        results["y_pred"], np.ravel(expected), rtol=1e-12, atol=1e-12
    )


def test_recursive_backtest_predicts_all_origins_once_per_step():
    data = ar_series()
    estimator = Pipeline(
        [
            ("window", SlidingWindow(4)),
            ("flatten", FunctionTransformer(flatten)),
            ("linear", CountingRegressor()),
        ]
    )
    CountingRegressor.predict_calls = 0
    results = backtest(
        estimator,
        data[:-1],
        data[1:, 0],
        initial_train_size=20,
        horizon=5,
        refit=False,
        baselines=(),
        target=0,
        known_future=[1],
    )
    assert results["origin"].nunique() == 95
    assert CountingRegressor.predict_calls == 5


@pytest.mark.parametrize("refit, every", [(False, 10**6), (3, 3), (1, 1)])
def test_refit_schedule_matches_a_hand_written_loop(refit, every):
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    results = backtest(
        linear_pipeline(),
        X,
        y,
        initial_train_size=60,
        step=2,
        refit=refit,
        baselines=(),
    )
    origins = np.arange(60, len(X), 2)
    expected = hand_one_step(
        linear_pipeline(), X, y, origins, refits(len(origins), every)
    )
    np.testing.assert_allclose(results["y_pred"], expected, rtol=1e-12)


def test_rolling_window_trains_on_the_last_rows_only():
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    results = backtest(
        Ridge(), X, y, initial_train_size=50, window="rolling", baselines=()
    )
    origins = np.arange(50, len(X))
    expected = hand_one_step(
        Ridge(), X, y, origins, [True] * len(origins), start=lambda o: o - 50
    )
    np.testing.assert_allclose(results["y_pred"], expected, rtol=1e-12)


class CountingRegressor(LinearRegression):
    predict_calls = 0

    def predict(self, X):
        type(self).predict_calls += 1
        return super().predict(X)


def test_no_refit_predicts_all_origins_in_one_call():
    data = ar_series()
    CountingRegressor.predict_calls = 0
    results = backtest(
        CountingRegressor(),
        data[:-1],
        data[1:, 0],
        initial_train_size=20,
        refit=False,
        baselines=(),
    )
    assert len(results) == 99
    assert CountingRegressor.predict_calls == 1


def test_baselines_follow_their_definitions():
    series = ar_series()[:, 0]
    X, Y = make_horizon_targets(series, horizon=5)
    results = backtest(
        linear_pipeline(),
        X,
        Y,
        initial_train_size=60,
        horizon=5,
        season_length=4,
        step=7,
    )
    for row in results.itertuples():
        o, h = row.origin, row.step
        assert row.naive == series[o]
        assert row.seasonal_naive == series[o + h - 4 * int(np.ceil(h / 4))]
    # "linear": the estimator's scaler and window, flattened, then a linear fit.
    expected = []
    for origin in range(60, len(X), 7):
        model = linear_pipeline().fit(X[: origin - 4], Y[: origin - 4])
        expected.append(model.predict(X[: origin + 1])[-1])
    np.testing.assert_allclose(results["linear"], np.ravel(expected), rtol=1e-10)


def test_linear_baseline_without_a_window_regresses_on_the_rows():
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    results = backtest(
        Ridge(alpha=10.0), X, y, initial_train_size=80, baselines=("linear",)
    )
    origins = np.arange(80, len(X))
    expected = hand_one_step(LinearRegression(), X, y, origins, [True] * len(origins))
    np.testing.assert_allclose(results["linear"], expected, rtol=1e-12)
    assert not np.allclose(results["linear"], results["y_pred"])


def ar1_with_doubling_noise(n=600, seed=0):
    rng = np.random.RandomState(seed)
    noise_sd = np.where(np.arange(n) < n // 2, 1.0, 2.0)
    series = np.zeros(n)
    for t in range(1, n):
        series[t] = 0.7 * series[t - 1] + noise_sd[t] * rng.normal()
    return series


def test_conformal_interval_covers_when_the_noise_doubles():
    series = ar1_with_doubling_noise()
    results = backtest(
        LinearRegression(),
        series[:-1],
        series[1:],
        initial_train_size=100,
        baselines=(),
        interval=0.9,
    )
    # The errors of the training tail give bounds from the first origin.
    assert results[["lower", "upper"]].notna().all().all()
    summary = backtest_summary(results)
    assert 0.85 <= summary.loc[(1, "y_pred"), "coverage"] <= 0.95
    late = results[results["origin"] >= 400]
    inside = late["y_true"].between(late["lower"], late["upper"])
    assert 0.85 <= inside.mean() <= 0.95
    # The intervals widen with the noise.
    early_width = (results["upper"] - results["lower"])[results["origin"] < 300]
    assert (late["upper"] - late["lower"]).mean() > 1.5 * early_width.mean()


@pytest.mark.parametrize(
    "gamma, window, adapts",
    [(0.0, 10**9, False), (ACI_GAMMA, 10**9, True), (0.0, ACI_WINDOW, True)],
)
def test_online_update_and_recent_window_each_restore_coverage(
    monkeypatch, gamma, window, adapts
):
    """Plain split conformal undercovers after the noise doubles; ACI's update
    of alpha, or quantiles of recent errors only, each bring coverage back."""
    series = ar1_with_doubling_noise()
    results = backtest(
        LinearRegression(),
        series[:-1],
        series[1:],
        initial_train_size=100,
        baselines=(),
    )
    monkeypatch.setattr(_conformal, "ACI_GAMMA", gamma)
    monkeypatch.setattr(_conformal, "ACI_WINDOW", window)
    y_true, y_pred = results[["y_true"]].to_numpy(), results[["y_pred"]].to_numpy()
    lower, upper = adaptive_conformal(y_true, y_pred, results["origin"].to_numpy(), 0.1)
    late = (results["origin"] >= 300).to_numpy()
    inside = (lower[late] <= y_true[late]) & (y_true[late] <= upper[late])
    assert (inside.mean() >= 0.85) == adapts


def per_origin_conformal(y_true, y_pred, origins, alpha):
    """ACI written origin by origin with np.quantile, as the definition reads."""
    errors = np.abs(y_true - y_pred)
    lower = np.full(y_true.shape, np.nan)
    upper = np.full(y_true.shape, np.nan)
    for h in range(y_true.shape[1]):
        alpha_t, revealed = alpha, 0
        for i, origin in enumerate(origins):
            while revealed < i and origins[revealed] + h + 1 <= origin:
                if not np.isnan(lower[revealed, h]):
                    inside = lower[revealed, h] <= y_true[revealed, h]
                    inside &= y_true[revealed, h] <= upper[revealed, h]
                    alpha_t += _conformal.ACI_GAMMA * (alpha - (not inside))
                revealed += 1
            past = errors[max(0, revealed - _conformal.ACI_WINDOW) : revealed, h]
            if len(past) < _conformal.MIN_RESIDUALS:
                continue
            level = np.ceil((len(past) + 1) * (1 - alpha_t)) / len(past)
            width = np.quantile(past, np.clip(level, 0, 1), method="higher")
            lower[i, h], upper[i, h] = y_pred[i, h] - width, y_pred[i, h] + width
    return lower, upper


@pytest.mark.parametrize(
    "step, gamma, window", [(1, ACI_GAMMA, ACI_WINDOW), (3, 0.2, 7), (2, 0.0, 10**9)]
)
def test_conformal_bounds_equal_the_per_origin_definition(
    monkeypatch, step, gamma, window
):
    monkeypatch.setattr(_conformal, "ACI_GAMMA", gamma)
    monkeypatch.setattr(_conformal, "ACI_WINDOW", window)
    rng = np.random.RandomState(0)
    scale = np.where(np.arange(150) < 75, 1.0, 3.0)[:, None]
    y_true, y_pred = rng.normal(size=(150, 4)) * scale, rng.normal(size=(150, 4))
    y_pred[40, 1] = np.nan  # a missing forecast: no bounds, and NaN widths after
    origins = 30 + step * np.arange(150)
    expected = per_origin_conformal(y_true, y_pred, origins, 0.1)
    bounds = adaptive_conformal(y_true, y_pred, origins, 0.1)
    np.testing.assert_array_equal(bounds[0], expected[0])
    np.testing.assert_array_equal(bounds[1], expected[1])


def test_conformal_interval_uses_only_observed_errors():
    rng = np.random.RandomState(0)
    y_true, y_pred = rng.normal(size=(40, 3)), np.zeros((40, 3))
    origins = np.arange(100, 140)
    lower, _ = adaptive_conformal(y_true, y_pred, origins, 0.1)
    changed = y_true.copy()
    # At origin 130 (row 30), step h sees the truth of origins <= 130 - h.
    for h in (1, 2, 3):
        changed[31 - h :, h - 1] = 100.0
    lower_changed, _ = adaptive_conformal(changed, y_pred, origins, 0.1)
    np.testing.assert_array_equal(lower_changed[:31], lower[:31])
    assert not np.array_equal(lower_changed[31:], lower[31:])


def test_datetime_index_labels_times_and_sets_the_season():
    data = ar_series(n=60)[:, 0]
    index = pd.date_range("2000-01-01", periods=60, freq="MS")
    frame = pd.DataFrame({"load": data}, index=index)
    X, Y = make_horizon_targets(frame, horizon=2)
    results = backtest(
        LinearRegression(), X, Y, initial_train_size=40, horizon=2, step=5
    )
    expected_times = [index[o + h] for o in range(40, 58, 5) for h in (1, 2)]
    assert list(results["time"]) == expected_times
    for row in results.itertuples():
        o, h = row.origin, row.step
        assert row.seasonal_naive == data[o + h - 12]


def test_series_input_and_times_beyond_the_end_of_x():
    index = pd.date_range("2000-01-03", periods=51, freq="D")
    series = pd.Series(ar_series(n=51)[:, 0], index=index)
    X, Y = make_horizon_targets(series, horizon=2)
    results = backtest(Ridge(), X.iloc[:, 0], Y, initial_train_size=40, horizon=2)
    # The last origin is X's last row: its step 2 lies past X, labelled by freq.
    assert results["time"].iloc[-1] == index[50]
    # Daily data: a weekly season.
    last = results.iloc[-1]
    assert last["seasonal_naive"] == series.iloc[48 + 2 - 7]


def test_the_estimator_is_not_fitted_in_place():
    data = ar_series()
    estimator = linear_pipeline()
    backtest(estimator, data[:-1], data[1:, 0], initial_train_size=100, baselines=())
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"initial_train_size": 1}, "initial_train_size=1"),
        ({"initial_train_size": 119}, "initial_train_size=119"),
        ({"initial_train_size": 10, "horizon": 0}, "horizon"),
        ({"initial_train_size": 10, "step": 0}, "step"),
        ({"initial_train_size": 10, "interval": 1.0}, "interval"),
        ({"initial_train_size": 10, "interval": 0}, "interval"),
        ({"initial_train_size": 10, "window": "sliding"}, "window"),
        ({"initial_train_size": 10, "refit": 1.5}, "refit"),
        ({"initial_train_size": 10, "refit": 0}, "refit"),
        ({"initial_train_size": 10, "baselines": ("mean",)}, r"baselines=\(.mean.,\)"),
        ({"initial_train_size": 10, "baselines": ("seasonal_naive",)}, "season"),
    ],
)
def test_invalid_arguments_raise_before_fitting(kwargs, message):
    data = ar_series()
    with pytest.raises(ValueError, match=message):
        backtest(CountingRegressor(), data[:-1], data[1:, 0], **kwargs)


def test_mismatched_lengths_raise():
    data = ar_series()
    with pytest.raises(ValueError, match="X has 119 rows and y has 118"):
        backtest(Ridge(), data[:-1], data[2:, 0], initial_train_size=50, baselines=())


def test_recursive_without_a_target_column_says_what_to_pass():
    data = ar_series()
    with pytest.raises(ValueError, match="make_horizon_targets"):
        backtest(
            Ridge(),
            data[:-1, 1:],
            data[1:, 0],
            initial_train_size=50,
            horizon=3,
            baselines=(),
        )


def test_rolling_window_too_short_for_direct_targets_raises():
    X, Y = make_horizon_targets(ar_series(), horizon=3)
    with pytest.raises(ValueError, match="window=3 leaves 1 training row"):
        backtest(Ridge(), X, Y, initial_train_size=50, horizon=3, window=3)


def test_direct_horizon_beyond_the_targets_raises():
    X, Y = make_horizon_targets(ar_series(), horizon=2)
    with pytest.raises(ValueError, match="horizon=3 exceeds"):
        backtest(Ridge(), X, Y, initial_train_size=50, horizon=3, baselines=())


def test_summary_ranks_models_per_step():
    data = ar_series()
    results = backtest(
        linear_pipeline(),
        data[:-1],
        data[1:, 0],
        initial_train_size=60,
        horizon=2,
        season_length=4,
        interval=0.8,
        target=0,
        known_future=[1],
    )
    summary = backtest_summary(results)
    models = ["y_pred", "naive", "seasonal_naive", "linear"]
    assert summary.index.tolist() == [(s, m) for s in (1, 2) for m in models]
    errors = results["y_pred"] - results["y_true"]
    step_one = errors[results["step"] == 1]
    assert summary.loc[(1, "y_pred"), "rmse"] == pytest.approx(
        np.sqrt(np.mean(step_one**2))
    )
    assert np.isnan(summary.loc[(1, "naive"), "coverage"])
    assert 0 < summary.loc[(2, "y_pred"), "mean_width"] < np.inf


def test_display_draws_one_step():
    import matplotlib.pyplot as plt

    data = ar_series()
    results = backtest(
        Ridge(),
        data[:-1],
        data[1:, 0],
        initial_train_size=60,
        horizon=2,
        season_length=4,
        interval=0.9,
        target=0,
        known_future=[1],
    )
    display = BacktestDisplay.from_backtest(results, step=2)
    assert set(display.lines_) == {
        "y_true",
        "y_pred",
        "naive",
        "seasonal_naive",
        "linear",
        "interval",
    }
    step_two = results[results["step"] == 2]
    np.testing.assert_array_equal(
        display.lines_["y_pred"].get_ydata(), step_two["y_pred"]
    )
    assert display.figure_ is display.ax_.figure
    with pytest.raises(ValueError, match="step=3"):
        BacktestDisplay.from_backtest(results, step=3)
    plt.close("all")


def test_three_dimensional_windows_are_rows_too():
    data = ar_series()
    windows = SlidingWindow(4).fit_transform(data[:-1])
    flat_linear = Pipeline(
        [("flatten", FunctionTransformer(flatten)), ("linear", LinearRegression())]
    )
    results = backtest(
        flat_linear, windows, data[1:, 0], initial_train_size=80, baselines=("linear",)
    )
    expected = hand_one_step(
        flat_linear, windows, data[1:, 0], np.arange(80, 119), [True] * 39
    )
    np.testing.assert_allclose(results["y_pred"], expected, rtol=1e-12)
    np.testing.assert_allclose(results["linear"], expected, rtol=1e-12)


def test_default_baselines_leave_out_seasonal_naive_without_a_season():
    series = np.sin(np.arange(80) / 3)
    with pytest.warns(UserWarning, match="left out of the default baselines"):
        results = backtest(
            LinearRegression(), series[:-1], series[1:], initial_train_size=60
        )
    assert "seasonal_naive" not in results and {"naive", "linear"} <= set(results)
    with pytest.raises(ValueError, match="needs a season_length"):
        backtest(
            LinearRegression(),
            series[:-1],
            series[1:],
            initial_train_size=60,
            baselines=("naive", "seasonal_naive"),
        )


# -- covariates: the target named, unknown futures refused -------------------------


class RefusingToFit(LinearRegression):
    """Fails the test if a backtest fits before refusing its arguments."""

    def fit(self, X, y):
        raise AssertionError("fitted before the arguments were checked")


def covariate_frame(n=80):
    data = ar_series(n=n)
    frame = pd.DataFrame(data[:-1], columns=["load", "temperature"])
    return frame, data[1:, 0]


def test_a_covariate_not_listed_in_known_future_is_refused_before_fitting():
    X, y = covariate_frame()
    with pytest.raises(ValueError, match=r"\['temperature'\].*known_future"):
        backtest(RefusingToFit(), X, y, initial_train_size=40, horizon=3, target="load")


def test_several_columns_without_a_target_name_the_candidates():
    X, y = covariate_frame()
    with pytest.raises(ValueError, match=r"name it with target=.*\['load'\] hold y"):
        backtest(RefusingToFit(), X, y, initial_train_size=40, horizon=3)


def test_a_duplicated_target_cannot_leak_into_the_forecasts():
    X, y = covariate_frame()
    X = X.assign(copy=X["load"])
    with pytest.raises(ValueError, match=r"\['temperature', 'copy'\]"):
        backtest(RefusingToFit(), X, y, initial_train_size=40, horizon=3, target="load")
    with pytest.raises(ValueError, match=r"\['copy'\], which hold the target"):
        backtest(
            RefusingToFit(),
            X,
            y,
            initial_train_size=40,
            horizon=3,
            target="load",
            known_future=["temperature", "copy"],
        )


def test_a_near_copy_of_the_target_is_neither_guessed_nor_read_ahead():
    # At level 1e6 a copy plus noise of 1e-4 matches y to rtol 1e-10: no
    # column is picked by its values; an unlisted one is refused.
    X, y = covariate_frame()
    X = X + 1e6
    X["near"] = X["load"] + 1e-4 * np.random.RandomState(1).normal(size=len(X))
    y = y + 1e6
    with pytest.raises(ValueError, match=r"name it with target=.*\['load', 'near'\]"):
        backtest(RefusingToFit(), X, y, initial_train_size=40, horizon=3)
    with pytest.raises(ValueError, match=r"\['temperature', 'near'\].*known_future"):
        backtest(RefusingToFit(), X, y, initial_train_size=40, horizon=3, target="load")


@pytest.mark.parametrize(
    "target, known_future, message",
    [
        ("price", ["temperature"], r"target='price' is not a column"),
        ("temperature", ["load"], r"target='temperature' names column"),
        (5, ["temperature"], r"target=5 must be a column position"),
        ("load", ["load", "temperature"], "lists the target column"),
        ("load", ["humidity"], r"known_future='humidity' is not a column"),
    ],
)
def test_wrong_column_names_are_refused_before_fitting(target, known_future, message):
    X, y = covariate_frame()
    with pytest.raises(ValueError, match=message):
        backtest(
            RefusingToFit(),
            X,
            y,
            initial_train_size=40,
            horizon=3,
            target=target,
            known_future=known_future,
        )


def test_the_target_by_label_or_by_position_forecasts_the_same():
    X, y = covariate_frame()
    options = dict(initial_train_size=40, horizon=3, baselines=())
    by_label = backtest(
        linear_pipeline(), X, y, target="load", known_future=["temperature"], **options
    )
    by_position = backtest(
        linear_pipeline(), X, y, target=0, known_future=[1], **options
    )
    pd.testing.assert_frame_equal(by_label, by_position)


def test_integer_column_labels_are_read_as_labels_first():
    X, y = covariate_frame()
    swapped = X[["temperature", "load"]].set_axis([0, 1], axis=1)  # "load" is 1
    options = dict(initial_train_size=40, horizon=3, baselines=())
    expected = backtest(
        linear_pipeline(), X, y, target="load", known_future=["temperature"], **options
    )
    results = backtest(
        linear_pipeline(), swapped, y, target=1, known_future=[0], **options
    )
    np.testing.assert_allclose(results["y_pred"], expected["y_pred"], rtol=1e-10)
    labelled = X.set_axis([10, 20], axis=1)
    with pytest.raises(ValueError, match="integer labels"):
        backtest(RefusingToFit(), labelled, y, target=0, known_future=[1], **options)


def test_a_known_future_covariate_is_read_at_the_forecast_times():
    X, y = covariate_frame()
    options = dict(
        initial_train_size=40, horizon=3, baselines=(), target=0, known_future=[1]
    )
    results = backtest(linear_pipeline(), X, y, **options)
    changed = X.copy()
    changed.iloc[61:, 1] += 10.0  # the covariate from row 61 on
    moved = backtest(linear_pipeline(), changed, y, **options)
    # Origin 60 reads the covariate at 61 ... 63; origin 58 at 59 ... 61.
    at = results["origin"].to_numpy()
    step = results["step"].to_numpy()
    untouched = at + step < 61
    np.testing.assert_allclose(
        moved["y_pred"][untouched], results["y_pred"][untouched], rtol=1e-12
    )
    assert not np.allclose(moved["y_pred"][~untouched], results["y_pred"][~untouched])


@pytest.mark.parametrize("direct", [False, True])
@pytest.mark.parametrize("refit", [True, False])
def test_one_step_and_direct_forecasts_never_read_rows_after_the_origin(direct, refit):
    data = ar_series(n=90)
    X, y = data[:-1], data[1:, 0]
    if direct:
        X, y = make_horizon_targets(data, horizon=3)
    options = dict(
        initial_train_size=40, horizon=3 if direct else 1, refit=refit, season_length=4
    )
    results = backtest(linear_pipeline(), X, y, **options)
    cut = 60
    changed_X, changed_y = X.copy(), y.copy()
    changed_X[cut:] = 100.0
    changed_y[cut:] = -100.0
    moved = backtest(linear_pipeline(), changed_X, changed_y, **options)
    before = (results["origin"] < cut).to_numpy()
    assert before.sum() >= 20
    for column in ("y_pred", "naive", "linear"):
        np.testing.assert_allclose(
            moved[column][before], results[column][before], rtol=1e-12
        )


def test_a_recursive_backtest_modifies_no_input():
    X, y = covariate_frame()
    X_before, y_before = X.copy(), y.copy()
    known_future = ["temperature"]
    backtest(
        linear_pipeline(),
        X,
        y,
        initial_train_size=40,
        horizon=3,
        target="load",
        known_future=known_future,
        baselines=(),
    )
    pd.testing.assert_frame_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    assert known_future == ["temperature"]


def test_a_recursive_panel_backtest_refuses_covariates_before_fitting():
    index = pd.MultiIndex.from_product([["a", "b"], range(30)])
    values = np.tile(ar_series(n=31), (2, 1))
    rows = np.r_[0:30, 31:61]
    X = pd.DataFrame(values[rows], columns=["load", "temperature"], index=index)
    y = values[rows + 1, 0]
    with pytest.raises(ValueError, match=r"\['temperature'\].*known_future"):
        backtest(RefusingToFit(), X, y, initial_train_size=10, horizon=3, target=0)
    with pytest.raises(ValueError, match="X's only column"):
        backtest(
            RefusingToFit(),
            X,
            y,
            initial_train_size=10,
            horizon=3,
            target=0,
            known_future=[1],
        )


@pytest.mark.parametrize(
    ("window", "lstm", "name"),
    [
        ({}, {"max_epochs": 0}, "max_epochs"),
        ({}, {"loss": "bogus"}, "loss"),
        ({}, {"hidden_size": 0}, "hidden_size"),
        ({"padding": "bogus"}, {}, "padding"),
        ({"window": 0}, {}, "window"),
    ],
)
def test_backtest_validates_the_estimators_parameters_as_fit_does(window, lstm, name):
    """A bad parameter of a step is named before anything is trained."""
    series = np.sin(np.arange(60) / 3)
    pipe = make_pipeline(
        SlidingWindow(**{"window": 4, **window}),
        LSTMRegressor(**{"max_epochs": 1, "n_threads": 1, **lstm}),
    )
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        backtest(pipe, series[:-1, None], series[1:], initial_train_size=40)


# -- wrapped pipelines keep the batched recursion -------------------------------


def readme_pipeline():
    lstm = LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0, n_threads=1)
    return Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow(8)), ("lstm", lstm)]
    )


def refuse_per_origin_forecasts(monkeypatch):
    """Make the per-origin fallback fail: every origin must go through the batch."""

    def per_origin(*args, **kwargs):
        raise AssertionError("an origin was forecast on its own")

    monkeypatch.setattr(_backtest_plan, "recursive_forecast", per_origin)


def test_lstm_pipeline_in_a_transformed_target_advances_all_origins_together(
    monkeypatch,
):
    data = ar_series()
    data[:, 0] += 50.0  # a target far from 0, so that its scaling matters
    X, y = data[:-1], data[1:, 0]
    model = TransformedTargetRegressor(
        regressor=readme_pipeline(), transformer=StandardScaler()
    )
    predict = LSTMRegressor.predict
    calls = []

    def counting_predict(self, X, **kwargs):
        calls.append(len(X))
        return predict(self, X, **kwargs)

    monkeypatch.setattr(LSTMRegressor, "predict", counting_predict)
    options = dict(initial_train_size=60, horizon=4, step=3, refit=False)
    results = backtest(model, X, y, **options, baselines=(), target=0, known_future=[1])
    origins = np.arange(60, len(X) - 3, 3)
    # One predict call a step for all 19 origins, not one per step and origin.
    assert len(calls) == 4
    assert calls == [len(origins)] * 4
    fitted = clone(model).fit(X[:60], y[:60])
    expected = [
        recursive_forecast(fitted, X[: o + 1], 4, future_exog=data[o + 1 : o + 5, 1:])
        for o in origins
    ]
    # Forecasts in the target's units (about 50), fed back in X's units.
    np.testing.assert_allclose(results["y_pred"], np.ravel(expected), **FLOAT32)
    assert abs(np.mean(results["y_pred"]) - 50.0) < 5.0


def test_a_transformed_target_forecasts_as_its_pipeline_does(monkeypatch):
    """Least squares commutes with scaling y: the scaled-target model forecasts
    as the plain one, and its linear baseline reads the same windows."""
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    options = dict(initial_train_size=60, horizon=3, refit=4, target=0, season_length=4)
    plain = backtest(linear_pipeline(), X, y, **options, known_future=[1])
    refuse_per_origin_forecasts(monkeypatch)
    wrapped = backtest(
        TransformedTargetRegressor(
            regressor=linear_pipeline(), transformer=StandardScaler()
        ),
        X,
        y,
        **options,
        known_future=[1],
    )
    for column in ("y_pred", "linear"):
        np.testing.assert_allclose(wrapped[column], plain[column], rtol=1e-9)


def test_a_search_is_forecast_with_the_window_it_chose(monkeypatch):
    data = ar_series()
    X, y = data[:-1], data[1:, 0]
    options = dict(initial_train_size=60, horizon=3, refit=False, baselines=())
    chosen = backtest(
        linear_pipeline(window=6), X, y, **options, target=0, known_future=[1]
    )
    refuse_per_origin_forecasts(monkeypatch)
    search = GridSearchCV(
        linear_pipeline(window=3), {"window__window": [6]}, cv=TimeSeriesSplit(2)
    )
    searched = backtest(search, X, y, **options, target=0, known_future=[1])
    np.testing.assert_allclose(searched["y_pred"], chosen["y_pred"], rtol=1e-12)
