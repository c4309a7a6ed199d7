"""Panels: many series in one table, rows indexed by ``(series id, time)``."""

import numpy as np
import pandas as pd

__all__ = ["is_panel", "series_rows", "series_times", "target_positions"]


def is_panel(data):
    """Whether ``data`` is a DataFrame or Series indexed by ``(series id, time)``.

    Raises ValueError for a MultiIndex that cannot be one: of other than two
    levels, or whose first level holds the times and second the ids.
    """
    if not (
        isinstance(data, pd.DataFrame | pd.Series)
        and isinstance(data.index, pd.MultiIndex)
    ):
        return False
    index = data.index
    if index.nlevels != 2:
        raise ValueError(
            f"The rows are indexed by a {index.nlevels}-level MultiIndex "
            f"{list(index.names)}; a panel is indexed by exactly two levels, "
            "(series id, time). Join the levels that name a series into one, "
            "e.g. X.index = pd.MultiIndex.from_arrays([X.index.droplevel(-1)"
            ".to_flat_index(), X.index.get_level_values(-1)])."
        )
    first, second = (index.get_level_values(level) for level in (0, 1))
    if _is_time(first) and not _is_time(second):
        raise ValueError(
            f"The rows are indexed by (time, series id) {list(index.names)}: its "
            "first level holds dates. A panel is indexed by (series id, time); "
            "swap the levels with X.swaplevel().sort_index()."
        )
    return True


def _is_time(labels):
    return isinstance(labels, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex)


def series_rows(index):
    """``(series id, row positions)`` per series, in order of first appearance.

    The positions of each series keep the order of its rows in ``index``.
    """
    codes, ids = pd.factorize(index.get_level_values(0))
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        raise ValueError(
            f"The series id (the index's first level) is missing (NaN or None) "
            f"in {len(missing)} row(s), the first at position {missing[0]}: "
            "those rows belong to no series. Give every row a series id, or "
            "drop those rows."
        )
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


def target_positions(index, time_codes, width):
    """When each row's targets are observed, as positions among the distinct times.

    A row's ``width`` targets are the next ``width`` observations of its
    series, as :func:`~sklstm.make_horizon_targets` pairs them: the row
    before a gap has its target after the gap. After a series' last row,
    its targets are taken one distinct time apart.

    Parameters
    ----------
    index : MultiIndex of (series id, time)
        The panel's rows.
    time_codes : ndarray of shape (n_rows,)
        Each row's position among the panel's distinct times.
    width : int
        Targets per row: 1 for one-step ``y``, ``Y.shape[1]`` for direct ones.

    Returns
    -------
    positions : ndarray of shape (n_rows, width)
        ``positions[r, j]``: the distinct time of row ``r``'s target ``j``.
    """
    series_codes = pd.factorize(index.get_level_values(0))[0]
    order = np.lexsort((time_codes, series_codes))
    series_codes, times = series_codes[order], np.asarray(time_codes)[order]
    # The sorted position of each row's series' last row.
    last = np.searchsorted(series_codes, series_codes, side="right")[:, None] - 1
    later = np.arange(len(order))[:, None] + np.arange(1, width + 1)
    inside = times[np.minimum(later, last)]
    beyond = times[last] + later - last
    positions = np.empty((len(order), width), dtype=np.intp)
    positions[order] = np.where(later <= last, inside, beyond)
    return positions
