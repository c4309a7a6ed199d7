"""Recursive forecasts of every series of a panel (rows indexed by (series, time))."""

import numpy as np
import pandas as pd

from ..preprocessing._panel import series_rows, series_times
from ._multistep import _forecast_frame, _future_times, _panel_index, _time_labels
from ._recursive_batch import _one_value_per_row, _recursive_forecasts, _window_length


def _panel_recursive_forecast(model, table, steps, column, exog, context):
    """recursive_forecast of every series of a panel, all advanced together.

    Each series' rows are labelled by ``(series id, time)``, its times
    continued by its next labels (its row positions when they are not
    evenly spaced), so that the steps before the window that read the series
    id (a per-series scaler) or the time (:class:`~sklstm.CalendarFeatures`)
    see each history row and each fed-back row under its own label.

    When the model has a :class:`~sklstm.SlidingWindow` followed by an
    estimator (in Pipelines, TransformedTargetRegressors and search objects,
    as ``find_window`` finds it), ``context`` is
    None or its window, and every series has at least ``window`` rows, each
    step predicts only the window of each series' last row
    (:func:`_recursive_forecasts`): ``n_series`` windows a step. Otherwise
    each step is one ``model.predict`` over the last ``context`` rows of
    every series (all rows when None), of which the last row of each series
    is kept. The two agree when the steps before the window act row by row,
    as ``context`` assumes.

    Parameters
    ----------
    model : fitted estimator
        One-step model reading panel rows.
    table : DataFrame of shape (n_rows, n_columns)
        The panel history, indexed by ``(series id, time)``.
    steps : int
        Number of future steps.
    column : int
        Position of the forecast column.
    exog : ndarray of shape (n_series * steps, n_columns - 1) or None
        Known future values of the other columns, series by series.
    context : int or None
        Rows of each series passed to ``model.predict``; None: the model's
        window, else every row.

    Returns
    -------
    forecast : DataFrame of shape (n_series * steps, 1)
        Column ``"forecast"``, indexed by ``(series id, time)``.
    """
    window = _window_length(model)
    context = context or window
    values = table.to_numpy(dtype=np.float64)
    ids, rows, times, futures = [], [], [], []
    for series_id, positions in series_rows(table.index):
        series_index = _time_labels(
            series_times(table.index, positions, "recursive_forecast")
        )
        ids.append(series_id)
        rows.append(values[positions])
        times.append(list(series_index))
        futures.append(_future_times(series_index, steps))
    series = (ids, rows, times, futures)
    forecast = None
    if window is not None and context == window:
        forecast = _panel_window_forecast(
            model, table, steps, column, exog, series, window
        )
    if forecast is None:
        forecast = _panel_rows_forecast(
            model, table, steps, column, exog, context, series
        )
    return _forecast_frame(ids, futures, forecast, table.index.names)


def _panel_window_forecast(model, table, steps, column, exog, series, window):
    """Forecasts of shape (n_series, steps) from the window of each series'
    last row (:func:`_recursive_forecasts`), or None when a series has fewer
    rows than the model's ``window``, or the model has no estimator after it."""
    ids, rows, times, futures = series
    if min(len(series_rows_) for series_rows_ in rows) < window:
        return None  # its padded window: the every-row path pads it
    histories = np.stack([series_rows_[-window:] for series_rows_ in rows])
    labels = [[*times[i][-window:], *futures[i]] for i in range(len(ids))]
    index = _panel_index(
        ids, labels, [window + steps] * len(ids), names=table.index.names
    )
    if exog is not None:
        exog = exog.reshape(len(ids), steps, -1)
    return _recursive_forecasts(
        model,
        histories,
        steps,
        target=column,
        future_exog=exog,
        columns=table.columns,
        times=index,
    )


def _panel_rows_forecast(model, table, steps, column, exog, context, series):
    """Forecasts of shape (n_series, steps): each step one ``model.predict``
    over the last ``context`` rows of every series (all when None), keeping
    each series' last prediction."""
    ids, rows, times, futures = series
    keep = slice(None) if context is None else slice(-context, None)
    rows = [series_rows_[keep] for series_rows_ in rows]
    times = [series_times_[keep] for series_times_ in times]
    n_columns = table.shape[1]
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
            new_row = np.empty(n_columns)
            new_row[column] = forecast[i, step]
            if exog is not None:
                new_row[np.arange(n_columns) != column] = exog[i * steps + step]
            start = 0 if context is None else max(len(rows[i]) + 1 - context, 0)
            rows[i] = np.vstack([rows[i], new_row])[start:]
            times[i] = [*times[i], futures[i][step]][start:]
    return forecast
