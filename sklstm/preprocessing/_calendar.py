"""Calendar features (month, weekday, hour...) read from a table's time index."""

from datetime import datetime
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    validate_data,
)

from ..forecasting._multistep import _column_position
from ..utils._sklearn_compat import StrOptions, _fit_context, check_feature_names_in
from ._panel import is_panel

__all__ = ["CalendarFeatures"]

# Each feature: its values' first one and how many there are (its period).
CALENDAR = {
    "quarter": (1, 4),
    "month": (1, 12),
    "dayofweek": (0, 7),
    "hour": (0, 24),
    "minute": (0, 60),
}
# Features of "auto", by the spacing of the times: those that vary from one
# row to the next within a year (a weekly series has no weekday to learn).
_AUTO = [
    (pd.Timedelta(days=1), ("hour", "dayofweek")),
    (pd.Timedelta(days=7), ("dayofweek", "month")),
    (pd.Timedelta(days=89), ("month",)),
    (pd.Timedelta(days=365), ("quarter",)),
]


class CalendarFeatures(TransformerMixin, BaseEstimator):
    """Calendar features of each row's time: month, weekday, hour...

    Reads the time of each row from the index of a DataFrame (a
    DatetimeIndex or PeriodIndex; for a panel indexed by ``(series id,
    time)``, the time level) or from one of its datetime columns, and
    encodes each calendar feature as a pair of Fourier terms or as one-hot
    columns. Appended to the input columns, it is the first step of a
    forecasting Pipeline: ``make_pipeline(CalendarFeatures(), SlidingWindow(24),
    LSTMRegressor())``.

    A row's calendar is known in advance, so calendar features never leak
    the future. Computed inside the model, they need no ``future_exog`` nor
    ``known_future``: :func:`recursive_forecast` continues the index of the
    history (a DatetimeIndex with a frequency, set or inferred, or a
    PeriodIndex) and the model reads the new rows' dates. Computed ahead
    (``CalendarFeatures(keep_input=False).fit_transform(frame)`` as columns of
    ``X``), list them in :func:`backtest`'s ``known_future`` and pass their
    future rows as :func:`recursive_forecast`'s ``future_exog``.

    Parameters
    ----------
    features : "auto" or tuple of str, default="auto"
        Calendar features among "quarter", "month", "dayofweek" (0 is
        Monday), "hour" and "minute". "auto" chooses from the spacing of the
        times seen in ``fit`` (their frequency, set or inferred): under a day
        ("hour", "dayofweek"); daily ("dayofweek", "month"); weekly or
        monthly ("month",); quarterly ("quarter",).
    encoding : {"fourier", "onehot"}, default="fourier"
        "fourier": two columns per feature, the sine and cosine of ``2 pi
        value / period`` (a point on the unit circle: December is next to
        January). "onehot": one column per value of the feature (12 for the
        month), 1.0 in the column of the row's value.
    keep_input : bool, default=True
        Return the input columns, then the calendar columns; else the
        calendar columns only.
    column : str or int, default=None
        The column holding the times, used instead of the index: a DataFrame
        column label (labels first), else a position, which lets arrays carry
        their times too. It is left out of the returned columns. Its values are
        datetimes, date strings, or numbers read as pandas reads them
        (nanoseconds since 1970-01-01). A missing time (NaT) gives NaN
        calendar columns.

    Attributes
    ----------
    features_ : tuple of str
        The calendar features computed.
    time_column_ : int or None
        Position of ``column`` among the input columns (None: the index).
    n_features_in_ : int
        Number of input columns seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the input columns seen in ``fit``, when they are all strings.

    See Also
    --------
    SlidingWindow : Windows of rows for the LSTM estimators.
    recursive_forecast : Forecast step by step, extending the calendar.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm import CalendarFeatures
    >>> frame = pd.DataFrame(
    ...     {"load": [3.0, 4.0, 5.0]},
    ...     index=pd.date_range("2024-01-01", periods=3, freq="MS"),
    ... )
    >>> calendar = CalendarFeatures(encoding="onehot").fit(frame)
    >>> calendar.features_
    ('month',)
    >>> calendar.transform(frame)[:, :4]
    array([[3., 1., 0., 0.],
           [4., 0., 1., 0.],
           [5., 0., 0., 1.]])
    >>> calendar.get_feature_names_out()[:4].tolist()
    ['load', 'month_1', 'month_2', 'month_3']
    """

    _parameter_constraints: dict = {
        "features": [StrOptions({"auto"}), tuple, list],
        "encoding": [StrOptions({"fourier", "onehot"})],
        "keep_input": ["boolean"],
        "column": [str, Integral, None],
    }

    def __init__(
        self, features="auto", *, encoding="fourier", keep_input=True, column=None
    ):
        self.features = features
        self.encoding = encoding
        self.keep_input = keep_input
        self.column = column

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the times of ``X`` and choose the features.

        Parameters
        ----------
        X : DataFrame of shape (n_rows, n_columns), or array-like with ``column``
            Rows indexed by a DatetimeIndex or PeriodIndex (or a panel's
            ``(series id, time)`` MultiIndex), or with the times in ``column``.
        y : None
            Ignored.

        Returns
        -------
        self : CalendarFeatures
            The fitted transformer.
        """
        times, _, position = self._split(X)
        features = self._features(times)
        validate_data(self, X, skip_check_array=True)
        self.features_ = features
        self.time_column_ = position
        return self

    def transform(self, X):
        """Append the calendar columns of each row's time.

        Parameters
        ----------
        X : DataFrame of shape (n_rows, n_columns), or array-like with ``column``
            Rows with times, as in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_rows, n_features_out)
            The input columns (``keep_input=True``, without ``column``), then
            the calendar columns, in the order of ``get_feature_names_out()``.
        """
        check_is_fitted(self)
        times, values, _ = self._split(X)
        validate_data(self, X, skip_check_array=True, reset=False)
        calendar = [self._encode(times, feature) for feature in self.features_]
        return np.hstack([values, *calendar] if self.keep_input else calendar)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the returned columns: the input's, then the calendar's.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input columns; None uses ``feature_names_in_`` (or
            ``x0, x1, ...``).

        Returns
        -------
        feature_names_out : ndarray of str
            Input names (``keep_input=True``, without ``column``), then
            ``"<feature>_sin"``, ``"<feature>_cos"`` per feature (Fourier) or
            ``"<feature>_<value>"`` per value (one-hot).
        """
        check_is_fitted(self)
        names = []
        if self.keep_input:
            inputs = check_feature_names_in(self, input_features)
            names = [n for j, n in enumerate(inputs) if j != self.time_column_]
        for feature in self.features_:
            first, period = CALENDAR[feature]
            if self.encoding == "fourier":
                names += [f"{feature}_sin", f"{feature}_cos"]
            else:
                names += [
                    f"{feature}_{value}" for value in range(first, first + period)
                ]
        return np.asarray(names, dtype=object)

    def _split(self, X):
        """The rows' times (a DatetimeIndex), the other columns as float64, and
        the position of ``column`` (None when the times are the index)."""
        if self.column is None:
            if not isinstance(X, pd.DataFrame):
                raise TypeError(
                    "CalendarFeatures reads each row's time from a DataFrame's "
                    f"index, but X is a {type(X).__name__}. Pass a DataFrame "
                    "indexed by a DatetimeIndex or PeriodIndex (ahead of a scaler, "
                    "set its output to pandas: set_output(transform='pandas')), or "
                    "name the column holding the times with column=."
                )
            times = X.index.get_level_values(1) if is_panel(X) else X.index
            where, values = "index", X
            position = None
        else:
            table = X if isinstance(X, pd.DataFrame) else None
            if table is None:
                X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
            position = _column_position(
                X if table is None else table, self.column, "column"
            )
            others = np.arange(X.shape[1]) != position
            if table is None:
                times, values = X[:, position], X[:, others]
            else:
                times, values = table.iloc[:, position], table.iloc[:, others]
            times, where = (
                pd.Index(_as_times(np.asarray(times))),
                f"column {self.column!r}",
            )
        if isinstance(times, pd.PeriodIndex):
            times = times.to_timestamp(how="start")
        elif pd.api.types.is_datetime64_any_dtype(times.dtype):
            times = pd.DatetimeIndex(times)
        else:
            raise ValueError(
                f"CalendarFeatures reads the times from X's {where}, which holds "
                f"{times.dtype} values, not dates. Index X by dates "
                "(X.set_index(pd.to_datetime(...)) or a PeriodIndex), or name the "
                "column holding the times with column=."
            )
        if values.shape[1] == 0:  # the times alone: check_array needs a dtype
            values = np.empty((len(times), 0))
        else:
            values = check_array(
                values,
                dtype=np.float64,
                ensure_all_finite="allow-nan",
                ensure_min_features=0,
                input_name="X",
            )
        return times, values, position

    def _features(self, times):
        """The features to compute: ``features``, or chosen by the times' spacing."""
        if self.features != "auto":
            unknown = sorted(set(self.features) - set(CALENDAR))
            if unknown or not len(self.features):
                raise ValueError(
                    f"features={self.features!r} must name one or more of "
                    f"{list(CALENDAR)} (unknown: {unknown}), or be 'auto'."
                )
            return tuple(self.features)
        spacing = _spacing(times)
        if spacing is None:
            raise ValueError(
                "features='auto' chooses the features from the spacing of the "
                f"times, but {len(times)} times with no common frequency were "
                "seen. Name the features, e.g. features=('month', 'dayofweek')."
            )
        for limit, features in _AUTO:
            if spacing < limit:
                return features
        raise ValueError(
            f"features='auto' found times {spacing} apart: no calendar feature "
            "varies between yearly (or sparser) rows. Leave CalendarFeatures out, "
            "or name the features."
        )

    def _encode(self, times, feature):
        """The columns of one feature: 2 Fourier terms or one-hot."""
        first, period = CALENDAR[feature]
        # A missing time (NaT) gives missing calendar values (NaN).
        value = np.asarray(getattr(times, feature), dtype=np.float64) - first
        if self.encoding == "onehot":
            onehot = (value[:, None] == np.arange(period)).astype(np.float64)
            onehot[np.isnan(value)] = np.nan
            return onehot
        angle = 2 * np.pi * value / period
        return np.column_stack([np.sin(angle), np.cos(angle)])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags


def _as_times(values):
    """Times of one column: datetimes, date strings, or numbers read as pandas
    reads them (nanoseconds since 1970-01-01, datetime64[ns] as integers)."""
    if values.dtype.kind == "M":
        return pd.to_datetime(values)
    if values.dtype == object and all(
        isinstance(value, str | datetime | np.datetime64) for value in values
    ):
        return pd.to_datetime(values)
    # A TypeError ("float() argument must be a string or a number") otherwise.
    return pd.to_datetime(np.asarray(values, dtype=np.float64), unit="ns")


def _spacing(times):
    """The nominal step of evenly spaced times (a Timedelta), or None."""
    times = pd.DatetimeIndex(times).unique().sort_values()  # a panel's union
    freq = times.freq
    if freq is None and len(times) >= 3:
        freq = pd.DatetimeIndex(times, freq="infer").freq
    if freq is None:
        return None
    start = times[0]
    return (start + freq) - start
