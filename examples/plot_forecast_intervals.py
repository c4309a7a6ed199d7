"""
==========================================================
How sure is the forecast? Gaussian, quantile and conformal
==========================================================

Three ways to put an interval around one-month-ahead El Niño forecasts:

- ``loss="gaussian"``: the LSTM predicts a mean and a variance, trained by
  Gaussian likelihood; ``predict(X, return_std=True)`` returns both;
- ``loss="quantile"``: it predicts the 5 %, 50 % and 95 % quantiles directly
  (pinball loss, never crossing); ``predict(X, return_quantiles=True)``
  returns the median and them, also through the pipeline;
- conformal: MAPIE's ``TimeSeriesRegressor`` (adaptive conformal inference)
  wraps the LSTM of a point-forecast pipeline, calibrates its intervals on
  held-out months, and keeps calibrating as each test month is observed
  (``pip install sklstm[conformal]``).

``normalize_y=True`` lets the network train on a standardised target and
returns standard deviations and quantiles in °C;
``TransformedTargetRegressor`` would transform the mean but not the spread.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs (as CI does).
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from mapie.regression import TimeSeriesRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindow
from sklstm.datasets import load_elnino

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
LEVEL = 0.9

sst = load_elnino()
X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
n_train, n_calibration = int(0.6 * len(y)), int(0.2 * len(y))
test = slice(n_train + n_calibration, None)


def pipeline(**params):
    lstm = LSTMRegressor(
        hidden_size=64,
        max_epochs=2 if SMOKE else 200,
        lr=3e-3,
        normalize_y=True,
        early_stopping=True,
        n_iter_no_change=25,
        random_state=0,
        **params,
    )
    return Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow(24)), ("lstm", lstm)]
    )


# %%
# The Gaussian and quantile models train on the first 60 % and the
# calibration months (the conformal method needs those held out instead).
n_fit = n_train + n_calibration
gaussian = pipeline(loss="gaussian").fit(X.iloc[:n_fit], y[:n_fit])
mean, std = gaussian.predict(X, return_std=True)
z = 1.6449  # the standard normal's 95 % quantile: a central 90 % interval
intervals = {"gaussian": (mean - z * std, mean + z * std)}

quantile = pipeline(loss="quantile", quantiles=(0.05, 0.5, 0.95))
quantile.fit(X.iloc[:n_fit], y[:n_fit])
_, quantiles = quantile.predict(X, return_quantiles=True)
intervals["quantile"] = (quantiles[:, 0], quantiles[:, 2])

# %%
# Conformal: a point model fitted on the first 60 %, calibrated on the next 20 %,
# then updated online: each test month is predicted, then observed, and ACI
# widens the intervals after a miss and narrows them after a hit. MAPIE wraps
# the LSTM step and reads windows made once from the whole series (each holds
# past months only): it predicts one month at a time, which the pipeline's
# SlidingWindow would pad instead of reading the months before it.
point = pipeline().fit(X.iloc[:n_train], y[:n_train])
windows = point[:-1].transform(X)
conformal = TimeSeriesRegressor(estimator=point[-1], method="aci", cv="prefit")
conformal.fit(windows[:n_train], y[:n_train])
conformal.conformalize(windows[n_train:n_fit], y[n_train:n_fit])
bounds = np.full((len(y), 2), np.nan)
for t in range(n_fit, len(y)):
    month = slice(t, t + 1)
    _, interval = conformal.predict(
        windows[month], confidence_level=LEVEL, allow_infinite_bounds=True
    )
    bounds[t] = interval[0, :, 0]
    conformal.adapt_conformal_inference(
        windows[month], y[month], gamma=0.05, confidence_level=LEVEL
    )
    with warnings.catch_warnings():
        # MAPIE 1.6 says at every update that its behaviour changed.
        warnings.filterwarnings("ignore", message=r"\s*This function behavior")
        conformal.update(windows[month], y[month])
intervals["conformal (MAPIE ACI, online)"] = (bounds[:, 0], bounds[:, 1])

# %%
# Coverage of the 90 % intervals and their mean width on the last 20 %.
rows = {}
for name, (low, high) in intervals.items():
    inside = (y[test] >= low[test]) & (y[test] <= high[test])
    width = np.mean(high[test] - low[test])
    rows[name] = {"coverage": inside.mean(), "mean width (°C)": width}
print(pd.DataFrame(rows).T.to_string(float_format=lambda value: f"{value:.3f}"))

months = X.index[test] + pd.DateOffset(months=1)
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(months, y[test], color="black", label="observed")
for name, (low, high) in intervals.items():
    ax.fill_between(months, low[test], high[test], alpha=0.3, label=f"{name} 90 %")
ax.set_ylabel("sea-surface temperature (°C)")
ax.legend(loc="upper left", fontsize="small")
fig.tight_layout()
plt.show()
