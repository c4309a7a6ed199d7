"""Checks of a backtest's inputs: rows, target and exogenous columns, baselines.

All run before the first fit, so a wrong argument fails at once.
"""

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ..preprocessing._panel import is_panel, series_rows
from ._classical import (
    CLASSICAL,
    MIN_OBSERVATIONS,
    import_classical,
)
from ._multistep import _column_position

BASELINES = ("naive", "seasonal_naive", "linear")
# Season lengths of the usual calendar frequencies (pandas offset codes, no anchor).
SEASONS = {"M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4, "QE": 4, "W": 52, "D": 7}
SEASONS |= {"H": 24, "h": 24, "B": 5, "BM": 12, "BMS": 12, "BME": 12}


def _check_classical_rows(classical, initial_train_size, window):
    """Raise unless every ETS/ARIMA fit gets enough observed targets."""
    shortest = min(initial_train_size, window or initial_train_size)
    if classical and shortest < MIN_OBSERVATIONS:
        given = f"initial_train_size={initial_train_size}" + (
            f" and window={window}" if window is not None else ""
        )
        raise ValueError(
            f"baselines {list(classical)} need at least {MIN_OBSERVATIONS} observed "
            f"targets per fit, but {given} leave {shortest}; pass at least "
            f"{MIN_OBSERVATIONS}, or leave them out of baselines."
        )


def _as_rows(X):
    """A Series becomes a one-column frame and a 1-D array a column of rows."""
    if isinstance(X, pd.Series):
        return X.to_frame()
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def _check_inputs(X, y, initial_train_size, horizon, target=None, known_future=None):
    """Check shapes and sizes; return the target column of a recursive forecast."""
    if len(X) != len(y):
        raise ValueError(
            f"X has {len(X)} rows and y has {len(y)}; they must have one row each "
            "per time step."
        )
    if y.ndim == 2 and horizon > y.shape[1]:
        raise ValueError(
            f"horizon={horizon} exceeds the {y.shape[1]} columns of the direct "
            "targets Y; make them with make_horizon_targets(data, horizon)."
        )
    # Rows whose targets are known at the first origin: the first training set.
    n_known = initial_train_size - (y.shape[1] - 1 if y.ndim == 2 else 0)
    last = len(X) - 1 if y.ndim == 2 else len(X) - horizon
    if n_known < 2 or initial_train_size > last:
        raise ValueError(
            f"initial_train_size={initial_train_size} must leave at least 2 "
            f"training rows with known targets and one origin whose truth is in "
            f"the data: between {initial_train_size - n_known + 2} and {last} for "
            f"{len(X)} rows and horizon={horizon}."
        )
    return _check_columns(X, y, horizon, target, known_future)


def _check_columns(X, y, horizon, target, known_future):
    """The target column of a recursive backtest (None for one-step or direct).

    Refuses, before any fit, a target that does not hold ``y`` one row
    later and every other column not listed in ``known_future``: a
    recursive forecast reads their values at the forecast times.
    """
    two_d = np.ndim(X) == 2
    if y.ndim == 2 or horizon == 1:
        # Nothing is read from the future; still, a wrong name is a mistake.
        named = [("known_future", key) for key in known_future or ()]
        for parameter, key in [("target", target), *named]:
            if two_d and key is not None:
                _column_position(X, key, parameter)
        return None
    if not two_d:
        raise ValueError(
            f"horizon={horizon} with a 1-D y forecasts recursively, which feeds "
            f"the forecasts back into a column of 2-D rows X, but X has "
            f"{np.ndim(X)} dimensions. Pass direct targets Y from "
            "make_horizon_targets(data, horizon)."
        )
    later, earlier = _consecutive_rows(X)
    labels = list(X.columns) if hasattr(X, "columns") else list(range(X.shape[1]))

    def holds_target(column):
        values = X.iloc[:, column] if hasattr(X, "iloc") else X[:, column]
        try:
            values = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):  # dates, strings: not the target
            return False
        # Tight: np.allclose's default rtol of 1e-5 takes a near-copy at
        # level 1e6 for the target itself.
        return np.allclose(values[later], y[earlier], rtol=1e-9, atol=0, equal_nan=True)

    if target is None and len(labels) > 1:
        matches = [labels[j] for j in range(len(labels)) if holds_target(j)]
        hint = f" ({matches} hold y one row later)" if matches else ""
        raise ValueError(
            f"horizon={horizon} with a 1-D y forecasts recursively, feeding the "
            f"forecasts back into the target column of X, but X has "
            f"{len(labels)} columns {labels}: name it with target= (a column "
            f"name or position){hint}, and list the columns whose future is "
            "known in known_future=."
        )
    column = 0 if target is None else _column_position(X, target, "target")
    if not holds_target(column):
        if target is None:
            raise ValueError(
                f"horizon={horizon} with a 1-D y forecasts recursively, which "
                "needs X's column to hold the target (X[1:, 0] == y[:-1]); it "
                "does not. Pass direct targets Y from make_horizon_targets(data, "
                "horizon), or X with a column equal to y shifted by one row."
            )
        raise ValueError(
            f"target={target!r} names column {labels[column]!r} of X, which does "
            "not hold y one row later (X[1:, target] == y[:-1]), as the column "
            "a recursive forecast feeds its forecasts back into must. Name the "
            "column that holds y shifted by one row, or pass direct targets Y "
            "from make_horizon_targets(data, horizon)."
        )
    known = [_column_position(X, key, "known_future") for key in known_future or ()]
    if column in known:
        raise ValueError(
            f"known_future={list(known_future)} lists the target column "
            f"{labels[column]!r}; its future is what is forecast. Leave it out."
        )
    unknown = [labels[j] for j in range(len(labels)) if j != column and j not in known]
    if unknown:
        raise ValueError(
            f"X has columns {unknown} besides the target {labels[column]!r} that "
            "known_future does not list: a recursive forecast would read their "
            f"values at the forecast times, unknown at the origin (a leak). Drop "
            f"them, lag them by at least horizon={horizon} rows, or, if their "
            f"future is truly known (calendar features, planned inputs), pass "
            f"known_future={[labels[j] for j in known] + unknown}."
        )
    copies = [labels[j] for j in known if holds_target(j)]
    if copies:
        raise ValueError(
            f"known_future lists {copies}, which hold the target itself "
            "(X[1:, j] == y[:-1]): their future values are the truth being "
            "forecast. Drop them from X."
        )
    if is_panel(X) and len(labels) > 1:
        raise ValueError(
            f"A recursive backtest of a panel (1-D y, horizon={horizon}) feeds "
            f"the forecasts back as X's only column, but X has {len(labels)} "
            f"columns {labels}. Pass the target column alone (a CalendarFeatures "
            "step in the estimator computes calendar columns from the index), or "
            "direct targets Y from make_horizon_targets(X, horizon)."
        )
    return column


