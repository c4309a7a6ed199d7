"""Turn a table of time-ordered rows into overlapping windows without copying them."""

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_float32_range

__all__ = ["SlidingWindow"]


class SlidingWindow(TransformerMixin, BaseEstimator):
    """Stack each row with the rows before it into a window, one window per row.

    Output row ``t`` holds input rows ``t - window + 1, ..., t`` in time
    order, so ``transform`` keeps the number of rows and a target ``y`` stays
    aligned with ``X`` inside a :class:`~sklearn.pipeline.Pipeline`. The first
    ``window - 1`` rows have no full history and are left-padded.

    The result is a read-only strided view over a single padded float32 copy
    of the input: memory grows with ``n_samples * n_features``, not with
    ``n_samples * window * n_features``.

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

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns seen during :term:`fit`, when ``X`` was a
        DataFrame with string column names.

    See Also
    --------
    LSTMRegressor : Consumes the 3-D windows this transformer emits.

    Notes
    -----
    A window depends on the rows before it, so ``transform`` is not invariant
    to the order of the rows or to transforming subsets separately: the first
    ``window - 1`` rows of any block are padded. To score rows that follow a
    training period, transform the history and the new rows together and keep
    the new rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindow
    >>> X = np.arange(5.0).reshape(-1, 1)
    >>> windows = SlidingWindow(window=3).fit_transform(X)
    >>> windows.shape
    (5, 3, 1)
    >>> windows[:, :, 0]
    array([[0., 0., 0.],
           [0., 0., 1.],
           [0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]], dtype=float32)
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"edge", "zero"})],
    }

    def __init__(self, window: int = 12, padding: str = "edge"):
        self.window = window
        self.padding = padding

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and remember its number of columns (and their names).

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
        check_float32_range(validate_data(self, X, dtype="numeric"), "X")
        return self

    def transform(self, X):
        """Return one window per row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order, with the columns seen in :meth:`fit`.

        Returns
        -------
        windows : ndarray of shape (n_samples, window, n_features), dtype float32
            Read-only view; ``windows[t]`` holds rows ``t - window + 1 ... t``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype="numeric")
        check_float32_range(X, "X")
        n_samples, n_features = X.shape
        padded = np.empty((n_samples + self.window - 1, n_features), dtype=np.float32)
        # Assigning casts in place: no float32 copy of X besides the padded one.
        padded[self.window - 1 :] = X
        padded[: self.window - 1] = X[:1] if self.padding == "edge" else 0.0
        # sliding_window_view puts the window axis last: (n, features, window).
        return sliding_window_view(padded, self.window, axis=0).transpose(0, 2, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
