"""The target's frame: forecasting a series relative to its last value.

When ``y`` is the next value of one of ``X``'s columns (a series and its
lags, windowed by :class:`~sklstm.SlidingWindow`, possibly after a per-column
scaler), :class:`~sklstm.LSTMRegressor` with ``level="auto"`` models
``y`` relative to the last value of that column in each window, in units of
the series' typical step:

    z = ((y - intercept) / slope - last) / scale

where ``slope`` and ``intercept`` map ``y``'s units to the column's (the
scaler in front; 1 and 0 without one), ``last`` is the window's last value of
the column and ``scale`` is the mean absolute step of the column: one number
for the training data when the windows' steps are of one order of magnitude
(one series), or each window's own when they span several (a panel of series
at different scales, where one number would leave the small series at zero).
Series at different scales that are all positive are modelled in logarithms
(``z = (log y - log last) / scale``): their steps are then growth rates,
comparable from one series to the next, and a forecast can never turn
negative. The network then reads every window at the same scale, whatever
the level or the unit of the series, and forecasts extrapolate trends and
level shifts.

Found from the training rows alone: ``y[i]`` must equal an affine map of the
column's last value in the row ``i + 1`` for the rows that follow each other
(a window shifted by one step), as SlidingWindow's rows do. Nothing is
guessed per prediction: the column, the map and the scale rule are fitted
attributes. numpy here (float64); the network applies the same rule in torch
(:func:`~sklstm.nn._framing.frame_series`).
"""

from typing import NamedTuple

import numpy as np
import torch

from ..nn._framing import frame_series

__all__ = ["TargetFrame", "clip_outlying", "find_target_frame"]

# The windows' mean absolute steps spanning more than this factor (10th to
# 90th percentile) are read as series of different scales: each window is then
# scaled by its own steps. One series rarely spans a factor of 10 over its
# training windows (measured: at most 6.4 on 19 real series, AirPassengers);
# a panel of macroeconomic series spans 10^3.
_MIXED_SCALES = 20.0
# A window scale never falls below this fraction of the typical one (windows
# of a constant stretch, or edge padding), so that z stays bounded.
_FLOOR = 1e-3
# Relative error of the affine identity that still counts as exact: float32
# windows keep 7 digits of the float64 targets.
_EXACT = 1e-4
# Training targets beyond this many times their 90th percentile magnitude
# are clipped (see clip_outlying).
_OUTLYING = 10.0
# Autocorrelation of the series' steps at a lag that makes it a season.
_SEASONAL_ACF = 0.3
# Share of the following rows on which the identity must hold (the others are
# the boundaries between series of a panel).
_MIN_SHARE = 0.5


class TargetFrame(NamedTuple):
    """Where the target lives in ``X`` and how it is scaled."""

    column: int  # feature of X holding the target's past values
    slope: float  # y = slope * column + intercept
    intercept: float
    log: bool  # model log(y) (positive series at different scales)
    per_window: bool  # scale by each window's steps (else ``scale``)
    scale: float  # the series' mean absolute step, in the frame's units
    floor: float  # smallest window scale (per_window only)
    season: int = 1  # steps per season found in the training series (1: none)
    # Seasonal phases read from each window (see _level.fit_phase_templates);
    # 0: none, and for files saved before they existed.
    phases: int = 0
    # The window's level relative to the training windows' (a series at one
    # scale), an input of the ridge so that a stationary series' forecast can
    # revert to its mean; False for files saved before it existed.
    absolute_level: bool = False

    @property
    def one_scale(self):
        """Whether the windows are at one scale: not a panel of mixed scales."""
        return not (self.per_window or self.log)

    def module_params(self):
        """The frame for :func:`~sklstm.nn._framing.frame_series` (no season)."""
        return {
            "target_column": self.column,
            "frame_slope": self.slope,
            "frame_intercept": self.intercept,
            "log_frame": self.log,
            "per_window_scale": self.per_window,
            "series_scale": self.scale,
            "scale_floor": self.floor,
        }

    def location_scale(self, X):
        """``(last, scale)`` of each window of ``X`` ``(n, n_steps, n_features)``.

        In float64, a chunk of rows at a time: memory stays that of a chunk
        however many windows there are.
        """
        column = _as_windows(X)[..., self.column]
        params = {**self.module_params(), "target_column": 0}
        last, scale = np.empty(len(column)), np.empty(len(column))
        for rows, chunk in _placed_chunks(column):
            # Only the two (rows,) results are kept, not each chunk's values.
            parts = frame_series(_tensor(chunk), **params)
            last[rows], scale[rows] = parts[1].numpy(), parts[2].numpy()
        return last, scale

    def encode(self, X, Y):
        """Targets ``Y`` (one column per step ahead) in the frame of ``X``'s windows."""
        last, scale = self.location_scale(X)
        Y = np.asarray(Y, dtype=np.float64)
        if self.log and not np.all(Y > 0):
            raise ValueError(
                f"y holds {int(np.sum(Y <= 0))} value(s) <= 0, but this model "
                "forecasts in logarithms: its first fit saw positive series at "
                "very different scales. Fit it from scratch (warm_start=False) on "
                "these data, or pass level='last'."
            )
        shape = (-1,) + (1,) * (Y.ndim - 1)
        values = np.log(Y) if self.log else (Y - self.intercept) / self.slope
        values -= last.reshape(shape)  # in place: a copy of y is made once
        values /= scale.reshape(shape)
        return values


