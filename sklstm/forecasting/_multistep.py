"""Direct multi-step forecasting: one target per horizon step, one model for all.

The helpers shared with the recursive rollouts of ``_recursive`` live here too.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from ..preprocessing._labels import _labels_after, _next_label
from ..preprocessing._panel import is_panel, series_rows, series_times
from ..utils._sklearn_compat import Interval, validate_params

__all__ = ["direct_forecast", "make_horizon_targets"]


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
    return _labels_after(times, steps)


def _forecast_frame(ids, futures, forecast, names):
    """Forecasts of each series (rows of ``forecast``) indexed by (series id, time)."""
    steps = forecast.shape[1]
    index = _panel_index(ids, futures, [steps] * len(ids), names=names)
    return pd.DataFrame({"forecast": forecast.ravel()}, index=index)
