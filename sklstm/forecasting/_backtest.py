"""Rolling-origin backtests of a forecaster against baselines, with online intervals."""

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from ..preprocessing._composite import _steps, find_window
from ..preprocessing._panel import is_panel, series_rows, series_times
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, validate_params
from ._backtest_summary import backtest_summary, mase_scale
from ._classical import (
    CLASSICAL,
    MIN_OBSERVATIONS,
    classical_forecasts,
    import_classical,
)
from ._conformal import adaptive_conformal
from ._folds import calibration_origins, refit_segments, rolling_folds
from ._multistep import _column_position
from ._panel_backtest import panel_backtest
from ._recursive import _recursive_forecasts, _window_length, recursive_forecast

__all__ = ["backtest", "backtest_summary"]

BASELINES = ("naive", "seasonal_naive", "linear")
# Season lengths of the usual calendar frequencies (pandas offset codes, no anchor).
SEASONS = {"M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4, "QE": 4, "W": 52, "D": 7}
SEASONS |= {"H": 24, "h": 24, "B": 5, "BM": 12, "BMS": 12, "BME": 12}


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


def _check_classical_rows(classical, initial_train_size, window):
    """Raise unless every ETS/ARIMA fit gets enough observed targets."""
    shortest = min(initial_train_size, window or initial_train_size)
    if classical and shortest < MIN_OBSERVATIONS:
        given = f"initial_train_size={initial_train_size}" + (
            f" and window={window}" if window is not None else ""
        )
        raise ValueError(
            f"baselines {list(classical)} need at least {MIN_OBSERVATIONS} observed "
            f"targets per fit, but {given} leave {shortest}; pass at least "
            f"{MIN_OBSERVATIONS}, or leave them out of baselines."
        )


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


def _as_rows(X):
    """A Series becomes a one-column frame and a 1-D array a column of rows."""
    if isinstance(X, pd.Series):
        return X.to_frame()
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def _check_inputs(X, y, initial_train_size, horizon, target=None, known_future=None):
    """Check shapes and sizes; return the target column of a recursive forecast."""
    if len(X) != len(y):
        raise ValueError(
            f"X has {len(X)} rows and y has {len(y)}; they must have one row each "
            "per time step."
        )
    if y.ndim == 2 and horizon > y.shape[1]:
        raise ValueError(
            f"horizon={horizon} exceeds the {y.shape[1]} columns of the direct "
            "targets Y; make them with make_horizon_targets(data, horizon)."
        )
    # Rows whose targets are known at the first origin: the first training set.
    n_known = initial_train_size - (y.shape[1] - 1 if y.ndim == 2 else 0)
    last = len(X) - 1 if y.ndim == 2 else len(X) - horizon
    if n_known < 2 or initial_train_size > last:
        raise ValueError(
            f"initial_train_size={initial_train_size} must leave at least 2 "
            f"training rows with known targets and one origin whose truth is in "
            f"the data: between {initial_train_size - n_known + 2} and {last} for "
            f"{len(X)} rows and horizon={horizon}."
        )
    return _check_columns(X, y, horizon, target, known_future)


def _check_columns(X, y, horizon, target, known_future):
    """The target column of a recursive backtest (None for one-step or direct).

    Refuses, before any fit, a target that does not hold ``y`` one row
    later and every other column not listed in ``known_future``: a
    recursive forecast reads their values at the forecast times.
    """
    two_d = np.ndim(X) == 2
    if y.ndim == 2 or horizon == 1:
        # Nothing is read from the future; still, a wrong name is a mistake.
        named = [("known_future", key) for key in known_future or ()]
        for parameter, key in [("target", target), *named]:
            if two_d and key is not None:
                _column_position(X, key, parameter)
        return None
    if not two_d:
        raise ValueError(
            f"horizon={horizon} with a 1-D y forecasts recursively, which feeds "
            f"the forecasts back into a column of 2-D rows X, but X has "
            f"{np.ndim(X)} dimensions. Pass direct targets Y from "
            "make_horizon_targets(data, horizon)."
        )
    later, earlier = _consecutive_rows(X)
    labels = list(X.columns) if hasattr(X, "columns") else list(range(X.shape[1]))

    def holds_target(column):
        values = X.iloc[:, column] if hasattr(X, "iloc") else X[:, column]
        try:
            values = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):  # dates, strings: not the target
            return False
        # Tight: np.allclose's default rtol of 1e-5 takes a near-copy at
        # level 1e6 for the target itself.
        return np.allclose(values[later], y[earlier], rtol=1e-9, atol=0, equal_nan=True)

    if target is None and len(labels) > 1:
        matches = [labels[j] for j in range(len(labels)) if holds_target(j)]
        hint = f" ({matches} hold y one row later)" if matches else ""
        raise ValueError(
            f"horizon={horizon} with a 1-D y forecasts recursively, feeding the "
            f"forecasts back into the target column of X, but X has "
            f"{len(labels)} columns {labels}: name it with target= (a column "
            f"name or position){hint}, and list the columns whose future is "
            "known in known_future=."
        )
    column = 0 if target is None else _column_position(X, target, "target")
    if not holds_target(column):
        if target is None:
            raise ValueError(
                f"horizon={horizon} with a 1-D y forecasts recursively, which "
                "needs X's column to hold the target (X[1:, 0] == y[:-1]); it "
                "does not. Pass direct targets Y from make_horizon_targets(data, "
                "horizon), or X with a column equal to y shifted by one row."
            )
        raise ValueError(
            f"target={target!r} names column {labels[column]!r} of X, which does "
            "not hold y one row later (X[1:, target] == y[:-1]), as the column "
            "a recursive forecast feeds its forecasts back into must. Name the "
            "column that holds y shifted by one row, or pass direct targets Y "
            "from make_horizon_targets(data, horizon)."
        )
    known = [_column_position(X, key, "known_future") for key in known_future or ()]
    if column in known:
        raise ValueError(
            f"known_future={list(known_future)} lists the target column "
            f"{labels[column]!r}; its future is what is forecast. Leave it out."
        )
    unknown = [labels[j] for j in range(len(labels)) if j != column and j not in known]
    if unknown:
        raise ValueError(
            f"X has columns {unknown} besides the target {labels[column]!r} that "
            "known_future does not list: a recursive forecast would read their "
            f"values at the forecast times, unknown at the origin (a leak). Drop "
            f"them, lag them by at least horizon={horizon} rows, or, if their "
            f"future is truly known (calendar features, planned inputs), pass "
            f"known_future={[labels[j] for j in known] + unknown}."
        )
    copies = [labels[j] for j in known if holds_target(j)]
    if copies:
        raise ValueError(
            f"known_future lists {copies}, which hold the target itself "
            "(X[1:, j] == y[:-1]): their future values are the truth being "
            "forecast. Drop them from X."
        )
    if is_panel(X) and len(labels) > 1:
        raise ValueError(
            f"A recursive backtest of a panel (1-D y, horizon={horizon}) feeds "
            f"the forecasts back as X's only column, but X has {len(labels)} "
            f"columns {labels}. Pass the target column alone (a CalendarFeatures "
            "step in the estimator computes calendar columns from the index), or "
            "direct targets Y from make_horizon_targets(X, horizon)."
        )
    return column