def _consecutive_rows(X):
    """Positions of each row with an earlier row (of its series) and of that row."""
    if not is_panel(X):
        return np.arange(1, len(X)), np.arange(len(X) - 1)
    pairs = [(rows[1:], rows[:-1]) for _, rows in series_rows(X.index)]
    return tuple(np.concatenate(side) for side in zip(*pairs, strict=True))


def _check_baselines(baselines):
    """Raise on unknown names; return {name: statsforecast model} of those asked."""
    names = [*BASELINES, *CLASSICAL]
    unknown = [name for name in baselines if name not in names]
    if unknown:
        raise ValueError(
            f"baselines={tuple(baselines)!r} has unknown names {unknown}; choose "
            f"among {names}, e.g. baselines=('naive', 'seasonal_naive', 'ets')."
        )
    asked = [name for name in CLASSICAL if name in baselines]
    if not asked:
        return {}
    models = import_classical()
    return {name: models[name] for name in asked}


def _infer_season_length(X, required):
    """The season of X's index frequency, or None.

    When it cannot be inferred: raise if ``required``, warn if False, and
    stay silent if None.
    """
    index = getattr(X, "index", None)
    freq = None
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        freq = index.freq or (pd.infer_freq(index) if len(index) >= 3 else None)
    if freq is not None:
        offset = to_offset(freq)
        code = offset.rule_code.split("-")[0]
        if offset.n == 1 and code in SEASONS:
            return SEASONS[code]
    message = (
        "The 'seasonal_naive' baseline needs a season_length, which could not be "
        f"inferred from X's index (frequency {freq}); pass season_length or "
        "leave 'seasonal_naive' out of baselines."
    )
    if required is None:
        return None
    if required:
        raise ValueError(message)
    warnings.warn(
        message + " It is left out of the default baselines.", UserWarning, stacklevel=3
    )
    return None
