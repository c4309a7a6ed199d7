"""Multi-step forecasting: direct targets for every horizon, and recursive rollouts."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from ..preprocessing._composite import find_window
from ..preprocessing._panel import is_panel, series_rows, series_times
from ..preprocessing._window import _next_label
from ..utils._sklearn_compat import Interval, validate_params

__all__ = ["direct_forecast", "make_horizon_targets", "recursive_forecast"]


def _column_position(data, key, parameter):
    """Position of the column ``key`` names: a label of a DataFrame, else a position.

    DataFrame labels come first: an integer that is a column label means that
    column, wherever it stands. An integer that is not a label is a position,
    unless the columns have integer labels, where it could be either: refused.
    """
    if isinstance(key, bool):  # an Integral: True would mean column 1
        raise ValueError(
            f"{parameter}={key!r} is a bool, which would be read as column "
            f"{int(key)}; pass the column's position (an int) or, for a "
            "DataFrame, its name."
        )
    columns = data.columns if isinstance(data, pd.DataFrame) else None
    if columns is not None and key in columns:
        position = columns.get_loc(key)
        if not isinstance(position, Integral):
            raise ValueError(
                f"{parameter}={key!r} names {int((columns == key).sum())} "
                "columns of the DataFrame; give its columns unique labels."
            )
        return int(position)
    n_columns = data.shape[1]
    if not isinstance(key, Integral):
        where = (
            f"not a column of the DataFrame; its columns are {list(columns)}"
            if columns is not None
            else "a name, but the data has no column names (not a DataFrame)"
        )
        raise ValueError(
            f"{parameter}={key!r} is {where}. Pass a column name or a position "
            f"in [0, {n_columns})."
        )
    if columns is not None and any(
        isinstance(label, Integral) and not isinstance(label, bool) for label in columns
    ):
        raise ValueError(
            f"{parameter}={key!r} is not a column label, and the DataFrame's "
            f"columns {list(columns)} have integer labels, so an integer is read "
            "as a label first. Pass an existing label, or a label read from the "
            f"position: data.columns[{key!r}]."
        )
    if not -n_columns <= key < n_columns:
        raise ValueError(
            f"{parameter}={key!r} must be a column position in [0, {n_columns}) "
            "(or a column name of a DataFrame)."
        )
    return int(key) % n_columns


def _target_column(data, target):
    """Index of ``target`` (a DataFrame column label, or a position)."""
    return _column_position(data, target, "target")


def _as_table(data, name):
    """Keep DataFrames; make a Series a one-column frame; check arrays as 2-D.

    ``name`` is the parameter ``data`` was passed as, for the error messages.
    """
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, pd.DataFrame):
        return data
    array = np.asarray(data)
    array = array.reshape(-1, 1) if array.ndim == 1 else array
    return check_array(array, input_name=name)


@validate_params(
    {
        "data": ["array-like"],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "target": [Integral, str, None],
    },
    prefer_skip_nested_validation=True,
)
def make_horizon_targets(data, horizon, target=0):
    """Pair each row with its next ``horizon`` target values, for direct models.

    Row ``t`` of ``X`` is row ``t`` of ``data`` and ``Y[t, h - 1]`` is the
    target column at row ``t + h``, for ``h = 1 ... horizon``. The last
    ``horizon`` rows, whose future is incomplete, are dropped. A model that
    reads windows of rows up to ``t`` (``SlidingWindow``) never sees a value
    it is asked to predict. Fit ``Pipeline([scaler, SlidingWindow,
    LSTMRegressor])`` on ``(X, Y)`` to predict every horizon at once.

    A panel (``data`` indexed by ``(series id, time)``) is paired series by
    series: every target lies in the row's own series, and the last
    ``horizon`` rows of each series are dropped.

    Parameters
    ----------
    data : array-like or DataFrame of shape (n_rows, n_columns), or a 1-D series
        Rows in time order; for a panel, each series' rows in time order.
    horizon : int
        Number of future steps to predict.
    target : int or str, default=0
        The column to forecast: a column label of a DataFrame, else its
        position. Labels come first: for a DataFrame whose columns have
        integer labels, ``target=1`` is the column labelled 1 (wherever it
        stands), and an integer that is not a label is refused.

    Returns
    -------
    X : ndarray or DataFrame of shape (n_rows - horizon, n_columns)
        The first ``n_rows - horizon`` rows of ``data`` (a DataFrame stays one);
        for a panel, all but the last ``horizon`` rows of each series
        (``n_rows - n_series * horizon`` rows).
    Y : ndarray of shape (n_rows - horizon, horizon)
        The target at ``t + 1, ..., t + horizon`` for each row ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import make_horizon_targets
    >>> X, Y = make_horizon_targets(np.arange(6.0), horizon=2)
    >>> X.ravel()
    array([0., 1., 2., 3.])
    >>> Y
    array([[1., 2.],
           [2., 3.],
           [3., 4.],
           [4., 5.]])
    """
    table = _as_table(data, "data")
    column = _target_column(table, target)
    if is_panel(table):
        return _panel_horizon_targets(table, horizon, column)
    n_rows = len(table)
    if n_rows <= horizon:
        raise ValueError(
            f"data has {n_rows} rows; horizon={horizon} needs at least "
            f"{horizon + 1} so that one row has its whole future."
        )
    values = np.asarray(
        table.iloc[:, column] if hasattr(table, "iloc") else table[:, column]
    )
    Y = np.stack(
        [values[h : n_rows - horizon + h] for h in range(1, horizon + 1)], axis=1
    )
    X = table.iloc[: n_rows - horizon] if hasattr(table, "iloc") else table[:-horizon]
    return X, Y.astype(np.float64)


def _panel_horizon_targets(table, horizon, column):
    """make_horizon_targets of each series, rows kept in the panel's order."""
    values = table.iloc[:, column].to_numpy(dtype=np.float64)
    Y = np.empty((len(table), horizon))
    kept = np.zeros(len(table), dtype=bool)
    for series_id, positions in series_rows(table.index):
        series_times(table.index, positions, "make_horizon_targets")
        if len(positions) <= horizon:
            raise ValueError(
                f"Series {series_id!r} has {len(positions)} rows; horizon={horizon} "
                f"needs at least {horizon + 1} in every series so that one row has "
                "its whole future. Leave the shorter series out."
            )
        n_kept = len(positions) - horizon
        for h in range(1, horizon + 1):
            Y[positions[:n_kept], h - 1] = values[positions[h : n_kept + h]]
        kept[positions[:n_kept]] = True
    return table.iloc[np.flatnonzero(kept)], Y[kept]


