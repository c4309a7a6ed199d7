"""How accurate is sklstm: the default pipeline against classical forecasts.

On every series of ``_accuracy_series.load_collection`` (29 real series,
yearly to half-hourly), a model is fitted on the first 80 % and forecasts
the rest from its true history:

- one step ahead from every origin in the test part (RMSE);
- 12 steps ahead from every test origin whose 12 targets exist (MASE, scaled
  by the training part's in-sample seasonal naive MAE, Hyndman & Koehler
  2006), recursively (the one-step model fed its own forecasts) and directly
  (a multi-output model trained on ``make_horizon_targets``);

next to anchors on the same splits: naive, seasonal naive, a linear AR on the
same windows, and statsforecast's AutoETS and AutoARIMA (fitted once on the
training part, forecasting each origin's true history without refitting).
Then one global model over 8 raw quarterly macro series (8-quarter hold-out,
mean MASE) and over the shipped M1 yearly panel (6-year hold-out, sMAPE).

The model is ``make_model(window, seed, horizon)``: by default the README's
pipeline ``StandardScaler -> SlidingWindow(window) -> LSTMRegressor(
random_state=seed)`` with ``window`` two seasons (at least 8). Other scripts
can import ``evaluate`` and pass their own. The classical anchors' forecasts
are cached in ``results/``; run against any checkout with
``PYTHONPATH=/path/to/sklstm``::

    python benchmarks/bench_accuracy.py [--seeds 0 1] [--series NAME ...] [--quick]
        [--refresh-anchors] [--markdown FILE] [--plot FILE]
"""

import argparse
import inspect
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import sklstm
from sklstm import (
    LSTMRegressor,
    SlidingWindow,
    make_horizon_targets,
    recursive_forecast,
)

sys.path.insert(0, str(Path(__file__).parent))
from _accuracy_series import (
    QUICK,
    load_collection,
    load_m1,
    load_macro_panel,
)

HORIZON = 12
TRAIN_FRACTION = 0.8
# Non-seasonal series (and quarterly ones) get windows of 8 steps: two seasons
# of a yearly series would be two points.
MIN_WINDOW = 8
RESULTS = Path(__file__).parent / "results"
ANCHORS_FILE = RESULTS / "anchors.csv"
PANEL_ANCHORS_FILE = RESULTS / "panel_anchors.csv"
CLASSICAL = ("ets", "arima")
ANCHORS = ("naive", "seasonal_naive", "linear_ar", "ets", "arima")


def window_for(season_length):
    """The pipeline's window: two seasons, at least ``MIN_WINDOW`` steps."""
    return max(2 * season_length, MIN_WINDOW)


def default_model(window, seed, horizon=1):
    """The README's pipeline at its defaults (``horizon`` outputs follow ``y``)."""
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("lstm", LSTMRegressor(random_state=seed)),
        ]
    )
    # The scaler keeps a panel's index, so that SlidingWindow windows each series.
    return model.set_output(transform="pandas")


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


# ---------------------------------------------------------------------------
# splits and errors


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


def _frame(values):
    return pd.DataFrame({"value": np.asarray(values, dtype=np.float64)})


# ---------------------------------------------------------------------------
# forecasting with a fitted window model


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
        history = _frame(values[max(0, origin - window + 1) : origin + 1])
        forecasts[row] = recursive_forecast(model, history, steps=horizon)
    return forecasts


def _accepts_horizon(make_model):
    return "horizon" in inspect.signature(make_model).parameters


def _build(make_model, window, seed, horizon):
    if _accepts_horizon(make_model):
        return make_model(window, seed, horizon=horizon)
    return make_model(window, seed)


