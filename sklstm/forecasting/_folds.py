"""Rolling origins and the rows each fit trains on: the folds of every backtest.

A single series and a panel share them: a single series is a panel of one
series whose row ``r`` is at time ``r`` and whose last target is at time
``r + width`` (``width`` targets a row: 1, or the columns of direct ``Y``).
"""

from typing import NamedTuple

import numpy as np

from ._conformal import ACI_WINDOW

__all__ = [
    "Fold",
    "calibration_origins",
    "refit_segments",
    "rolling_folds",
    "training_rows",
]


class Fold(NamedTuple):
    """One fit of a backtest and the origins it forecasts.

    Attributes
    ----------
    train : ndarray of int
        Positions of the rows the model trains on.
    origins : ndarray of int
        Positions, among the backtest's origins, of those it forecasts.
    """

    train: np.ndarray
    origins: np.ndarray


def refit_segments(n_origins, refit):
    """The fit each origin is forecast by: one number a fit, in origin order.

    ``refit`` is backtest's: True refits at every origin, False once at the
    first, an int at every ``refit``-th origin.
    """
    every = 1 if refit is True else (np.inf if refit is False else refit)
    return np.floor_divide(np.arange(n_origins), every).astype(int)


def rolling_folds(origins, *, refit, window, row_times, last_target_times):
    """Yield a :class:`Fold` for each fit, in origin order.

    The fit of a segment of origins happens at its first origin ``o``: it
    trains on the rows at times ``>= o - window`` (all earlier ones when
    ``window`` is None) whose every target is observed by ``o``.

    Parameters
    ----------
    origins : ndarray of int of shape (n_origins,)
        The origins' times, increasing.
    refit : bool or int
        backtest's refit schedule (see :func:`refit_segments`).
    window : int or None
        Times a fit looks back from its origin; None for all.
    row_times : ndarray of int of shape (n_rows,)
        The time of each row.
    last_target_times : ndarray of int of shape (n_rows,)
        The time of each row's last target.
    """
    segments = refit_segments(len(origins), refit)
    for segment in np.unique(segments):
        chosen = np.flatnonzero(segments == segment)
        origin = origins[chosen[0]]
        yield Fold(training_rows(origin, window, row_times, last_target_times), chosen)


def training_rows(origin, window, row_times, last_target_times):
    """Positions of the rows a fit at ``origin`` trains on.

    The rows at times ``>= origin - window`` (all when ``window`` is None)
    whose last target is at a time ``<= origin``: observed by then. A row
    before a gap in its series has its target after the gap.
    """
    start = -np.inf if window is None else origin - window
    return np.flatnonzero((row_times >= start) & (last_target_times <= origin))


def calibration_origins(initial_train_size, width, horizon):
    """Origins of the training tail that seed the conformal errors.

    One model, fitted on the rows before the first of them, forecasts them
    all: up to ``ACI_WINDOW + horizon - 1`` origins (every step then has
    ``ACI_WINDOW`` errors observed by the first origin), at most half of the
    rows whose targets are known, and at least 2 rows left to train on.
    """
    n_known = initial_train_size - width + 1
    size = max(0, min(ACI_WINDOW + horizon - 1, n_known // 2, n_known - 2))
    return np.arange(initial_train_size - size, initial_train_size)