@validate_params(
    {
        "model": [object],
        "history": ["array-like"],
        "steps": [Interval(Integral, 1, None, closed="left")],
        "target": [Integral, str, None],
        "future_exog": ["array-like", None],
        "context": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def recursive_forecast(
    model, history, steps, *, target=0, future_exog=None, context=None
):
    """Forecast ``steps`` ahead with a one-step model, feeding predictions back.

    ``model`` is any fitted regressor (a Pipeline or a
    TransformedTargetRegressor too) that maps rows up to ``t`` to the target
    at ``t + 1``, i.e. trained with ``y[t] = data[t + 1, target]``. Each step
    predicts from the history, appends a row whose target column is the
    prediction, and repeats.

    A panel ``history`` (indexed by ``(series id, time)``) is forecast for
    every series at once: each step is one ``predict`` call over the recent
    rows of all the series.

    Parameters
    ----------
    model : fitted estimator
        One-step-ahead model; its ``predict`` reads rows like ``history``.
    history : array-like or DataFrame of shape (n_rows, n_columns), or a 1-D series
        Observed rows up to the forecast origin, in time order; or a panel,
        each series' rows in time order up to its own origin.
    steps : int
        Number of future steps.
    target : int or str, default=0
        The forecast column: a column label of a DataFrame, else its position
        (labels first, as :func:`make_horizon_targets` reads them).
    future_exog : array-like of shape (steps, n_columns - 1), default=None
        The future values of every column but the target, in their order in
        ``history``. Needed when ``history`` has more than one column: only
        the target is fed back, so every other column must be one whose
        future is known at the origin (calendar features, planned inputs,
        scheduled prices). A covariate whose future is unknown does not
        belong in ``history``: drop it, or lag it by at least ``steps`` rows
        so that its future rows are already observed. For a panel,
        ``(n_series * steps, n_columns - 1)``: the rows of the returned
        forecast, series by series. Calendar features need none of this when
        the model computes them from the index (:class:`CalendarFeatures` as
        its first step, ``history`` a DataFrame whose index continues):
        the next rows' times are the index's next labels.
    context : int, default=None
        Number of most recent rows passed to ``model.predict`` at each step.
        None: the window of the model's :class:`~sklstm.SlidingWindow` step
        when it has one (its prediction for the last row depends on those
        rows only, after row-wise scalers), else the whole history.

    Returns
    -------
    forecast : ndarray of shape (steps,), or DataFrame for a panel
        The target at the ``steps`` rows after ``history``. For a panel, a
        DataFrame of ``n_series * steps`` rows with a column ``"forecast"``,
        indexed by ``(series id, time)`` with each series' next times: its
        index continued when its times are evenly spaced (a DatetimeIndex
        with a frequency, set or inferred, a PeriodIndex, integers with a
        constant step), else its row positions continued.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklstm import recursive_forecast
    >>> series = np.arange(10.0)
    >>> one_step = LinearRegression().fit(series[:-1, None], series[1:])
    >>> recursive_forecast(one_step, series, steps=3).round(6)
    array([10., 11., 12.])
    """
    table = _as_table(history, "history")
    column = _target_column(table, target)
    n_columns = table.shape[1]
    n_series = len(series_rows(table.index)) if is_panel(table) else 1
    exog = _check_future_exog(table, column, future_exog, n_series * steps)
    if is_panel(table):
        return _panel_recursive_forecast(model, table, steps, column, exog, context)
    rows = table.copy()  # never modify the caller's history
    context = context or _window_length(model)
    forecast = np.empty(steps)
    for step in range(steps):
        recent = rows if context is None else rows[-context:]
        forecast[step] = _last_prediction(model, recent)
        new_row = np.empty(n_columns)
        new_row[column] = forecast[step]
        if exog is not None:
            new_row[np.arange(n_columns) != column] = exog[step]
        rows = _append_row(rows, new_row)
    return forecast


def _check_future_exog(table, column, future_exog, n_rows):
    """``future_exog`` as an array of ``n_rows`` rows of the non-target columns."""
    n_columns = table.shape[1]
    others = [
        label
        for position, label in enumerate(
            table.columns if hasattr(table, "columns") else range(n_columns)
        )
        if position != column
    ]
    if n_columns == 1:
        if future_exog is not None:
            raise ValueError(
                "future_exog holds the future of the columns other than the "
                "target, but history has the target column only; leave "
                "future_exog=None."
            )
        return None
    if future_exog is None:
        raise ValueError(
            f"history has {n_columns} columns: only the target (column {column}) "
            f"is fed back, so the future of the other {n_columns - 1} {others} "
            f"must be known. Pass future_exog of shape ({n_rows}, {n_columns - 1}) "
            "with their future values; a covariate whose future is unknown "
            "cannot be forecast this way: drop it from history or lag it by at "
            "least as many rows as the steps."
        )
    names = getattr(future_exog, "columns", None)
    if names is not None and hasattr(table, "columns") and list(names) != others:
        raise ValueError(
            f"future_exog has the columns {list(names)}; expected the non-target "
            f"columns of history, {others}, in that order: pass "
            f"future_exog[{others}]."
        )
    exog = check_array(future_exog, input_name="future_exog")
    if exog.shape != (n_rows, n_columns - 1):
        raise ValueError(
            f"future_exog has shape {exog.shape}; expected ({n_rows}, "
            f"{n_columns - 1}): one row per step (of each series) and one column "
            f"per non-target column of history, {others}, in that order."
        )
    return exog


@validate_params(
    {"model": [object], "history": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def direct_forecast(model, history):
    """Forecast every horizon of a direct model from the end of ``history``.

    ``model`` is a fitted multi-output regressor trained on
    :func:`make_horizon_targets` (``Y[t, h - 1]`` the target at ``t + h``).
    It predicts over ``history`` and keeps the prediction of the last row:
    of the whole history, or of each series of a panel.

    Parameters
    ----------
    model : fitted estimator
        Direct model; its ``predict`` reads rows like ``history``.
    history : array-like or DataFrame of shape (n_rows, n_columns), or a 1-D series
        Observed rows up to the forecast origin, in time order; or a panel
        indexed by ``(series id, time)``, each series up to its own origin.

    Returns
    -------
    forecast : ndarray of shape (horizon,), or DataFrame for a panel
        The target at the ``horizon`` rows after ``history``. For a panel,
        ``n_series * horizon`` rows with a column ``"forecast"``, indexed by
        ``(series id, time)`` with each series' next times, as
        :func:`recursive_forecast` returns them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklstm import direct_forecast, make_horizon_targets
    >>> X, Y = make_horizon_targets(np.arange(10.0), horizon=2)
    >>> direct = LinearRegression().fit(X, Y)
    >>> direct_forecast(direct, np.arange(10.0)).round(6)
    array([10., 11.])
    """
    table = _as_table(history, "history")
    prediction = np.asarray(model.predict(table), dtype=np.float64)
    prediction = prediction.reshape(len(table), -1)
    if not is_panel(table):
        return prediction[-1]
    ids, last_rows, futures = [], [], []
    horizon = prediction.shape[1]
    for series_id, positions in series_rows(table.index):
        times = _time_labels(series_times(table.index, positions, "direct_forecast"))
        ids.append(series_id)
        last_rows.append(positions[-1])
        futures.append(_future_times(times, horizon))
    return _forecast_frame(ids, futures, prediction[last_rows], table.index.names)


def _last_prediction(model, rows):
    """The model's single predicted value for the last of ``rows``."""
    return _one_value_per_row(model.predict(rows), len(rows))[-1]


def _one_value_per_row(prediction, n_rows):
    """``prediction`` as a 1-D array; raise if a row has more than one value."""
    prediction = np.asarray(prediction)
    if prediction.ndim > 1 and np.prod(prediction.shape[1:]) != 1:
        raise ValueError(
            "recursive_forecast feeds one predicted value a step back into the "
            f"target column, but model.predict returned shape {prediction.shape} "
            f"for {n_rows} rows: {prediction.shape[1:]} values per row. Use a "
            "one-step model with a single output; a direct multi-output model "
            "(make_horizon_targets) forecasts every horizon at once: "
            "model.predict(history)[-1]."
        )
    return np.ravel(prediction)


def _recursive_forecasts(
    model, histories, steps, *, target, future_exog, columns, times=None
):
    """:func:`recursive_forecast` from many histories, advanced together.

    Each step predicts the last row of every history in one call: the rows
    of all histories go through the steps before the model's
    :class:`~sklstm.SlidingWindow` at once, as do the windows of their last
    rows through the steps after it. This equals forecasting each history on
    its own with ``context=window`` when the steps before the window act row
    by row (scalers), as ``context`` already assumes.

    Parameters
    ----------
    model : fitted estimator
        One-step model with a SlidingWindow step that ``find_window``
        finds: a Pipeline, or one inside TransformedTargetRegressors and
        search objects.
    histories : ndarray of shape (n_histories, window, n_columns)
        The last ``window`` rows of each history.
    steps : int
        Number of future steps.
    target : int
        Position of the forecast column.
    future_exog : ndarray of shape (n_histories, steps, n_columns - 1) or None
        Known future values of the other columns.
    columns : Index or None
        Column names, when the model was fitted on DataFrames.
    times : Index of length n_histories * (window + steps), or None
        The index label of every row of ``rows``, history by history, for
        models that read the index (:class:`~sklstm.CalendarFeatures`).

    Returns
    -------
    forecasts : ndarray of shape (n_histories, steps), or None
        None when ``model`` has no SlidingWindow reading ``window`` rows
        followed by an estimator: forecast each history with
        recursive_forecast then.
    """
    found = find_window(model, required=False)
    n_histories, window, n_columns = histories.shape
    if found is None or found.after is None or found.window.window != window:
        return None
    rows = np.empty((n_histories, window + steps, n_columns))
    rows[:, :window] = histories
    others = np.arange(n_columns) != target
    forecasts = np.empty((n_histories, steps))
    # Positions in ``times`` of each history's rows, one history a row.
    labels = np.arange(n_histories * (window + steps)).reshape(n_histories, -1)
    for step in range(steps):
        recent = rows[:, step : step + window].reshape(-1, n_columns)
        if columns is not None:
            index = None
            if times is not None and found.before is not None:
                # The steps before the window may read the times; the
                # window itself must not take these rows for the fit's next.
                index = times[labels[:, step : step + window].ravel()]
            recent = pd.DataFrame(recent, columns=columns, index=index)
        recent = found.transform_rows(recent)
        # Windows of each history's last row: rows of that history only.
        windows = found.window.transform(recent)[window - 1 :: window]
        predictions = found.predict_windows(windows)
        forecasts[:, step] = _one_value_per_row(predictions, len(recent))
        rows[:, window + step, target] = forecasts[:, step]
        if future_exog is not None:
            rows[:, window + step, others] = future_exog[:, step]
    return forecasts


def _window_length(model):
    """The window of the SlidingWindow inside ``model``, or None without one."""
    found = find_window(model, required=False)
    return None if found is None else found.window.window


def _append_row(rows, values):
    if isinstance(rows, pd.DataFrame):
        # The next time, when the index tells it: a model that reads the
        # index (CalendarFeatures) sees the new row's own date.
        next_label = _next_label(rows.index)
        new_index = None if next_label is None else [next_label]
        new = pd.DataFrame([values], columns=rows.columns, index=new_index)
        return pd.concat([rows, new], ignore_index=new_index is None)
    return np.vstack([rows, values])


def _panel_recursive_forecast(model, table, steps, column, exog, context):
    """recursive_forecast of every series of a panel, one predict call a step."""
    context = context or _window_length(model)
    values = table.to_numpy(dtype=np.float64)
    ids, rows, times, futures = [], [], [], []
    for series_id, positions in series_rows(table.index):
        series_index = _time_labels(
            series_times(table.index, positions, "recursive_forecast")
        )
        keep = slice(None) if context is None else slice(-context, None)
        ids.append(series_id)
        rows.append(values[positions][keep])
        times.append(list(series_index[keep]))
        futures.append(_future_times(series_index, steps))
    forecast = np.empty((len(ids), steps))
    for step in range(steps):
        batch = pd.DataFrame(
            np.concatenate(rows),
            columns=table.columns,
            index=_panel_index(
                ids, times, [len(r) for r in rows], names=table.index.names
            ),
        )
        last_rows = np.cumsum([len(series_rows_) for series_rows_ in rows]) - 1
        predictions = _one_value_per_row(model.predict(batch), len(batch))
        forecast[:, step] = predictions[last_rows]
        for i in range(len(ids)):
            new_row = np.empty(values.shape[1])
            new_row[column] = forecast[i, step]
            if exog is not None:
                new_row[np.arange(values.shape[1]) != column] = exog[i * steps + step]
            start = 0 if context is None else max(len(rows[i]) + 1 - context, 0)
            rows[i] = np.vstack([rows[i], new_row])[start:]
            times[i] = [*times[i], futures[i][step]][start:]
    return _forecast_frame(ids, futures, forecast, table.index.names)


def _panel_index(ids, times, lengths, names):
    """The (series id, time) index of series ``ids`` with these times."""
    return pd.MultiIndex.from_arrays(
        [np.repeat(np.array(ids, dtype=object), lengths), np.concatenate(times)],
        names=names,
    )


def _time_labels(times):
    """``times`` when evenly spaced (see SlidingWindow.next_index_), else the
    row positions ``0, 1, ...``: labels that can be continued."""
    return times if _next_label(times) is not None else pd.RangeIndex(len(times))


def _future_times(times, steps):
    """The ``steps`` labels after the evenly spaced ``times``."""
    future = []
    for _ in range(steps):
        future.append(_next_label(times))
        times = times.append(pd.Index(future[-1:]))
    return future


def _forecast_frame(ids, futures, forecast, names):
    """Forecasts of each series (rows of ``forecast``) indexed by (series id, time)."""
    steps = forecast.shape[1]
    index = _panel_index(ids, futures, [steps] * len(ids), names=names)
    return pd.DataFrame({"forecast": forecast.ravel()}, index=index)
