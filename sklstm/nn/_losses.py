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

    Shape
    -----
    - Input: ``(batch, n_targets * 2)`` raw outputs and target ``(batch, n_targets)``.
    - Output: scalar.
    """

    def __init__(self, n_targets):
        super().__init__()
        self.n_targets = n_targets

    def forward(self, raw, y):
        mean, var = gaussian_mean_var(raw, self.n_targets)
        return F.gaussian_nll_loss(mean, y, var)


class PinballLoss(nn.Module):
    """Mean pinball (quantile) loss over targets and quantiles.

    Parameters
    ----------
    quantiles : sequence of float
        Increasing quantile levels in (0, 1).
    n_targets : int
        Number of targets.

    Shape
    -----
    - Input: ``(batch, n_targets * len(quantiles))`` raw outputs and target
      ``(batch, n_targets)``.
    - Output: scalar.
    """

    def __init__(self, quantiles, n_targets):
        super().__init__()
        self.n_targets = n_targets
        self.register_buffer("levels", torch.as_tensor(quantiles, dtype=torch.float32))

    def forward(self, raw, y):
        predicted = monotone_quantiles(raw, self.n_targets)
        error = y.unsqueeze(-1) - predicted
        return torch.maximum(self.levels * error, (self.levels - 1) * error).mean()
