"""Starting values of the level handling of :class:`~sklstm.nn._modules.RecurrentNet`.

The network standardises its input, reads windows relative to their last
step, and adds a linear autoregression (the highway) to its output. The
statistics and the highway's least-squares weights come from the training
windows, computed here in float64 a chunk of rows at a time, so that memory
stays proportional to one chunk however many windows there are.

Sample weights count as frequencies: every sum, count and the ridge's row
count is weighted, so that a weight of 2 gives the statistics and weights of
the row repeated, and a weight of 0 those of the row left out.
"""

import numpy as np
import torch

from ..nn._layers import steps_mask
from ._phases import fit_phase_templates
from ._ridge import framed_weights

__all__ = ["init_level_module"]

# Values (rows x steps x features) per chunk: a chunk's float64 copies and
# design matrix stay a few MB each (measured: 4096 windows of 128 steps x 4
# features, a fixed chunk of rows, peaked at 170 MB).
_CHUNK_VALUES = 2**19
# Ridge penalty per training row on the standardised lags: small enough to
# leave a well-posed least-squares fit unchanged, large enough to make the
# nearly collinear lags of a smooth series solvable.
_RIDGE = 1e-4


def _chunks(dataset):
    """``(X, lengths, y, weight)`` in float64, a chunk of rows at a time.

    ``lengths`` is None for windows of one length; otherwise ``X`` pads
    sequences of different lengths after their ends. ``weight`` holds the
    rows' sample weights (ones without).
    """
    chunk_rows = max(1, _CHUNK_VALUES // int(np.prod(dataset.X.shape[1:])))
    for start in range(0, len(dataset), chunk_rows):
        rows = torch.arange(start, min(start + chunk_rows, len(dataset)))
        X, y = dataset.batch(rows)
        X, lengths = (X["X"], X["lengths"]) if isinstance(X, dict) else (X, None)
        y = y.to(torch.float64).reshape(len(rows), -1)
        yield X.to(torch.float64), lengths, y, dataset.weights(rows)


def _total_weight(dataset):
    """The rows' weights summed: the number of rows without weights."""
    if dataset.sample_weight is None:
        return len(dataset)
    return float(dataset.weights(torch.arange(len(dataset))).sum())


def _input_moments(dataset, n_features):
    """Per-feature mean and std of the steps, and root mean square of the
    steps relative to their window's last step (in the input's units)."""
    total = torch.zeros(n_features, dtype=torch.float64)
    squares = torch.zeros(n_features, dtype=torch.float64)
    relative_squares = torch.zeros(n_features, dtype=torch.float64)
    count = relative_count = 0
    for X, lengths, _, weight in _chunks(dataset):
        n_real = torch.full((len(X),), X.shape[1]) if lengths is None else lengths
        rows = torch.arange(len(X))
        real = steps_mask(n_real, X.shape[1])
        before_last = steps_mask(n_real - 1, X.shape[1])
        step_weight = weight.unsqueeze(1).expand(-1, X.shape[1])
        flat, flat_weight = X[real], step_weight[real].unsqueeze(1)
        total += (flat * flat_weight).sum(dim=0)
        squares += (flat * flat * flat_weight).sum(dim=0)
        count += flat_weight.sum()
        relative = (X - X[rows, n_real - 1].unsqueeze(1))[before_last]
        relative_weight = step_weight[before_last].unsqueeze(1)
        relative_squares += (relative * relative * relative_weight).sum(dim=0)
        relative_count += relative_weight.sum()
    mean = total / count
    std = _positive(squares / count - mean * mean)
    return mean, std, relative_squares / max(float(relative_count), 1.0)


def _level_moments(module, dataset):
    """Mean and std of the windows' levels (:meth:`RecurrentNet.window_level`)."""
    total = squares = count = 0.0
    for X, _, _, weight in _chunks(dataset):
        level = module.window_level(X)
        total += float((level * weight).sum())
        squares += float((level * level * weight).sum())
        count += float(weight.sum())
    mean = total / count
    std = _positive(torch.tensor(squares / count - mean * mean, dtype=torch.float64))
    return torch.tensor([mean, float(std)])


def _design(module, X, lengths):
    """The highway's input and an intercept column."""
    lags = module.level_inputs(X, lengths)[0]
    return torch.cat([lags, torch.ones(len(lags), 1, dtype=lags.dtype)], dim=1)


@torch.no_grad()
def init_level_module(module, dataset, season=1, target_scale=None, target_mean=None):
    """Set ``module``'s input statistics and least-squares highway from ``dataset``.

    Parameters
    ----------
    module : RecurrentNet
        A network built with ``level`` set.
    dataset : SequenceDataset
        The training windows ``(n, n_steps, n_features)`` and the targets as
        the network is trained on them.
    season : int, default=1
        Steps per season of a framed target (see :mod:`sklstm._estimators._frame`): its
        ridge autoregression is then the mean of one shrunk towards the
        random walk and one shrunk towards the seasonal random walk.
    target_scale : array-like of shape (n_targets,), default=None
        The standard deviations that standardised the (framed) targets.
    target_mean : array-like of shape (n_targets,), default=None
        The means that standardised them. With both, the direct targets of
        a window of the target alone (column ``j`` ``j + 1`` steps ahead)
        are forecast by the mean of their own ridge autoregression and the
        first target's, iterated ``j`` times (see
        :func:`~sklstm._estimators._ridge.iterated_weights`).
    """
    shift, scale, relative_squares = _input_moments(dataset, module.input_shift.numel())
    module.input_shift.copy_(shift)
    module.input_scale.copy_(scale)
    # Relative steps in standardised units: the shift cancels, the scale not.
    module.relative_scale.copy_(_positive(relative_squares) / scale)

    n_phases = getattr(module, "n_phases", 0)
    if n_phases:
        fit_phase_templates(module, dataset)
    if getattr(module, "absolute_level", False):
        module.level_moments.copy_(_level_moments(module, dataset))
    n_inputs = module.highway.in_features + 1  # and an intercept
    gram = torch.zeros(n_inputs, n_inputs, dtype=torch.float64)
    cross = torch.zeros(n_inputs, module.highway.out_features, dtype=torch.float64)
    target_squares = torch.zeros(module.highway.out_features, dtype=torch.float64)
    for X, lengths, y, weight in _chunks(dataset):
        design = _design(module, X, lengths)
        weighted = design * weight.unsqueeze(1)
        gram += weighted.T @ design
        cross += weighted.T @ y
        target_squares += (y * y * weight.unsqueeze(1)).sum(dim=0)
    n_rows = _total_weight(dataset)
    if getattr(module, "target_column", None) is not None:
        weights = framed_weights(
            module,
            gram,
            cross,
            target_squares,
            n_rows,
            season,
            target_scale,
            target_mean,
        )
    else:
        penalty = torch.full((n_inputs,), _RIDGE * n_rows, dtype=torch.float64)
        penalty[-1] = 0.0  # the intercept is not shrunk
        weights = torch.linalg.solve(gram + torch.diag(penalty), cross)
    residual_squares = torch.zeros(weights.shape[1], dtype=torch.float64)
    for X, lengths, y, weight in _chunks(dataset):
        residual = y - _design(module, X, lengths) @ weights
        residual_squares += (residual**2 * weight.unsqueeze(1)).sum(dim=0)

    module.highway.weight.copy_(weights[:-1].T)
    module.highway.bias.copy_(weights[-1])
    # The recurrent part predicts what the highway misses, in units of the
    # highway's residual (outputs of order one whatever that error), and
    # starts at zero, so that training starts from the linear forecast.
    module.output_scale.fill_(1.0)
    module.output_scale[:: module.outputs_per_target] = _positive(
        residual_squares / n_rows
    )
    module.head.weight.zero_()
    module.head.bias.zero_()


def _positive(mean_square):
    """Root of a mean square, with 1 where it is 0 (a constant input)."""
    root = mean_square.clamp(min=0).sqrt()
    return torch.where(root > 0, root, torch.ones_like(root))
