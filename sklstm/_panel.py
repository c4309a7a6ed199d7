"""Panels: many series in one table, rows indexed by ``(series id, time)``."""

import numpy as np
import pandas as pd

__all__ = ["is_panel", "series_rows", "series_times"]


def is_panel(data):
    """Whether ``data`` is a DataFrame or Series indexed by ``(series id, time)``."""
    return (
        isinstance(data, pd.DataFrame | pd.Series)
        and isinstance(data.index, pd.MultiIndex)
        and data.index.nlevels == 2
    )


def series_rows(index):
    """``(series id, row positions)`` per series, in order of first appearance.

    The positions of each series keep the order of its rows in ``index``.
    """
    codes, ids = pd.factorize(index.get_level_values(0))
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=len(ids)))
    return list(zip(ids, np.split(order, ends[:-1]), strict=True))


def series_times(index, positions, caller):
    """The time labels of one series' rows; raises unless they increase strictly."""
    times = index.get_level_values(1)[positions]
    if not (times.is_monotonic_increasing and times.is_unique):
        series_id = index.get_level_values(0)[positions[0]]
        raise ValueError(
            f"{caller} reads the rows of each series in time order, but the times "
            f"of series {series_id!r} do not increase strictly ({times[0]} ... "
            f"{times[-1]}). Sort the rows, e.g. X.sort_index()."
        )
    return pd.Index(times)
