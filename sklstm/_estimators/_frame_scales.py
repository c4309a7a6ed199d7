"""The frame's scale rule, the series' season and the framed, clipped targets.

Statistics of every training window for :mod:`sklstm._estimators._frame`,
read a chunk of rows at a time: what is kept per row is at most a bounded
sample (for quantiles), so memory does not grow with the number of windows.
"""

import copy

import numpy as np
import torch

from ..nn._framing import frame_series

__all__ = [
    "BLOCK_ROWS",
    "FramedTargets",
    "placed_chunks",
    "scale_rule",
    "season",
    "tensor",
]

# The windows' mean absolute steps spanning more than this factor (10th to
# 90th percentile) are read as series of different scales: each window is then
# scaled by its own steps. One series rarely spans a factor of 10 over its
# training windows (measured: at most 6.4 on 19 real series, AirPassengers);
# a panel of macroeconomic series spans 10^3.
_MIXED_SCALES = 20.0
# A window scale never falls below this fraction of the typical one (windows
# of a constant stretch, or edge padding), so that z stays bounded.
_FLOOR = 1e-3
# Training targets beyond this many times their 90th percentile magnitude
# are clipped (see FramedTargets).
_OUTLYING = 10.0
# Autocorrelation of the series' steps at a lag that makes it a season.
_SEASONAL_ACF = 0.3
# Rows per chunk when the windows' steps are read (memory stays a chunk's).
CHUNK_ROWS = 1024
# Quantiles (of the windows' scales, of the targets' magnitudes) are read
# from at most this many evenly spaced rows: every row up to it, exactly as
# from all of them, and every k-th row beyond it (10^7 windows: every 10th),
# which keeps memory bounded (8 MB) however many windows there are.
_QUANTILE_ROWS = 2**20
# Rows of targets encoded at a time (FramedTargets), and standardised.
BLOCK_ROWS = 2**16
# Steps of the series per chunk when its autocorrelation is read.
_SEASON_CHUNK = 2**16


