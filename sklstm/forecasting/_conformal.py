"""Split-conformal intervals from a backtest's own errors, adapted online (ACI)."""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Adaptive conformal inference: step size of the miscoverage update and number
# of recent residuals per step whose quantile gives the width (measured on an
# AR(1) whose noise doubles halfway, see docs/forecasting.md).
ACI_GAMMA = 0.01
ACI_WINDOW = 100
MIN_RESIDUALS = 10


def adaptive_conformal(y_true, y_pred, origins, alpha, calibration=None):
    """Bounds per origin and step from past errors, with ACI's online alpha.

    ``y_true`` and ``y_pred`` have shape (n_origins, horizon); the truth of
    origin ``o`` at step ``h`` is observed at ``o + h``, so the bounds at an
    origin use only the errors (and misses) observed by then. Bounds are NaN
    while a step has fewer than ``MIN_RESIDUALS`` observed errors.

    ``calibration``, a tuple ``(origins, y_true, y_pred)`` of out-of-sample
    forecasts from origins before the first one, seeds the errors (and
    alpha): each calibration error counts from the origin its truth is
    observed at, as the others do. Only the bounds of ``origins`` are returned.
    """
    origins = np.asarray(origins)
    if calibration is not None:
        seed_origins, seed_true, seed_pred = calibration
        n_seed = len(seed_origins)
        lower, upper = adaptive_conformal(
            np.concatenate([seed_true, y_true]),
            np.concatenate([seed_pred, y_pred]),
            np.concatenate([seed_origins, origins]),
            alpha,
        )
        return lower[n_seed:], upper[n_seed:]
    errors = np.abs(y_true - y_pred)
    lower = np.full(y_true.shape, np.nan)
    upper = np.full(y_true.shape, np.nan)
    for h in range(y_true.shape[1]):
        # Origins whose truth at step h + 1 is observed at each origin, in order.
        revealed = np.searchsorted(origins, origins - h - 1, side="right")
        ordered = _ordered_recent(errors[:, h], revealed)
        lower[:, h], upper[:, h] = _aci(
            y_true[:, h], y_pred[:, h], revealed, ordered, alpha
        )
    return lower, upper


def _ordered_recent(errors, revealed):
    """Row i: the last ``ACI_WINDOW`` of ``errors[:revealed[i]]``, sorted, then inf.

    NaN errors sort after the infinite padding, so a row holding one ends in NaN.
    """
    size = max(1, min(ACI_WINDOW, len(errors)))
    padded = np.concatenate([np.full(size, np.inf), errors])
    # Window r of the padded errors ends just before error r: errors[r - size:r].
    return np.sort(sliding_window_view(padded, size)[revealed], axis=1)


def _aci(y_true, y_pred, revealed, ordered, alpha):
    """The bounds of one step, updating alpha as each earlier outcome is revealed.

    The update is sequential (each miss depends on the bounds before it); the
    quantile of ``n`` errors at level ``q`` with numpy's method "higher" is
    the sorted error at ``ceil((n - 1) * q)``, read from ``ordered``.
    """
    n_origins = len(y_true)
    lower, upper = [math.nan] * n_origins, [math.nan] * n_origins
    missed = [False] * n_origins
    truths, predictions = y_true.tolist(), y_pred.tolist()
    counts = np.minimum(revealed, ACI_WINDOW).tolist()
    has_nan = np.isnan(ordered[:, -1]).tolist()
    alpha_t, seen = alpha, 0
    for i, (n_past, n_revealed) in enumerate(
        zip(counts, revealed.tolist(), strict=True)
    ):
        for j in range(seen, n_revealed):
            if not math.isnan(lower[j]):
                alpha_t += ACI_GAMMA * (alpha - missed[j])
        seen = n_revealed  # origins are increasing, so is n_revealed
        if n_past < MIN_RESIDUALS:
            continue
        # Finite-sample conformal level, clipped: alpha_t may leave [0, 1].
        level = math.ceil((n_past + 1) * (1 - alpha_t)) / n_past
        level = min(max(level, 0.0), 1.0)
        width = math.nan if has_nan[i] else ordered[i, math.ceil((n_past - 1) * level)]
        lower[i], upper[i] = predictions[i] - width, predictions[i] + width
        missed[i] = not lower[i] <= truths[i] <= upper[i]
    return lower, upper