def fit_series(make_model, record, seed, multi_step=True):
    """Fit one model on a series' training part; forecast its test part.

    Returns
    -------
    result : dict
        ``one_step`` (forecasts at the one-step origins), ``recursive`` and
        ``direct`` (``(n_origins, 12)``, or None), ``fit_seconds`` (one-step
        model), ``std`` (one-step predicted std, if the model gives one).
    """
    values = record.values.to_numpy(dtype=np.float64)
    window = window_for(record.season_length)
    n_train, origins, origins_h = split(len(values))
    X, Y = make_horizon_targets(_frame(values[:n_train]), horizon=1)
    model = _build(make_model, window, seed, 1)
    start = time.perf_counter()
    model.fit(X, Y.ravel())
    fit_seconds = time.perf_counter() - start
    whole = _frame(values)
    one_step = np.asarray(model.predict(whole), dtype=np.float64).ravel()[origins]
    result = {"one_step": one_step, "fit_seconds": fit_seconds, "std": None}
    result["std"] = _predicted_std(model, whole, origins)
    result["recursive"] = result["direct"] = None
    if multi_step:
        result["recursive"] = recursive_forecasts(
            model, values, origins_h, window, HORIZON, check=one_step[: len(origins_h)]
        )
        X, Y = make_horizon_targets(_frame(values[:n_train]), horizon=HORIZON)
        model = _build(make_model, window, seed, HORIZON).fit(X, Y)
        prediction = np.asarray(model.predict(whole), dtype=np.float64)
        result["direct"] = prediction.reshape(len(values), HORIZON)[origins_h]
    return result


def _predicted_std(model, whole, origins):
    """The one-step predicted standard deviation, or None if the model has none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, std = model.predict(whole, return_std=True)
    except (TypeError, ValueError, AttributeError):
        return None
    return np.asarray(std, dtype=np.float64).ravel()[origins]


# ---------------------------------------------------------------------------
# classical anchors


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
        X, Y = make_horizon_targets(_frame(values[:n_train]), horizon=1)
        model.fit(X, Y.ravel())
        one_step = model.predict(_frame(values)).ravel()[origins]
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


# ---------------------------------------------------------------------------
# the model under test


def evaluate(
    make_model=default_model,
    records=None,
    seeds=(0, 1),
    horizon=HORIZON,
    multi_step=True,
):
    """Score ``make_model`` on every series and seed.

    Parameters
    ----------
    make_model : callable, default=default_model
        ``make_model(window, seed)`` (or ``make_model(window, seed,
        horizon=h)``) returns an unfitted regressor reading 2-D rows (the
        series as one column ``"value"``) whose target is the next value
        (``horizon`` next values for the direct model).
    records : list of Series, default=None
        The series; None: ``load_collection()``.
    seeds : tuple of int, default=(0, 1)
    horizon : int, default=12
        Only 12 is cached for the anchors.
    multi_step : bool, default=True
        Also score 12-step recursive and direct forecasts.

    Returns
    -------
    scores : DataFrame
        One row per series and seed: ``rmse`` (one step), ``mase_recursive``,
        ``mase_direct``, ``fit_seconds`` (the one-step model), ``coverage``
        (of the one-step 90 % normal interval, NaN without ``return_std``).
    """
    if horizon != HORIZON:
        raise ValueError(f"horizon={horizon}: the anchors are computed for {HORIZON}.")
    records = load_collection() if records is None else records
    rows = []
    for record in records:
        values = record.values.to_numpy(dtype=np.float64)
        n_train, origins, origins_h = split(len(values))
        truth = values[origins + 1]
        truth_h = targets(values, origins_h, HORIZON)
        scale = mase_scale(values[:n_train], record.season_length)
        for seed in seeds:
            start = time.perf_counter()
            result = fit_series(make_model, record, seed, multi_step=multi_step)
            row = {
                "series": record.name,
                "seed": seed,
                "rmse": rmse(truth, result["one_step"]),
            }
            row["fit_seconds"] = result["fit_seconds"]
            for kind in ("recursive", "direct"):
                row[f"mase_{kind}"] = np.nan
                if result[kind] is not None:
                    error = np.abs(truth_h - result[kind])
                    row[f"mase_{kind}"] = float(np.mean(error) / scale)
            row["coverage"] = np.nan
            if result["std"] is not None:
                inside = np.abs(truth - result["one_step"]) <= 1.6449 * result["std"]
                row["coverage"] = float(np.mean(inside))
            rows.append(row)
            print(
                f"  {record.name:<18} seed {seed}: RMSE {row['rmse']:.4g}, "
                f"MASE rec {row['mase_recursive']:.3f} dir {row['mase_direct']:.3f}, "
                f"fit {row['fit_seconds']:.1f} s, "
                f"all {time.perf_counter() - start:.1f} s",
                flush=True,
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# panels: one global model


def _panel_split(panel, holdout):
    """Each series' history (all but its last ``holdout`` rows) and hold-out."""
    history = panel.groupby(level=0, sort=False).head(-holdout)
    future = panel.groupby(level=0, sort=False).tail(holdout)
    return history, future


