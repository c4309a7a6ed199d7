"""The target's frame: level="auto" forecasts a series relative to its last value."""

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    LSTMRegressor,
    SlidingWindow,
    make_horizon_targets,
    prediction_module,
    recursive_forecast,
)
from sklstm._estimators import _frame, _frame_scales
from sklstm._estimators._frame import FramedTargets, find_target_frame
from sklstm._estimators._ridge import iterated_weights

FAST = {"hidden_size": 8, "max_epochs": 5, "n_threads": 1, "random_state": 0}


def _random_walk(n=300, level=100.0, seed=0):
    rng = np.random.RandomState(seed)
    return level + np.cumsum(rng.normal(size=n))


def _windows(values, window):
    return SlidingWindow(window).fit_transform(
        np.asarray(values).reshape(len(values), -1)
    )


def test_frame_finds_the_target_column_through_a_scaler():
    """y is the next value of column 1 of 3, standardised in X: no column named."""
    rng = np.random.RandomState(0)
    rows = np.column_stack(
        [rng.normal(size=200), _random_walk(200), rng.normal(size=200)]
    )
    scaled = StandardScaler().fit(rows)
    X = _windows(scaled.transform(rows)[:-1], 6)
    frame = find_target_frame(X, rows[1:, 1])
    assert frame.column == 1
    assert_allclose(frame.slope, scaled.scale_[1], rtol=1e-5)
    assert_allclose(frame.intercept, scaled.mean_[1], rtol=1e-5)
    assert not frame.per_window and not frame.log


def test_no_frame_for_sequences_that_are_not_a_series(sequences):
    X, y = sequences
    assert find_target_frame(X, y) is None
    model = LSTMRegressor(**FAST).fit(X, y)
    assert model._target_frame is None
    assert model._stops_early() is False  # early_stopping="auto" stays off


def test_direct_targets_share_the_frame():
    values = _random_walk()
    X, Y = make_horizon_targets(values[:, None], horizon=3)
    frame = find_target_frame(_windows(X, 8), Y)
    assert frame is not None and frame.column == 0
    # one target column that is not the next value breaks the frame
    Y_broken = Y.copy()
    Y_broken[:, 2] = np.random.RandomState(0).normal(size=len(Y))
    assert find_target_frame(_windows(X, 8), Y_broken) is None


def test_readme_pipeline_extrapolates_a_trend_at_any_level():
    """The same series at level 0 and at level 1e4 gets the same forecast, shifted."""
    t = np.arange(240, dtype=float)
    series = 0.5 * t + np.sin(2 * np.pi * t / 12)
    forecasts = []
    for offset in (0.0, 1e4):
        values = series + offset
        pipe = make_pipeline(StandardScaler(), SlidingWindow(24), LSTMRegressor(**FAST))
        pipe.fit(values[:199, None], values[1:200])
        forecasts.append(pipe.predict(values[:-1, None])[199:] - offset)
    truth = series[200:]
    # beyond the training range: a trend the model extrapolates
    assert np.sqrt(np.mean((forecasts[0] - truth) ** 2)) < 0.1
    assert_allclose(forecasts[0], forecasts[1], atol=0.05)


def test_scale_free_panel_with_a_negative_and_a_zero_series():
    """One global model over series at 1e4, around -50 and at zero, raw values."""
    rng = np.random.RandomState(0)
    n = 120
    t = np.arange(n)
    series = {
        "large": 1e4 + 30 * t + 200 * np.sin(2 * np.pi * t / 12),
        "negative": -50 + 0.1 * t + np.sin(2 * np.pi * t / 12),
        "zero": np.zeros(n),
        "walk": np.cumsum(rng.normal(size=n)),
    }
    panel = pd.concat(
        {k: pd.Series(v, index=pd.RangeIndex(n, name="t")) for k, v in series.items()},
        names=["series", "t"],
    ).to_frame("value")
    history = panel.groupby(level="series").head(-6)
    X, Y = make_horizon_targets(history, horizon=1)
    model = make_pipeline(
        SlidingWindow(12), LSTMRegressor(hidden_size=8, max_epochs=20, n_threads=1)
    ).fit(X, Y.ravel())
    frame = model[-1]._target_frame
    assert frame["per_window"] and not frame["log"]  # mixed scales, not positive
    assert not frame["absolute_level"]  # no common level to revert to
    forecast = recursive_forecast(model, history, steps=6)["forecast"]
    truth = panel.groupby(level="series").tail(6)["value"]
    for name, values in series.items():
        actual = truth.loc[name].to_numpy()
        error = np.abs(forecast.loc[name].to_numpy() - actual)
        naive = np.abs(history.loc[name]["value"].iloc[-1] - actual)
        step = np.mean(np.abs(np.diff(values))) or 1.0
        # no series is drowned by the others: each within its own scale
        assert error.mean() <= max(naive.mean(), step), name
    assert_allclose(forecast.loc["zero"].to_numpy(), 0.0, atol=1e-3)


