"""Turn a table of time-ordered rows into overlapping windows without copying them."""

import warnings
from numbers import Integral

import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._estimators._validation import (
    check_no_datetimes,
    float32_offsets,
)
from ..io._checks import check_loaded_array, check_loaded_params
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_feature_names_in,
)
from ._labels import (
    _continues,
    _label_from_plain,
    _map_labels,
    _mismatch,
    _next_label,
    _plain_label,
)
from ._panel import is_panel
from ._window_buffer import WindowBufferMixin
from ._window_panel import PanelWindowsMixin, fingerprint

__all__ = ["SlidingWindow"]


# auto_wrap_output_keys=None: scikit-learn's set_output would wrap the output in a
# DataFrame, which cannot hold 3-D windows; set_output below is a no-op instead.
class SlidingWindow(
    PanelWindowsMixin,
    WindowBufferMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,
):
    """Stack each row with the rows before it into a window, one window per row.

    Output row ``t`` holds input rows ``t - window + 1, ..., t`` in time
    order, so ``transform`` keeps the number of rows and a target ``y`` stays
    aligned with ``X`` inside a :class:`~sklearn.pipeline.Pipeline`. The
    first ``window - 1`` rows take their history from the last rows seen in
    :term:`fit` when they directly follow them (see ``history``), and are
    left-padded otherwise.

    The result is a read-only strided view over a single padded float32 copy
    of the input: memory grows with ``n_samples * n_features``, not with
    ``n_samples * window * n_features``. The copy is float64 instead when
    float32 would round a column by more than a thousandth of its mean step
    between rows in the fit data (a series at level 1e9 with a unit signal,
    which float32 rounds to multiples of 64); the estimators remove such
    levels in float64 before computing in float32.

    A panel, a DataFrame indexed by a two-level :class:`~pandas.MultiIndex`
    ``(series id, time)``, is windowed series by series: no window crosses
    two series, each series is padded at its own start (or continues its own
    fit rows, see ``history``), and the rows keep their order. Its windows
    are a read-only copy of ``n_samples * window * n_features`` values.

    Parameters
    ----------
    window : int, default=12
        Number of time steps in each window, the current row included.

    padding : {"edge", "zero"}, default="edge"
        How the ``window - 1`` missing rows before the first row are filled.

        - ``"edge"`` repeats the first row: the padded windows look like a
          series that was flat before it started. A safe choice whatever the
          scaling.
        - ``"zero"`` fills with zeros. After a
          :class:`~sklearn.preprocessing.StandardScaler` zero is the training
          mean, so the padding reads as "no information"; without a scaler,
          zeros can be far outside the data and should be avoided.

    history : {"auto", "always", "never"}, default="auto"
        When the windows of the first rows given to :meth:`transform` start
        with the last rows seen in :term:`fit` (``last_rows_``) instead of
        padding, so that a test period scored after its training period sees
        its real past (as in :class:`~sklearn.model_selection.TimeSeriesSplit`).

        - ``"auto"`` uses them when ``X`` is a DataFrame whose index directly
          continues the index seen in fit (``X.index[0] == next_index_``) and
          increases strictly; for a panel, per series, with its times.
          Anything else is padded: NumPy input, a gap, the training rows
          again, shuffled, earlier or irregular rows.
        - ``"always"`` uses them for every ``X``, NumPy included, except the
          data seen in fit (same shape and float32 values, compared through
          a hash kept at fit), which is padded so that ``fit(X).transform(X)``
          equals ``fit_transform(X)``. Raises a ``ValueError`` if ``X``'s index
          shows that it does not follow the fit rows.
        - ``"never"`` always pads.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns seen during :term:`fit`, when ``X`` was a
        DataFrame with string column names.

    last_rows_ : ndarray of shape (min(window - 1, n_samples), `n_features_in_`) or dict
        The last rows seen during :term:`fit`, in the windows' dtype: the history of
        rows that follow them. For a panel, a dict of them per series id.

    next_index_ : pandas.Timestamp, pandas.Period, int, None or dict
        Index label of the row that directly follows the rows seen during
        :term:`fit`; None when ``X`` was not a DataFrame with a strictly
        increasing, evenly spaced datetime, period or integer index. For a
        panel, a dict of them per series id (from each series' times).

    See Also
    --------
    LSTMRegressor : Consumes the 3-D windows this transformer emits.

    Notes
    -----
    A window depends on the rows before it, so ``transform`` is not invariant
    to the order of the rows or to transforming subsets separately.

    A window holds rows, not times: in a series with a gap in its index, the
    windows of the rows after the gap reach back across it. Reindex the
    series to its regular times (and fill them) to keep gaps out of the
    windows, or, in a panel, give each part its own series id.

    With ``history="auto"``, cross-validation with
    :class:`~sklearn.model_selection.TimeSeriesSplit` on a DataFrame with a
    regular index scores each test fold with its real history, exactly as
    predicting the training and test rows together and keeping the test rows.
    A fold after a ``gap`` is padded: its history is not the training rows.
    A scaler in front must keep the index, e.g.
    ``pipeline.set_output(transform="pandas")``; ``SlidingWindow`` accepts
    :meth:`set_output` but its output stays a 3-D array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindow
    >>> X = np.arange(5.0).reshape(-1, 1)
    >>> sliding = SlidingWindow(window=3)
    >>> windows = sliding.fit_transform(X)
    >>> windows.shape
    (5, 3, 1)
    >>> windows[:, :, 0]
    array([[0., 0., 0.],
           [0., 0., 1.],
           [0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]], dtype=float32)

    Rows of a DataFrame that continue the index seen in fit start from the
    last rows seen in fit:

    >>> import pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=7, freq="D")
    >>> frame = pd.DataFrame({"load": np.arange(7.0)}, index=days)
    >>> sliding = SlidingWindow(window=3).fit(frame.iloc[:5])
    >>> sliding.next_index_
    Timestamp('2024-01-06 00:00:00')
    >>> sliding.transform(frame.iloc[5:])[:, :, 0]
    array([[3., 4., 5.],
           [4., 5., 6.]], dtype=float32)
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"edge", "zero"})],
        "history": [StrOptions({"auto", "always", "never"})],
    }

    def __init__(self, window: int = 12, padding: str = "edge", history: str = "auto"):
        self.window = window
        self.padding = padding
        self.history = history

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and remember its columns, last rows and index.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.

        y : None
            Ignored.

        Returns
        -------
        self : SlidingWindow
            The fitted transformer.
        """
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit to ``X`` and return its windows, padded: ``fit(X).transform(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.

        y : None
            Ignored.

        Returns
        -------
        windows : ndarray of shape (n_samples, window, n_features)
            Read-only view, float32 (float64 when float32 would lose the
            fit data's steps); ``windows[t]`` holds rows ``t - window + 1 ... t``.
        """
        padded = self._fit(X)
        if padded is None:  # a panel: each series padded, as transform pads it
            return self.transform(X)
        self._fill_before(padded, history=None)
        return self._windows(padded)

    def transform(self, X):
        """Return one window per row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order, with the columns seen in :meth:`fit`.

        Returns
        -------
        windows : ndarray of shape (n_samples, window, n_features)
            Read-only view, float32 or float64 as in ``fit_transform``;
            ``windows[t]`` holds rows ``t - window + 1 ... t``, the rows
            before ``X`` being ``last_rows_`` when ``X`` follows the rows
            seen in fit (see ``history``), padding otherwise.
        """
        check_is_fitted(self)
        check_no_datetimes(X, type(self).__name__)
        index = X.index if isinstance(X, pd.DataFrame) else None
        values = validate_data(self, X, reset=False, dtype="numeric")
        fitted_panel = isinstance(self.last_rows_, dict)
        if is_panel(X) or fitted_panel:
            return self._panel_transform(values, index if is_panel(X) else None)
        padded = self._padded_copy(values)
        rows = padded[self.window - 1 :]
        fit_data = self.history == "always" and self._is_fit_data(rows)
        follows = self._follows(self.next_index_, index, fit_data)
        self._fill_before(padded, history=self.last_rows_ if follows else None)
        return self._windows(padded)

    def get_feature_names_out(self, input_features=None):
        """Get the names of the feature axis (the last one) of the windows.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Column names of the input. None: ``feature_names_in_`` when fit saw
            a DataFrame, else ``["x0", ..., "x(n_features_in_ - 1)"]``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per feature of each window step, i.e. per input column.
        """
        check_is_fitted(self)
        return check_feature_names_in(self, input_features)

    def set_output(self, *, transform=None):
        """Accept any output container; the windows stay a 3-D ndarray.

        A DataFrame is 2-D and cannot hold windows. This method exists so that
        ``Pipeline.set_output(transform="pandas")`` can configure the steps
        around ``SlidingWindow``: a scaler in front then keeps the index that
        ``history="auto"`` reads.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            Ignored.

        Returns
        -------
        self : SlidingWindow
            This transformer, unchanged.
        """
        return self

    def _fit(self, X):
        """Validate ``X``, set the fitted attributes; return its padded buffer
        (None for a panel)."""
        check_no_datetimes(X, type(self).__name__)
        index = X.index if isinstance(X, pd.DataFrame) else None
        values = validate_data(self, X, dtype="numeric")
        # Kept in float64 when float32 would round away the columns' steps (a
        # series at 1e9 with a unit signal): the estimator after this removes
        # the level in float64 before its own float32 cast.
        lossy = float32_offsets(values) is not None
        self._dtype = "float64" if lossy else "float32"
        if is_panel(X):
            self._panel_fit(values, index)
            return None
        padded = self._padded_copy(values)
        rows = padded[self.window - 1 :]
        self._warn_if_short(len(rows))
        # A copy, so that the fitted transformer does not hold the whole buffer.
        self.last_rows_ = self._last_rows(rows)
        self.next_index_ = _next_label(index)
        self._fit_fingerprint = fingerprint(rows)
        return padded

    def _is_fit_data(self, rows):
        """Whether the padded ``rows`` are the rows seen in fit (shape, then hash)."""
        shape = self._fit_fingerprint[0]
        return rows.shape == shape and fingerprint(rows) == self._fit_fingerprint

    def _warn_if_short(self, n_samples):
        if self.window > n_samples:
            warnings.warn(
                f"window={self.window} is longer than the {n_samples} rows seen in "
                f"fit: every window of these rows is padded (padding="
                f"{self.padding!r}). Use a shorter window or more rows.",
                UserWarning,
                stacklevel=5,
            )

    def _follows(self, next_label, index, fit_data):
        """Whether rows indexed by ``index`` follow fit rows ending before
        ``next_label``; ``fit_data``: whether ``X`` is the fit data again."""
        if self.history == "never":
            return False
        continues = _continues(next_label, index)
        if self.history == "auto":
            return bool(continues)
        if fit_data:
            return False  # the fit data again: padded, as fit_transform pads it
        if continues is False:
            raise ValueError(
                "SlidingWindow(history='always') takes the rows passed to transform "
                "to directly follow the rows seen in fit, so the first would be "
                f"labelled {next_label!r}, but X.index {_mismatch(index)}. "
                "Pass the rows that follow the fit rows, in time order, or use "
                "history='auto' to pad the windows of rows that do not follow them."
            )
        return True

    def __getstate__(self):
        # Plain values only, so that skops (sklstm.load) needs to trust no
        # pandas type; copy first, since BaseEstimator returns the live dict.
        state = dict(super().__getstate__())
        if "next_index_" in state:
            state["next_index_"] = _map_labels(_plain_label, state["next_index_"])
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "next_index_" in state:
            state["next_index_"] = _map_labels(_label_from_plain, state["next_index_"])
        super().__setstate__(state)
        if "last_rows_" in state:
            self._check_loaded()

    def _check_loaded(self):
        """A loaded file's window and last rows agree, so transform cannot
        fail on them or read NaN history."""
        check_loaded_params(self)
        rows = self.last_rows_
        shape = (None, getattr(self, "n_features_in_", None))
        for series_rows_ in rows.values() if isinstance(rows, dict) else [rows]:
            check_loaded_array(self, "last_rows_", series_rows_, shape)
            if len(series_rows_) > self.window - 1:
                raise ValueError(
                    f"The saved last_rows_ of this SlidingWindow hold "
                    f"{len(series_rows_)} rows, more than window - 1 = "
                    f"{self.window - 1}: the file is damaged."
                )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
