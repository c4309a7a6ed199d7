"""Recursive forecasts of many histories advanced together, one window each.

Used by :func:`recursive_forecast` on a panel and by ``backtest``'s recursive
forecasts from many origins.
"""

import numpy as np
import pandas as pd

from ..preprocessing._composite import find_window


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
        models that read the index (:class:`~sklstm.CalendarFeatures`); a
        ``(series id, time)`` MultiIndex for the series of a panel.

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
            if times is not None and (
                found.before is not None or isinstance(times, pd.MultiIndex)
            ):
                # The steps before the window may read the times. The window
                # itself must not take one series' histories for the fit's
                # next rows, but windows a panel series by series, as
                # model.predict would.
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
