"""Split-conformal intervals from a backtest's own errors, adapted online (ACI)."""

import numpy as np

# Adaptive conformal inference: step size of the miscoverage update and number
# of recent residuals per step whose quantile gives the width (measured on an
# AR(1) whose noise doubles halfway, see docs/forecasting.md).
ACI_GAMMA = 0.01
ACI_WINDOW = 100
MIN_RESIDUALS = 10


def adaptive_conformal(y_true, y_pred, origins, alpha):
    """Bounds per origin and step from past errors, with ACI's online alpha.

    ``y_true`` and ``y_pred`` have shape (n_origins, horizon); the truth of
    origin ``o`` at step ``h`` is observed at ``o + h``, so the bounds at an
    origin use only the errors (and misses) observed by then. Bounds are NaN
    while a step has fewer than ``MIN_RESIDUALS`` observed errors.
    """
    horizon = y_true.shape[1]
    errors = np.abs(y_true - y_pred)
    lower = np.full(y_true.shape, np.nan)
    upper = np.full(y_true.shape, np.nan)
    for h in range(horizon):
        alpha_t = alpha
        revealed = 0  # origins whose truth at step h is observed by now
        for i, origin in enumerate(origins):
            while revealed < i and origins[revealed] + h + 1 <= origin:
                if not np.isnan(lower[revealed, h]):
                    missed = (
                        not lower[revealed, h]
                        <= y_true[revealed, h]
                        <= upper[revealed, h]
                    )
                    alpha_t += ACI_GAMMA * (alpha - missed)
                revealed += 1
            past = errors[max(0, revealed - ACI_WINDOW) : revealed, h]
            if len(past) < MIN_RESIDUALS:
                continue
            # Finite-sample conformal level, clipped: alpha_t may leave [0, 1].
            level = np.ceil((len(past) + 1) * (1 - alpha_t)) / len(past)
            width = np.quantile(past, np.clip(level, 0, 1), method="higher")
            lower[i, h], upper[i, h] = y_pred[i, h] - width, y_pred[i, h] + width
    return lower, upper
