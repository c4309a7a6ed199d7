"""The ridge highway of a framed target, in closed form.

The sums of products of the highway's inputs and targets over the training
windows (``gram``, ``cross``, ``target_squares``, from
:func:`~sklstm._estimators._level.init_level_module`) give ridge
autoregressions with the penalty chosen by generalised cross-validation; the
highway is an equal-weight mean of several of them, and for direct targets
also of the one-step autoregression iterated. float64, torch.
"""

import numpy as np
import torch

__all__ = ["framed_weights", "iterated_weights", "ridge_gcv"]


def framed_weights(
    module, gram, cross, target_squares, n_rows, season, target_scale, target_mean
):
    """The ridge highway of a framed target, from its sums of products.

    An equal-weight combination of ridge autoregressions that read the
    window with and without its absolute level and with and without its
    seasonal phase (where the module has them), each shrunk towards zero
    and towards the seasonal random walk. See
    :func:`~sklstm._estimators._level.init_level_module`;
    ``gram`` and ``cross`` are modified.
    """
    n_inputs = gram.shape[0]
    n_phases = getattr(module, "n_phases", 0)
    # Without an intercept (windows scaled one by one), the forecast is
    # a combination of the window's steps alone, so that it scales with
    # the series; a drift times each window's scale would feed back on
    # itself in a recursive forecast and grow without bound.
    intercept = not module.frame[4]  # per_window_scale
    column = module.target_column
    if not getattr(module, "absolute_level", False):
        # The target's own last value is 0 in its frame: a constant column.
        gram[column, :] = gram[:, column] = 0
        cross[column] = 0
    prior = _seasonal_prior(module, season, target_scale, n_inputs)
    if not intercept:
        prior = None
    # The highway's phase inputs come after the lags, before the intercept.
    phase_rows = slice(n_inputs - 1 - n_phases, n_inputs - 1)
    # Combining rather than choosing: GCV, or a holdout of the training
    # tail, picked the phases or the level where they hurt as often as
    # where they helped (qgas 1.11 -> 1.39 x AutoARIMA with phases chosen
    # by GCV; the holdout choice of four variants 1.007 -> 1.032 in
    # geometric mean). Each variant added to the equal-weight mean improved
    # the geometric mean one-step RMSE / AutoARIMA of the linear core on 29
    # series and on 17 held-out ones (bench_accuracy.py, bench_heldout.py):
    # phases 1.03 -> 1.01 and 1.08 -> 1.01, the level 1.007 -> 1.005 and
    # 1.006 -> 1.002, both priors 1.005 -> 1.003 and 1.002 -> 0.998.
    variants = []
    for level in {False, getattr(module, "absolute_level", False)}:
        for phases in {False, bool(n_phases)}:
            keep = torch.ones(n_inputs, dtype=torch.float64)
            if not level:
                keep[column] = 0
            if not phases:
                keep[phase_rows] = 0
            weights = _prior_ridge(
                gram * keep[:, None] * keep[None, :],
                cross * keep[:, None],
                target_squares,
                n_rows,
                intercept,
                prior,
            )
            variants.append(weights)
            if not level and not phases:
                lag_weights = weights
    weights = sum(variants) / len(variants)
    iterated = iterated_weights(
        module, _without(lag_weights, phase_rows), target_mean, target_scale
    )
    if intercept and iterated is not None:
        # Direct targets: the mean of the direct and the iterated forecast.
        iterated = _with_zeros(iterated, phase_rows)
        weights[:, 1:] = (weights[:, 1:] + iterated[:, 1:]) / 2
    return weights


def _prior_ridge(gram, cross, target_squares, n_rows, intercept, prior):
    """Ridge weights by GCV; with ``prior``, the mean of those shrunk towards
    zero and those shrunk towards ``prior``."""
    weights = ridge_gcv(gram, cross, target_squares, n_rows, intercept)[0]
    if prior is None:
        return weights
    # Ridge towards the prior: fit y - D prior, then add it back.
    shifted = ridge_gcv(
        gram,
        cross - gram @ prior,
        target_squares
        - 2 * (prior * cross).sum(dim=0)
        + (prior * (gram @ prior)).sum(dim=0),
        n_rows,
        intercept,
    )[0]
    return (weights + shifted + prior) / 2


def _without(weights, rows):
    """``weights`` without ``rows`` (a slice)."""
    return torch.cat([weights[: rows.start], weights[rows.stop :]])


def _with_zeros(weights, rows):
    """``weights`` with zero rows inserted where ``rows`` (a slice) go."""
    zeros = weights.new_zeros((rows.stop - rows.start, weights.shape[1]))
    return torch.cat([weights[: rows.start], zeros, weights[rows.start :]])


