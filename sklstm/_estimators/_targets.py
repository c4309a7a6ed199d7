"""LSTMRegressor's targets: scaling, the loss's criterion and the prediction head."""

import inspect
from numbers import Real

import numpy as np
import torch

from ..nn._heads import REGRESSION_LOSSES, RegressionHead
from ._forecasting import _DEPRECATED_LOSSES, check_numeric_y
from ._frame import BLOCK_ROWS, FramedTargets
from ._validation import check_float32_range

__all__ = ["RegressionTargetMixin"]


def _blocks(Y):
    """``(first row, rows)`` of 2-D ``Y`` in float64, ``BLOCK_ROWS`` rows at a time.

    ``Y`` is an array or :class:`~sklstm._estimators._frame.FramedTargets`,
    which makes each block when asked: no pass over the targets holds a
    float64 copy of every row.
    """
    if isinstance(Y, FramedTargets):
        yield from Y.blocks()
        return
    for start in range(0, len(Y), BLOCK_ROWS):
        yield start, np.asarray(Y[start : start + BLOCK_ROWS], dtype=np.float64)


class StandardizedTargets:
    """The targets the network trains on, made for each batch when it is drawn.

    ``(Y - mean) / scale`` in float32, of the rows a batch asks for
    (:meth:`take`): the numbers a float32 array of every row would hold,
    without holding them (4 bytes a row and output). ``Y`` is ``y`` as the
    user gave it (2-D, a view) or its
    :class:`~sklstm._estimators._frame.FramedTargets`, whose rows are
    framed and clipped on the way.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs) or FramedTargets
    mean, scale : ndarray of shape (n_outputs,)
    """

    def __init__(self, Y, mean, scale):
        self._Y, self._mean, self._scale = Y, mean, scale
        self.shape = Y.shape

    def __len__(self):
        return len(self._Y)

    def __getitem__(self, rows):
        """The targets of a slice ``rows`` of the rows, without copying."""
        return StandardizedTargets(self._Y[rows], self._mean, self._scale)

    def take(self, rows):
        """The standardised targets of ``rows`` (1-D int64 tensor), float32 tensor."""
        index = rows.numpy()
        if isinstance(self._Y, FramedTargets):
            values = self._Y.take(index)
        else:
            values = np.asarray(self._Y[index], dtype=np.float64)
        standardized = ((values - self._mean) / self._scale).astype(np.float32)
        return torch.from_numpy(standardized)


def _mean(Y, weights=None):
    """``Y.mean(axis=0)`` (or ``np.average`` with ``weights``), a block at a time.

    The same operations as numpy's: one block gives its result bit for bit.
    """
    total = np.zeros(Y.shape[1])
    for start, rows in _blocks(Y):
        if weights is None:
            total += rows.sum(axis=0)
        else:
            total += (rows * weights[start : start + len(rows), None]).sum(axis=0)
    return total / (len(Y) if weights is None else weights.sum())


def _std(Y, mean, weights=None):
    """``Y.std(axis=0)`` around ``mean`` (weighted with ``weights``), by blocks.

    Without numpy's temporary copy of ``Y``; one block gives numpy's
    result bit for bit.
    """
    squares = np.zeros(Y.shape[1])
    for start, rows in _blocks(Y):
        deviation = rows - mean
        np.multiply(deviation, deviation, out=deviation)
        if weights is not None:
            deviation *= weights[start : start + len(rows), None]
        squares += deviation.sum(axis=0)
    return np.sqrt(squares / (len(Y) if weights is None else weights.sum()))


def _check_range(Y):
    """check_float32_range of every block of framed targets."""
    for _, rows in _blocks(Y):
        check_float32_range(rows, "y")


class RegressionTargetMixin:
    """LSTMRegressor's targets: their scaling (``normalize_y``), the loss and the head.

    Mixed into :class:`~sklstm.LSTMRegressor`.
    """

    def _encode_target(self, y, continuing, sample_weight=None):
        if isinstance(y, FramedTargets):  # y in its frame, made a block at a time
            Y = y
            _check_range(Y)
        else:
            check_float32_range(y, "y")
            check_numeric_y(y)
            Y = np.asarray(y).reshape(len(y), -1)  # float64 a block at a time
        if continuing and (y.ndim, Y.shape[1]) != (self._y_ndim, self.n_outputs_):
            raise ValueError(
                f"y has shape {y.shape}, but LSTMRegressor was fitted on "
                f"{self.n_outputs_} target(s) of {self._y_ndim} dimension(s); a "
                "continued fit (warm_start or partial_fit) needs the same targets."
            )
        if not continuing:
            self._y_ndim, self.n_outputs_ = y.ndim, Y.shape[1]
            self._set_target_scale(Y, sample_weight)
        targets = StandardizedTargets(Y, self.y_mean_, self.y_scale_)
        return targets, self._module_output_size(), self._criterion_params()

    def _module_output_size(self):
        return self.n_outputs_ * self._criterion()[1]

    def _criterion_params(self):
        return self._criterion()[0]

    def _set_target_scale(self, Y, sample_weight=None):
        self.y_mean_ = np.zeros(Y.shape[1])
        self.y_scale_ = np.ones(Y.shape[1])
        if self.normalize_y:
            # frequencies: a weight of 2 counts a row twice
            self.y_mean_ = _mean(Y, sample_weight)
            scale = _std(Y, self.y_mean_, sample_weight)
            self.y_scale_ = np.where(scale > 0, scale, 1.0)  # constant targets

    def _criterion(self):
        """The skorch criterion parameters and the raw outputs per target."""
        loss = REGRESSION_LOSSES[_DEPRECATED_LOSSES.get(self.loss, self.loss)]
        accepted = inspect.signature(loss.criterion).parameters
        params = {"criterion": loss.criterion}
        if "n_targets" in accepted:
            params["criterion__n_targets"] = self.n_outputs_
        outputs_per_target = loss.outputs_per_target
        if outputs_per_target is None or "quantiles" in accepted:
            levels = self._quantile_levels()
            outputs_per_target = outputs_per_target or len(levels)
            if "quantiles" in accepted:
                params["criterion__quantiles"] = levels
        return params, outputs_per_target

    def _quantile_levels(self):
        levels = np.asarray(self.quantiles, dtype=float)
        valid = (
            levels.ndim == 1
            and all(isinstance(level, Real) for level in self.quantiles)
            and np.all((levels > 0) & (levels < 1))
            and np.all(np.diff(levels) > 0)
            and 0.5 in levels
        )
        if not valid:
            raise ValueError(
                "quantiles must be increasing levels in (0, 1) that include 0.5 "
                f"(the median predict returns); got {self.quantiles!r}."
            )
        return tuple(levels)

    def _make_head(self, output_names=None):
        loss = _DEPRECATED_LOSSES.get(self.loss, self.loss)
        frame = self._frame()
        quantiles = None
        if REGRESSION_LOSSES[loss].outputs_per_target is None:
            quantiles = self._quantile_levels()
        return RegressionHead(
            loss,
            self.n_outputs_,
            self.y_mean_,
            self.y_scale_,
            quantiles=quantiles,
            squeeze=self._y_ndim == 1,
            output_names=output_names,
            frame=None if frame is None else (frame.slope, frame.intercept, frame.log),
            calibration=getattr(self, "_interval_calibration", None),
        )
