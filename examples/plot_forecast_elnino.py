"""
===========================================================
One-month-ahead forecasts of a univariate series
===========================================================

The whole forecasting workflow on the bundled monthly El Niño sea-surface
temperatures: turn the series into a supervised problem, split it in time
order, fit a scaler + :class:`~sklstm.SlidingWindow` +
:class:`~sklstm.LSTMRegressor` pipeline on the past, forecast the held-out
months and compare the forecasts with baselines that any forecast has to beat.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs (as CI does); the
scores printed then mean nothing.
"""

import os

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import LSTMRegressor, SlidingWindow, TrainingHistoryDisplay
from sklstm.datasets import load_elnino

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
WINDOW = 24  # months of history in each window

# %%
# A forecasting problem as rows of ``X`` and ``y``
# ------------------------------------------------
# Row ``t`` of ``X`` holds the temperature of month ``t``; ``y[t]`` is the
# temperature of month ``t + 1``. ``X`` stays a table of rows in time order:
# the windows are made inside the pipeline, so that each row keeps its target.
sst = load_elnino()
X = sst.to_frame().iloc[:-1]
y = sst.to_numpy()[1:]
target_months = sst.index[1:]

# %%
# The last 20 % of the months are the test period. The split keeps time order:
# a shuffled split would train on months that come after the ones it scores.
n_train = int(len(X) * 0.8)
print(f"train: {target_months[0]:%Y-%m} to {target_months[n_train - 1]:%Y-%m}")
print(f"test:  {target_months[n_train]:%Y-%m} to {target_months[-1]:%Y-%m}")

# %%
# The model
# ---------
# The scaler is a step of the pipeline, so it learns its mean and scale from
# the training months only. The target needs no scaler of its own: the LSTM
# finds that ``y`` is the next value of the windowed column and forecasts it
# relative to each window's last value (``level="auto"``), in degrees Celsius.
# ``early_stopping=True`` holds out the *latest* 10 % of the training rows,
# stops when their loss stalls and keeps the best epoch's weights.
lstm = LSTMRegressor(
    hidden_size=32,
    max_epochs=3 if SMOKE else 200,
    lr=3e-3,
    early_stopping=True,
    n_iter_no_change=20,
    random_state=0,
)
model = Pipeline(
    [
        ("scale", StandardScaler()),
        ("window", SlidingWindow(window=WINDOW)),
        ("lstm", lstm),
    ]
)
model.fit(X.iloc[:n_train], y[:n_train])

fitted_lstm = model.named_steps["lstm"]
print(f"trained {fitted_lstm.n_iter_} epochs, kept epoch {fitted_lstm.best_epoch_}")

# %%
# Forecasting the test months
# ---------------------------
# A window reaches back ``WINDOW - 1`` months. Predicting on the whole series
# and keeping the test rows gives the test months' windows their observed
# history instead of padding, as a forecaster run every month would have it.
# Only past *inputs* are used; the model and the scalers were fitted on the
# training months alone.
lstm_forecast = model.predict(X)[n_train:]
y_test = y[n_train:]

# %%
# Baselines
# ---------
# A forecast is only useful if it beats simple rules on the same months:
# "next month is like this month" (naive), "like the same month last year"
# (seasonal naive), and a linear autoregression that reads the same windows as
# the LSTM.
this_month = X["sst"].to_numpy()
seasonal = sst.shift(12).to_numpy()[1:]  # the target month, one year earlier
linear_ar = Pipeline(
    [
        ("scale", StandardScaler()),
        ("window", SlidingWindow(window=WINDOW)),
        ("flatten", FunctionTransformer(lambda w: w.reshape(len(w), -1))),
        ("ar", LinearRegression()),
    ]
).fit(X.iloc[:n_train], y[:n_train])

forecasts = {
    "naive (this month)": this_month[n_train:],
    "seasonal naive (a year ago)": seasonal[n_train:],
    f"linear AR({WINDOW})": linear_ar.predict(X)[n_train:],
    "LSTM pipeline": lstm_forecast,
}
scores = pd.DataFrame(
    {"RMSE (°C)": [root_mean_squared_error(y_test, f) for f in forecasts.values()]},
    index=list(forecasts),
)
scores["ratio to naive"] = scores["RMSE (°C)"] / scores["RMSE (°C)"].iloc[0]
print(scores.round(3).to_string())

# %%
# On this series the LSTM and the linear autoregression are close; on many
# series the linear model wins. Keep such a baseline next to every model.
#
# The test period, and what early stopping saw during training:
fig, (ax_forecast, ax_loss) = plt.subplots(
    2, 1, figsize=(8, 6), gridspec_kw={"height_ratios": [2, 1]}
)
test_months = target_months[n_train:]
ax_forecast.plot(test_months, y_test, color="black", label="observed")
ax_forecast.plot(test_months, lstm_forecast, label="LSTM")
ax_forecast.plot(test_months, forecasts[f"linear AR({WINDOW})"], label="linear AR")
ax_forecast.set_ylabel("SST (°C)")
ax_forecast.set_title("One-month-ahead forecasts of the test months")
ax_forecast.legend()

# Training and validation loss per epoch, and the epoch whose weights were kept.
TrainingHistoryDisplay.from_estimator(fitted_lstm, ax=ax_loss, show_lr=False)
ax_loss.set_title("")
fig.tight_layout()
plt.show()
