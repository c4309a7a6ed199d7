"""Conformal calibration of the interval heads on the validation rows.

A Gaussian or quantile head trained by likelihood or pinball loss on a few
hundred windows is overconfident out of sample: its 90 % band covered 77-82 %
of one-step forecasts on real series (issue measurements). When training
holds out its most recent rows (early stopping), those rows calibrate the
head afterwards, in the standardised units it is trained in:

- ``loss="quantile"``: each quantile's distance from the median is
  multiplied by a factor: for a pair of levels ``(p, 1 - p)``, the
  empirical quantile at ``1 - 2p`` of how far beyond either of the two each
  validation target lies, in units of its distance from the median (a
  scaled, two-sided form of conformalized quantile regression, Romano,
  Patterson and Candès 2019); for a level without its pair, the same at
  its own level, one tail only;
- ``loss="gaussian"``: the standard deviation is multiplied so that the
  validation rows' standardised errors cover the central 90 %.

For a forecast in its frame, errors are first divided by each window's
volatility (its mean absolute step relative to the series'), as the head
multiplies its spread by it.

Finite-sample corrections follow split conformal prediction: the empirical
quantile of ``n`` scores is taken at level ``ceil((n + 1) p) / n``, capped at
the largest score. numpy and torch only.
"""

import numpy as np
import torch
from scipy.stats import norm

from ..nn._losses import gaussian_mean_var, monotone_quantiles
from ._data import eval_batches
from ._inference import call_module

__all__ = ["CALIBRATED_COVERAGE", "calibrate_intervals"]

# The central coverage a Gaussian head's standard deviation is calibrated for.
CALIBRATED_COVERAGE = 0.9


def _conformal_quantile(scores, level):
    """Split-conformal quantile of ``scores`` along axis 0 at ``level``."""
    n = len(scores)
    rank = min(int(np.ceil((n + 1) * level)), n)
    return np.sort(scores, axis=0)[max(rank, 1) - 1]


@torch.no_grad()
def _raw_outputs(module, dataset, batch_size):
    """The network's raw outputs, targets and volatilities over ``dataset``.

    The volatility (see :func:`~sklstm.nn._framing.frame_series`) widens each
    row's interval; 1 without a frame. Computed a batch of rows at a time.
    """
    device = next(module.parameters()).device
    framed = getattr(module, "target_column", None) is not None
    raw, targets, volatility = [], [], []
    for X, target in eval_batches(dataset, batch_size, device):
        # (y, weight) when fit was weighted: calibration reads rows, not weights.
        y = target[0] if isinstance(target, tuple) else target
        raw.append(call_module(module, X).double().cpu())
        targets.append(y.double().reshape(len(y), -1).cpu())
        if framed:
            volatility.append(module.target_location_scale(X)[2].double().cpu())
    y = torch.cat(targets)
    volatility = torch.cat(volatility) if framed else torch.ones(len(y)).double()
    return torch.cat(raw), y, volatility[:, None]


def calibrate_intervals(
    module, dataset, loss, n_targets, quantiles=None, batch_size=4096
):
    """Calibration of an interval head from held-out rows.

    Parameters
    ----------
    module : torch.nn.Module
        The trained network, in eval mode.
    dataset : SequenceDataset
        The held-out rows, with targets in the network's standardised units.
    loss : {"gaussian", "quantile"}
    n_targets : int
    quantiles : tuple of float, for ``loss="quantile"``
    batch_size : int, default=4096
        Rows the network reads at a time.

    Returns
    -------
    dict
        ``{"std_factor": (n_targets,)}`` or ``{"quantile_factor": (n_targets,
        n_quantiles)}``; empty with fewer than 2 rows.
    """
    if len(dataset) < 2:
        return {}
    raw, y, volatility = _raw_outputs(module, dataset, batch_size)
    if loss == "gaussian":
        mean, var = gaussian_mean_var(raw, n_targets)
        scores = ((y - mean).abs() / (var.sqrt() * volatility)).numpy()
        level = _conformal_quantile(scores, CALIBRATED_COVERAGE)
        z = norm.ppf(0.5 + CALIBRATED_COVERAGE / 2)
        return {"std_factor": level / z}
    predicted = monotone_quantiles(raw, n_targets)
    median = predicted[..., [list(quantiles).index(0.5)]]
    # How far each row's target lies from the median, in units of the head's
    # distance from the median to each quantile (per unit of volatility).
    offsets = predicted - median  # the median's own is 0: its ratio is unused
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = ((y.unsqueeze(-1) - median) / volatility.unsqueeze(-1)) / offsets
    ratios = ratios.numpy()
    factor = np.ones(predicted.shape[1:])
    levels = list(quantiles)
    for j, level in enumerate(levels):
        if level >= 0.5:
            continue  # the median stays the network's; upper ones with their pair
        pair = [k for k, other in enumerate(levels) if abs(other - (1 - level)) < 1e-9]
        if pair:
            # A central band: both tails' rows decide one factor for it, as
            # the Gaussian head's two-sided score does (twice the rows a tail).
            beyond = np.maximum(ratios[..., j], ratios[..., pair[0]])
            both = np.maximum(_conformal_quantile(beyond, 1 - 2 * level), 0.0)
            factor[:, j] = factor[:, pair[0]] = both
        else:
            factor[:, j] = np.maximum(_conformal_quantile(ratios[..., j], 1 - level), 0)
    for j, level in enumerate(levels):
        if level > 0.5 and not any(abs(o - (1 - level)) < 1e-9 for o in levels):
            factor[:, j] = np.maximum(_conformal_quantile(ratios[..., j], level), 0.0)
    return {"quantile_factor": factor}