def _panel_classical(method, history, holdout, season_length):
    """AutoETS/AutoARIMA fitted per series: forecasts in the panel's row order."""
    forecasts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, values in history.groupby(level=0, sort=False):
            model = _statsforecast_model(method, season_length)
            forecasts.append(model.fit(values.to_numpy()).predict(h=holdout)["mean"])
    return np.concatenate(forecasts)


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


def _load_panel(kind):
    return load_macro_panel() if kind == "macro" else load_m1()


def panel_anchors(refresh=False):
    """Every panel's anchor scores (naive, AutoETS, AutoARIMA cached; linear AR)."""

    def compute():
        rows = []
        for name, (kind, holdout, season, metric) in PANELS.items():
            history, future = _panel_split(_load_panel(kind), holdout)
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
        history, future = _panel_split(_load_panel(kind), holdout)
        model = linear_ar(window_for(season))
        forecast, _ = global_forecasts(model, history, holdout)
        scores.loc[name, "linear_ar"] = panel_scores(
            forecast, history, future, season, metric
        )
    return scores


def evaluate_panels(make_model=default_model, seeds=(0, 1)):
    """One global ``make_model`` per panel and seed: its score and fit time."""
    rows = []
    for name, (kind, holdout, season, metric) in PANELS.items():
        history, future = _panel_split(_load_panel(kind), holdout)
        for seed in seeds:
            model = _build(make_model, window_for(season), seed, 1)
            forecast, seconds = global_forecasts(model, history, holdout)
            score = panel_scores(forecast, history, future, season, metric)
            rows.append(
                {"panel": name, "seed": seed, "metric": metric, "score": score}
                | {"fit_seconds": seconds}
            )
            print(f"  {name} seed {seed}: {metric} {score:.3f}, fit {seconds:.1f} s")
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# report


def _geometric_mean(ratios):
    return float(np.exp(np.mean(np.log(ratios))))