def _consecutive_rows(X):
    """Positions of each row with an earlier row (of its series) and of that row."""
    if not is_panel(X):
        return np.arange(1, len(X)), np.arange(len(X) - 1)
    pairs = [(rows[1:], rows[:-1]) for _, rows in series_rows(X.index)]
    return tuple(np.concatenate(side) for side in zip(*pairs, strict=True))


def _check_baselines(baselines):
    """Raise on unknown names; return {name: statsforecast model} of those asked."""
    names = [*BASELINES, *CLASSICAL]
    unknown = [name for name in baselines if name not in names]
    if unknown:
        raise ValueError(
            f"baselines={tuple(baselines)!r} has unknown names {unknown}; choose "
            f"among {names}, e.g. baselines=('naive', 'seasonal_naive', 'ets')."
        )
    asked = [name for name in CLASSICAL if name in baselines]
    if not asked:
        return {}
    models = import_classical()
    return {name: models[name] for name in asked}


def _infer_season_length(X, required):
    """The season of X's index frequency, or None.

    When it cannot be inferred: raise if ``required``, warn if False, and
    stay silent if None.
    """
    index = getattr(X, "index", None)
    freq = None
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        freq = index.freq or (pd.infer_freq(index) if len(index) >= 3 else None)
    if freq is not None:
        offset = to_offset(freq)
        code = offset.rule_code.split("-")[0]
        if offset.n == 1 and code in SEASONS:
            return SEASONS[code]
    message = (
        "The 'seasonal_naive' baseline needs a season_length, which could not be "
        f"inferred from X's index (frequency {freq}); pass season_length or "
        "leave 'seasonal_naive' out of baselines."
    )
    if required is None:
        return None
    if required:
        raise ValueError(message)
    warnings.warn(
        message + " It is left out of the default baselines.", UserWarning, stacklevel=3
    )
    return None


def _target_at(y, times):
    """The target at each time (NaN before time 1): y[t - 1] or Y[t - 1, 0]."""
    values = y if y.ndim == 1 else y[:, 0]
    times = np.asarray(times)
    out = np.full(times.shape, np.nan)
    known = times >= 1
    out[known] = values[times[known] - 1]
    return out


def _truth(y, origins, h):
    return y[origins, h - 1] if y.ndim == 2 else y[origins + h - 1]


def _naive(y, origins, horizon, season_length, name):
    steps = np.arange(1, horizon + 1)
    if name == "naive":
        times = np.repeat(origins[:, None], horizon, axis=1)
    else:
        back = season_length * np.ceil(steps / season_length).astype(int)
        times = origins[:, None] + steps - back
    return _target_at(y, times)


def _flatten(X):
    # float64: a least-squares fit on collinear lags in float32 keeps ~5
    # digits, and its predictions would depend on how many rows share a call.
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1)


