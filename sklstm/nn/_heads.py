"""Output heads: the network's raw outputs to everything an estimator returns.

A head is the one place where raw outputs become predictions. The estimators
run it for ``predict`` (with ``return_std`` or ``return_quantiles``),
``predict_quantiles``, ``predict_proba``, ``predict_log_proba`` and
``decision_function``, in float64 behind the float32 network; every exporter
(:func:`~sklstm.prediction_module`, ONNX, TorchScript, ``torch.export``) runs
the same head in float32. Tensors only.

To add a regression loss, add one entry to ``REGRESSION_LOSSES`` below: its
criterion, the raw outputs it needs per target, and the function from raw
outputs to named outputs. Its name then becomes a valid ``loss`` of
:class:`~sklstm.LSTMRegressor`, and an output named ``"std"`` or
``"quantiles"`` serves ``return_std`` or ``return_quantiles`` and the
exports. A new output of a classifier is one entry of
``CLASSIFICATION_OUTPUTS``.
"""

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from ._losses import GaussianNLL, PinballLoss, gaussian_mean_var, monotone_quantiles

__all__ = [
    "CLASSIFICATION_OUTPUTS",
    "REGRESSION_LOSSES",
    "ClassificationHead",
    "NetworkWithHead",
    "RegressionHead",
]


def _point(head, raw):
    return {"prediction": head.location(raw)}


def _gaussian(head, raw):
    mean, var = gaussian_mean_var(raw, head.n_outputs)
    std = torch.sqrt(var)
    if head.calibrated:
        std = std * head.std_factor.to(var.dtype)
    return {"prediction": head.location(mean), "std": head.spread(std)}


def _increasing(values):
    """``values`` made increasing along the last axis (a running maximum).

    A loop over the few quantiles rather than ``torch.cummax``, which the
    ONNX exporter does not support.
    """
    columns = [values[..., 0]]
    for j in range(1, values.shape[-1]):
        columns.append(torch.maximum(columns[-1], values[..., j]))
    return torch.stack(columns, dim=-1)


def _quantile(head, raw):
    quantiles = monotone_quantiles(raw, head.n_outputs)
    if head.calibrated:
        median = quantiles[..., head.median : head.median + 1]
        factor = head.quantile_factor.to(median.dtype)
        quantiles = _increasing(median + (quantiles - median) * factor)
    quantiles = head.location(quantiles)
    return {"prediction": quantiles[..., head.median], "quantiles": quantiles}


def _per_row(values, like):
    """``(batch,)`` values shaped to broadcast against ``like``."""
    return values.to(like.dtype).reshape((-1,) + (1,) * (like.dim() - 1))


class RegressionLoss(NamedTuple):
    """A loss of LSTMRegressor, and what its raw outputs mean."""

    # The training loss; built with n_targets and quantiles where it takes them.
    criterion: type
    # Raw outputs per target; None for one per level of ``quantiles``.
    outputs_per_target: int | None
    # (head, raw) -> {name: tensor in the units of y}, "prediction" first.
    outputs: Callable
    output_names: tuple


REGRESSION_LOSSES = {
    "squared_error": RegressionLoss(nn.MSELoss, 1, _point, ("prediction",)),
    "absolute_error": RegressionLoss(nn.L1Loss, 1, _point, ("prediction",)),
    "huber": RegressionLoss(nn.HuberLoss, 1, _point, ("prediction",)),
    "gaussian": RegressionLoss(GaussianNLL, 2, _gaussian, ("prediction", "std")),
    "quantile": RegressionLoss(
        PinballLoss, None, _quantile, ("prediction", "quantiles")
    ),
}