# Rows per chunk when the windows' steps are read (memory stays a chunk's).
_CHUNK_ROWS = 1024


def _as_windows(X):
    """``X`` as 3-D windows, without copying (any float dtype)."""
    X = np.asarray(X)
    return X[:, :, None] if X.ndim == 2 else X


def _chunks(values):
    for _, chunk in _placed_chunks(values):
        yield chunk


def _placed_chunks(values):
    """``(rows, values[rows])`` for slices ``rows`` of ``_CHUNK_ROWS`` rows."""
    for start in range(0, len(values), _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        yield rows, values[rows]


def _following_rows(X):
    """Rows ``i`` whose next row is the same window shifted by one step.

    Checked on the last two steps (row ``i``'s last step is row ``i + 1``'s
    one before last), which reads ``2 * n_features`` values a row, a chunk
    of rows at a time.
    """
    if X.shape[1] == 1:
        return np.arange(len(X) - 1)
    found = [np.empty(0, dtype=np.intp)]
    for start in range(0, len(X) - 1, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, len(X) - 1)
        before = X[start:stop, -1].astype(np.float64)
        after = X[start + 1 : stop + 1, -2].astype(np.float64)
        tolerance = _EXACT * (np.abs(before).max(axis=1) + 1e-300)
        same = np.abs(before - after).max(axis=1) <= tolerance
        found.append(start + np.flatnonzero(same))
    return np.concatenate(found)


def _affine_fit(source, target, rows, ahead):
    """Least squares ``target[rows] ~ slope * source[rows + ahead] + intercept``.

    Returns the slope, the intercept and the share of the rows where the
    fit is exact. Made a chunk of rows at a time from sums of centred
    values: no (rows, 2) design matrix, no copy of every row.
    """

    def pairs():  # (x, y) a chunk of rows at a time, read again by each pass
        for start in range(0, len(rows), _CHUNK_ROWS):
            part = rows[start : start + _CHUNK_ROWS]
            x = np.asarray(source[part + ahead], dtype=np.float64)
            yield x, np.asarray(target[part], dtype=np.float64)

    centre_x, centre_y = (float(values[0]) for values in next(pairs()))
    sums = np.zeros(4)  # of x, y, x * x and x * y, centred
    for x, y in pairs():
        dx, dy = x - centre_x, y - centre_y
        sums += [dx.sum(), dy.sum(), dx @ dx, dx @ dy]
    n_rows = len(rows)
    mean_x, mean_y = sums[:2] / n_rows
    variance = sums[2] - n_rows * mean_x**2
    if variance > 0:
        slope = (sums[3] - n_rows * mean_x * mean_y) / variance
        intercept = centre_y + mean_y - slope * (centre_x + mean_x)
    else:  # a constant source: lstsq's minimum-norm solution
        level = centre_x + mean_x
        intercept = (centre_y + mean_y) / (level**2 + 1)
        slope = level * intercept
    spread = largest = 0.0
    for _, y in pairs():
        spread = max(spread, np.abs(y - (centre_y + mean_y)).max())
        largest = max(largest, np.abs(y).max())
    bound = _EXACT * max(spread, largest * 1e-6)
    n_exact = 0
    for x, y in pairs():
        n_exact += int(np.count_nonzero(np.abs(y - (slope * x + intercept)) <= bound))
    return slope, intercept, n_exact / n_rows


def find_target_frame(X, Y):
    """The column of ``X`` whose next value is ``Y``, or None.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
        Training windows, in time order.
    Y : array-like of shape (n_samples, n_outputs)
        Targets; column ``j`` is taken as the value ``j + 1`` steps after
        each window (one-step or direct multi-step targets).

    Returns
    -------
    frame : TargetFrame or None
        None when no column qualifies: ``y`` must be an increasing affine map
        of the column's last value ``j + 1`` rows later for at least half of
        the rows that follow each other, and at least 3 such rows are needed.
    """
    X, Y = _as_windows(X), np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    following = _following_rows(X)
    if len(following) < 3 or not np.isfinite(Y).all():
        return None
    candidates = []
    for column in range(X.shape[2]):
        last = X[:, -1, column]  # a view: _affine_fit reads it a chunk at a time
        fits = []
        for j in range(Y.shape[1]):
            # rows i .. i + j + 1 follow each other
            rows = following
            for k in range(1, j + 1):
                rows = np.intersect1d(rows, following - k)
            rows = rows[rows + j + 1 < len(X)]
            if len(rows) < 3:
                break
            slope, intercept, share = _affine_fit(last, Y[:, j], rows, j + 1)
            if slope <= 0 or share < _MIN_SHARE:
                break
            fits.append((slope, intercept, share))
        if len(fits) == Y.shape[1]:
            slope, intercept, share = fits[0]
            candidates.append((share, column, slope, intercept))
    if not candidates:
        return None
    _, column, slope, intercept = max(candidates)
    positive = bool(np.all(Y > 0))
    frame = _scale_rule(X[..., column], int(column), slope, intercept, positive)
    season = _season(X[:, -1, column], following, X.shape[1])
    # A window of a season and two more steps shows the pattern's phase. Not
    # for windows scaled one by one (series of different scales, a panel):
    # one pattern for all of them made the macro panel of bench_accuracy.py
    # worse (mean MASE 2.63 -> 2.73).
    long_enough = season >= 2 and X.shape[1] >= season + 2
    phases = season if long_enough and not frame.per_window else 0
    # Series at mixed scales (windows scaled one by one, or in logarithms:
    # a panel) have no common level to revert to.
    return frame._replace(season=season, phases=phases, absolute_level=frame.one_scale)


def _tensor(chunk):
    """A chunk of one column's windows as a float64 ``(rows, steps, 1)`` tensor."""
    # A float64 copy: the windows are often a read-only view.
    return torch.from_numpy(np.array(chunk[..., None], dtype=np.float64))


def _window_scales(values):
    """Each window's mean absolute step, as ``frame_series`` computes it."""
    if values.shape[1] < 2:  # windows of one step: the steps between rows
        return np.abs(np.diff(values[:, 0].astype(np.float64)))
    params = {"per_window_scale": True, "scale_floor": 0.0}
    scales = np.empty(len(values))
    for rows, chunk in _placed_chunks(values):
        scales[rows] = frame_series(_tensor(chunk), 0, **params)[2].numpy()
    return scales


def _scale_rule(values, column, slope, intercept, positive_target):
    """Choose the frame's scale (and logarithms) from the training windows."""
    frame = dict(column=column, slope=float(slope), intercept=float(intercept))
    positive = _window_scales(values)
    positive = positive[positive > 0]  # the scales of every row, not kept twice
    if len(positive) == 0:
        return TargetFrame(**frame, log=False, per_window=False, scale=1.0, floor=1.0)
    low, high = np.percentile(positive, [10, 90])
    mixed = values.shape[1] > 1 and high > _MIXED_SCALES * low
    log = bool(mixed and positive_target and _all_positive(values, slope, intercept))
    if log:  # growth rates: compare their spread again
        positive = np.concatenate(
            [
                _window_scales(np.log(chunk * slope + intercept))
                for chunk in _chunks(values)
            ]
        )
        positive = positive[positive > 0]
        if len(positive) == 0:
            positive = np.ones(1)
        low, high = np.percentile(positive, [10, 90])
        mixed = high > _MIXED_SCALES * low
    typical = float(np.median(positive))
    scale = typical if mixed else float(positive.mean())
    floor = _FLOOR * float(low if mixed else typical)
    return TargetFrame(
        **frame, log=log, per_window=bool(mixed), scale=scale, floor=floor
    )


def _season(last_values, following, n_steps):
    """Steps per season of the training series, or 1 when it has none.

    The series is read from the last values of the longest run of rows that
    follow each other; its season is the lag, within the window, at which
    the autocorrelation of its steps peaks above ``_SEASONAL_ACF``.
    """
    if len(following) < 3:
        return 1
    breaks = np.flatnonzero(np.diff(following) != 1)
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, len(following) - 1]
    longest = np.argmax(ends - starts)
    rows = slice(following[starts[longest]], following[ends[longest]] + 2)
    steps = np.diff(np.asarray(last_values[rows], dtype=np.float64))
    steps -= steps.mean()  # in place: the run may be every row of a long series
    max_lag = min(n_steps - 1, len(steps) // 3)
    variance = float(steps @ steps)
    if max_lag < 2 or variance == 0:
        return 1
    acf = [float(steps[:-k] @ steps[k:]) / variance for k in range(2, max_lag + 1)]
    best = int(np.argmax(acf))
    return best + 2 if acf[best] > _SEASONAL_ACF else 1


def _all_positive(values, slope, intercept):
    return all(np.all(chunk * slope + intercept > 0) for chunk in _chunks(values))


def clip_outlying(z):
    """Clip targets beyond ``_OUTLYING`` times their 90th percentile magnitude.

    A step that large in the frame's units comes from a window without
    history (a series' first row, all padding) or a break no window could
    foresee; squared errors on it would dominate training.
    """
    bound = _OUTLYING * max(float(np.percentile(np.abs(z), 90)), 1e-12)
    return np.clip(z, -bound, bound)
