"""
======================================================
Twelve months ahead: direct versus recursive forecasts
======================================================

Two ways to forecast several steps with an LSTM, on the monthly El Niño series:

- **direct**: :func:`~sklstm.make_horizon_targets` pairs each month with the
  next 12 months, and one multi-output :class:`~sklstm.LSTMRegressor` predicts
  all 12 at once;
- **recursive**: a one-step model is rolled forward with
  :func:`~sklstm.recursive_forecast`, each prediction fed back as the newest
  observation.

Both are scored per horizon on the last 20 % of the months, from every
forecast origin there, against the naive forecast (the last observed month)
and the seasonal-naive one (the same month a year earlier).

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs and origins (as CI does).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    LSTMRegressor,
    SlidingWindow,
    make_horizon_targets,
    recursive_forecast,
)
from sklstm.datasets import load_elnino

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
HORIZON, WINDOW, SEASON = 12, 24, 12

sst = load_elnino().to_numpy()
n_train = int(0.8 * len(sst))


def lstm_pipeline():
    lstm = LSTMRegressor(
        hidden_size=64,
        max_epochs=2 if SMOKE else 200,
        lr=3e-3,
        normalize_y=True,
        early_stopping=True,
        n_iter_no_change=25,
        random_state=0,
    )
    return Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow(WINDOW)), ("lstm", lstm)]
    )


# %%
# Forecast origins: every month of the held-out period with 12 months after it.
origins = np.arange(n_train, len(sst) - HORIZON)
if SMOKE:
    origins = origins[::24]
actual = np.array([sst[o + 1 : o + 1 + HORIZON] for o in origins])

# %%
# Direct: row t of X is month t, row t of Y the months t+1 ... t+12. Training
# rows stop before the held-out period, so no target there is seen.
X, Y = make_horizon_targets(sst, HORIZON)
direct = lstm_pipeline().fit(X[: n_train - HORIZON], Y[: n_train - HORIZON])
direct_forecasts = direct.predict(X)[origins]

# %%
# Recursive: a one-step model (y[t] = month t+1), rolled forward 12 times.
one_step = lstm_pipeline().fit(sst[: n_train - 1, None], sst[1:n_train])
recursive_forecasts = np.array(
    [recursive_forecast(one_step, sst[: o + 1], steps=HORIZON) for o in origins]
)

# %%
# RMSE (°C) per horizon.
naive = np.repeat(sst[origins, None], HORIZON, axis=1)
seasonal = np.array(
    [[sst[o + h - SEASON] for h in range(1, HORIZON + 1)] for o in origins]
)
forecasts = {
    "naive": naive,
    "seasonal naive": seasonal,
    "direct LSTM": direct_forecasts,
    "recursive LSTM": recursive_forecasts,
}
rmse = pd.DataFrame(
    {
        name: np.sqrt(np.mean((values - actual) ** 2, axis=0))
        for name, values in forecasts.items()
    },
    index=pd.RangeIndex(1, HORIZON + 1, name="horizon (months)"),
)
print(rmse.to_string(float_format=lambda value: f"{value:.3f}"))

fig, ax = plt.subplots(figsize=(7, 4))
rmse.plot(ax=ax, marker="o")
ax.set_ylabel("RMSE (°C)")
ax.set_title(f"El Niño 1+2, {len(origins)} forecast origins")
fig.tight_layout()
plt.show()