class _Head(nn.Module):
    """Raw outputs to the tensors named in ``output_names``.

    ``forward`` returns one tensor when one output is named, else a tuple in
    the order of ``output_names`` (as exported graphs name their outputs).
    """

    def __init__(self, all_names, output_names):
        super().__init__()
        output_names = tuple(all_names if output_names is None else output_names)
        unknown = set(output_names) - set(all_names)
        if unknown:
            raise ValueError(
                f"This head computes {all_names}; got the unknown output names "
                f"{sorted(unknown)}."
            )
        self.output_names = output_names

    # Whether the outputs need each window's target location and scale.
    framed = False

    def _outputs(self, raw, rows=None):
        raise NotImplementedError

    def forward(self, raw, rows: tuple[torch.Tensor, torch.Tensor] | None = None):
        outputs = self._outputs(raw, rows)
        selected = tuple(outputs[name] for name in self.output_names)
        return selected[0] if len(selected) == 1 else selected


class RegressionHead(_Head):
    """Raw outputs ``(batch, n_outputs * k)`` to predictions in the units of ``y``.

    Parameters
    ----------
    loss : str
        A key of ``REGRESSION_LOSSES``.
    n_outputs : int
        Number of targets.
    y_mean, y_scale : array-like of shape (n_outputs,)
        The standardisation of the targets, undone here.
    quantiles : tuple of float or None, default=None
        Quantile levels, with 0.5 among them, for ``loss="quantile"``.
    squeeze : bool, default=False
        Drop the target axis (a 1-D ``y`` was fitted).
    output_names : tuple of str or None, default=None
        The outputs to return; None for all that ``loss`` computes.
    calibration : dict or None, default=None
        ``std_factor`` ``(n_outputs,)`` multiplying the standard deviation,
        or ``quantile_factor`` ``(n_outputs, n_quantiles)`` multiplying each
        quantile's distance from the median (see
        :mod:`sklstm._estimators._calibration`).
    frame : tuple or None, default=None
        ``(slope, intercept, log)`` of a target modelled in its frame (see
        :mod:`sklstm._estimators._frame`): the outputs are then relative to each
        window's last target value in units of its scale, both passed as ``rows``, and
        ``y = slope * (last + scale * output) + intercept``, or with ``log``
        ``y = exp(last + scale * output)`` (a standard deviation by the delta
        method, ``y * scale * std``).

    Shape
    -----
    - Input: ``(batch, n_outputs * k)`` with ``k`` raw outputs per target, and
      with a frame ``rows``, the windows' last values and scales ``(batch,)``.
    - Output: ``"prediction"`` ``(batch, n_outputs)``, ``"std"`` the same,
      ``"quantiles"`` ``(batch, n_outputs, n_quantiles)``; without the
      ``n_outputs`` axis when ``squeeze``.
    """

    def __init__(
        self,
        loss,
        n_outputs,
        y_mean,
        y_scale,
        quantiles=None,
        squeeze=False,
        output_names=None,
        frame=None,
        calibration=None,
    ):
        super().__init__(REGRESSION_LOSSES[loss].output_names, output_names)
        self.framed = frame is not None
        if self.framed:
            slope, intercept, self.log_frame = frame
            for name, value in (("frame_slope", slope), ("frame_intercept", intercept)):
                tensor = torch.tensor(float(value), dtype=torch.float64)
                self.register_buffer(name, tensor)
        self.loss = loss
        self.n_outputs = n_outputs
        self.squeeze = squeeze
        self.median = 0 if quantiles is None else list(quantiles).index(0.5)
        for name, values in (("y_mean", y_mean), ("y_scale", y_scale)):
            tensor = torch.as_tensor(values, dtype=torch.float64)
            self.register_buffer(name, tensor.broadcast_to((n_outputs,)).clone())
        self.calibrated = bool(calibration)
        n_quantiles = 1 if quantiles is None else len(quantiles)
        shapes = {
            "std_factor": (n_outputs,),
            "quantile_factor": (n_outputs, n_quantiles),
        }
        for name, values in (calibration or {}).items():
            tensor = torch.as_tensor(values, dtype=torch.float64)
            self.register_buffer(name, tensor.broadcast_to(shapes[name]).clone())

    def location(self, values):
        """Standardised values ``(batch, n_outputs[, k])`` to ``y`` units."""
        if values.dim() == 3:
            return values * self.y_scale[:, None] + self.y_mean[:, None]
        return values * self.y_scale + self.y_mean

    def spread(self, values):
        """A standardised spread ``(batch, n_outputs)`` (a std) to ``y`` units."""
        return values * self.y_scale

    def _unframe(self, values, last, scale, location=None):
        """Values relative to the windows' last target, in scale units, to ``y``.

        With ``location`` (the prediction, in ``y`` units), ``values`` is a
        standard deviation.
        """
        scale, last = _per_row(scale, values), _per_row(last, values)
        if self.log_frame:
            if location is not None:
                return location * scale * values
            return torch.exp(last + scale * values)
        if location is not None:
            return values * scale * self.frame_slope
        return (last + scale * values) * self.frame_slope + self.frame_intercept

    def _outputs(self, raw, rows=None):
        outputs = REGRESSION_LOSSES[self.loss].outputs(self, raw)
        if self.framed:
            last, scale, volatility = rows
            median = outputs["prediction"]
            location = self._unframe(median, last, scale)
            framed = {"prediction": location}
            if "std" in outputs:
                std = outputs["std"] * _per_row(volatility, outputs["std"])
                framed["std"] = self._unframe(std, last, scale, location)
            if "quantiles" in outputs:
                quantiles = outputs["quantiles"]
                centre = median.unsqueeze(-1)
                spread = (quantiles - centre) * _per_row(volatility, quantiles)
                framed["quantiles"] = self._unframe(centre + spread, last, scale)
            outputs = framed
        if self.squeeze:
            outputs = {name: values[:, 0] for name, values in outputs.items()}
        return outputs


