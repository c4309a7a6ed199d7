"""Level handling: forecasts that follow trends beyond the training range."""

import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import torch
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import LSTMRegressor, SlidingWindow
from sklstm._estimators._data import SequenceDataset
from sklstm._estimators._forecasting import _significant

FAST = {"hidden_size": 16, "max_epochs": 30, "lr": 1e-2, "n_threads": 1}


def _flatten(windows):
    return windows.reshape(len(windows), -1)


def _co2_monthly():
    weekly = sm.datasets.co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate()


def _trend(n=300, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return 0.05 * t + np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_readme_pipeline_extrapolates_co2(seed):
    """Monthly CO2, last 20 % held out (79 % of it above the training maximum)."""
    co2 = _co2_monthly()
    X, y = co2.to_frame().iloc[:-1], co2.to_numpy()[1:]
    n_train = round(0.8 * len(y))
    assert np.mean(y[n_train:] > y[:n_train].max()) > 0.7
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=24)),
            ("lstm", LSTMRegressor(random_state=seed, n_threads=1)),
        ]
    ).set_output(transform="pandas")
    pipe.fit(X.iloc[:n_train], y[:n_train])
    linear = make_pipeline(
        StandardScaler(),
        SlidingWindow(window=24),
        FunctionTransformer(_flatten),
        LinearRegression(),
    ).fit(X.iloc[:n_train], y[:n_train])
    y_test = y[n_train:]
    lstm = root_mean_squared_error(y_test, pipe.predict(X)[n_train:])
    naive = root_mean_squared_error(y_test, X["co2"].to_numpy()[n_train:])
    ar = root_mean_squared_error(y_test, linear.predict(X)[n_train:])
    assert lstm < naive
    assert lstm < 1.15 * ar


def test_without_level_the_forecast_saturates():
    """The control: level=None cannot leave the training range on a trend."""
    series = _trend()
    X, y = series[:-1, None], series[1:]
    scores = {}
    for level in ("last", None):
        pipe = make_pipeline(
            SlidingWindow(window=12), LSTMRegressor(level=level, random_state=0, **FAST)
        ).fit(X[:240], y[:240])
        scores[level] = root_mean_squared_error(y[240:], pipe.predict(X)[240:])
    naive = root_mean_squared_error(y[240:], X[240:, 0])
    assert scores["last"] < naive < scores[None]


@pytest.mark.parametrize("level", ["last", "ar"])
def test_highway_structure(level):
    X = np.random.RandomState(0).normal(size=(40, 6, 3))
    model = LSTMRegressor(level=level, **{**FAST, "max_epochs": 1}).fit(X, X[:, -1, 0])
    network = model.net_.module_
    n_inputs = 3 if level == "last" else 6 * 3
    assert network.highway.in_features == n_inputs
    assert network.highway.out_features == 1
    np.testing.assert_allclose(network.input_shift, X.reshape(-1, 3).mean(0), rtol=1e-5)
    assert not hasattr(
        LSTMRegressor(level=None, **{**FAST, "max_epochs": 1})
        .fit(X, X[:, -1, 0])
        .net_.module_,
        "highway",
    )


