"""
==========================================================
Tuning window length and LSTM size with TimeSeriesSplit
==========================================================

A grid search over the window length and the hidden size of the LSTM on the
monthly El Niño series, with time-ordered cross-validation: every split trains
on the past and scores on the months after it, and the scaler is fitted inside
each split, so nothing from the scored months leaks into training.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a couple of epochs (as CI does).
"""

import os

import joblib
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindow
from sklstm.datasets import load_elnino

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"

# %%
# Row ``t`` of ``X`` is month ``t``; the target is month ``t + 1``.
sst = load_elnino()
X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]

pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("window", SlidingWindow(window=12)),
        (
            "lstm",
            LSTMRegressor(
                max_epochs=2 if SMOKE else 60,
                lr=3e-3,
                early_stopping=True,
                random_state=0,
            ),
        ),
    ]
)
model = TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())
grid = {
    "regressor__window__window": [12, 24],
    "regressor__lstm__hidden_size": [16, 32],
}
search = GridSearchCV(
    model, grid, cv=TimeSeriesSplit(n_splits=3), scoring="neg_root_mean_squared_error"
)
search.fit(X, y)

# %%
# RMSE (°C) of each setting, averaged over the three time-ordered splits.
results = pd.DataFrame(search.cv_results_)
table = results[["params", "mean_test_score", "std_test_score"]].assign(
    mean_test_score=lambda frame: -frame["mean_test_score"]
)
print(table.rename(columns={"mean_test_score": "RMSE"}).to_string(index=False))
print("best:", search.best_params_)

# %%
# The refitted best pipeline is one object: save it with joblib.
joblib.dump(search.best_estimator_, "elnino_lstm.joblib")

fig, ax = plt.subplots()
labels = [
    f"w={p['regressor__window__window']}, h={p['regressor__lstm__hidden_size']}"
    for p in results["params"]
]
ax.bar(labels, -results["mean_test_score"], yerr=results["std_test_score"])
ax.set_ylabel("cross-validated RMSE (°C)")
ax.set_title("TimeSeriesSplit(3) on El Niño")
fig.tight_layout()
plt.show()
