"""Distributional losses: how raw network outputs become means, variances, quantiles.

The module emits ``(batch, n_targets * n_params)`` unconstrained values; the
functions here shape them, the losses train them, and the heads of
``sklstm.nn._heads`` predict with them. Tensors only.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "GaussianNLL",
    "PinballLoss",
    "gaussian_mean_var",
    "monotone_quantiles",
    "weighted_mean_loss",
]

# Keeps variances away from 0, where the likelihood is unbounded.
_MIN_VARIANCE = 1e-6


def gaussian_mean_var(raw, n_targets):
    """Split ``(batch, n_targets * 2)`` into mean and variance, ``(batch, n_targets)``.

    The variance is a softplus of the raw value, which is smooth and stays
    positive without the overflow of an exponential.
    """
    raw = raw.unflatten(1, (n_targets, 2))
    return raw[..., 0], F.softplus(raw[..., 1]) + _MIN_VARIANCE


def monotone_quantiles(raw, n_targets):
    """Raw ``(batch, n_targets * q)`` to increasing quantiles ``(batch, n_targets, q)``.

    The first quantile is free; each next one adds a softplus, so the
    quantiles increase by construction and never cross.
    """
    raw = raw.unflatten(1, (n_targets, -1))
    steps = F.softplus(raw[..., 1:])
    return torch.cat([raw[..., :1], raw[..., :1] + torch.cumsum(steps, dim=-1)], dim=-1)


class GaussianNLL(nn.Module):
    """Gaussian negative log-likelihood of ``y`` under the predicted mean and variance.

    Parameters
    ----------
    n_targets : int
        Number of targets; the input holds a mean and a raw variance for each.
    reduction : {"mean", "none"}, default="mean"
        The mean over the batch and targets, or one loss per row and target
        (what a sample-weighted loss reads), as torch's losses.

    Shape
    -----
    - Input: ``(batch, n_targets * 2)`` raw outputs and target ``(batch, n_targets)``.
    - Output: scalar, or ``(batch, n_targets)`` with ``reduction="none"``.
    """

    def __init__(self, n_targets, reduction="mean"):
        super().__init__()
        self.n_targets = n_targets
        self.reduction = reduction

    def forward(self, raw, y):
        mean, var = gaussian_mean_var(raw, self.n_targets)
        return F.gaussian_nll_loss(mean, y, var, reduction=self.reduction)


class PinballLoss(nn.Module):
    """Mean pinball (quantile) loss over targets and quantiles.

    Parameters
    ----------
    quantiles : sequence of float
        Increasing quantile levels in (0, 1).
    n_targets : int
        Number of targets.
    reduction : {"mean", "none"}, default="mean"
        The mean over everything, or one loss per row, target and quantile.

    Shape
    -----
    - Input: ``(batch, n_targets * len(quantiles))`` raw outputs and target
      ``(batch, n_targets)``.
    - Output: scalar, or ``(batch, n_targets, n_quantiles)`` with
      ``reduction="none"``.
    """

    def __init__(self, quantiles, n_targets, reduction="mean"):
        super().__init__()
        self.n_targets = n_targets
        self.reduction = reduction
        self.register_buffer("levels", torch.as_tensor(quantiles, dtype=torch.float32))

    def forward(self, raw, y):
        predicted = monotone_quantiles(raw, self.n_targets)
        error = y.unsqueeze(-1) - predicted
        loss = torch.maximum(self.levels * error, (self.levels - 1) * error)
        return loss if self.reduction == "none" else loss.mean()


def weighted_mean_loss(criterion, raw, y, weight):
    """``criterion``'s loss with each row weighted: ``sum(w * l) / sum(w)``.

    ``l`` is a row's loss, averaged over its targets (and quantiles), so
    that unit weights give the criterion's own mean. For a classification
    criterion with class weights, ``w`` is the row's weight times its
    class's, which is torch's own normalisation of class weights and
    scikit-learn's product of ``class_weight`` and ``sample_weight``. A
    batch whose weights are all zero has loss 0 (no gradient).

    Parameters
    ----------
    criterion : torch.nn.Module
        A loss with a ``reduction`` attribute (torch's losses, GaussianNLL,
        PinballLoss), set to ``"none"`` for the call.
    raw : torch.Tensor of shape (batch, ...)
        The network's raw outputs.
    y : torch.Tensor of shape (batch, ...)
        The targets.
    weight : torch.Tensor of shape (batch,)
        Non-negative row weights.

    Returns
    -------
    loss : torch.Tensor
        Scalar.
    """
    reduction = criterion.reduction
    criterion.reduction = "none"
    try:
        losses = criterion(raw, y)
    finally:
        criterion.reduction = reduction
    losses = losses.reshape(len(weight), -1).mean(dim=1)
    weight = weight.to(losses.dtype)
    total = weight
    class_weight = getattr(criterion, "weight", None)
    if class_weight is not None:  # already in the losses, not yet in the total
        total = weight * class_weight.to(losses.dtype)[y]
    tiny = torch.finfo(losses.dtype).tiny
    return (weight * losses).sum() / total.sum().clamp(min=tiny)
