"""The protocol of ``bench_accuracy.py``: splits, errors, windows, forecasts.

A series is split at 80 %: the first part trains, every later point is
forecast one step ahead from its true history, and every origin in the test
part whose 12 targets exist is forecast 12 steps ahead. A panel keeps each
series' last rows out and is forecast by one global model.
"""

import time

import numpy as np
import pandas as pd
from _accuracy_series import load_m1, load_macro_panel
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import SlidingWindow, make_horizon_targets, recursive_forecast

HORIZON = 12
TRAIN_FRACTION = 0.8
# Non-seasonal series (and quarterly ones) get windows of 8 steps: two seasons
# of a yearly series would be two points.
MIN_WINDOW = 8


def window_for(season_length):
    """The pipeline's window: two seasons, at least ``MIN_WINDOW`` steps."""
    return max(2 * season_length, MIN_WINDOW)


def _flatten(windows):
    return np.asarray(windows).reshape(len(windows), -1)


def linear_ar(window, seed=None, horizon=1):
    """A linear autoregression on the same (scaled) windows as the pipeline."""
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("flatten", FunctionTransformer(_flatten)),
            ("linear", LinearRegression()),
        ]
    )
    # Only the scaler: FunctionTransformer would warn that it returns NumPy.
    model.named_steps["scale"].set_output(transform="pandas")
    return model


def split(n_points):
    """Training size, one-step origins and 12-step origins of a series.

    An origin is the position of the last observed point; one-step origins
    forecast every test point, 12-step origins are those whose 12 targets
    exist.
    """
    n_train = int(TRAIN_FRACTION * n_points)
    return (
        n_train,
        np.arange(n_train - 1, n_points - 1),
        np.arange(n_train - 1, n_points - HORIZON),
    )


def targets(values, origins, horizon):
    """Truth ``(n_origins, horizon)``: the values after each origin."""
    return np.stack([values[origins + h] for h in range(1, horizon + 1)], axis=1)


def mase_scale(train, season_length):
    """In-sample seasonal naive MAE of the training part (Hyndman & Koehler)."""
    return np.mean(np.abs(train[season_length:] - train[:-season_length]))


def rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((np.asarray(y_true) - y_pred) ** 2)))


def smape(y_true, y_pred):
    return float(
        np.mean(200 * np.abs(y_true - y_pred) / (np.abs(y_true) + np.abs(y_pred)))
    )


def as_frame(values):
    return pd.DataFrame({"value": np.asarray(values, dtype=np.float64)})


def _contexts(values, origins, window):
    """The last ``window`` points up to each origin, edge-padded at the start."""
    padded = np.concatenate([np.full(window, values[0]), values])
    return np.stack([padded[o + 1 : o + 1 + window] for o in origins])


def _predict_contexts(model, contexts):
    """The model's forecast after each context row, in one predict call.

    The contexts go in as a panel (one series per origin), which the
    pipeline windows series by series.
    """
    n_origins, window = contexts.shape
    index = pd.MultiIndex.from_product(
        [np.arange(n_origins), np.arange(window)], names=["origin", "time"]
    )
    panel = pd.DataFrame({"value": contexts.ravel()}, index=index)
    if isinstance(model, Pipeline):
        # Only each context's last row is needed: transform all rows (cheap),
        # predict the last rows only (a window-fold less work for the network).
        rows = model[:-1].transform(panel)[window - 1 :: window]
        prediction = np.asarray(model[-1].predict(rows), dtype=np.float64)
        return prediction.reshape(n_origins, -1)[:, 0]
    prediction = np.asarray(model.predict(panel), dtype=np.float64)
    return prediction.reshape(n_origins, window, -1)[:, -1, 0]


def recursive_forecasts(model, values, origins, window, horizon, check=None):
    """Recursive ``horizon``-step forecasts from every origin: ``(n_origins, horizon)``.

    All origins advance together as one panel, one predict call per step.
    ``check``: the model's one-step forecasts at ``origins`` from the whole
    series; if the batched first step does not reproduce them (a model that
    cannot read panels), each origin is forecast on its own with
    ``sklstm.recursive_forecast``.
    """
    contexts = _contexts(values, origins, window)
    forecasts = np.empty((len(origins), horizon))
    try:
        for step in range(horizon):
            forecasts[:, step] = _predict_contexts(model, contexts)
            if step == 0 and check is not None:
                np.testing.assert_allclose(forecasts[:, 0], check, rtol=1e-3, atol=1e-6)
            contexts = np.concatenate(
                [contexts[:, 1:], forecasts[:, step, None]], axis=1
            )
        return forecasts
    except (AssertionError, ValueError, TypeError):
        print("    (panel batching unavailable: origin by origin)", flush=True)
    for row, origin in enumerate(origins):
        history = as_frame(values[max(0, origin - window + 1) : origin + 1])
        forecasts[row] = recursive_forecast(model, history, steps=horizon)
    return forecasts


def panel_split(panel, holdout):
    """Each series' history (all but its last ``holdout`` rows) and hold-out."""
    history = panel.groupby(level=0, sort=False).head(-holdout)
    future = panel.groupby(level=0, sort=False).tail(holdout)
    return history, future


def global_forecasts(model, history, holdout):
    """Fit ``model`` on every series' one-step pairs; forecast each recursively."""
    frame = history.to_frame("value")
    X, Y = make_horizon_targets(frame, horizon=1)
    start = time.perf_counter()
    model.fit(X, Y.ravel())
    seconds = time.perf_counter() - start
    forecast = recursive_forecast(model, frame, steps=holdout).iloc[:, 0]
    # In the history's series order, whatever order the forecast comes in.
    ids = history.index.get_level_values(0).unique()
    return np.concatenate([forecast.loc[i].to_numpy() for i in ids]), seconds


def panel_scores(forecast, history, future, season_length, metric):
    """Mean MASE (``season_length``-naive scale per series) or sMAPE over series."""
    truth = future.to_numpy()
    if metric == "smape":
        return smape(truth, forecast)
    ids = future.index.get_level_values(0)
    scores = []
    for series_id, values in history.groupby(level=0, sort=False):
        scale = mase_scale(values.to_numpy(), season_length)
        rows = np.asarray(ids == series_id)
        scores.append(np.mean(np.abs(truth[rows] - forecast[rows])) / scale)
    return float(np.mean(scores))


PANELS = {
    # name: (loader, hold-out, season length for anchors and MASE, metric)
    "macro quarterly (8 series, raw)": ("macro", 8, 4, "mase"),
    "M1 yearly (181 series, raw)": ("m1", 6, 1, "smape"),
}


def load_panel(kind):
    return load_macro_panel() if kind == "macro" else load_m1()
