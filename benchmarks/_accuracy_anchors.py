"""The anchors of ``bench_accuracy.py``: naive, seasonal naive, AR, AutoETS, AutoARIMA.

AutoETS and AutoARIMA (statsforecast) are fitted once on each training part
and forecast every origin from its true history without refitting; their
forecasts are cached in ``results/`` (they do not depend on sklstm).
"""

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _accuracy_protocol import (
    HORIZON,
    PANELS,
    as_frame,
    global_forecasts,
    linear_ar,
    load_panel,
    mase_scale,
    panel_scores,
    panel_split,
    recursive_forecasts,
    rmse,
    split,
    targets,
    window_for,
)

from sklstm import make_horizon_targets

RESULTS = Path(__file__).parent / "results"
ANCHORS_FILE = RESULTS / "anchors.csv"
PANEL_ANCHORS_FILE = RESULTS / "panel_anchors.csv"
CLASSICAL = ("ets", "arima")
ANCHORS = ("naive", "seasonal_naive", "linear_ar", "ets", "arima")


def _statsforecast_model(method, season_length):
    from statsforecast.models import AutoARIMA, AutoETS

    if method == "ets":
        return AutoETS(season_length=season_length)
    # Seasonal AR/MA terms over weekly, daily-in-hourly or half-hourly seasons
    # make statsforecast's ARIMA search take many minutes (over 10 for one
    # weekly series); seasonal differencing stays allowed.
    if season_length > 12:
        return AutoARIMA(season_length=season_length, max_P=0, max_Q=0)
    return AutoARIMA(season_length=season_length)