def _growing_panel(rng, scales=(1.0, 30.0, 1e3, 5e4), n=60):
    t = np.arange(n)
    return pd.concat(
        {
            f"s{i}": pd.Series(
                scale * np.exp(0.03 * t + 0.02 * np.cumsum(rng.normal(size=n))),
                index=pd.RangeIndex(n, name="t"),
            )
            for i, scale in enumerate(scales)
        },
        names=["series", "t"],
    ).to_frame("value")


def test_positive_series_at_different_scales_are_scaled_window_by_window():
    panel = _growing_panel(np.random.RandomState(0))
    X, Y = make_horizon_targets(panel, horizon=1)
    model = make_pipeline(SlidingWindow(6), LSTMRegressor(**FAST)).fit(X, Y.ravel())
    frame = model[-1]._target_frame
    assert frame["per_window"] and not frame["log"]
    # Each window at its own scale says nothing of a common level.
    assert not frame["absolute_level"]
    assert model[-1].net_.lr == 1e-3  # lr="auto" outside the frame of one scale
    forecast = recursive_forecast(model, panel, steps=10)["forecast"]
    assert (forecast > 0).all()
    # Each series keeps growing at its own scale.
    for name, values in panel["value"].groupby(level=0):
        assert forecast.loc[name].iloc[-1] > 0.9 * values.iloc[-1]


def test_one_series_growing_over_orders_of_magnitude_is_read_in_logarithms():
    rng = np.random.RandomState(0)
    t = np.arange(200)
    values = np.exp(0.04 * t + 0.05 * np.cumsum(rng.normal(size=200)))
    model = LSTMRegressor(**FAST).fit(_windows(values[:-1], 8), values[1:])
    assert model._target_frame["log"] and not model._target_frame["per_window"]
    # The same values cut into four series: a panel, each window at its scale.
    panel = pd.concat(
        {f"s{i}": pd.Series(part) for i, part in enumerate(np.split(values, 4))},
        names=["series", "t"],
    ).to_frame("value")
    X, Y = make_horizon_targets(panel, horizon=1)
    model = make_pipeline(SlidingWindow(8), LSTMRegressor(**FAST)).fit(X, Y.ravel())
    assert model[-1]._target_frame["per_window"] and not model[-1]._target_frame["log"]


def test_a_model_saved_in_logarithms_refuses_values_it_cannot_take():
    """Frames found before 0.2 may be in logarithms: a continued fit on a
    value <= 0 is refused before training."""
    panel = _growing_panel(np.random.RandomState(0))
    X, Y = make_horizon_targets(panel, horizon=1)
    model = make_pipeline(SlidingWindow(6), LSTMRegressor(**FAST)).fit(X, Y.ravel())
    lstm = model[-1].set_params(warm_start=True)
    lstm._target_frame = {**lstm._target_frame, "log": True}
    windows = model[0].transform(X)
    Y_bad = Y.ravel().copy()
    Y_bad[5] = -1.0
    with pytest.raises(ValueError, match=r"1 value\(s\) <= 0.*warm_start=False"):
        lstm.fit(windows, Y_bad)