def per_series_table(records, scores, anchor_table):
    """One row per series: ratios (mean over seeds), spread, MASE, fit time."""
    rows = []
    for record in records:
        mine = scores[scores["series"] == record.name]
        anchor = anchor_table.loc[record.name]
        best = min(anchor["mase_ets"], anchor["mase_arima"])
        row = {
            "series": record.name,
            "frequency": record.frequency,
            "n": len(record),
            "window": window_for(record.season_length),
        }
        for method, label in [("ets", "ETS"), ("arima", "ARIMA"), ("linear_ar", "AR")]:
            row[f"RMSE/{label}"] = (mine["rmse"] / anchor[f"rmse_{method}"]).mean()
        row["RMSE/naive"] = (mine["rmse"] / anchor["rmse_naive"]).mean()
        row["seed spread"] = (mine["rmse"].max() - mine["rmse"].min()) / mine[
            "rmse"
        ].mean()
        row["MASE rec"] = mine["mase_recursive"].mean()
        row["MASE dir"] = mine["mase_direct"].mean()
        for method, label in [
            ("naive", "naive"),
            ("seasonal_naive", "snaive"),
            ("linear_ar", "AR"),
            ("ets", "ETS"),
            ("arima", "ARIMA"),
        ]:
            row[f"MASE {label}"] = anchor[f"mase_{method}"]
        row["rec/best"] = row["MASE rec"] / best
        row["dir/best"] = row["MASE dir"] / best
        row["fit s"] = mine["fit_seconds"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def summary_table(scores, anchor_table):
    """Geometric means over series of the ratios, per seed; worst series vs AR."""
    rows = []
    for seed, mine in scores.groupby("seed"):
        anchor = anchor_table.loc[mine["series"]]
        rmse = mine["rmse"].to_numpy()
        row = {"seed": seed}
        for method, label in [
            ("ets", "ETS"),
            ("arima", "ARIMA"),
            ("linear_ar", "AR"),
            ("naive", "naive"),
        ]:
            row[f"RMSE/{label}"] = _geometric_mean(rmse / anchor[f"rmse_{method}"])
        best_mase = np.minimum(anchor["mase_ets"], anchor["mase_arima"]).to_numpy()
        for kind in ("recursive", "direct"):
            ratios = mine[f"mase_{kind}"].to_numpy() / best_mase
            row[f"MASE {kind}/best ETS-ARIMA"] = (
                _geometric_mean(ratios) if np.isfinite(ratios).all() else np.nan
            )
        to_ar = rmse / anchor["rmse_linear_ar"].to_numpy()
        worst = int(np.argmax(to_ar))
        row["worst vs AR"] = f"{mine['series'].iloc[worst]} {to_ar[worst]:.2f}"
        row["coverage 90%"] = mine["coverage"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def panel_table(panel_results, panel_anchor_scores):
    rows = []
    for name, mine in panel_results.groupby("panel", sort=False):
        row = {"panel": name, "metric": mine["metric"].iloc[0]}
        for seed, score in zip(mine["seed"], mine["score"], strict=True):
            row[f"sklstm seed {seed}"] = score
        for method, label in [
            ("naive", "naive"),
            ("ets", "AutoETS"),
            ("arima", "AutoARIMA"),
            ("linear_ar", "global linear AR"),
        ]:
            row[label] = panel_anchor_scores.loc[name, method]
        row["fit s"] = mine["fit_seconds"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def _markdown(table):
    return table.to_markdown(index=False, floatfmt=".3g")


def plot(records, scores, anchor_table, path):
    """RMSE ratio to the better of AutoETS/AutoARIMA per series, a dot per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    best = anchor_table[["rmse_ets", "rmse_arima"]].min(axis=1)
    ratio = scores["rmse"].to_numpy() / best.loc[scores["series"]].to_numpy()
    order = (
        pd.Series(ratio, index=scores["series"]).groupby(level=0).mean().sort_values()
    )
    position = {name: i for i, name in enumerate(order.index)}
    figure, axes = plt.subplots(figsize=(7, 0.28 * len(order) + 1.5))
    for seed, mine in scores.groupby("seed"):
        rows = (scores["seed"] == seed).to_numpy()
        axes.scatter(
            ratio[rows],
            [position[name] for name in mine["series"]],
            s=18,
            label=f"sklstm default, seed {seed}",
        )
    linear = anchor_table.loc[order.index, "rmse_linear_ar"] / best.loc[order.index]
    axes.scatter(linear, range(len(order)), marker="x", c="k", label="linear AR")
    axes.axvline(1, color="grey", lw=1)
    axes.set_xscale("log")
    axes.set_yticks(range(len(order)), order.index, fontsize=8)
    axes.set_xlabel("one-step RMSE / RMSE of the better of AutoETS and AutoARIMA")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def report(records, scores, anchor_table, panel_results=None, panel_anchor_scores=None):
    """The whole report as markdown."""
    parts = [
        "Per series (ratios: mean over seeds of the one-step RMSE ratio; MASE: "
        "12 steps, from every origin with 12 targets):",
        _markdown(per_series_table(records, scores, anchor_table)),
        "Geometric means over series, per seed:",
        _markdown(summary_table(scores, anchor_table)),
    ]
    if panel_results is not None:
        parts += [
            "One global model per panel (raw values):",
            _markdown(panel_table(panel_results, panel_anchor_scores)),
        ]
    return "\n\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--series", nargs="+", default=None)
    parser.add_argument("--quick", action="store_true", help="8 series, one step")
    parser.add_argument("--refresh-anchors", action="store_true")
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    names = list(QUICK) if args.quick and args.series is None else args.series
    records = load_collection(names)
    print(f"sklstm {sklstm.__version__} from {Path(sklstm.__file__).parent}")
    print(f"{len(records)} series, seeds {args.seeds}; anchors", flush=True)
    anchors = series_anchors(records, refresh=args.refresh_anchors)
    anchor_table = anchor_scores(records, anchors)
    print("model", flush=True)
    scores = evaluate(
        default_model, records, seeds=tuple(args.seeds), multi_step=not args.quick
    )
    panel_results = panel_anchor_scores = None
    if not args.quick and args.series is None:
        print("panels", flush=True)
        panel_anchor_scores = panel_anchors(refresh=args.refresh_anchors)
        panel_results = evaluate_panels(default_model, seeds=tuple(args.seeds))
    text = report(records, scores, anchor_table, panel_results, panel_anchor_scores)
    minutes = (time.perf_counter() - start) / 60
    text += f"\nTotal run time: {minutes:.1f} min.\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.plot:
        plot(records, scores, anchor_table, args.plot)


if __name__ == "__main__":
    main()
