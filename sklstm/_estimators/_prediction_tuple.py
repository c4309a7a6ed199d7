"""The tuple ``predict(X, return_std=True)`` returns, refusing to pass as an array."""

__all__ = ["PredictionTuple"]


class _ReadAsArrayError(ValueError, AttributeError):
    """A tuple of predictions was asked for an array's ``ndim``.

    A ValueError, as scikit-learn raises for inputs it cannot use; also an
    AttributeError, so that ``hasattr(result, "ndim")`` and ``np.ndim(result)``
    treat the result as the plain tuple it is.
    """


class PredictionTuple(tuple):
    """``(y_pred, y_std)`` or ``(y_pred, y_quantiles)``: a tuple, not an array.

    It unpacks, indexes and converts with ``np.asarray`` like any tuple. A
    wrapper that reads it as one array of predicted values, as
    :class:`~sklearn.compose.TransformedTargetRegressor` does (``pred.ndim``)
    to inverse-transform them, gets a ValueError that says what went wrong
    and how to get the intervals, instead of ``'tuple' object has no
    attribute 'ndim'`` from deep inside scikit-learn. It depends on what is
    done with the result, not on who called ``predict``.

    Parameters
    ----------
    arrays : iterable of ndarray
        The predicted values, then the standard deviation or quantiles.

    keyword : str
        The ``predict`` keyword that asked for them, e.g. ``"return_std"``.
    """

    def __new__(cls, arrays, keyword):
        result = super().__new__(cls, arrays)
        result.keyword = keyword
        return result

    def __getnewargs__(self):
        return tuple(self), self.keyword

    @property
    def ndim(self):
        """Refuse to be read as an array of predicted values."""
        raise _ReadAsArrayError(
            f"predict(X, {self.keyword}=True) returns a tuple of "
            f"{len(self)} arrays, which was read as one array of predicted "
            "values. A TransformedTargetRegressor does this: it transforms "
            "predicted values but cannot transform a standard deviation or "
            "quantiles. LSTMRegressor already standardises the target itself "
            "(normalize_y=True): drop the TransformedTargetRegressor, or call "
            f".regressor_.predict(X, {self.keyword}=True) and map the result "
            "back to the units of y yourself."
        )
