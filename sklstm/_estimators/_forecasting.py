"""LSTMRegressor's forecasting core: the target's frame, the ridge start,
and what is decided on the validation rows after training."""

import math

import numpy as np
import torch

from ._calibration import calibrate_intervals
from ._data import eval_batches
from ._frame import FramedTargets, TargetFrame, constant_windows, find_target_frame
from ._level import init_level_module
from ._net import set_mode
from ._splits import TailSplit

__all__ = ["LR_DOC", "ForecastingMixin", "check_numeric_y"]

# Names of version 0.1, deprecated in 0.2 for scikit-learn's vocabulary.
_DEPRECATED_LOSSES = {"mse": "squared_error", "mae": "absolute_error"}
# lr="auto": in the frame of one series the recurrent part learns what the
# ridge autoregression misses from a few hundred windows, about ten updates
# an epoch, and early stopping ends it after ten epochs without progress: at
# 1e-3 it never moved (switched off on all 46 series of bench_accuracy.py and
# bench_heldout.py); at 1e-2 it lowered sunspots' one-step RMSE by 18 % (seed
# 0) and sunspotarea's by 10 % (seed 1); at 3e-3 and 2e-2 the geometric
# means were no better than the ridge alone. Panels at mixed scales (windows
# scaled one by one) have thousands of windows: 1e-2 moved
# the macro panel's mean MASE by -3 % and +5 % (seeds 0, 1), so they keep 1e-3.
_FRAMED_LR = 1e-2
_LR = 1e-3
# The validation rows are compared in at most this many blocks of
# consecutive rows (one row each when there are fewer).
_MAX_BLOCKS = 64

LR_DOC = """\
    lr : float or "auto", default="auto"
        Learning rate of the optimizer. ``"auto"``: 1e-2 when the target is
        forecast in its frame (``level="auto"`` found the series in ``X``)
        at one scale, where the recurrent part learns what the ridge
        autoregression misses and is kept only if it lowers the loss on the
        validation rows; 1e-3 otherwise (panels of series at mixed scales
        included).

        .. versionchanged:: 0.2
           Default ``"auto"`` (was 1e-3).
"""


class ForecastingMixin:
    """The hooks of :class:`~sklstm._estimators._base.BaseLSTM` that forecasting uses.

    With ``level="auto"`` and a target that is the next value of a column of
    ``X``, the target is modelled in its frame (``_frame``), the network's
    highway starts at the ridge autoregression (``_init_module``), and after
    training the recurrent part is kept only if it helps on the validation
    rows, where interval heads are calibrated (``_after_training``).
    """

    def _training_settings(self, partial, n_samples=None):
        """The settings as set, with ``lr="auto"`` resolved (see ``LR_DOC``)."""
        settings = super()._training_settings(partial, n_samples)
        if isinstance(settings["lr"], str):  # "auto"
            frame = self._frame()
            one_scale = frame is not None and frame.one_scale
            settings["lr"] = _FRAMED_LR if one_scale else _LR
        return settings

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

    def _frame_weights(self, X, sample_weight):
        """Weight 0 for constant windows when each window is scaled by its steps.

        A window without a step (a series' first row, all edge padding, or a
        constant stretch) has no scale of its own: its target, divided by the
        floor of the scales, is hundreds of times any other and says nothing
        about the next step. Left in (clipped), such rows were 6 % of the M1
        yearly panel's and most of its squared error: the ridge shrank to
        zero and forecast the last value (sMAPE 22.1, the naive 22.4);
        without them 17.7 (``bench_accuracy.py``, the linear core). The
        user's weights are multiplied, never modified. Where every window is
        constant, the weights stay as they are.
        """
        frame = self._frame()
        if frame is None or not frame.per_window:
            return sample_weight
        flat = constant_windows(X, frame.column)
        if not flat.any() or flat.all():
            return sample_weight
        weights = np.ones(len(X)) if sample_weight is None else sample_weight.copy()
        weights[flat] = 0.0
        return weights

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
            if frame.absolute_level:
                params["absolute_level"] = True
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
    but never that start. The recurrent part stays only if it lowers the loss
    by more than one standard error of the difference, over blocks of
    consecutive validation rows (the one-standard-error rule): kept whenever
    it was lower at all, it cost 20 % on sunspot_month and 17 % on qcement,
    where a few validation rows favoured it by chance; with the rule the
    geometric mean one-step RMSE / AutoARIMA of the default went from 1.003
    (the ridge alone) to 0.994 on 29 series and from 0.998 to 0.997 on 17
    held-out ones, and no series lost more than 1.2 %.
    """
    module = net.module_
    block = max(1, min(batch_size, math.ceil(len(valid) / _MAX_BLOCKS)))
    trained, weights = _block_losses(net, valid, block)
    saved = [tensor.clone() for tensor in (module.head.weight, module.head.bias)]
    module.head.weight.zero_()
    module.head.bias.zero_()
    gain = _block_losses(net, valid, block)[0] - trained
    if _significant(gain, weights):
        module.head.weight.copy_(saved[0])
        module.head.bias.copy_(saved[1])


def _significant(gain, weights):
    """Whether the weighted mean of ``gain`` exceeds its standard error."""
    gain, weights = gain[weights > 0], weights[weights > 0]
    if len(gain) < 2:
        return False
    mean = np.average(gain, weights=weights)
    variance = np.average((gain - mean) ** 2, weights=weights) * len(gain)
    effective = weights.sum() ** 2 / (weights**2).sum()
    return bool(mean > math.sqrt(variance / (len(gain) - 1) / effective))


def _block_losses(net, valid, block):
    """The loss's mean over each ``block`` rows of ``valid``, and their weights.

    Weighted as fit was: a block's weight is its rows' (or their weights')
    total. Memory stays that of a block however many rows are held out.
    """
    losses, weights = [], []
    for X, y in eval_batches(valid, block, net.device):
        # (y, weight) when fit was weighted: get_loss gives the block's
        # weighted mean.
        weight = float(y[1].sum()) if isinstance(y, tuple) else len(y)
        losses.append(float(net.get_loss(net.module_(X), y)) if weight > 0 else 0.0)
        weights.append(weight)
    return np.asarray(losses), np.asarray(weights)


def check_numeric_y(y):
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"LSTMRegressor needs a numeric y; got dtype {y.dtype}. "
            "For labels, use LSTMClassifier."
        )
