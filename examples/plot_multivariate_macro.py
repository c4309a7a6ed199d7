"""
===========================================================
Multivariate forecasting of US macroeconomic series
===========================================================

Several quarterly US series (GDP and consumption growth, inflation, the
Treasury bill rate and unemployment) are read together to forecast two of
them, unemployment and inflation, one quarter ahead with a single
:class:`~sklstm.LSTMRegressor`: a multivariate input and a multi-output
target.

The data are statsmodels' ``macrodata`` (1959 Q1 to 2009 Q3, 203 quarters;
Federal Reserve Bank of St. Louis and Bureau of Labor Statistics). statsmodels
is installed with the ``docs`` extra: ``pip install "sklstm[docs]"`` or
``pip install statsmodels``.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs (as CI does); the
scores printed then mean nothing.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from statsmodels.datasets import macrodata

from sklstm import LSTMRegressor, SlidingWindow

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
WINDOW = 8  # quarters of history in each window
TARGETS = ["unemployment", "inflation"]

# %%
# One row per quarter, one column per series
# ------------------------------------------
# Levels that grow over time (GDP, consumption) become annualised growth rates
# in percent, so that the test period's values look like the training
# period's; rates (inflation, interest, unemployment) are kept as they are.
data = macrodata.load_pandas().data
quarters = pd.PeriodIndex.from_fields(
    year=data["year"].astype(int), quarter=data["quarter"].astype(int), freq="Q"
)
table = pd.DataFrame(
    {
        "gdp growth": 400 * np.log(data["realgdp"]).diff(),
        "consumption growth": 400 * np.log(data["realcons"]).diff(),
        "inflation": data["infl"],
        "t-bill rate": data["tbilrate"],
        "unemployment": data["unemp"],
    }
).set_index(quarters)
table = table.iloc[1:]  # the first quarter has no growth rate
print(table.describe().round(2).to_string())

# %%
# Forecast the change, not the level
# ----------------------------------
# Row ``t`` of ``X`` is quarter ``t`` (all five series); the model predicts how
# much unemployment and inflation move from quarter ``t`` to ``t + 1``, and the
# forecast is this quarter's value plus that change. Levels drift over the
# decades while their quarterly changes stay in a similar range, which suits a
# model trained on the past.
X = table.iloc[:-1]
now = X[TARGETS].to_numpy()
next_quarter = table[TARGETS].to_numpy()[1:]
change = next_quarter - now

# The last ten years (40 quarters, 1999 Q4 to 2009 Q3) are the test period.
n_test = 40
n_train = len(X) - n_test
print(f"train: {X.index[0]} to {X.index[n_train - 1]} ({n_train} quarters)")

# %%
# The model
# ---------
# ``StandardScaler`` puts the five series on one scale (the Treasury bill rate
# and GDP growth differ in range), learning from the training quarters only.
# ``y`` has two columns, so the network has two outputs; the target scaler
# scales each of them.
lstm = LSTMRegressor(
    hidden_size=32,
    max_epochs=3 if SMOKE else 300,
    lr=3e-3,
    batch_size=16,
    early_stopping=True,
    validation_fraction=0.15,
    n_iter_no_change=30,
    random_state=0,
)
model = TransformedTargetRegressor(
    regressor=Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=WINDOW)),
            ("lstm", lstm),
        ]
    ),
    transformer=StandardScaler(),
)
model.fit(X.iloc[:n_train], change[:n_train])
print("predictions:", model.predict(X).shape)

# %%
# Against baselines
# -----------------
# The naive forecast is "no change"; the linear baseline is a ridge regression
# (a vector autoregression, in effect) on the same windows, flattened.
linear = Pipeline(
    [
        ("scale", StandardScaler()),
        ("window", SlidingWindow(window=WINDOW)),
        ("flatten", FunctionTransformer(lambda w: w.reshape(len(w), -1))),
        ("ridge", RidgeCV(alphas=np.logspace(-2, 3, 11))),
    ]
).fit(X.iloc[:n_train], change[:n_train])

# Predicting on all rows gives the test quarters' windows their real history.
forecasts = {
    "naive (no change)": now[n_train:],
    f"ridge on {WINDOW}-quarter windows": now[n_train:] + linear.predict(X)[n_train:],
    "LSTM pipeline": now[n_train:] + model.predict(X)[n_train:],
}
y_test = next_quarter[n_train:]
scores = pd.DataFrame(
    {
        name: root_mean_squared_error(y_test, forecast, multioutput="raw_values")
        for name, forecast in forecasts.items()
    },
    index=[f"RMSE {target} (points)" for target in TARGETS],
).T
print(scores.round(3).to_string())

# %%
# With 160 training quarters, a neural network has little to learn from and
# the ranking changes with the seed and the window; compare on several splits
# (:class:`~sklearn.model_selection.TimeSeriesSplit`) before trusting it.
#
# The forecasts of the test decade, which holds the 2008-2009 recession:
fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
test_quarters = table.index[n_train + 1 :].to_timestamp()
for column, (ax, target) in enumerate(zip(axes, TARGETS, strict=True)):
    ax.plot(test_quarters, y_test[:, column], color="black", label="observed")
    for name in list(forecasts)[1:]:
        ax.plot(test_quarters, forecasts[name][:, column], label=name)
    ax.set_ylabel(f"{target} (%)")
axes[0].legend()
axes[0].set_title("One-quarter-ahead forecasts, 1999 Q4 to 2009 Q3")
fig.tight_layout()
plt.show()
