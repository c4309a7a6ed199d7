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
    return {"prediction": head.location(mean), "std": head.spread(torch.sqrt(var))}


def _quantile(head, raw):
    quantiles = head.location(monotone_quantiles(raw, head.n_outputs))
    return {"prediction": quantiles[..., head.median], "quantiles": quantiles}


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

    def _outputs(self, raw):
        raise NotImplementedError

    def forward(self, raw):
        outputs = self._outputs(raw)
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

    Shape
    -----
    - Input: ``(batch, n_outputs * k)`` with ``k`` raw outputs per target.
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
    ):
        super().__init__(REGRESSION_LOSSES[loss].output_names, output_names)
        self.loss = loss
        self.n_outputs = n_outputs
        self.squeeze = squeeze
        self.median = 0 if quantiles is None else list(quantiles).index(0.5)
        for name, values in (("y_mean", y_mean), ("y_scale", y_scale)):
            tensor = torch.as_tensor(values, dtype=torch.float64)
            self.register_buffer(name, tensor.broadcast_to((n_outputs,)).clone())

    def location(self, values):
        """Standardised values ``(batch, n_outputs[, k])`` to ``y`` units."""
        if values.dim() == 3:
            return values * self.y_scale[:, None] + self.y_mean[:, None]
        return values * self.y_scale + self.y_mean

    def spread(self, values):
        """A standardised spread ``(batch, n_outputs)`` (a std) to ``y`` units."""
        return values * self.y_scale

    def _outputs(self, raw):
        outputs = REGRESSION_LOSSES[self.loss].outputs(self, raw)
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

    def _outputs(self, raw):
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
        outputs = self.head(raw)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return outputs if weights is None else (*outputs, weights)
