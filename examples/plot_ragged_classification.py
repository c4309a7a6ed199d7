"""
===========================================================
Classifying sequences of different lengths
===========================================================

:class:`~sklstm.LSTMClassifier` and :class:`~sklstm.LSTMRegressor` take a
list of sequences of different lengths as ``X``: each a ``(n_steps,
n_features)`` array. They pad and mask inside, so a sequence gets the same
prediction alone as in a batch of longer ones; nothing here is padded by hand.

The data are statsmodels' ``macrodata``: quarterly US series from 1959 Q1 to
2009 Q3 (Federal Reserve Bank of St. Louis and Bureau of Labor Statistics).
No data set of sequences of different lengths ships with the packages sklstm
installs, so the sequences are **cut from this real series at random
lengths**: for each quarter, the last 3 to 20 quarters of GDP growth,
inflation, the Treasury bill rate and unemployment, as records that start at
different times would be. The label is whether unemployment rises in the
next quarter. statsmodels is installed with the ``docs`` extra:
``pip install "sklstm[docs]"`` or ``pip install statsmodels``.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs (as CI does); the
scores printed then mean nothing.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from statsmodels.datasets import macrodata

from sklstm import LSTMClassifier, pad_sequences

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
rng = np.random.RandomState(0)

# %%
# One row per quarter
# -------------------
# GDP grows over the decades: its annualised growth rate, in percent, is used
# instead. The last 40 quarters (from 1999 Q4) are the test period; the
# features are standardised with the training period's statistics.
data = macrodata.load_pandas().data
table = pd.DataFrame(
    {
        "gdp growth": 400 * np.log(data["realgdp"]).diff(),
        "inflation": data["infl"],
        "t-bill rate": data["tbilrate"],
        "unemployment": data["unemp"],
    }
).iloc[1:]
quarters = (
    data["year"].astype(int).astype(str)
    + " Q"
    + data["quarter"].astype(int).astype(str)
).iloc[1:]
rises = np.r_[np.diff(table["unemployment"].to_numpy()) > 0, False]
n_test = 40
n_rows = len(table) - 1  # the last quarter has no next quarter to label
train_rows = table.iloc[: n_rows - n_test]
features = ((table - train_rows.mean()) / train_rows.std()).to_numpy()

# %%
# Sequences of different lengths
# -------------------------------
# Each quarter ``t`` from the 20th on gets its own history, ``features[t -
# length + 1 : t + 1]``, with a random ``length`` of 3 to 20 quarters: a list
# of arrays of shape ``(length, 4)``.
ends = np.arange(19, n_rows)
lengths = rng.randint(3, 21, size=len(ends))
X = [
    features[end - length + 1 : end + 1]
    for end, length in zip(ends, lengths, strict=True)
]
y = np.where(rises[ends], "rises", "falls or stays")
test = ends >= n_rows - n_test
X_train = [x for x, is_test in zip(X, test, strict=True) if not is_test]
X_test = [x for x, is_test in zip(X, test, strict=True) if is_test]
y_train, y_test = y[~test], y[test]
print(f"{len(X_train)} training and {len(X_test)} test sequences of 3-20 quarters")

# %%
# The model
# ---------
# A small LSTM reads each history to its last real quarter. A logistic
# regression on the last quarter alone and the majority class are the
# baselines. With 142 training sequences and 40 test quarters (the 2001 and
# 2008 recessions among them) the signal is weak: expect every accuracy
# within a few test quarters of the others. What this example shows is the
# interface, not a forecast of unemployment.
model = LSTMClassifier(
    hidden_size=8,
    max_epochs=3 if SMOKE else 40,
    lr=3e-3,
    weight_decay=1e-3,
    batch_size=16,
    random_state=0,
).fit(X_train, y_train)

last_quarter = LogisticRegression().fit([x[-1] for x in X_train], y_train)
majority = DummyClassifier().fit(X_train, y_train)
scores = {
    "LSTM on the histories": model.score(X_test, y_test),
    "logistic regression, last quarter": last_quarter.score(
        [x[-1] for x in X_test], y_test
    ),
    "majority class": majority.score(X_test, y_test),
}
for name, score in scores.items():
    print(f"{name:36} accuracy {score:.2f}")

# %%
# Padding never changes a prediction
# ----------------------------------
# The shortest test history, predicted alone and inside the whole test set of
# longer ones, gets the same probability.
shortest = int(np.argmin([len(x) for x in X_test]))
alone = model.predict_proba([X_test[shortest]])[0]
in_batch = model.predict_proba(X_test)[shortest]
print(f"alone {alone.round(6)}, in the batch {in_batch.round(6)}")
assert np.allclose(alone, in_batch, rtol=0, atol=1e-6)

# %%
# Exported models read windows of one length
# ------------------------------------------
# :func:`~sklstm.to_onnx` and the other exports take a fixed-length batch and
# do not mask padding: pad the sequences first, e.g. with
# :func:`~sklstm.pad_sequences` (zeros before each sequence). Predictions on
# such padded windows differ from ``predict`` on the ragged list: the padding
# is read as data.
padded = pad_sequences(X_test, length=20)
print(f"padded test windows: {padded.shape}")

# %%
# Probabilities over the test period
# ----------------------------------
probability = model.predict_proba(X_test)[:, list(model.classes_).index("rises")]
fig, ax = plt.subplots(figsize=(8, 3.5))
positions = np.arange(len(X_test))
ax.plot(positions, probability, marker="o", label="P(unemployment rises)")
ax.scatter(
    positions[y_test == "rises"],
    np.ones((y_test == "rises").sum()),
    marker="|",
    s=200,
    color="black",
    label="it rose",
)
labels = quarters.iloc[ends[test]].to_numpy()
ax.set_xticks(positions[::8], labels[::8])
ax.set_ylim(-0.05, 1.1)
ax.set_ylabel("probability")
ax.legend(loc="lower left")
ax.set_title("Unemployment next quarter, from histories of 3-20 quarters")
fig.tight_layout()
plt.show()