def statsforecast_forecasts(method, train, values, origins, season_length, horizon):
    """AutoETS/AutoARIMA fitted on ``train``; forecasts from each origin's history.

    The fitted model is applied to the true history up to each origin
    (``forward``) without refitting. Returns ``(n_origins, horizon)``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _statsforecast_model(method, season_length).fit(train)
        return np.stack(
            [model.forward(y=values[: o + 1], h=horizon)["mean"] for o in origins]
        )


def _cached(path, refresh, compute):
    """Read ``path`` unless ``refresh``; else compute and write it."""
    if path.exists() and not refresh:
        return pd.read_csv(path)
    table = compute()
    path.parent.mkdir(exist_ok=True)
    table.to_csv(path, index=False, float_format="%.10g")
    return table


def _compute_series_anchors(records):
    rows = []
    for record in records:
        values = record.values.to_numpy(dtype=np.float64)
        n_train, origins, _ = split(len(values))
        for method in CLASSICAL:
            start = time.perf_counter()
            forecasts = statsforecast_forecasts(
                method, values[:n_train], values, origins, record.season_length, HORIZON
            )
            seconds = time.perf_counter() - start
            print(
                f"  anchors {record.name:<18} {method:<6} {seconds:6.1f} s", flush=True
            )
            table = pd.DataFrame(forecasts, columns=[f"h{h}" for h in range(1, 13)])
            table.insert(0, "origin", origins)
            table.insert(0, "method", method)
            table.insert(0, "series", record.name)
            rows.append(table)
    return pd.concat(rows, ignore_index=True)


def series_anchors(records, refresh=False):
    """Forecasts of every anchor per series: ``{series: {method: forecasts}}``.

    ``forecasts`` is a dict with ``one_step`` (at the one-step origins) and
    ``multi`` (``(n_12-step origins, 12)``). AutoETS/AutoARIMA come from the
    cache (computed for the missing series, all of them with ``refresh``);
    naive, seasonal naive and the linear AR are recomputed (they take
    milliseconds).
    """
    cached = pd.read_csv(ANCHORS_FILE) if ANCHORS_FILE.exists() else None
    have = set() if cached is None or refresh else set(cached["series"])
    missing = [record for record in records if record.name not in have]
    if missing:
        computed = _compute_series_anchors(missing)
        keep = (
            cached[~cached["series"].isin(computed["series"])]
            if cached is not None
            else None
        )
        cached = pd.concat([keep, computed], ignore_index=True)
        RESULTS.mkdir(exist_ok=True)
        cached.to_csv(ANCHORS_FILE, index=False, float_format="%.10g")
    columns = [f"h{h}" for h in range(1, HORIZON + 1)]
    anchors = {}
    for record in records:
        values = record.values.to_numpy(dtype=np.float64)
        n_train, origins, origins_h = split(len(values))
        forecasts = {}
        for method in CLASSICAL:
            rows = cached[
                (cached["series"] == record.name) & (cached["method"] == method)
            ]
            table = rows.set_index("origin")[columns]
            forecasts[method] = table.loc[origins].to_numpy()
        m = record.season_length
        steps = np.arange(1, HORIZON + 1)
        forecasts["naive"] = np.repeat(values[origins, None], HORIZON, axis=1)
        back = m * np.ceil(steps / m).astype(int)
        forecasts["seasonal_naive"] = values[origins[:, None] + steps - back]
        window = window_for(m)
        model = linear_ar(window)
        X, Y = make_horizon_targets(as_frame(values[:n_train]), horizon=1)
        model.fit(X, Y.ravel())
        one_step = model.predict(as_frame(values)).ravel()[origins]
        multi = recursive_forecasts(model, values, origins, window, HORIZON, one_step)
        forecasts["linear_ar"] = multi
        anchors[record.name] = {
            method: {
                "one_step": table[:, 0],
                "multi": table[: len(origins_h)],
            }
            for method, table in forecasts.items()
        }
    return anchors


def anchor_scores(records, anchors):
    """RMSE (one-step) and 12-step MASE of every anchor: one row per series."""
    rows = []
    for record in records:
        values = record.values.to_numpy(dtype=np.float64)
        n_train, origins, origins_h = split(len(values))
        truth = values[origins + 1]
        truth_h = targets(values, origins_h, HORIZON)
        scale = mase_scale(values[:n_train], record.season_length)
        row = {"series": record.name}
        for method, forecasts in anchors[record.name].items():
            row[f"rmse_{method}"] = rmse(truth, forecasts["one_step"])
            error = np.abs(truth_h - forecasts["multi"])
            row[f"mase_{method}"] = float(np.mean(error) / scale)
        rows.append(row)
    return pd.DataFrame(rows).set_index("series")


def _panel_classical(method, history, holdout, season_length):
    """AutoETS/AutoARIMA fitted per series: forecasts in the panel's row order."""
    forecasts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, values in history.groupby(level=0, sort=False):
            model = _statsforecast_model(method, season_length)
            forecasts.append(model.fit(values.to_numpy()).predict(h=holdout)["mean"])
    return np.concatenate(forecasts)


def panel_anchors(refresh=False):
    """Every panel's anchor scores (naive, AutoETS, AutoARIMA cached; linear AR)."""

    def compute():
        rows = []
        for name, (kind, holdout, season, metric) in PANELS.items():
            history, future = panel_split(load_panel(kind), holdout)
            last = history.groupby(level=0, sort=False).tail(1).to_numpy()
            forecasts = {"naive": np.repeat(last, holdout)}
            for method in CLASSICAL:
                forecasts[method] = _panel_classical(method, history, holdout, season)
            for method, forecast in forecasts.items():
                score = panel_scores(forecast, history, future, season, metric)
                rows.append({"panel": name, "method": method, "score": score})
        return pd.DataFrame(rows)

    table = _cached(PANEL_ANCHORS_FILE, refresh, compute)
    scores = table.set_index(["panel", "method"])["score"].unstack()
    for name, (kind, holdout, season, metric) in PANELS.items():
        history, future = panel_split(load_panel(kind), holdout)
        model = linear_ar(window_for(season))
        forecast, _ = global_forecasts(model, history, holdout)
        scores.loc[name, "linear_ar"] = panel_scores(
            forecast, history, future, season, metric
        )
    return scores