def test_constant_windows_weigh_nothing_when_windows_are_scaled_one_by_one():
    """A series' first window is all edge padding: without a step it has no
    scale, and its target over the floor of the scales would swamp the
    loss. Its weight is 0; the user's weights are multiplied, not modified."""
    panel = _growing_panel(np.random.RandomState(1))
    X, Y = make_horizon_targets(panel, horizon=1)
    windows = SlidingWindow(6).fit_transform(X)
    model = LSTMRegressor(**FAST).fit(windows, Y.ravel())
    flat = (windows[..., 0] == windows[:, -1:, 0]).all(axis=1)
    assert flat.sum() == 4  # each series' first row
    user = np.full(len(windows), 2.0)
    weights = model._frame_weights(windows, user)
    assert_array_equal(weights, np.where(flat, 0.0, 2.0))
    assert (user == 2.0).all()
    assert_array_equal(model._frame_weights(windows, None), np.where(flat, 0.0, 1.0))
    # One series, one scale: every window keeps its weight.
    values = _random_walk()
    one = LSTMRegressor(**FAST).fit(_windows(values[:-1], 8), values[1:])
    assert one._frame_weights(_windows(values[:-1], 8), None) is None


def test_framed_model_exports_and_persists(tmp_path):
    values = _random_walk()
    X = _windows(values[:-1], 8)
    model = LSTMRegressor(loss="quantile", **FAST).fit(X, values[1:])
    assert model._target_frame is not None
    expected, quantiles = model.predict(X, return_quantiles=True)
    module = prediction_module(model)
    with torch.inference_mode():
        exported = module(torch.as_tensor(X, dtype=torch.float32))
    assert_allclose(exported[0].numpy(), expected, rtol=1e-4, atol=1e-3)
    assert_allclose(exported[1].numpy(), quantiles, rtol=1e-4, atol=1e-3)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert_allclose(loaded.predict(X), expected, rtol=1e-6)


@pytest.mark.parametrize("loss", ["gaussian", "quantile"])
def test_intervals_are_calibrated_on_the_validation_rows(loss):
    """A series with known noise: the 90 % band covers close to 90 % of new rows."""
    rng = np.random.RandomState(1)
    n = 1200
    t = np.arange(n)
    values = 10 * np.sin(2 * np.pi * t / 24) + rng.normal(scale=1.0, size=n)
    X = _windows(values[:-1], 24)
    y = values[1:]
    model = LSTMRegressor(
        loss=loss,
        hidden_size=16,
        max_epochs=30,
        validation_fraction=0.25,
        n_threads=1,
        random_state=0,
    ).fit(X[:800], y[:800])
    assert model._stops_early()
    if loss == "gaussian":
        mean, std = model.predict(X[800:], return_std=True)
        lower, upper = mean - 1.645 * std, mean + 1.645 * std
    else:
        _, quantiles = model.predict(X[800:], return_quantiles=True)
        lower, upper = quantiles[:, 0], quantiles[:, -1]
    covered = np.mean((y[800:] >= lower) & (y[800:] <= upper))
    assert 0.82 <= covered <= 0.97


def test_a_unit_signal_at_level_1e9_survives_the_readme_pipeline():
    """The scaler removes the level in float64; the frame maps back in float64."""
    t = np.arange(220)
    values = 1e9 + np.sin(t / 3)
    pipe = make_pipeline(StandardScaler(), SlidingWindow(8), LSTMRegressor(**FAST))
    pipe.fit(values[:199, None], values[1:200])
    forecast = pipe.predict(values[:-1, None])[199:]
    error = np.sqrt(np.mean((forecast - values[200:]) ** 2))
    naive = np.sqrt(np.mean((values[199:-1] - values[200:]) ** 2))
    assert error < 0.1 * naive


def level_1e9_series(level):
    rng = np.random.RandomState(0)
    t = np.arange(260)
    return level + np.sin(2 * np.pi * t / 20) + 0.1 * rng.normal(size=len(t))


def test_a_unit_signal_at_level_1e9_survives_without_a_scaler():
    """Regression: float32 windows rounded 1e9 + sin to multiples of 64 (RMSE
    0.71 against naive 0.27); the level is now removed in float64 first."""
    errors = {}
    for level in (0.0, 1e9):
        values = level_1e9_series(level)
        pipe = make_pipeline(SlidingWindow(8), LSTMRegressor(**FAST))
        pipe.fit(values[:199, None], values[1:200])
        forecast = pipe.predict(values[:-1, None])[199:]
        errors[level] = np.sqrt(np.mean((forecast - values[200:]) ** 2))
    naive = np.sqrt(np.mean((values[199:-1] - values[200:]) ** 2))
    assert errors[1e9] < 0.7 * naive
    assert_allclose(errors[1e9], errors[0.0], rtol=0.05)


