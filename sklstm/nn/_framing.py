"""How the network reads a target series: relative to each window's last value.

The frame of :mod:`sklstm._estimators._frame`, in torch: the estimators find
it from the training data, :class:`~sklstm.nn._modules.RecurrentNet` applies
it to every window it reads.
"""

import torch

__all__ = ["frame_series"]


def frame_series(
    X,
    target_column: int,
    frame_slope: float = 1.0,
    frame_intercept: float = 0.0,
    log_frame: bool = False,
    per_window_scale: bool = False,
    series_scale: float = 1.0,
    scale_floor: float = 1.0,
):
    """The target series in each window, its last value and its scale.

    The frame of :mod:`sklstm._estimators._frame`: the target column of ``X``, in the
    units of ``y`` (``frame_slope * X[..., target_column] + frame_intercept``)
    and their logarithm when ``log_frame``; each window's scale is
    ``series_scale``, or with ``per_window_scale`` the mean absolute step of
    the window counted from its first change (a window that starts with the
    edge padding of a series' first rows is scaled by its real steps), at
    least ``scale_floor``.

    Parameters
    ----------
    X : torch.Tensor of shape (batch, n_steps, n_features)

    Returns
    -------
    values : torch.Tensor of shape (batch, n_steps)
    last, scale, volatility : torch.Tensor of shape (batch,)
        ``volatility`` is the window's own mean absolute step relative to
        ``series_scale`` (in ``[0.1, 10]``; 1 with ``per_window_scale``, where
        ``scale`` is already the window's own): the interval heads widen and
        narrow with it, since a series' errors grow and shrink with its steps.
    """
    values = X[..., target_column]
    if log_frame:
        # Positive in training; a non-positive value later reads as tiny.
        values = torch.log((values * frame_slope + frame_intercept).clamp(min=1e-30))
    last = values[:, -1]
    ones = torch.ones_like(last)
    if values.shape[1] < 2:
        return values, last, ones * series_scale, ones
    steps = (values[:, 1:] - values[:, :-1]).abs()
    started = (torch.cumsum(steps, dim=1) > 0).sum(dim=1).clamp(min=1)
    own = steps.sum(dim=1) / started
    if per_window_scale:
        return values, last, own.clamp(min=scale_floor), ones
    volatility = (own / series_scale).clamp(min=0.1, max=10.0)
    return values, last, ones * series_scale, volatility
