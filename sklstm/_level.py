"""Starting values of the level handling of :class:`~sklstm._modules.RecurrentNet`.

The network standardises its input, reads windows relative to their last
step, and adds a linear autoregression (the highway) to its output. The
statistics and the highway's least-squares weights come from the training
windows, computed here in float64 a chunk of rows at a time, so that memory
stays proportional to one chunk however many windows there are.
"""

import torch

from ._modules import steps_mask

__all__ = ["init_level_module"]

_CHUNK_ROWS = 4096
# Ridge penalty per training row on the standardised lags: small enough to
# leave a well-posed least-squares fit unchanged, large enough to make the
# nearly collinear lags of a smooth series solvable.
_RIDGE = 1e-4


def _chunks(dataset):
    """``(X, lengths, y)`` in float64, a chunk of rows at a time.

    ``lengths`` is None for windows of one length; otherwise ``X`` pads
    sequences of different lengths after their ends.
    """
    for start in range(0, len(dataset), _CHUNK_ROWS):
        rows = torch.arange(start, min(start + _CHUNK_ROWS, len(dataset)))
        X, y = dataset.batch(rows)
        X, lengths = (X["X"], X["lengths"]) if isinstance(X, dict) else (X, None)
        yield X.to(torch.float64), lengths, y.to(torch.float64).reshape(len(rows), -1)


def _input_moments(dataset, n_features):
    """Per-feature mean and std of the steps, and root mean square of the
    steps relative to their window's last step (in the input's units)."""
    total = torch.zeros(n_features, dtype=torch.float64)
    squares = torch.zeros(n_features, dtype=torch.float64)
    relative_squares = torch.zeros(n_features, dtype=torch.float64)
    count = relative_count = 0
    for X, lengths, _ in _chunks(dataset):
        n_real = torch.full((len(X),), X.shape[1]) if lengths is None else lengths
        rows = torch.arange(len(X))
        real = steps_mask(n_real, X.shape[1])
        before_last = steps_mask(n_real - 1, X.shape[1])
        flat = X[real]
        total += flat.sum(dim=0)
        squares += (flat * flat).sum(dim=0)
        count += len(flat)
        relative = (X - X[rows, n_real - 1].unsqueeze(1))[before_last]
        relative_squares += (relative * relative).sum(dim=0)
        relative_count += len(relative)
    mean = total / count
    std = _positive(squares / count - mean * mean)
    return mean, std, relative_squares / max(relative_count, 1)


def _design(module, X, lengths):
    """The highway's input and an intercept column."""
    lags = module.level_inputs(X, lengths)[0]
    return torch.cat([lags, torch.ones(len(lags), 1, dtype=lags.dtype)], dim=1)


@torch.no_grad()
def init_level_module(module, dataset):
    """Set ``module``'s input statistics and least-squares highway from ``dataset``.

    Parameters
    ----------
    module : RecurrentNet
        A network built with ``level`` set.
    dataset : SequenceDataset
        The training windows ``(n, n_steps, n_features)`` and the targets as
        the network is trained on them.
    """
    shift, scale, relative_squares = _input_moments(dataset, module.input_shift.numel())
    module.input_shift.copy_(shift)
    module.input_scale.copy_(scale)
    # Relative steps in standardised units: the shift cancels, the scale not.
    module.relative_scale.copy_(_positive(relative_squares) / scale)

    n_inputs = module.highway.in_features + 1  # and an intercept
    gram = torch.zeros(n_inputs, n_inputs, dtype=torch.float64)
    cross = torch.zeros(n_inputs, module.highway.out_features, dtype=torch.float64)
    for X, lengths, y in _chunks(dataset):
        design = _design(module, X, lengths)
        gram += design.T @ design
        cross += design.T @ y
    penalty = torch.full((n_inputs,), _RIDGE * len(dataset), dtype=torch.float64)
    penalty[-1] = 0.0  # the intercept is not shrunk
    weights = torch.linalg.solve(gram + torch.diag(penalty), cross)
    residual_squares = torch.zeros(weights.shape[1], dtype=torch.float64)
    for X, lengths, y in _chunks(dataset):
        residual = y - _design(module, X, lengths) @ weights
        residual_squares += (residual**2).sum(dim=0)

    module.highway.weight.copy_(weights[:-1].T)
    module.highway.bias.copy_(weights[-1])
    # The recurrent part predicts what the highway misses, in units of the
    # highway's residual (outputs of order one whatever that error), and
    # starts at zero, so that training starts from the linear forecast.
    module.output_scale.fill_(1.0)
    module.output_scale[:: module.outputs_per_target] = _positive(
        residual_squares / len(dataset)
    )
    module.head.weight.zero_()
    module.head.bias.zero_()


def _positive(mean_square):
    """Root of a mean square, with 1 where it is 0 (a constant input)."""
    root = mean_square.clamp(min=0).sqrt()
    return torch.where(root > 0, root, torch.ones_like(root))