def test_windows_keep_float64_only_where_float32_loses_the_steps(tmp_path):
    high, low = level_1e9_series(1e9), level_1e9_series(0.0)
    assert SlidingWindow(4).fit_transform(high[:, None]).dtype == np.float64
    assert SlidingWindow(4).fit_transform(low[:, None]).dtype == np.float32
    X = SlidingWindow(4).fit_transform(high[:, None])
    model = LSTMRegressor(**FAST).fit(X[:-1], high[1:])
    assert_allclose(model._input_offset, [high[:-1].mean()], rtol=0, atol=1e-6)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert_allclose(loaded.predict(X), model.predict(X), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="removes a float64 level"):
        prediction_module(model)


@pytest.mark.parametrize(
    ("attribute", "key", "value"),
    [
        ("_target_frame", "scale", float("nan")),
        ("_target_frame", "slope", 0.0),
        ("_target_frame", "column", 3),
        ("y_scale_", None, np.array([0.0])),
        ("y_mean_", None, np.array([np.inf])),
        ("_interval_calibration", None, {"std_factor": [float("nan")]}),
    ],
)
def test_a_damaged_frame_or_scale_is_refused_on_loading(
    tmp_path, attribute, key, value
):
    values = _random_walk()
    X = _windows(values[:-1], 8)
    model = LSTMRegressor(**FAST).fit(X, values[1:])
    if key is None:
        setattr(model, attribute, value)
    else:
        getattr(model, attribute)[key] = value
    joblib.dump(model, tmp_path / "model.joblib")
    with pytest.raises(ValueError, match="damaged"):
        joblib.load(tmp_path / "model.joblib")


def test_the_season_is_found_and_its_prior_kept_when_gcv_prefers_it():
    """A monthly pattern with noise: season 12, forecasts follow the pattern."""
    rng = np.random.RandomState(0)
    t = np.arange(240)
    pattern = np.array([3, 1, -2, 0, 4, -1, 2, -3, 1, 0, -4, 2], dtype=float)
    values = 0.05 * t + pattern[t % 12] + 0.3 * rng.normal(size=t.size)
    X = _windows(values[:-1], 24)
    model = LSTMRegressor(**FAST).fit(X[:200], values[1:201])
    assert model._target_frame["season"] == 12
    error = np.sqrt(np.mean((model.predict(X[200:]) - values[201:]) ** 2))
    seasonal_naive = np.sqrt(np.mean((values[189:-12] - values[201:]) ** 2))
    assert error < seasonal_naive
    # A random walk has no season.
    walk = _random_walk()
    frame = find_target_frame(_windows(walk[:-1], 24), walk[1:])
    assert frame.season == 1


def test_iterated_weights_are_the_one_step_forecast_fed_back():
    """The iterated weights are the one-step autoregression fed its own forecasts."""
    values = _random_walk(200) + np.sin(np.arange(200) * 2 * np.pi / 12)
    X, Y = make_horizon_targets(values, horizon=4)
    windows = _windows(X, 24)
    model = LSTMRegressor(**FAST).fit(windows, Y)
    module = model.net_.module_
    with torch.no_grad():
        module.head.weight.zero_()
        module.head.bias.zero_()
    weights = torch.cat([module.highway.weight.T, module.highway.bias[None]])
    iterated = iterated_weights(module, weights.double(), model.y_mean_, model.y_scale_)
    # The one-step forecast, fed back three times (the target is the column).
    window, recursive = windows[-1:].astype(np.float64), []
    for _ in range(4):
        recursive.append(model.predict(window)[0, 0])
        window = np.concatenate([window[:, 1:], [[[recursive[-1]]]]], axis=1)
    with torch.no_grad():
        module.highway.weight.copy_(iterated[:-1].T)
        module.highway.bias.copy_(iterated[-1])
    assert_allclose(model.predict(windows[-1:])[0], recursive, rtol=1e-5, atol=1e-4)
    # Windows with another feature: no iterated forecast (its future is unknown).
    two = np.concatenate([windows, np.sqrt(np.abs(windows))], axis=-1)
    module = LSTMRegressor(**FAST).fit(two, Y).net_.module_
    assert iterated_weights(module, weights.double(), model.y_mean_, None) is None


