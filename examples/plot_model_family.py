"""
=============================================================
LSTM, GRU, bidirectional, attention and CNN-LSTM side by side
=============================================================

Each variant the tutorials compare is one parameter of
:class:`~sklstm.LSTMClassifier`. Here every variant reads the 8 x 8 images of
scikit-learn's handwritten digits row by row (8 time steps of 8 pixels) and is
scored on the same held-out images, with string labels.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with one epoch (as CI does).
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklstm import LSTMClassifier

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"

# %%
# Images as sequences: rows are time steps, pixels (scaled to [0, 1]) features.
digits = load_digits()
names = np.array("zero one two three four five six seven eight nine".split())
X, y = digits.images / 16.0, names[digits.target]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

VARIANTS = {
    "LSTM": {},
    "GRU": {"cell": "gru"},
    "stacked LSTM (2 layers)": {"num_layers": 2, "dropout": 0.1},
    "bidirectional LSTM": {"bidirectional": True},
    "LSTM + attention pooling": {"pooling": "attention"},
    "CNN-LSTM": {"conv_channels": 32, "conv_kernel_size": 3},
    "LSTM + layer norm": {"layer_norm": True},
}

rows = []
for name, params in VARIANTS.items():
    clf = LSTMClassifier(
        hidden_size=64,
        max_epochs=1 if SMOKE else 40,
        lr=3e-3,
        batch_size=64,
        random_state=0,
        **params,
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    n_parameters = sum(p.numel() for p in clf.net_.module_.parameters())
    rows.append(
        {
            "variant": name,
            "accuracy": clf.score(X_test, y_test),
            "fit (s)": seconds,
            "parameters": n_parameters,
        }
    )
results = pd.DataFrame(rows).set_index("variant")
print(results.to_string(float_format=lambda value: f"{value:.3f}"))

# %%
# Accuracy against training time.
fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(results["fit (s)"], results["accuracy"])
for name, row in results.iterrows():
    ax.annotate(name, (row["fit (s)"], row["accuracy"]), fontsize="small")
ax.set_xlabel("training time (s)")
ax.set_ylabel("held-out accuracy")
ax.set_title("Digits read row by row")
fig.tight_layout()
plt.show()