def test_highway_starts_at_the_least_squares_fit():
    """With no training the model predicts what LinearRegression does."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5, 2)) * [3.0, 0.5] + [10.0, -4.0]
    y = 2.0 * X[:, -1, 1] - X[:, -1, 0] + 0.1 * rng.normal(size=200)
    model = LSTMRegressor(level="last", **{**FAST, "lr": 1e-12, "max_epochs": 1})
    model.fit(X, y)
    expected = LinearRegression().fit(X[:, -1], y).predict(X[:, -1])
    np.testing.assert_allclose(model.predict(X), expected, atol=1e-3)


def test_multivariate_target_lag_is_found_by_the_highway():
    """The target is the next value of column 1 of 3: no column is named."""
    rng = np.random.RandomState(0)
    n = 400
    rows = np.column_stack(
        [rng.normal(size=n), np.cumsum(rng.normal(size=n)) + 50, rng.normal(size=n)]
    )
    X, y = rows[:-1], rows[1:, 1]
    pipe = make_pipeline(
        SlidingWindow(window=8), LSTMRegressor(level="last", random_state=0, **FAST)
    ).fit(X[:300], y[:300])
    weights = pipe[-1].net_.module_.highway.weight.detach().numpy().ravel()
    assert np.argmax(np.abs(weights)) == 1
    lstm = root_mean_squared_error(y[300:], pipe.predict(X)[300:])
    naive = root_mean_squared_error(y[300:], X[300:, 1])
    assert lstm < 1.1 * naive  # a random walk: naive is the best forecast


@pytest.mark.parametrize("loss", ["gaussian", "quantile"])
def test_interval_heads_follow_the_trend(loss):
    series = 100 + 10 * _trend()
    X, y = series[:-1, None], series[1:]
    pipe = make_pipeline(
        SlidingWindow(window=12), LSTMRegressor(loss=loss, random_state=0, **FAST)
    ).fit(X[:240], y[:240])
    if loss == "gaussian":
        mean, std = pipe.predict(X[200:], return_std=True)
        low, high = mean - 1.645 * std, mean + 1.645 * std
    else:
        quantiles = pipe[-1].predict_quantiles(pipe[:-1].transform(X[200:]))
        low, high = quantiles[:, 0], quantiles[:, -1]
    truth, low, high = y[240:], low[40:], high[40:]
    assert truth.min() > y[:240].max() - 20  # beyond most of the training range
    inside = (truth >= low) & (truth <= high)
    assert inside.mean() > 0.6


def test_gaussian_default_calibrated_on_unscaled_heteroscedastic_series():
    """90 % Gaussian intervals on a raw-unit series whose noise follows its input."""
    rng = np.random.RandomState(0)
    n = 1500
    x = rng.uniform(-1, 1, size=n)
    noise_scale = 2.0 + 8.0 * (x > 0)
    y = 50 + 20 * x + noise_scale * rng.normal(size=n)
    X = pd.DataFrame({"x": x})
    pipe = make_pipeline(
        SlidingWindow(window=4),
        LSTMRegressor(loss="gaussian", random_state=0, n_threads=1, hidden_size=16),
    ).fit(X.iloc[:1200], y[:1200])
    mean, std = pipe.predict(X, return_std=True)
    inside = np.abs(y[1200:] - mean[1200:]) <= 1.645 * std[1200:]
    assert 0.85 <= inside.mean() <= 0.95


@pytest.mark.parametrize("level", ["auto", "ar", "last"])
def test_closed_form_weights_are_row_frequencies(level):
    """Weight 0 removes a row and weight 2 repeats it in the closed-form fit.

    ``"auto"`` frames this series (ridge with its penalty chosen by GCV);
    ``"ar"`` and ``"last"`` start the highway at its least-squares fit.
    """
    X = SlidingWindow(window=12).fit_transform(_trend(200)[:, None])
    y = _trend(200)[1:]
    X = X[:-1]
    params = {**FAST, "max_epochs": 1, "early_stopping": False, "random_state": 0}
    model = LSTMRegressor(level=level, **params).fit(X, y)
    assert (model._frame() is not None) == (level == "auto")
    rng = np.random.RandomState(0)
    weight = rng.randint(0, 3, size=len(X)).astype(float)
    Y = rng.normal(size=(len(X), 1)).astype(np.float32)
    X32 = np.asarray(X, dtype=np.float32)
    weighted, repeated = (copy.deepcopy(model.net_.module_) for _ in range(2))
    model._init_module(weighted, SequenceDataset(X32, Y, sample_weight=weight))
    repeats = weight.astype(int)
    model._init_module(
        repeated, SequenceDataset(X32.repeat(repeats, 0), Y.repeat(repeats, 0))
    )
    for name, value in repeated.state_dict().items():
        np.testing.assert_allclose(
            weighted.state_dict()[name], value, rtol=1e-6, atol=1e-6, err_msg=name
        )
    # The weights do change the fit (not a vacuous comparison).
    unweighted = copy.deepcopy(model.net_.module_)
    model._init_module(unweighted, SequenceDataset(X32, Y))
    before, after = (m.highway.weight.detach() for m in (unweighted, weighted))
    assert not np.allclose(before, after)


def _logistic_map(n=400, seed=0):
    """A chaotic series a linear autoregression cannot forecast well."""
    rng = np.random.RandomState(seed)
    values = np.empty(n)
    values[0] = 0.3
    for t in range(1, n):
        values[t] = np.clip(3.8 * values[t - 1] * (1 - values[t - 1]), 0, 1)
        values[t] = np.clip(values[t] + 0.005 * rng.normal(), 0.001, 0.999)
    return values


def _with_and_without_head(model, X, y):
    """RMSE of ``model`` on ``(X, y)``, then with its recurrent head at zero."""
    full = root_mean_squared_error(y, model.predict(X))
    head = model.net_.module_.head
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
    return full, root_mean_squared_error(y, model.predict(X))


def test_the_recurrent_part_is_kept_where_it_lowers_the_error():
    """On a nonlinear series the trained recurrent part beats the ridge alone on
    new data and is kept; on a linear AR(1), where it has nothing to learn,
    whatever the validation rows decide costs nothing on new data."""
    values = _logistic_map()
    X = SlidingWindow(4).fit_transform(values[:-1].reshape(-1, 1))
    model = LSTMRegressor(hidden_size=16, max_epochs=60, random_state=0, n_threads=1)
    model.fit(X[:300], values[1:301])
    assert model.net_.lr == 1e-2  # lr="auto" in a target's frame
    head = model.net_.module_.head
    assert head.weight.abs().sum() > 0
    full, ridge = _with_and_without_head(model, X[300:], values[301:])
    assert full < 0.8 * ridge, (full, ridge)

    rng = np.random.RandomState(0)
    linear = np.zeros(400)
    for t in range(1, 400):
        linear[t] = 0.6 * linear[t - 1] + rng.normal()
    X = SlidingWindow(4).fit_transform(linear[:-1].reshape(-1, 1))
    model = LSTMRegressor(hidden_size=16, max_epochs=60, random_state=0, n_threads=1)
    model.fit(X[:300], linear[1:301])
    full, ridge = _with_and_without_head(model, X[300:], linear[301:])
    assert full < 1.01 * ridge, (full, ridge)


def test_lr_auto_is_higher_only_in_the_frame_of_one_series():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 5, 2))
    y = X[:, -1, 0] + X[:, -2, 1]
    model = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert model._frame() is None and model.net_.lr == 1e-3
    model.set_params(lr=0.05).fit(X, y)
    assert model.net_.lr == 0.05
    # A panel at mixed scales: windows scaled one by one, many of them.
    walks = [scale * np.cumsum(rng.normal(size=80)) for scale in (1.0, 1e4)]
    X = np.concatenate([SlidingWindow(6).fit_transform(w[:-1, None]) for w in walks])
    y = np.concatenate([w[1:] for w in walks])
    model = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert model._frame().per_window and model.net_.lr == 1e-3


@pytest.mark.parametrize(
    "gain, weights, expected",
    [
        (np.full(10, 0.1) + np.linspace(-0.01, 0.01, 10), np.ones(10), True),
        (np.linspace(-1, 1.2, 10), np.ones(10), False),  # mean 0.1, SE 0.23
        (np.array([0.5]), np.ones(1), False),  # one block: no evidence
        (np.array([0.5, 0.4, -9.0]), np.array([1.0, 1.0, 0.0]), True),
    ],
)
def test_one_standard_error_rule(gain, weights, expected):
    assert _significant(gain, weights) is expected