def _seasonal(n=300, seed=0, growth=0.0):
    """A monthly pattern (not a sinusoid) on a trend, with noise; its
    amplitude grows by ``growth`` per step."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    pattern = np.array([3, 1, -2, 0, 4, -1, 2, -3, 1, 0, -4, -1], dtype=float)
    amplitude = 1.0 + growth * t
    return 100 + 0.05 * t + amplitude * pattern[t % 12] + rng.normal(size=n)


def test_phases_are_read_from_each_window():
    """Each window's phase is found from its steps alone: consecutive windows
    are one phase apart, and the amplitude follows a growing season."""
    values = _seasonal(growth=0.01)
    X = _windows(values[:-1], 24)
    model = LSTMRegressor(**FAST).fit(X, values[1:])
    assert model._target_frame["phases"] == 12
    module = model.net_.module_
    windows = torch.as_tensor(X[24:], dtype=torch.float64)
    with torch.no_grad():
        inputs = module.phase_inputs(module.framed_inputs(windows))
    phase = inputs.abs().argmax(dim=1).numpy()
    assert np.mean(np.diff(phase) % 12 == 1) > 0.95
    # The phase is the window's last step's month, up to one fixed shift.
    months = np.arange(24, len(X)) % 12
    assert np.mean((phase - months) % 12 == (phase[0] - months[0]) % 12) > 0.95
    amplitude = inputs.abs().max(dim=1).values.numpy()
    # In the frame's units (one scale for the series), the pattern's
    # amplitude at the end is about 1 + 0.01 * 300 = 4 times the start's.
    ratio = amplitude[-24:].mean() / amplitude[:24].mean()
    assert 2.5 < ratio < 5.5


def _frames_with(monkeypatch, **fields):
    """Make the estimators find frames with ``fields`` replaced."""
    from sklstm._estimators import _forecasting

    original = _forecasting.find_target_frame
    monkeypatch.setattr(
        _forecasting,
        "find_target_frame",
        lambda *args: original(*args)._replace(**fields),
    )


def test_phases_improve_forecasts_of_a_seasonal_pattern(monkeypatch):
    """With a short series, the season's pattern learned over every window
    beats the two seasons a window holds: lower one-step error than the
    same model without phase inputs."""
    errors = {}
    values = _seasonal(n=160, seed=3)
    X = _windows(values[:-1], 24)
    for phases in (True, False):
        if not phases:
            _frames_with(monkeypatch, phases=0)
        model = LSTMRegressor(**FAST).fit(X[:120], values[1:121])
        assert model._target_frame["phases"] == (12 if phases else 0)
        errors[phases] = np.sqrt(np.mean((model.predict(X[120:]) - values[121:]) ** 2))
    assert errors[True] < 0.95 * errors[False], errors


def test_a_model_with_phases_exports_and_persists(tmp_path):
    values = _seasonal()
    X = _windows(values[:-1], 24)
    model = LSTMRegressor(**FAST).fit(X, values[1:])
    assert model._target_frame["phases"] == 12
    expected = model.predict(X)
    module = prediction_module(model)
    with torch.inference_mode():
        exported = module(torch.as_tensor(X, dtype=torch.float32))
    assert_allclose(exported.numpy().ravel(), expected, rtol=1e-4, atol=1e-3)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert_allclose(loaded.predict(X), expected, rtol=1e-6)


def test_a_file_saved_before_phases_loads_without_them(tmp_path, monkeypatch):
    """Files of 0.1 hold a frame without "phases" or "absolute_level": a model
    without them."""
    _frames_with(monkeypatch, phases=0, absolute_level=False)
    values = _seasonal()
    X = _windows(values[:-1], 24)
    model = LSTMRegressor(**FAST).fit(X, values[1:])
    expected = model.predict(X)
    del model._target_frame["phases"], model._target_frame["absolute_level"]
    joblib.dump(model, tmp_path / "old.joblib")
    loaded = joblib.load(tmp_path / "old.joblib")
    assert loaded._target_frame["phases"] == 0
    assert loaded._target_frame["absolute_level"] is False
    assert_allclose(loaded.predict(X), expected, rtol=1e-6)
    # A phase count that is not the season's is a damaged file.
    model._target_frame["phases"] = 5
    joblib.dump(model, tmp_path / "damaged.joblib")
    with pytest.raises(ValueError, match="phases"):
        joblib.load(tmp_path / "damaged.joblib")
    model._target_frame.update(phases=0, absolute_level="yes")
    joblib.dump(model, tmp_path / "damaged.joblib")
    with pytest.raises(ValueError, match="target frame"):
        joblib.load(tmp_path / "damaged.joblib")


def test_the_absolute_level_lets_a_stationary_series_revert(monkeypatch):
    """A stationary series reverts to its mean, which windows read relative to
    their last value cannot show: lower one-step error with the window's
    absolute level among the ridge's inputs than without."""
    rng = np.random.default_rng(0)
    values = np.zeros(400)
    for t in range(1, 400):
        values[t] = 0.5 * values[t - 1] + rng.normal()
    values += 50.0
    X = _windows(values[:-1], 8)
    errors = {}
    for level in (True, False):
        if not level:
            _frames_with(monkeypatch, absolute_level=False)
        model = LSTMRegressor(**FAST).fit(X[:300], values[1:301])
        assert model._target_frame["absolute_level"] is level
        errors[level] = np.sqrt(np.mean((model.predict(X[300:]) - values[301:]) ** 2))
    assert errors[True] < 0.98 * errors[False], errors