def _linear_baseline(estimator):
    """LinearRegression on the estimator's inputs (its windows, when it has one)."""
    flatten = ("flatten", FunctionTransformer(_flatten))
    found = find_window(estimator, required=False)
    if found is None:
        return Pipeline([flatten, ("linear", LinearRegression())])
    windowing = [*_steps(found.before), (found.path[-1], found.window)]
    return Pipeline([*windowing, flatten, ("linear", LinearRegression())])


def _rows(X, start, stop):
    return X.iloc[start:stop] if hasattr(X, "iloc") else X[start:stop]


def _take(X, positions):
    return X.iloc[positions] if hasattr(X, "iloc") else X[positions]


class _Plan:
    """Which rows train and predict at each origin, shared by model and baseline."""

    def __init__(self, X, y, horizon, target, window, refit):
        self.X, self.y, self.horizon = X, y, horizon
        self.target, self.window, self.refit = target, window, refit
        # A panel of one series: row t is at time t, its last target at
        # t + width, observed at origin o when t + width <= o.
        self.width = y.shape[1] if y.ndim == 2 else 1

    def forecast(self, estimator, origins):
        """Forecasts of shape (n_origins, horizon), one fit per refit origin."""
        forecast = np.empty((len(origins), self.horizon))
        times = np.arange(len(self.X))
        for fold in rolling_folds(
            origins,
            refit=self.refit,
            window=self.window,
            row_times=times,
            last_target_times=times + self.width,
        ):
            train = fold.train
            model = clone(estimator).fit(_take(self.X, train), self.y[train])
            # The fitted model's window: a search may have chosen another.
            context = _window_length(model)
            chosen = fold.origins
            forecast[chosen] = self._predict(model, origins[chosen], context)
        return forecast

    def _times(self, origins, context):
        """Index labels of each origin's last ``context`` rows and forecast times,
        for models that read the index (CalendarFeatures); None without one."""
        index = getattr(self.X, "index", None)
        if index is None:
            return None
        positions = origins[:, None] + np.arange(1 - context, self.horizon + 1)
        # The row after the last forecast is appended but never read.
        return index[np.minimum(positions, len(index) - 1).ravel()]

    def _predict(self, model, origins, context):
        first = 0 if context is None else max(0, origins[0] - context + 1)
        if self.target is None:
            # One call over the whole span: every origin sees its real history.
            predictions = model.predict(_rows(self.X, first, origins[-1] + 1))
            predictions = np.asarray(predictions, dtype=np.float64)
            predictions = predictions.reshape(len(predictions), -1)
            return predictions[origins - first, : self.horizon]
        values = np.asarray(self.X, dtype=np.float64)
        others = np.arange(values.shape[1]) != self.target
        # Future covariates at o+1 ... o+horizon; the last row is appended
        # after the last forecast and never read, so repeat when missing.
        future = origins[:, None] + np.arange(1, self.horizon + 1)
        future = values[np.minimum(future, len(values) - 1)][:, :, others]
        forecast = np.full((len(origins), self.horizon), np.nan)
        # Origins with a whole window of real rows are advanced together.
        done = np.zeros(len(origins), dtype=bool)
        if context is not None and origins[-1] + 1 >= context:
            done = origins + 1 >= context
            histories = values[origins[done, None] + np.arange(1 - context, 1)]
            batched = _recursive_forecasts(
                model,
                histories,
                self.horizon,
                target=self.target,
                future_exog=future[done] if others.any() else None,
                columns=getattr(self.X, "columns", None),
                times=self._times(origins[done], context),
            )
            if batched is None:
                done[:] = False
            else:
                forecast[done] = batched
        for row in np.flatnonzero(~done):
            origin = origins[row]
            start = 0 if context is None else max(0, origin - context + 1)
            forecast[row] = recursive_forecast(
                model,
                _rows(self.X, start, origin + 1),
                self.horizon,
                target=self.target,
                future_exog=future[row] if others.any() else None,
                context=context,
            )
        return forecast


def _forecast_times(X, origins, steps):
    """Index labels of the forecast times o + h, or their positions."""
    positions = (origins[:, None] + steps).ravel()
    index = getattr(X, "index", None)
    if index is None:
        return positions
    freq = getattr(index, "freq", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        freq = pd.infer_freq(index)
    if freq is not None:
        offset = to_offset(freq)
        starts = index[origins]
        with warnings.catch_warnings():
            # Offsets without a vectorised form are applied label by label anyway.
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            by_step = [starts + h * offset for h in steps]
        # Step-major blocks, reordered origin by origin as the rows are.
        order = np.arange(len(origins) * len(steps)).reshape(len(steps), -1).T
        return by_step[0].append(by_step[1:]).take(order.ravel())
    if isinstance(index, pd.RangeIndex):
        return index.start + positions * index.step
    if positions.max() < len(index):
        return index[positions]
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        # An index with gaps cannot be continued: the rows' own labels, and
        # NaT past X (the time of the last targets is not in X).
        inside = np.where(positions < len(index), positions, -1)
        return index.take(inside, allow_fill=True, fill_value=pd.NaT)
    return positions
