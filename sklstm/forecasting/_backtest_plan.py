"""Which rows a backtest trains and predicts on at each origin, and its baselines.

``_Plan`` is shared by the model and the baselines, so that both see the same
rows; the naive, seasonal naive and linear baselines are built here too.
"""

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from ..preprocessing._composite import _steps, find_window
from ._folds import rolling_folds
from ._recursive import recursive_forecast
from ._recursive_batch import _recursive_forecasts, _window_length


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