def _frame_and_targets(X, y):
    frame = find_target_frame(X, y)
    targets = FramedTargets(frame, X, y)
    return frame, np.concatenate([block for _, block in targets.blocks()])


def test_framed_targets_made_by_blocks_match_one_block(monkeypatch):
    """Blocks of 64 rows and a chunk of 16: the same targets as all rows at once."""
    walk = _random_walk(700)
    X, y = _windows(walk[:-1], 12), walk[1:]
    frame, whole = _frame_and_targets(X, y)
    monkeypatch.setattr(_frame_scales, "BLOCK_ROWS", 64)
    monkeypatch.setattr(_frame_scales, "CHUNK_ROWS", 16)
    monkeypatch.setattr(_frame, "_CHUNK_ROWS", 16)
    assert find_target_frame(X, y) == frame
    _, blocks = _frame_and_targets(X, y)
    assert_allclose(blocks, whole, rtol=1e-12)
    last = X[:, -1, 0].astype(np.float64)
    z = ((y - frame.intercept) / frame.slope - last) / frame.scale
    expected = np.clip(z, -np.inf, FramedTargets(frame, X, y).bound)
    assert_allclose(blocks[:, 0], expected, rtol=1e-12)


def test_frame_quantiles_from_a_sample_of_many_windows(monkeypatch):
    """Beyond _QUANTILE_ROWS windows, the scale rule reads evenly spaced ones."""
    # a panel: three walks around 0 (no logarithms) whose steps are 1, 30
    # and 1000: the median (the frame's scale) lies in the middle one's
    walks = [
        _random_walk(600, level=0.0, seed=seed) * scale
        for seed, scale in ((1, 1), (2, 30), (3, 1e3))
    ]
    X = np.concatenate([_windows(walk[:-1], 10) for walk in walks])
    y = np.concatenate([walk[1:] for walk in walks])
    exact = find_target_frame(X, y)
    monkeypatch.setattr(_frame_scales, "_QUANTILE_ROWS", 100)
    sampled = find_target_frame(X, y)
    assert exact.per_window and sampled.per_window
    assert (sampled.column, sampled.log) == (exact.column, exact.log)
    assert sampled.scale != exact.scale  # read from the sample
    assert_allclose(sampled.scale, exact.scale, rtol=0.2)
    assert_allclose(sampled.floor, exact.floor, rtol=0.5)


def _panel(level, window=10):
    """Three walks whose steps are 1, 30 and 1000, windowed one after another."""
    walks = [
        (_random_walk(600, level=level, seed=seed) - level) * scale + level * scale
        for seed, scale in ((1, 1), (2, 30), (3, 1e3))
    ]
    X = np.concatenate([_windows(walk[:-1], window) for walk in walks])
    return X, np.concatenate([walk[1:] for walk in walks])


def _direct(window=8):
    X, Y = make_horizon_targets(_random_walk()[:, None], horizon=3)
    return _windows(X, window), Y


def _growth(window=10):
    """One positive series growing over orders of magnitude: read in logarithms."""
    rng = np.random.RandomState(4)
    values = np.exp(0.02 * np.arange(600) + 0.05 * np.cumsum(rng.normal(size=600)))
    return _windows(values[:-1], window), values[1:]


