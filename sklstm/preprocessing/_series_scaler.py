"""Standardise each series of a panel with its own mean and standard deviation."""

import warnings

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ..io._checks import check_loaded_array, check_loaded_params
from ..utils._sklearn_compat import StrOptions, _fit_context
from ._panel import is_panel, series_rows

__all__ = ["PerSeriesScaler"]


_DEPRECATION = (
    "PerSeriesScaler is deprecated since 0.2 and will be removed in 0.4: "
    "LSTMRegressor's default level='auto' reads each window relative to its "
    "own last value and scale, so a panel of series at any scale needs no "
    "scaling, and as a pipeline step in front of it this scaler made "
    "forecasts worse. Remove it from the pipeline (see 'Scaling: what to use "
    "when' in the forecasting guide)."
)


class PerSeriesScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise every series of a panel with its own mean and scale.

    .. deprecated:: 0.2
       ``PerSeriesScaler`` is deprecated and will be removed in 0.4.
       :class:`LSTMRegressor`'s default ``level="auto"`` reads each window
       relative to its own last value and scale, so series of any level,
       scale or sign need no scaling; as a pipeline step in front of it,
       this scaler (inputs scaled, target raw) made panel forecasts 4 to 34
       times worse in sMAPE (see "Scaling: what to use when" in the
       forecasting guide). Fitting it warns with a ``FutureWarning``.

    A panel is a DataFrame indexed by a two-level
    :class:`~pandas.MultiIndex` ``(series id, time)``. Each column of each
    series is centred on its mean and divided by its standard deviation over
    the rows seen in :term:`fit` for that series, so that series at very
    different levels share one scale before a global model reads them. Rows
    of ``X`` without a series level (NumPy arrays, a flat index) are one
    series: the scaler is then a :class:`~sklearn.preprocessing.StandardScaler`.

    A panel DataFrame comes back as a DataFrame with the same index and
    columns, whatever :meth:`set_output` says, so that a
    :class:`~sklstm.SlidingWindow` after it still sees the series.

    Parameters
    ----------
    unknown_series : {"error", "pooled"}, default="error"
        What :meth:`transform` does with a series id not seen in fit:
        ``"error"`` raises a ``ValueError``; ``"pooled"`` scales it with the
        mean and standard deviation of all the fit rows.

    Attributes
    ----------
    series_ids_ : ndarray of shape (n_series,)
        Series ids seen in fit, in order of first appearance; ``[None]`` when
        ``X`` had no series level.

    mean_ : ndarray of shape (n_series, n_features)
        Mean of each column per series.

    scale_ : ndarray of shape (n_series, n_features)
        Standard deviation of each column per series, with 1 where it is 0.

    pooled_mean_ : ndarray of shape (n_features,)
        Mean of each column over all the fit rows.

    pooled_scale_ : ndarray of shape (n_features,)
        Standard deviation over all the fit rows, with 1 where it is 0.

    n_features_in_ : int
        Number of columns seen in fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen in fit, when ``X`` had string column names.

    See Also
    --------
    SlidingWindow : Windows each series of a panel apart.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm import PerSeriesScaler
    >>> index = pd.MultiIndex.from_tuples(
    ...     [("a", 0), ("a", 1), ("b", 0), ("b", 1)], names=["series", "time"])
    >>> panel = pd.DataFrame({"value": [1.0, 3.0, 100.0, 300.0]}, index=index)
    >>> scaler = PerSeriesScaler().fit(panel)
    >>> scaler.transform(panel)["value"].tolist()
    [-1.0, 1.0, -1.0, 1.0]
    >>> scaler.inverse_transform(scaler.transform(panel))["value"].tolist()
    [1.0, 3.0, 100.0, 300.0]
    """

    _parameter_constraints: dict = {
        "unknown_series": [StrOptions({"error", "pooled"})],
    }

    def __init__(self, unknown_series: str = "error"):
        self.unknown_series = unknown_series

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mean and standard deviation of each series.

        .. deprecated:: 0.2
           See the class's note; warns with a ``FutureWarning``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows of one series, or a panel indexed by (series id, time).

        y : None
            Ignored.

        Returns
        -------
        self : PerSeriesScaler
            The fitted scaler.
        """
        warnings.warn(_DEPRECATION, FutureWarning, stacklevel=2)
        values = validate_data(self, X, dtype=np.float64)
        groups = _groups(X, len(values))
        self.series_ids_ = np.array([series_id for series_id, _ in groups], object)
        self.mean_ = np.stack([values[rows].mean(axis=0) for _, rows in groups])
        self.scale_ = np.stack([_scale(values[rows]) for _, rows in groups])
        self.pooled_mean_ = values.mean(axis=0)
        self.pooled_scale_ = _scale(values)
        return self

    def transform(self, X):
        """Standardise each series with its own statistics.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows of series seen in fit, a panel indexed by (series id, time).

        Returns
        -------
        X_scaled : DataFrame or ndarray of shape (n_samples, n_features)
            A DataFrame with ``X``'s index and columns when ``X`` is a panel.
        """
        return self._apply(X, lambda values, mean, scale: (values - mean) / scale)

    def inverse_transform(self, X):
        """Map standardised rows back to each series' units.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Standardised rows of series seen in fit, indexed as in transform.

        Returns
        -------
        X_original : DataFrame or ndarray of shape (n_samples, n_features)
            A DataFrame with ``X``'s index and columns when ``X`` is a panel.
        """
        return self._apply(X, lambda values, mean, scale: values * scale + mean)

    def _apply(self, X, operation):
        check_is_fitted(self)
        values = validate_data(self, X, reset=False, dtype=np.float64, copy=True)
        positions = {series_id: i for i, series_id in enumerate(self.series_ids_)}
        for series_id, rows in _groups(X, len(values)):
            mean, scale = self._statistics(positions.get(series_id), series_id)
            values[rows] = operation(values[rows], mean, scale)
        if is_panel(X) and isinstance(X, pd.DataFrame):
            return pd.DataFrame(values, index=X.index, columns=X.columns)
        return values

    def _statistics(self, position, series_id):
        if position is not None:
            return self.mean_[position], self.scale_[position]
        if self.unknown_series == "pooled":
            return self.pooled_mean_, self.pooled_scale_
        seen = list(self.series_ids_[:5]) + (
            ["..."] if len(self.series_ids_) > 5 else []
        )
        raise ValueError(
            f"Series {series_id!r} was not seen in fit (seen: {seen}), so "
            "PerSeriesScaler has no mean and scale for it. Fit on every series, or "
            "use PerSeriesScaler(unknown_series='pooled') to scale unseen series "
            "with the statistics of all the fit rows."
        )

    def __setstate__(self, state):
        super().__setstate__(state)
        if "mean_" not in state:
            return
        # A loaded file: statistics of one shape, finite, scales positive.
        check_loaded_params(self)
        n_series = len(getattr(self, "series_ids_", ()))
        n_features = getattr(self, "n_features_in_", None)
        for name, shape, positive in [
            ("mean_", (n_series, n_features), False),
            ("scale_", (n_series, n_features), True),
            ("pooled_mean_", (n_features,), False),
            ("pooled_scale_", (n_features,), True),
        ]:
            check_loaded_array(self, name, getattr(self, name, None), shape, positive)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _groups(X, n_rows):
    """Row positions per series; one series (id None) without a series level."""
    if is_panel(X):
        return series_rows(X.index)
    return [(None, np.arange(n_rows))]


def _scale(values):
    """Standard deviation per column, 1 where it is 0 (a constant column)."""
    std = values.std(axis=0)
    return np.where(std > 0, std, 1.0)
