"""Input checks for sequences that scikit-learn's validation does not make."""

import numpy as np
import pandas as pd

__all__ = [
    "check_float32_range",
    "check_no_datetimes",
    "check_sequence_shape",
    "check_token_ids",
    "float32_offsets",
]

_FLOAT32_MAX = float(np.finfo(np.float32).max)
# float32 keeps 24 bits: a value is rounded by up to level * 2**-24. A column
# whose rounding exceeds this fraction of its typical step (the unit a
# forecast is read in) loses its signal when cast: 1e9 + a unit signal is
# rounded to multiples of 64.
_FLOAT32_ROUNDING = 2.0**-24
_LOST_SHARE_OF_STEP = 1e-3
# Rows read at a time by float32_offsets.
_CHUNK_ROWS = 2**16


def check_float32_range(array, input_name):
    """Raise if finite values of ``array`` overflow float32, which torch computes in.

    scikit-learn checks float64 input for NaN and infinity, but 1e39 is finite
    in float64 and becomes ``inf`` once cast to float32.
    """
    if array.dtype != np.float64 or array.size == 0:
        return
    # max() and min() make no temporary, unlike np.abs(array).max().
    if array.max() > _FLOAT32_MAX or array.min() < -_FLOAT32_MAX:
        raise ValueError(
            f"Input {input_name} contains a value too large for dtype('float32') "
            f"(absolute values up to {_FLOAT32_MAX:.3g} are supported). Rescale "
            f"{input_name}, e.g. with StandardScaler."
        )


def float32_offsets(rows):
    """Per-column float64 offsets that keep ``rows``' detail through float32.

    Parameters
    ----------
    rows : ndarray of shape (n_rows, n_columns)
        Values about to be cast to float32, rows in order, of any numeric
        dtype (read in float64, ``_CHUNK_ROWS`` rows at a time: no copy of
        every row).

    Returns
    -------
    offsets : ndarray of shape (n_columns,) or None
        The mean of each column whose float32 rounding would exceed a
        thousandth of its mean absolute step between rows, 0 for the others;
        None when float32 keeps every column.
    """
    if len(rows) < 2:
        return None
    level, step, total = (np.zeros(rows.shape[1]) for _ in range(3))
    for start in range(0, len(rows), _CHUNK_ROWS):
        # One row more: the step from this chunk's last row to the next.
        chunk = np.asarray(rows[start : start + _CHUNK_ROWS + 1], dtype=np.float64)
        level = np.maximum(level, np.abs(chunk).max(axis=0))
        step += np.abs(np.diff(chunk, axis=0)).sum(axis=0)
        total += chunk[:_CHUNK_ROWS].sum(axis=0)
    step /= len(rows) - 1
    lossy = (step > 0) & (level * _FLOAT32_ROUNDING > _LOST_SHARE_OF_STEP * step)
    if not lossy.any():
        return None
    return np.where(lossy, total / len(rows), 0.0)


def check_no_datetimes(X, estimator_name):
    """Raise if ``X`` holds datetimes, which numpy would read as numbers.

    ``np.datetime64`` values (and DataFrame datetime columns) convert to
    float as counts since 1970, a meaningless, ever-growing feature.
    """
    dtypes = getattr(X, "dtypes", None)
    if isinstance(dtypes, pd.Series):  # a DataFrame: check each column
        columns = [col for col, dtype in dtypes.items() if _is_datetime(dtype)]
    else:
        columns = ["X"] if _is_datetime(getattr(X, "dtype", None)) else []
    if columns:
        where, how = "X", "(e.g. month, day of week, hour)"
        if columns != ["X"]:
            where = f"the column(s) {columns} of X"
            how += ", e.g. X[col].dt.month, X[col].dt.dayofweek, and drop them"
        raise ValueError(
            f"{estimator_name} got datetimes in {where}; they would be read as "
            f"numbers (time since 1970). Convert them to features first {how}; "
            "the order of the rows (or the index) carries the time order."
        )