FRAMES = {
    "one scale": _direct,
    "windows scaled one by one": lambda: _panel(level=0.0),
    "logarithms": _growth,
}


@pytest.mark.parametrize("make_data", FRAMES.values(), ids=FRAMES.keys())
def test_framed_targets_of_a_batch_match_the_blocks(make_data):
    """take(rows) gives each row the clipped targets blocks() gives it."""
    X, y = make_data()
    frame = find_target_frame(X, y)
    y = y.copy()
    y[100] *= 1e6  # an outlier, clipped
    targets = FramedTargets(frame, X, y)
    whole = np.concatenate([block for _, block in targets.blocks()])
    assert np.abs(whole).max() == targets.bound  # some rows are clipped
    rows = np.random.RandomState(0).permutation(len(X))[:50]
    assert_allclose(targets.take(rows), whole[rows], rtol=1e-12)
    tail = targets[len(X) - 40 :]  # a slice keeps the frame and the bound
    assert (len(tail), tail.shape) == (40, (40, whole.shape[1]))
    assert_allclose(tail.take(np.arange(40)), whole[-40:], rtol=1e-12)


def test_frames_of_the_batch_tests_are_the_three_kinds():
    frames = [find_target_frame(*make_data()) for make_data in FRAMES.values()]
    assert frames[0].one_scale
    assert frames[1].per_window and not frames[1].log
    assert frames[2].log


def test_a_panel_at_mixed_scales_reads_the_seasonal_phase(monkeypatch):
    """Windows scaled one by one still show the season's phase; one pattern
    learned over every series' windows beats none when they share it."""
    rng = np.random.RandomState(0)
    t = np.arange(48)
    pattern = np.array([1.0, -0.5, 2.0, -2.5])
    panel = pd.concat(
        {
            f"s{i}": pd.Series(
                scale * (10 + 0.05 * t + pattern[t % 4] + 0.8 * rng.normal(size=48)),
                index=pd.RangeIndex(48, name="t"),
            )
            for i, scale in enumerate([1.0, 10.0, 100.0, 1e3, 1e4, 3e4])
        },
        names=["series", "t"],
    ).to_frame("value")
    history = panel.groupby(level=0).head(40)
    future = panel.groupby(level=0).tail(8)["value"]
    X, Y = make_horizon_targets(history, horizon=1)
    errors = {}
    for phases in (True, False):
        if not phases:
            _frames_with(monkeypatch, phases=0)
        model = make_pipeline(SlidingWindow(8), LSTMRegressor(**FAST)).fit(X, Y.ravel())
        frame = model[-1]._target_frame
        assert frame["per_window"] and frame["phases"] == (4 if phases else 0)
        forecast = recursive_forecast(model, history, steps=8)["forecast"]
        scale = future.groupby(level=0).transform("mean").to_numpy()
        error = np.abs(forecast.to_numpy() - future.to_numpy()) / scale
        errors[phases] = np.mean(error)
    assert errors[True] < 0.97 * errors[False], errors


def test_a_panels_season_is_read_from_all_its_series():
    """Each series' steps count alike whatever its scale; one long series
    with a chance peak at lag 3 does not give the panel a season."""
    rng = np.random.RandomState(0)
    t = np.arange(40)
    seasonal = [
        scale * (np.sin(2 * np.pi * t / 4) + 0.2 * rng.normal(size=40))
        for scale in (1.0, 1e3, 1e6)
    ]
    # The longest series: noise whose steps repeat every third step.
    chance = np.cumsum(np.tile([1.0, -0.5, -0.4], 30) + 0.1 * rng.normal(size=90))
    flat = [np.cumsum(rng.normal(size=40)) for _ in range(6)]

    def runs(series):
        values = np.concatenate(series)
        stops = np.cumsum([len(s) for s in series])
        starts = np.r_[0, stops[:-1]]
        return values, starts, stops - 1  # a run's rows: its values less the last

    assert _frame_scales.season(*runs(seasonal), n_steps=8) == 4
    assert _frame_scales.season(*runs([chance]), n_steps=8) == 3  # one series
    assert _frame_scales.season(*runs([chance, *flat]), n_steps=8) == 1
