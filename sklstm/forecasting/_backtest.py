"""Rolling-origin backtests of a forecaster against baselines, with online intervals."""

from numbers import Integral, Real

import numpy as np
import pandas as pd

from ..preprocessing._panel import is_panel, series_rows, series_times
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, validate_params
from ._backtest_checks import (
    BASELINES,
    _as_rows,
    _check_baselines,
    _check_classical_rows,
    _check_columns,
    _check_inputs,
    _infer_season_length,
)
from ._backtest_plan import _forecast_times, _linear_baseline, _naive, _Plan, _truth
from ._backtest_summary import backtest_summary, mase_scale
from ._classical import (
    classical_forecasts,
)
from ._conformal import adaptive_conformal
from ._folds import calibration_origins, refit_segments
from ._panel_backtest import panel_backtest

__all__ = ["backtest", "backtest_summary"]


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        "X": ["array-like"],
        "y": ["array-like"],
        "initial_train_size": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "refit": ["boolean", Interval(Integral, 1, None, closed="left")],
        "window": [
            StrOptions({"expanding", "rolling"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "baselines": [list, tuple],
        "season_length": [Interval(Integral, 1, None, closed="left"), None],
        "interval": [Interval(Real, 0, 1, closed="neither"), None],
        "target": [Integral, str, None],
        "known_future": [list, tuple, None],
    },
    # The estimator's own parameters are checked when it is fitted, as
    # scikit-learn's cross_validate does: skipping nested validation let
    # max_epochs=0 or loss="bogus" end in an IndexError or a KeyError.
    prefer_skip_nested_validation=False,
)
def backtest(
    estimator,
    X,
    y,
    *,
    initial_train_size: int,
    horizon: int = 1,
    step: int = 1,
    refit: bool | int = True,
    window: str | int = "expanding",
    baselines: tuple = BASELINES,
    season_length: int | None = None,
    interval: float | None = None,
    target: int | str | None = None,
    known_future: list | tuple | None = None,
) -> pd.DataFrame:
    """Forecast from successive origins as if in real time, next to baselines.

    At each origin ``o`` (``initial_train_size``, then every ``step`` rows)
    rows ``<= o`` are observed: the estimator, trained only on rows whose
    targets are known by then, forecasts the target at times ``o + 1 ...
    o + horizon``, predicting from the real rows before the origin. Origins
    whose truth lies beyond the data are left out.

    Three ways to forecast, decided by ``y`` and ``horizon``:

    - one-step: 1-D ``y`` with ``y[t]`` the target at ``t + 1``, ``horizon=1``;
    - direct: 2-D ``Y`` from :func:`make_horizon_targets`, ``Y[t, h - 1]`` the
      target at ``t + h``; trained on rows ``< o - Y.shape[1] + 1``;
    - recursive: 1-D ``y`` and ``horizon > 1``, with :func:`recursive_forecast`.
      The ``target`` column of ``X`` (``X[1:, target] == y[:-1]``) is fed
      back; the future values of the columns in ``known_future`` are read
      from ``X``. Any other column is refused before fitting: its future is
      not known at the origin, and reading it from ``X`` would leak.

    One-step and direct forecasts read no row after the origin, whatever
    the columns of ``X``: ``target`` and ``known_future`` only matter to
    recursive ones.

    A panel ``X`` (a DataFrame indexed by ``(series id, time)``, ``y``
    aligned with its rows) is backtested in time, never by row position:
    its time axis is the panel's distinct times, which ``initial_train_size``
    and ``step`` count, and step ``h`` of an origin is the ``h``-th distinct
    time after it. A row's targets are its series' next observations (as
    :func:`make_horizon_targets` pairs them), so a row before a gap has its
    target after the gap, and a series' last rows have theirs one distinct
    time apart after its last time. At each refit one global model trains
    on the rows whose every target is observed by the origin's time, across
    every series whatever its start, end or gaps; each series observed at the
    origin and at its next ``horizon`` distinct times is forecast from its
    last rows up to the origin, and scored. A series is not forecast from an
    origin whose future falls in its gap. The results then have a ``series``
    column, ``origin`` is the position of the origin among the distinct
    times, ``time`` the label of the forecast time, the naive baselines read
    each series' target at the times they name (NaN where it has none), and
    the intervals use each series' own errors. A recursive panel backtest
    needs ``X`` to be the target column alone (calendar columns computed from
    the index by a :class:`CalendarFeatures` step of the estimator are fine).
    A single series is its own time axis: origins and steps are rows, so a
    gap in its index is one step.

    Parameters
    ----------
    estimator : estimator
        Regressor (a Pipeline with a :class:`SlidingWindow` too) mapping rows
        up to ``t`` to ``y[t]``. Cloned for every fit; never modified.
    X : array-like or DataFrame of shape (n_rows, n_features), or a series
        Rows in time order; 3-D ``(n_rows, n_steps, n_features)`` windows too
        (not for recursive forecasts). A pandas index labels the ``time``
        column.
    y : array-like of shape (n_rows,) or (n_rows, n_horizons)
        One-step targets, or direct targets from :func:`make_horizon_targets`.
    initial_train_size : int
        First origin: rows before it train the first model.
    horizon : int, default=1
        Steps forecast from each origin (at most ``Y.shape[1]`` for direct).
    step : int, default=1
        Rows between successive origins.
    refit : bool or int, default=True
        Refit at every origin (True), once at the first origin (False), or at
        every ``refit``-th origin (int). Between refits the fitted model
        predicts every origin in one call when it is one-step or direct;
        recursive forecasts advance all origins together, one call per step,
        when the model is a Pipeline with a :class:`SlidingWindow`, also
        inside a TransformedTargetRegressor or a search (origin by origin
        otherwise).
    window : {"expanding", "rolling"} or int, default="expanding"
        Training rows start at row 0 ("expanding"), or
        ``initial_train_size`` (or this many) rows before the origin.
    baselines : tuple of str, default=("naive", "seasonal_naive", "linear")
        Reference forecasts, one column each: "naive" (the last observed
        target), "seasonal_naive" (the target one season before the forecast
        time), "linear" (a linear autoregression on the same inputs: the
        estimator's steps up to its SlidingWindow, flattened, then
        LinearRegression; else LinearRegression on the rows), refitted on
        the estimator's schedule; and, not in the default, the classical
        anchors "ets" and "arima": statsforecast's ``AutoETS`` and
        ``AutoARIMA`` (``pip install "sklstm[classical]"``) with the season
        below (1 when unknown), fitted on the targets observed by each refit
        origin within the estimator's window, and between refits applied to
        each origin's observed targets without refitting (one model per
        series in a panel). They read only the target (``y``, or ``Y[:, 0]``
        of direct targets), not the other columns of ``X``.
    season_length : int, default=None
        Rows per season for "seasonal_naive", "ets", "arima" and the scale
        of MASE; None infers it from a DatetimeIndex or PeriodIndex
        frequency (monthly 12, quarterly 4, weekly 52, daily 7, hourly 24,
        business-daily 5), or, for all but "seasonal_naive", takes 1.
    interval : float in (0, 1), default=None
        Coverage of conformal intervals around ``y_pred`` (columns ``lower``
        and ``upper``), from past absolute errors per step (only those
        observed by the origin), adapted online by adaptive conformal
        inference (Gibbs & Candès, 2021). The errors start with those of the
        training tail: one extra fit of the estimator on the training rows
        before the last ``min(100 + horizon - 1, n_known // 2)`` forecasts
        those rows with the same method and horizon (``n_known`` rows have
        known targets at the first origin), so the bounds exist from the
        first origin. They are NaN only while a step has fewer than 10
        observed errors (a training part of under about 20 rows).
    target : int or str, default=None
        The column of ``X`` that holds the target, for recursive forecasts:
        a column label of a DataFrame, else its position (labels first, as
        :func:`make_horizon_targets` reads them). Required when ``X`` has
        more than one column; None with one column means that column. It
        must hold ``y`` one row later (``X[1:, target] == y[:-1]``).
    known_future : list or tuple of int or str, default=None
        The columns of ``X`` whose future is known at every origin (calendar
        features, planned inputs), by label or position: a recursive
        forecast reads their values at the forecast times from ``X``. Every
        column of ``X`` but the target must be listed; a column that also
        holds the target is refused (its future is the truth).

    Returns
    -------
    results : DataFrame
        One row per origin and step with columns ``origin`` (row position),
        ``step``, ``time`` (index label of the forecast time, or its
        position; NaT past ``X`` for a datetime index with gaps),
        ``y_true``, ``y_pred``, one column per baseline, and ``lower``,
        ``upper`` when ``interval`` is set. ``results.attrs``
        holds what :func:`backtest_summary` needs beyond the rows:
        ``"season_length"``, ``"mase_scale"`` (the in-sample seasonal naive
        MAE of the targets observed by the first origin; a dict by series
        id for a panel) and ``"interval"``.

    Raises
    ------
    ValueError
        Before any fit, for inconsistent sizes, an unknown baseline or a
        season that is needed and cannot be inferred.
    ImportError
        Before any fit, when "ets" or "arima" is asked for and statsforecast
        is not installed.

    See Also
    --------
    backtest_summary : Errors per step and model.
    BacktestDisplay : Plot the forecasts of one step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklstm import backtest
    >>> series = np.sin(np.arange(60) / 3)
    >>> results = backtest(Ridge(), series[:-1], series[1:], initial_train_size=40,
    ...                    baselines=("naive",))
    >>> results.shape
    (19, 6)
    >>> list(results.columns)
    ['origin', 'step', 'time', 'y_true', 'y_pred', 'naive']

    Next to the classical anchors (``pip install "sklstm[classical]"``), with
    90 % intervals, refitting every 5 origins:

    >>> results = backtest(Ridge(), series[:-1], series[1:], initial_train_size=40,
    ...                    baselines=("naive", "ets", "arima"), refit=5,
    ...                    interval=0.9)
    >>> list(results.columns[5:])
    ['naive', 'ets', 'arima', 'lower', 'upper']
    >>> bool(results[["lower", "upper"]].notna().all().all())
    True

    A recursive backtest names the target column and the covariates whose
    future is known; any other column would be refused:

    >>> import pandas as pd
    >>> t = np.arange(60)
    >>> frame = pd.DataFrame({"load": np.sin(t / 3), "plan": np.cos(t / 5)})
    >>> results = backtest(Ridge(), frame[:-1], frame["load"][1:], horizon=3,
    ...                    initial_train_size=40, baselines=("naive",),
    ...                    target="load", known_future=["plan"])
    >>> results.shape
    (51, 6)
    """
    X = _as_rows(X)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if is_panel(X) and len(X) == len(y):
        _check_columns(X, y, horizon, target, known_future)
    if is_panel(X):
        return _panel_backtest(
            estimator,
            X,
            y,
            initial_train_size=initial_train_size,
            horizon=horizon,
            step=step,
            refit=refit,
            window=window,
            baselines=baselines,
            season_length=season_length,
            interval=interval,
        )
    target = _check_inputs(X, y, initial_train_size, horizon, target, known_future)
    if isinstance(window, str):
        window = None if window == "expanding" else initial_train_size
    width = y.shape[1] if y.ndim == 2 else 1
    if window is not None and window - width + 1 < 2:
        raise ValueError(
            f"window={window} leaves {window - width + 1} training row(s) with "
            f"known targets (each row's last target is {width} row(s) ahead); "
            f"use a window of at least {width + 1} rows."
        )
    classical = _check_baselines(baselines)
    _check_classical_rows(classical, initial_train_size, window)
    required = baselines is not BASELINES
    baselines = tuple(baselines)
    if "seasonal_naive" in baselines and season_length is None:
        season_length = _infer_season_length(X, required=required)
        if season_length is None:
            baselines = tuple(name for name in baselines if name != "seasonal_naive")
    # The season of ETS, ARIMA and MASE's scale; 1 (none) when unknown.
    season = season_length or _infer_season_length(X, required=None) or 1
    last = len(X) - 1 if y.ndim == 2 else len(X) - horizon
    origins = np.arange(initial_train_size, last + 1, step)
    plan = _Plan(X, y, horizon, target, window, refit)

    y_true = np.stack([_truth(y, origins, h) for h in range(1, horizon + 1)], axis=1)
    columns = {"y_true": y_true, "y_pred": plan.forecast(estimator, origins)}
    observed = y if y.ndim == 1 else y[:, 0]  # observed[t - 1]: the target at t
    for name in baselines:
        if name == "linear":
            columns[name] = plan.forecast(_linear_baseline(estimator), origins)
        elif name in classical:
            starts = 0 if window is None else np.maximum(origins - window, 0)
            columns[name] = classical_forecasts(
                classical[name],
                observed,
                np.broadcast_to(starts, origins.shape),
                origins,
                refit_segments(len(origins), refit),
                horizon,
                season,
            )
        else:
            columns[name] = _naive(y, origins, horizon, season_length, name)
    if interval is not None:
        calibration = calibration_origins(initial_train_size, plan.width, horizon)
        seed_plan = _Plan(X, y, horizon, target, window, refit=False)
        seed_true = [_truth(y, calibration, h) for h in range(1, horizon + 1)]
        columns["lower"], columns["upper"] = adaptive_conformal(
            y_true,
            columns["y_pred"],
            origins,
            1 - interval,
            calibration=(
                calibration,
                np.stack(seed_true, axis=1),
                seed_plan.forecast(estimator, calibration),
            ),
        )
    steps = np.arange(1, horizon + 1)
    # One constructor call: inserting the columns one by one cost a predict.
    results = pd.DataFrame(
        {
            "origin": np.repeat(origins, horizon),
            "step": np.tile(steps, len(origins)),
            "time": _forecast_times(X, origins, steps),
            **{name: values.ravel() for name, values in columns.items()},
        }
    )
    results.attrs = {
        "season_length": season,
        "mase_scale": mase_scale(observed[: origins[0]], season),
        "interval": interval,
    }
    return results


def _panel_backtest(estimator, X, y, **options):
    """Check a panel backtest's arguments as backtest does; run panel_backtest."""
    if len(X) != len(y):
        raise ValueError(
            f"X has {len(X)} rows and y has {len(y)}; they must have one row each "
            "per series and time."
        )
    if y.ndim == 2 and options["horizon"] > y.shape[1]:
        raise ValueError(
            f"horizon={options['horizon']} exceeds the {y.shape[1]} columns of the "
            "direct targets Y; make them with make_horizon_targets(data, horizon)."
        )
    window = options["window"]
    if isinstance(window, str):
        window = None if window == "expanding" else options["initial_train_size"]
    options["window"] = window
    classical = _check_baselines(options["baselines"])
    baselines = tuple(options["baselines"])
    # The season of the first series' times.
    rows = series_rows(X.index)[0][1]
    times = pd.DataFrame(index=series_times(X.index, rows, "backtest"))
    if "seasonal_naive" in baselines and options["season_length"] is None:
        required = options["baselines"] is not BASELINES
        options["season_length"] = _infer_season_length(times, required=required)
        if options["season_length"] is None:
            baselines = tuple(name for name in baselines if name != "seasonal_naive")
    options["baselines"] = baselines
    options["classical"] = classical
    season = options["season_length"] or _infer_season_length(times, required=None)
    options["season"] = season or 1
    width = y.shape[1] if y.ndim == 2 else 1
    options["calibration"] = calibration_origins(
        options["initial_train_size"], width, options["horizon"]
    )
    linear = _linear_baseline(estimator) if "linear" in baselines else None
    return panel_backtest(estimator, X, y, linear=linear, options=options)
