"""LSTMRegressor's forecasting core: the target's frame, the ridge start,
and what is decided on the validation rows after training."""

import numpy as np
import torch

from ._calibration import calibrate_intervals
from ._data import TailSplit, eval_batches
from ._frame import FramedTargets, TargetFrame, find_target_frame
from ._level import init_level_module
from ._net import set_mode

__all__ = ["ForecastingMixin", "check_numeric_y"]

# Names of version 0.1, deprecated in 0.2 for scikit-learn's vocabulary.
_DEPRECATED_LOSSES = {"mse": "squared_error", "mae": "absolute_error"}


class ForecastingMixin:
    """The hooks of :class:`~sklstm._estimators._base.BaseLSTM` that forecasting uses.

    With ``level="auto"`` and a target that is the next value of a column of
    ``X``, the target is modelled in its frame (``_frame``), the network's
    highway starts at the ridge autoregression (``_init_module``), and after
    training the recurrent part is kept only if it helps on the validation
    rows, where interval heads are calibrated (``_after_training``).
    """

    def _frame(self):
        """The fitted target frame, or None."""
        frame = getattr(self, "_target_frame", None)
        return None if frame is None else TargetFrame(**frame)

    def _frame_target(self, X, lengths, y, continuing):
        """With ``level="auto"``, ``y`` relative to its series' last value.

        The frame (:mod:`sklstm._estimators._frame`) is found on the first fit
        and kept by continued fits; the targets in it come back as a
        :class:`~sklstm._estimators._frame.FramedTargets`, which encodes the
        rows a block at a time.
        """
        check_numeric_y(y)
        if not continuing:
            frame = None
            if self.level == "auto" and lengths is None and self.module is None:
                if not self._tokens and len(X) >= 8:
                    frame = find_target_frame(X, np.reshape(y, (len(y), -1)))
            self._target_frame = None if frame is None else frame._asdict()
        frame = self._frame()
        if frame is None:
            return y
        return FramedTargets(frame, X, y)

    def _level_params(self):
        if self.level is None or self.module is not None or self._tokens:
            return {}
        params = {
            "level": "last" if self.level == "auto" else self.level,
            "n_steps": self.input_shape_[0],
            "outputs_per_target": self._criterion()[1],
        }
        frame = self._frame()
        if frame is not None:
            params.update(level="ar", **frame.module_params())
            if frame.phases:
                params["n_phases"] = frame.phases
        return params

    def _init_module(self, module, dataset):
        """Standardise the input and start the highway at the least-squares fit.

        Statistics come from the rows the network trains on (not the
        validation rows of early stopping). Starting from the linear
        autoregression, with the recurrent head at zero, training begins at
        the linear forecast and learns what it misses.

        A framed target's ridge autoregression, which training does not move,
        is fitted on every row: the validation rows are the latest of a
        series, and leaving them out of the linear part cost 2 % in geometric
        mean RMSE on short seasonal series (``bench_accuracy.py``).
        """
        if getattr(module, "level", None) is None:
            return
        frame = self._frame()
        if frame is None:
            if self._stops_early():
                n_valid = TailSplit(self.validation_fraction).n_valid(len(dataset))
                dataset = dataset.split(len(dataset) - n_valid)[0]
            init_level_module(module, dataset)
            return
        init_level_module(module, dataset, frame.season, self.y_scale_, self.y_mean_)

    def _after_training(self, net, dataset, partial):
        """Check the recurrent part and calibrate the head on the validation rows.

        A partial fit (no validation rows) keeps what the last fit decided.
        """
        if partial or not self._stops_early():
            if not partial:
                self._interval_calibration = None
            return
        n_valid = TailSplit(self.validation_fraction).n_valid(len(dataset))
        valid = dataset.split(len(dataset) - n_valid)[1]
        set_mode(net.module_, training=False)
        if self._frame() is not None:
            _keep_if_better(net, valid, self._eval_batch_size(self.input_shape_[0]))
        self._calibrate(net, valid)

    def _calibrate(self, net, valid):
        """Conformal calibration of an interval head (see ``_calibration``)."""
        self._interval_calibration = None
        loss = _DEPRECATED_LOSSES.get(self.loss, self.loss)
        if loss not in ("gaussian", "quantile"):
            return
        quantiles = self._quantile_levels() if loss == "quantile" else None
        calibration = calibrate_intervals(
            net.module_,
            valid,
            loss,
            self.n_outputs_,
            quantiles,
            batch_size=self._eval_batch_size(self.input_shape_[0]),
        )
        self._interval_calibration = {
            name: np.asarray(values, dtype=np.float64).tolist()
            for name, values in calibration.items()
        }


@torch.no_grad()
def _keep_if_better(net, valid, batch_size):
    """Switch the recurrent part off unless it lowers the validation loss.

    In a target's frame the network's output is the ridge autoregression plus
    the recurrent head's; with the head at zero it is the autoregression alone,
    where training started. Early stopping picks the best epoch of training
    but never that start: on short series, where a few validation rows decide,
    the recurrent part otherwise added noise (measured on 19 real series,
    ``benchmarks/bench_accuracy.py``).
    """
    module = net.module_
    trained = _validation_loss(net, valid, batch_size)
    saved = [tensor.clone() for tensor in (module.head.weight, module.head.bias)]
    module.head.weight.zero_()
    module.head.bias.zero_()
    if _validation_loss(net, valid, batch_size) > trained:
        module.head.weight.copy_(saved[0])
        module.head.bias.copy_(saved[1])


def _validation_loss(net, valid, batch_size):
    """The loss's mean over ``valid`` (weighted if fit was), a batch at a time.

    Each batch's mean weighs by its rows (or their weights);
    memory stays that of a batch however many rows are held out.
    """
    total = rows = 0.0
    for X, y in eval_batches(valid, batch_size, net.device):
        # (y, weight) when fit was weighted: get_loss gives the batch's
        # weighted mean, which then counts by the batch's total weight.
        weight = float(y[1].sum()) if isinstance(y, tuple) else len(y)
        total += float(net.get_loss(net.module_(X), y)) * weight
        rows += weight
    return total / rows if rows > 0 else 0.0


def check_numeric_y(y):
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"LSTMRegressor needs a numeric y; got dtype {y.dtype}. "
            "For labels, use LSTMClassifier."
        )
