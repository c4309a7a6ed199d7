"""Recursive multi-step forecasts: a one-step model fed its own predictions.

For one series here, for every series of a panel in ``_panel_recursive``;
used by ``backtest`` too.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array

from ..preprocessing._labels import _next_label
from ..preprocessing._panel import is_panel, series_rows
from ..utils._sklearn_compat import Interval, validate_params
from ._multistep import _as_table, _target_column
from ._panel_recursive import _panel_recursive_forecast
from ._recursive_batch import _one_value_per_row, _window_length

__all__ = ["recursive_forecast"]


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
    every series at once, one ``predict`` call a step: of the window of each
    series' last row when ``model`` has a :class:`~sklstm.SlidingWindow`
    followed by an estimator (in Pipelines, TransformedTargetRegressors and
    search objects), ``context`` is None or its window, and every series
    has that many rows; else of the last ``context`` rows of every series.

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


def _last_prediction(model, rows):
    """The model's single predicted value for the last of ``rows``."""
    return _one_value_per_row(model.predict(rows), len(rows))[-1]


def _append_row(rows, values):
    if isinstance(rows, pd.DataFrame):
        # The next time, when the index tells it: a model that reads the
        # index (CalendarFeatures) sees the new row's own date.
        next_label = _next_label(rows.index)
        new_index = None if next_label is None else [next_label]
        new = pd.DataFrame([values], columns=rows.columns, index=new_index)
        return pd.concat([rows, new], ignore_index=new_index is None)
    return np.vstack([rows, values])