def _is_datetime(dtype):
    try:
        return dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype)
    except TypeError:  # a dtype pandas does not know
        return False


def check_token_ids(X, n_tokens, estimator_name):
    """Return 2-D token ids ``X`` as int64, or raise naming the offending values."""
    check_token_shape(X, n_tokens, estimator_name)
    if X.dtype.kind == "f" and not np.array_equal(X, np.round(X)):
        raise ValueError(
            f"{estimator_name} with n_tokens={n_tokens} expects integer token ids in "
            "X; got non-integer values."
        )
    low, high = X.min(), X.max()
    if low < 0 or high >= n_tokens:
        raise ValueError(
            f"X contains token ids from {low:g} to {high:g}, but {estimator_name} was "
            f"set up with n_tokens={n_tokens}: ids must be in [0, {n_tokens - 1}] (0 "
            "is padding). Raise n_tokens to the vocabulary size."
        )
    return X.astype(np.int64)


def check_token_shape(X, n_tokens, estimator_name):
    """Raise unless ``X`` is 2-D, as token ids ``(n_samples, n_steps)`` are."""
    if X.ndim != 2:
        raise ValueError(
            f"{estimator_name} with n_tokens={n_tokens} expects X of token ids with "
            f"shape (n_samples, n_steps); got an array of shape {X.shape}. Token ids "
            "have no feature axis: pass one id per step."
        )


def check_sequence_shape(estimator, X, reset, tokens=False, ragged=False):
    """Check the steps and features of ``X`` against ``fit``; return it 3-D.

    scikit-learn's ``n_features_in_`` is ``X.shape[1]``, which for sequences
    is the number of steps. The features per step (last axis) are checked
    here, with messages that say which axis is wrong. Token ids stay 2-D.

    ``ragged``: ``X`` pads sequences of different lengths. An estimator
    fitted on such sequences (``_variable_length``) takes any number of
    steps afterwards; one fitted on fixed-length windows takes them ragged
    too, but fixed-length arrays of its own window length only.
    """
    name = type(estimator).__name__
    if tokens:
        check_token_shape(X, estimator.n_tokens, name)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"{name} expects X of shape (n_samples, n_steps) for univariate "
            "sequences or (n_samples, n_steps, n_features); got an array with "
            f"{X.ndim} dimension(s), shape {X.shape}. Reshape your data: a single "
            "sequence is X.reshape(1, -1), and a series of rows becomes "
            "sequences through SlidingWindow."
        )
    if X.ndim == 2 and not tokens:
        X = X[:, :, np.newaxis]
    if 0 in X.shape[1:]:
        raise ValueError(
            f"{name} needs at least 1 time step and 1 feature; got X of shape "
            f"{X.shape}."
        )
    if reset:
        estimator.n_features_in_ = X.shape[1]
        estimator.input_shape_ = X.shape[1:]
        estimator._variable_length = ragged
        return X
    if ragged or getattr(estimator, "_variable_length", False):
        if not tokens and X.shape[2] != estimator.input_shape_[-1]:
            raise ValueError(
                f"X has {X.shape[2]} feature(s) per time step, but {name} was "
                f"fitted with {estimator.input_shape_[-1]}. A 1-D sequence (or a "
                "2-D X) is read as univariate (1 feature per step)."
            )
        return X
    fitted_steps = estimator.input_shape_[0]
    if X.shape[1] != fitted_steps:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} is expecting {fitted_steps} "
            f"features as input: X.shape[1] is the number of time steps, and {name} "
            f"was fitted on sequences of {fitted_steps} steps. Use the same window "
            f"length as in fit (e.g. SlidingWindow(window={fitted_steps}))."
        )
    if X.shape[1:] != estimator.input_shape_:
        raise ValueError(
            f"X has {X.shape[2]} feature(s) per time step (last axis), but {name} "
            f"was fitted with {estimator.input_shape_[1]}. A 2-D X is read as "
            "univariate sequences (1 feature per step)."
        )
    return X
