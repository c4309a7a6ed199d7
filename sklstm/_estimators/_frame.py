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
at different scales, where one number would leave the small series at zero),
whatever their sign (as DeepAR's and RevIN's scales). The network then reads
every window at the same scale, whatever the level or the unit of the
series, and forecasts extrapolate trends and level shifts.

One positive series that grows over orders of magnitude (its windows' steps
span more than the factor) is modelled in logarithms (``z = (log y - log
last) / scale``, the field ``log``): its steps are then growth rates, and a
forecast cannot turn negative. Before 0.2 positive panels were too; each
window scaled by its own steps did better on four panels of real series in
geometric mean (mean MASE of the linear core: M1 yearly 5.73 -> 3.75, sMAPE
19.5 -> 17.8; 10 quarterly series 2.91 -> 2.32; 6 yearly 2.07 -> 2.09; 14
monthly 0.96 -> 1.03). Models saved before keep their frame.

Found from the training rows alone: ``y[i]`` must equal an affine map of the
column's last value in the row ``i + 1`` for the rows that follow each other
(a window shifted by one step), as SlidingWindow's rows do. Nothing is
guessed per prediction: the column, the map and the scale rule are fitted
attributes. numpy here (float64); the network applies the same rule in torch
(:func:`~sklstm.nn._framing.frame_series`).
"""

from typing import NamedTuple

import numpy as np

from ..nn._framing import frame_series
from ._frame_scales import BLOCK_ROWS, FramedTargets, scale_rule, season
from ._frame_scales import CHUNK_ROWS as _CHUNK_ROWS
from ._frame_scales import placed_chunks as _placed_chunks
from ._frame_scales import tensor as _tensor

__all__ = [
    "BLOCK_ROWS",
    "FramedTargets",
    "TargetFrame",
    "constant_windows",
    "find_target_frame",
]

# Relative error of the affine identity that still counts as exact: float32
# windows keep 7 digits of the float64 targets.
_EXACT = 1e-4
# Share of the following rows on which the identity must hold (the others are
# the boundaries between series of a panel).
_MIN_SHARE = 0.5


class TargetFrame(NamedTuple):
    """Where the target lives in ``X`` and how it is scaled."""

    column: int  # feature of X holding the target's past values
    slope: float  # y = slope * column + intercept
    intercept: float
    log: bool  # model log(y): frames found before 0.2 only (see above)
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
        """Targets ``Y`` (one column per step ahead) in the frame of ``X``'s windows.

        Written a chunk of rows at a time into one new float64 array: no
        per-row location or scale is kept.
        """
        Y = np.asarray(Y, dtype=np.float64)
        if self.log and not all(np.all(part > 0) for part in _chunks(Y)):
            n_bad = sum(int(np.sum(part <= 0)) for part in _chunks(Y))
            raise ValueError(
                f"y holds {n_bad} value(s) <= 0, but this model "
                "forecasts in logarithms: its first fit saw a positive series "
                "growing over orders of magnitude (or, before 0.2, positive series "
                "at very different scales). Fit it from scratch (warm_start=False) "
                "on these data, or pass level='last'."
            )
        return self.encode_column(_as_windows(X)[..., self.column], Y)

    def encode_column(self, column, Y):
        """:meth:`encode` from the windows' target column ``(n, n_steps)``.

        Without ``encode``'s check of a logarithmic frame's ``Y`` (made once
        on every row when the targets are framed): for a batch of rows. At
        one scale only each window's last value is read, so ``column`` may
        hold the last step alone.
        """
        Y = np.asarray(Y, dtype=np.float64)
        params = {**self.module_params(), "target_column": 0}
        shape = (-1,) + (1,) * (Y.ndim - 1)
        encoded = np.empty(Y.shape)
        for rows, chunk in _placed_chunks(column):
            if self.one_scale:  # frame_series's last value and scale, directly
                last, scale = chunk[:, -1].astype(np.float64), np.float64(self.scale)
            else:
                _, last, scale = frame_series(_tensor(chunk), **params)[:3]
                last, scale = last.numpy(), scale.numpy().reshape(shape)
            values = Y[rows]
            values = (
                np.log(values) if self.log else (values - self.intercept) / self.slope
            )
            values -= last.reshape(shape)
            values /= scale
            encoded[rows] = values
        return encoded


def _as_windows(X):
    """``X`` as 3-D windows, without copying (any float dtype)."""
    X = np.asarray(X)
    return X[:, :, None] if X.ndim == 2 else X


def constant_windows(X, column):
    """Whether each window's ``column`` holds one value throughout ``(n_samples,)``.

    Read a chunk of rows at a time.
    """
    values = _as_windows(X)[..., column]
    flat = np.empty(len(values), dtype=bool)
    for rows, chunk in _placed_chunks(values):
        flat[rows] = (chunk == chunk[:, -1:]).all(axis=1)
    return flat


def _chunks(values):
    for _, chunk in _placed_chunks(values):
        yield chunk


def _following_runs(X):
    """Runs of rows ``i`` whose next row is the same window shifted by one step.

    Checked on the last two steps (row ``i``'s last step is row ``i + 1``'s
    one before last), which reads ``2 * n_features`` values a row, a chunk
    of rows at a time. Returned as ``(starts, stops)``: rows
    ``starts[r] <= i < stops[r]`` follow each other, one run per series
    rather than one index per row.
    """
    n_rows = len(X)
    if X.shape[1] == 1:
        return np.array([0]), np.array([max(n_rows - 1, 0)])
    flips, inside = [], False  # where "row i follows" turns on or off
    for start in range(0, n_rows - 1, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n_rows - 1)
        before = X[start:stop, -1].astype(np.float64)
        after = X[start + 1 : stop + 1, -2].astype(np.float64)
        tolerance = _EXACT * (np.abs(before).max(axis=1) + 1e-300)
        same = np.abs(before - after).max(axis=1) <= tolerance
        flips.append(start + np.flatnonzero(np.diff(same, prepend=inside)))
        inside = bool(same[-1])
    if inside:
        flips.append(np.array([n_rows - 1]))
    flips = np.concatenate([np.empty(0, dtype=np.intp), *flips])
    return flips[0::2], flips[1::2]


def _run_rows(starts, stops, size=_CHUNK_ROWS):
    """The rows of the runs ``[starts, stops)`` in order, ``size`` at a time."""
    lengths = stops - starts
    ends = np.cumsum(lengths)
    n_rows = int(ends[-1]) if len(ends) else 0
    for first in range(0, n_rows, size):
        position = np.arange(first, min(first + size, n_rows))
        run = np.searchsorted(ends, position, side="right")
        yield starts[run] + position - (ends[run] - lengths[run])


def _affine_fit(source, target, runs, ahead):
    """Least squares ``target[rows] ~ slope * source[rows + ahead] + intercept``.

    ``rows`` are those of the runs ``(starts, stops)``. Returns the slope,
    the intercept and the share of the rows where the fit is exact. Made a
    chunk of rows at a time from sums of centred values: no (rows, 2) design
    matrix, no index or copy of every row.
    """

    def pairs():  # (x, y) a chunk of rows at a time, read again by each pass
        for part in _run_rows(*runs):
            x = np.asarray(source[part + ahead], dtype=np.float64)
            yield x, np.asarray(target[part], dtype=np.float64)

    centre_x, centre_y = (float(values[0]) for values in next(pairs()))
    sums = np.zeros(4)  # of x, y, x * x and x * y, centred
    for x, y in pairs():
        dx, dy = x - centre_x, y - centre_y
        sums += [dx.sum(), dy.sum(), dx @ dx, dx @ dy]
    n_rows = int(np.sum(runs[1] - runs[0]))
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
    starts, stops = _following_runs(X)
    if np.sum(stops - starts) < 3 or not all(map(_all_finite, _chunks(Y))):
        return None
    candidates = []
    for column in range(X.shape[2]):
        last = X[:, -1, column]  # a view: _affine_fit reads it a chunk at a time
        fits = []
        for j in range(Y.shape[1]):
            # rows i .. i + j + 1 follow each other: a run's all but last j
            keep = stops - starts > j
            runs = starts[keep], stops[keep] - j
            if np.sum(runs[1] - runs[0]) < 3:
                break
            slope, intercept, share = _affine_fit(last, Y[:, j], runs, j + 1)
            if slope <= 0 or share < _MIN_SHARE:
                break
            fits.append((slope, intercept, share))
        if len(fits) == Y.shape[1]:
            slope, intercept, share = fits[0]
            candidates.append((share, column, slope, intercept))
    if not candidates:
        return None
    _, column, slope, intercept = max(candidates)
    # One series (one run of following rows) that grows over orders of
    # magnitude is read in logarithms; a panel's windows each at their own
    # scale (see the module's note).
    growth = len(starts) == 1 and all(np.all(part > 0) for part in _chunks(Y))
    scaling = scale_rule(X[..., column], slope, intercept, growth)
    frame = TargetFrame(int(column), float(slope), float(intercept), **scaling)
    n_season = season(X[:, -1, column], starts, stops, X.shape[1])
    # A window of a season and two more steps shows the pattern's phase, also
    # for windows scaled one by one (a panel; its amplitude is each window's
    # own). Since panels' constant windows weigh nothing, one pattern for all
    # series moved the default's mean MASE (bench_accuracy.py,
    # bench_panels.py, seed 0) on 10 quarterly series 2.316 -> 1.899, on 14
    # monthly 1.028 -> 1.035; before that change it cost the macro panel
    # 2.63 -> 2.73 (whose season, read from all its series, is now none).
    long_enough = n_season >= 2 and X.shape[1] >= n_season + 2
    phases = n_season if long_enough else 0
    # Series at mixed scales (windows scaled one by one: a panel) have no
    # common level to revert to.
    return frame._replace(
        season=n_season, phases=phases, absolute_level=frame.one_scale
    )


def _all_finite(values):
    return bool(np.isfinite(values).all())