def placed_chunks(values):
    """``(rows, values[rows])`` for slices ``rows`` of ``CHUNK_ROWS`` rows."""
    for start in range(0, len(values), CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        yield rows, values[rows]


def tensor(chunk):
    """A chunk of one column's windows as a float64 ``(rows, steps, 1)`` tensor."""
    # A float64 copy: the windows are often a read-only view.
    return torch.from_numpy(np.array(chunk[..., None], dtype=np.float64))


def _sample_stride(n_rows):
    return max(1, -(-n_rows // _QUANTILE_ROWS))


def _scale_chunks(values):
    """``(first row, scales)``: each window's mean absolute step, a chunk at a time.

    As ``frame_series`` computes it; for windows of one step, the steps
    between rows.
    """
    if values.shape[1] < 2:
        for start in range(0, len(values) - 1, CHUNK_ROWS):
            rows = values[start : start + CHUNK_ROWS + 1, 0].astype(np.float64)
            yield start, np.abs(np.diff(rows))
        return
    params = {"per_window_scale": True, "scale_floor": 0.0}
    for rows, chunk in placed_chunks(values):
        yield rows.start, frame_series(tensor(chunk), 0, **params)[2].numpy()


def _positive_scales(chunks, n_rows):
    """``(sample, mean, count)`` of the positive scales of ``chunks``.

    The mean and count cover every window; the sample, for quantiles, is
    every window's up to ``_QUANTILE_ROWS`` windows, evenly spaced ones
    beyond.
    """
    stride = _sample_stride(n_rows)
    sample, total, count = [np.empty(0)], 0.0, 0
    for first, scales in chunks:
        positive = scales[scales > 0]
        total, count = total + float(positive.sum()), count + len(positive)
        picked = scales[(-first) % stride :: stride]
        sample.append(picked[picked > 0])
    sample = np.concatenate(sample)
    if stride == 1:  # every positive scale, in order: as from all of them
        return sample, float(sample.mean()) if count else 0.0, count
    if count and not len(sample):  # no sampled window moved: the mean stands in
        sample = np.array([total / count])
    return sample, total / count if count else 0.0, count


def scale_rule(values, slope, intercept, growth):
    """The frame's scale (and logarithms) from the training windows ``values``.

    Returns the ``log``, ``per_window``, ``scale`` and ``floor`` fields of
    the :class:`~sklstm._estimators._frame.TargetFrame`. Windows at mixed
    scales are each scaled by their own steps, whatever their sign; those of
    one positive series (``growth``: one run of following rows, all targets
    positive) are first taken in logarithms, where its growth rates may be
    of one scale.
    """
    positive, mean, count = _positive_scales(_scale_chunks(values), len(values))
    if count == 0:
        return dict(log=False, per_window=False, scale=1.0, floor=1.0)
    low, high = np.percentile(positive, [10, 90])
    mixed = values.shape[1] > 1 and high > _MIXED_SCALES * low
    log = bool(mixed and growth and _all_positive(values, slope, intercept))
    if log:  # growth rates: compare their spread again
        positive, mean, count = _positive_scales(
            _log_scale_chunks(values, slope, intercept), len(values)
        )
        if count == 0:
            positive, mean = np.ones(1), 1.0
        low, high = np.percentile(positive, [10, 90])
        mixed = high > _MIXED_SCALES * low
    typical = float(np.median(positive))
    scale = typical if mixed else mean
    floor = _FLOOR * float(low if mixed else typical)
    return dict(log=log, per_window=bool(mixed), scale=scale, floor=floor)


def _log_scale_chunks(values, slope, intercept):
    """``_scale_chunks`` of the logarithms of the windows (in ``y``'s units)."""
    for rows, chunk in placed_chunks(values):
        for _, scales in _scale_chunks(np.log(chunk * slope + intercept)):
            yield rows.start, scales


def _all_positive(values, slope, intercept):
    return all(
        np.all(chunk * slope + intercept > 0) for _, chunk in placed_chunks(values)
    )


def season(last_values, starts, stops, n_steps):
    """Steps per season of the training series, or 1 when it has none.

    The series are read from the last values of the runs of rows that
    follow each other (``[starts[r], stops[r])``, see ``_following_runs``);
    the season is the lag, within the window, at which the autocorrelation
    of their steps peaks above ``_SEASONAL_ACF``. With several runs (a
    panel) each run's autocorrelation is its own (centred and scaled by its
    own steps, so that series at any scale count alike) and a lag's is the
    mean over the runs long enough for it, weighted by their steps: read
    from the longest run alone, a panel's season was one series' chance (the
    longest of M1's yearly series, 51 steps, found a season of 3).
    """
    lengths = stops - starts
    if np.sum(lengths) < 3:
        return 1
    max_lag = min(n_steps - 1, int(lengths.max()) // 3)
    if max_lag < 2:
        return 1
    if len(starts) == 1:
        acf = _run_acf(last_values, int(starts[0]), int(lengths[0]), max_lag)
    else:
        totals, weights = np.zeros(max_lag - 1), np.zeros(max_lag - 1)
        for first, n_diffs in zip(starts, lengths, strict=True):
            run = _run_acf(last_values, int(first), int(n_diffs), max_lag)
            if n_diffs < 3 or run is None:
                continue
            usable = min(max_lag, int(n_diffs) - 1) - 1  # lags 2 .. n_diffs - 1
            totals[:usable] += run[:usable] * n_diffs
            weights[:usable] += n_diffs
        acf = totals / np.maximum(weights, 1) if weights.any() else None
    if acf is None:
        return 1
    best = int(np.argmax(acf))
    return best + 2 if acf[best] > _SEASONAL_ACF else 1


def _run_acf(last_values, first, n_diffs, max_lag):
    """Autocorrelations at lags 2 .. ``max_lag`` of one run's steps, or None.

    None when the steps are constant. Read ``_SEASON_CHUNK`` steps at a
    time (the run may be every row of a long series).
    """

    def steps(begin, end):  # the run's steps begin .. end - 1
        end = min(end, n_diffs)
        rows = last_values[first + begin : first + end + 1]
        return np.diff(np.asarray(rows, dtype=np.float64))

    chunks = range(0, n_diffs, _SEASON_CHUNK)
    mean = sum(steps(b, b + _SEASON_CHUNK).sum() for b in chunks) / n_diffs
    variance = 0.0
    for begin in chunks:
        centred = steps(begin, begin + _SEASON_CHUNK) - mean
        variance += float(centred @ centred)
    if variance == 0:
        return None
    acf = np.zeros(max_lag - 1)
    for begin in chunks:
        centred = steps(begin, begin + _SEASON_CHUNK + max_lag) - mean
        for k in range(2, max_lag + 1):
            n_pairs = min(_SEASON_CHUNK, n_diffs - k - begin)
            if n_pairs > 0:
                acf[k - 2] += float(centred[:n_pairs] @ centred[k : k + n_pairs])
    return acf / variance


class FramedTargets:
    """Targets in a frame, clipped, made a block or a batch of rows at a time.

    What the regressor trains on when ``y`` is forecast in its frame
    (``frame.encode``), with values beyond ``_OUTLYING`` times their 90th
    percentile magnitude clipped: a step that large in the frame's units
    comes from a window without history (a series' first row, all padding)
    or a break no window could foresee, and squared errors on it would
    dominate training. Never held for every row at once: :meth:`blocks`
    encodes ``BLOCK_ROWS`` rows at a time (for the targets' statistics),
    :meth:`take` the rows of one batch; the percentile is read from every
    row up to ``_QUANTILE_ROWS`` rows, from evenly spaced ones beyond.

    Parameters
    ----------
    frame : TargetFrame
    X : ndarray of shape (n_samples, n_steps, n_features)
        The training windows.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets, as given; read, never copied whole.
    """

    def __init__(self, frame, X, y):
        self._frame, self._X, self._y = frame, X, np.asarray(y)
        self.ndim = self._y.ndim
        self.shape = self._y.reshape(len(self._y), -1).shape  # a view
        stride = _sample_stride(len(self._y))
        magnitudes = [
            np.abs(z[(-start) % stride :: stride]) for start, z in self._encoded()
        ]
        percentile = float(np.percentile(np.concatenate(magnitudes), 90))
        self.bound = _OUTLYING * max(percentile, 1e-12)

    def __len__(self):
        return len(self._y)

    def __getitem__(self, rows):
        """The targets of a slice ``rows`` of the rows (same frame and bound)."""
        part = copy.copy(self)
        part._X, part._y = self._X[rows], self._y[rows]
        part.shape = (len(part._y), *self.shape[1:])
        return part

    def _encoded(self):
        for start in range(0, len(self._y), BLOCK_ROWS):
            rows = slice(start, start + BLOCK_ROWS)
            yield start, self._frame.encode(self._X[rows], self._y[rows])

    def _clipped(self, z):
        clipped = np.clip(z, -self.bound, self.bound, out=z)
        return clipped.reshape(len(clipped), -1)

    def blocks(self):
        """``(first row, values)``: clipped targets, float64 ``(rows, n_outputs)``."""
        for start, z in self._encoded():
            yield start, self._clipped(z)

    def take(self, rows):
        """Clipped targets of ``rows`` (1-D int array), float64 ``(rows, n_outputs)``.

        The same values as :meth:`blocks` gives them, from the rows' windows
        alone: only the target's column of each window is read (its last
        step alone for windows at one scale).
        """
        frame = self._frame
        column = self._X[:, :, frame.column] if self._X.ndim == 3 else self._X
        steps = slice(-1, None) if frame.one_scale else slice(None)
        return self._clipped(frame.encode_column(column[rows, steps], self._y[rows]))