def _decision_function(logits):
    # Two classes: the score of the second relative to the first.
    return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits


# Each output of a classifier, computed from the logits only when asked for.
CLASSIFICATION_OUTPUTS = {
    "probabilities": lambda logits: torch.softmax(logits, dim=1),
    "log_probabilities": lambda logits: torch.log_softmax(logits, dim=1),
    "decision_function": _decision_function,
    "logits": lambda logits: logits,
}


class ClassificationHead(_Head):
    """Logits ``(batch, n_classes)`` to class probabilities and scores.

    Parameters
    ----------
    output_names : tuple of str or None, default=None
        The outputs to return, among the keys of ``CLASSIFICATION_OUTPUTS``;
        None for all.
    """

    def __init__(self, output_names=None):
        super().__init__(tuple(CLASSIFICATION_OUTPUTS), output_names)

    def _outputs(self, raw, rows=None):
        return {name: CLASSIFICATION_OUTPUTS[name](raw) for name in self.output_names}


class NetworkWithHead(nn.Module):
    """The fitted network, then its head: what the estimators predict with.

    Parameters
    ----------
    network : torch.nn.Module
        Sequences in, raw outputs out.
    head : RegressionHead or ClassificationHead
        Raw outputs to predictions.
    head_dtype : torch.dtype or None, default=None
        Cast the raw outputs to this dtype before the head (a float32 network
        on a GPU, a float64 head); None leaves them as they are.

    Shape
    -----
    - Input: ``(batch, time, features)`` (or token ids ``(batch, time)``), and
      for sequences of different lengths their ``lengths`` ``(batch,)``,
      passed on to the network only when given.
    - Output: a tuple of the head's outputs, in the order of
      ``head.output_names``; with ``return_attention=True`` followed by the
      attention weights ``(batch, time)``.
    """

    def __init__(self, network, head, head_dtype=None):
        super().__init__()
        self.network = network
        self.head = head
        self.head_dtype = head_dtype

    def forward(self, X, return_attention: bool = False, lengths=None):
        weights = None
        params = {} if lengths is None else {"lengths": lengths}
        if return_attention:
            raw, weights = self.network(X, return_attention=True, **params)
        else:
            raw = self.network(X, **params)
        if self.head_dtype is not None:
            raw = raw.to(self.head_dtype)
        rows = self.network.target_location_scale(X) if self.head.framed else None
        outputs = self.head(raw, rows)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return outputs if weights is None else (*outputs, weights)
