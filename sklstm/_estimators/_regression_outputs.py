"""LSTMRegressor's outputs: predictions with standard deviations or quantiles."""

from sklearn.utils.metaestimators import available_if

from ..nn._heads import REGRESSION_LOSSES
from ._prediction_tuple import PredictionTuple

__all__ = ["RegressionOutputsMixin"]


def _losses_with(output):
    return [
        name for name, loss in REGRESSION_LOSSES.items() if output in loss.output_names
    ]


def _has_quantiles(estimator):
    return estimator.loss in _losses_with("quantiles")


class RegressionOutputsMixin:
    """LSTMRegressor's ``predict`` (values, std, quantiles) and ``predict_quantiles``.

    Mixed into :class:`~sklstm.LSTMRegressor`. Which outputs there are depends
    on ``loss``; they come from the head that ``_head_outputs`` runs.
    """

    def predict(self, X, return_std=False, return_quantiles=False):
        """Predict targets for sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        return_std : bool, default=False
            Also return the predicted standard deviation (``loss="gaussian"``
            only), in the units of ``y``.

        return_quantiles : bool, default=False
            Also return every quantile in ``quantiles`` (``loss="quantile"``
            only), as :meth:`predict_quantiles` does. Unlike that method, it
            passes through a :class:`~sklearn.pipeline.Pipeline`:
            ``pipe.predict(X, return_quantiles=True)``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs), dtype float64
            Predicted values: the mean for ``loss="gaussian"``, the median for
            ``loss="quantile"``.

        y_std : ndarray, same shape as ``y_pred``
            Predicted standard deviation, when ``return_std=True``.

        y_quantiles : ndarray of shape (n_samples, n_quantiles) or \
                (n_samples, n_outputs, n_quantiles)
            Predicted quantiles, increasing along the last axis, in the units
            of ``y``, when ``return_quantiles=True``.

            With either keyword the arrays come as a tuple that raises a
            ValueError when read as one array (``.ndim``), as a
            :class:`~sklearn.compose.TransformedTargetRegressor` would read it.
        """
        requested = [
            name
            for name, wanted in (("std", return_std), ("quantiles", return_quantiles))
            if wanted
        ]
        for name in requested:
            self._check_interval_request(name)
        outputs = self._head_outputs(X)
        extras = [outputs[name] for name in requested]
        if not extras:
            return outputs["prediction"]
        keyword = "return_std" if return_std else "return_quantiles"
        return PredictionTuple((outputs["prediction"], *extras), keyword)

    @available_if(_has_quantiles)
    def predict_quantiles(self, X):
        """Predict every quantile in ``quantiles`` (``loss="quantile"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_quantiles) or \
                (n_samples, n_outputs, n_quantiles)
            Increasing along the last axis, in the units of ``y``.

        See Also
        --------
        predict : With ``return_quantiles=True``, the median and the
            quantiles, also through a :class:`~sklearn.pipeline.Pipeline`.
        """
        return self._head_outputs(X)["quantiles"]

    def _check_interval_request(self, output):
        keyword = f"return_{output}"
        if self.loss not in _losses_with(output):
            needed = " or ".join(repr(loss) for loss in _losses_with(output))
            raise ValueError(
                f"{keyword}=True needs loss={needed}; this model has "
                f"loss={self.loss!r}."
            )