def ridge_gcv(gram, cross, target_squares, n_rows, intercept=True):
    """Ridge weights (intercept last, not shrunk) with the penalty chosen by GCV.

    Generalised cross-validation (Golub, Heath and Wahba 1979) scores each
    penalty of a grid by the residual sum of squares over ``(1 - df / n)^2``,
    from one eigendecomposition of the centred Gram matrix: no refit per
    penalty, and the sums come in chunks like the rest of the statistics.
    On the lags of a series, the penalty it picks improved one-step forecasts
    over a near-unpenalised fit by 4 % in geometric mean RMSE on 19 real
    series (``benchmarks/bench_accuracy.py``).
    """
    mean = gram[-1, :-1] / n_rows  # the intercept column's products are sums
    target_mean = cross[-1] / n_rows
    if not intercept:
        mean, target_mean = torch.zeros_like(mean), torch.zeros_like(target_mean)
    centred = gram[:-1, :-1] - n_rows * torch.outer(mean, mean)
    centred_cross = cross[:-1] - n_rows * torch.outer(mean, target_mean)
    total = target_squares - n_rows * target_mean**2  # per target
    eigenvalues, vectors = torch.linalg.eigh(centred)
    eigenvalues = eigenvalues.clamp(min=0)
    projected = vectors.T @ centred_cross  # (n_inputs, n_targets)
    average = eigenvalues.mean().clamp(min=1e-12)
    penalties = average * torch.logspace(-6, 3, 37, dtype=torch.float64)
    # Scores (n_penalties, n_targets): each target, a step ahead of direct
    # targets, gets its own penalty (errors grow with the step).
    shrink = 1.0 / (eigenvalues + penalties.unsqueeze(1))  # (n_penalties, n_inputs)
    explained = ((eigenvalues + 2 * penalties.unsqueeze(1)) * shrink**2) @ projected**2
    residual = (total - explained).clamp(min=0)
    dof = (eigenvalues * shrink).sum(dim=1, keepdim=True) + intercept
    scores = residual / (n_rows - dof).clamp(min=1e-12) ** 2
    best = scores.argmin(dim=0)  # (n_targets,)
    chosen = penalties[best]
    coefficients = vectors @ (projected / (eigenvalues.unsqueeze(1) + chosen))
    intercept = target_mean - mean @ coefficients
    weights = torch.cat([coefficients, intercept.unsqueeze(0)])
    return weights, scores[best, torch.arange(len(best))]


def _seasonal_prior(module, season, target_scale, n_inputs):
    """Highway weights of the seasonal random walk, or None.

    In the frame, the seasonal random walk forecasts step ``j + 1`` as
    ``last + x[t + 1 + j - season] - x[t - season]``; in the highway's
    standardised inputs and targets that is a difference of two lags. None
    without a season, or when the window does not reach ``t - season``.
    """
    n_features = module.input_shift.numel()
    n_lags = module.highway.in_features - getattr(module, "n_phases", 0)
    n_steps = (n_lags - n_features) // n_features + 1
    if season < 2 or target_scale is None or n_steps - 1 - season < 0:
        return None
    column = module.target_column
    # relative lag p of the target = its framed value r_p / unit
    unit = float(module.input_scale[column] * module.relative_scale[column])
    prior = torch.zeros(n_inputs, module.highway.out_features, dtype=torch.float64)
    later = n_steps - 1 - season
    for j, scale in enumerate(np.broadcast_to(target_scale, (prior.shape[1],))):
        sooner = n_steps - season + j
        if sooner > n_steps - 1:
            continue  # beyond one season ahead: the random walk
        if sooner < n_steps - 1:  # the last step's relative value is 0
            prior[n_features + sooner * n_features + column, j] += unit / scale
        prior[n_features + later * n_features + column, j] -= unit / scale
    return prior


def iterated_weights(module, weights, target_mean, target_scale):
    """Highway weights of the first target's autoregression iterated, or None.

    ``weights`` and the result have no rows for phase inputs.
    Column ``j`` of the result forecasts ``j + 1`` steps ahead by feeding the
    one-step autoregression (``weights[:, 0]``) its own forecasts ``j``
    times: the recursive forecast, which is again linear in the window.
    Direct targets far ahead have fewer rows to learn from and their errors
    overlap; the mean of the direct and this recursive forecast scored 2 %
    better (geometric mean MASE at 12 steps, 29 series of
    ``benchmarks/bench_accuracy.py``) than the direct one alone and about
    as well as the recursive one alone, without its compounding.

    None for one target, or windows with other features (their future is
    not known), or without the targets' standardisation.
    """
    n_features = module.input_shift.numel()
    n_targets = module.highway.out_features
    if n_features != 1 or n_targets < 2 or target_mean is None:
        return None
    n_steps = module.highway.in_features - getattr(module, "n_phases", 0)
    unit = float(module.input_scale[0] * module.relative_scale[0])
    mean = np.broadcast_to(np.asarray(target_mean, dtype=np.float64), (n_targets,))
    scale = np.broadcast_to(np.asarray(target_scale, dtype=np.float64), (n_targets,))
    # In the frame's units, each value relative to the window's last one is
    # an affine map of the window's relative steps u_0 .. u_{n_steps - 2}
    # and, with the absolute level, of the last value's level L:
    # coefficients, then a constant. A value v has the level L + v.
    level = getattr(module, "absolute_level", False)
    level_mean, level_std = (
        [float(x) for x in module.level_moments] if level else (0.0, 1.0)
    )
    n_basis = n_steps + level
    lag_weights = weights[1:n_steps, 0].numpy() * scale[0] / unit
    level_weight = float(weights[0, 0]) * scale[0] / level_std if level else 0.0
    constant = np.zeros(n_basis)
    constant[-1] = mean[0] + scale[0] * float(weights[-1, 0])
    at_level = np.zeros(n_basis)
    if level:
        at_level[-2] = 1.0
        constant[-1] -= level_weight * level_mean
    values = [*np.eye(n_basis)[: n_steps - 1], np.zeros(n_basis)]
    iterated = torch.zeros(n_steps + 1, n_targets, dtype=torch.float64)
    for j in range(n_targets):
        window = values[-n_steps:]
        last = window[-1]
        ahead = last + constant + level_weight * (at_level + last)
        for weight, value in zip(lag_weights, window[:-1], strict=True):
            ahead = ahead + weight * (value - last)
        values.append(ahead)
        # Back to the highway's standardised inputs and target j.
        lags = ahead[: n_steps - 1] * unit / scale[j]
        iterated[1:n_steps, j] = torch.from_numpy(lags)
        bias = ahead[-1]
        if level:
            iterated[0, j] = ahead[-2] * level_std / scale[j]
            bias += ahead[-2] * level_mean
        iterated[-1, j] = (bias - mean[j]) / scale[j]
    return iterated
