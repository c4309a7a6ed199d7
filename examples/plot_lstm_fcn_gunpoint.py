"""
===========================================================
Time-series classification with LSTM-FCN: GunPoint
===========================================================

LSTM-FCN (Karim et al., 2017) runs a fully convolutional network (three
Conv1d + BatchNorm1d + ReLU blocks, averaged over time) beside a small LSTM
and joins them before the output layer. In sklstm it is three parameters of
:class:`~sklstm.LSTMClassifier`: ``conv_channels``, ``conv_kernel_size`` and
``conv_path="beside"``.

The data are GunPoint from the UCR archive (bundled:
:func:`~sklstm.datasets.load_gunpoint`): 50 training and 150 test series of
150 steps, the hand's position while an actor draws a gun or points a
finger. The published test accuracy of FCN on this split is 1.000 (Fawaz et
al., 2019).

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs (as CI does); the
scores printed then mean nothing.
"""

import os

import matplotlib.pyplot as plt
from sklearn.dummy import DummyClassifier
from sklearn.metrics import ConfusionMatrixDisplay

from sklstm import LSTMClassifier
from sklstm.datasets import load_gunpoint

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"

# %%
# The series
# ----------
# Each row of ``X_train`` is one univariate series of 150 steps.
X_train, y_train = load_gunpoint()
X_test, y_test = load_gunpoint(split="test")
CLASS_NAMES = {1: "Gun-Draw", 2: "Point"}  # the labels in the UCR files
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
for (label, name), colour in zip(
    CLASS_NAMES.items(), ("tab:blue", "tab:orange"), strict=True
):
    rows = X_train[y_train == label][:3]
    ax.plot(rows.T, color=colour, alpha=0.7)
    ax.plot([], color=colour, label=name)
ax.set(xlabel="frame", ylabel="hand x (z-normalised)")
_ = ax.legend()

# %%
# The recipe
# ----------
# The recipe of the user guide (:doc:`/architectures`), used unchanged on
# every set of the benchmark: the learning rate halves when the training
# loss stops falling for 50 epochs.
model = LSTMClassifier(
    conv_channels=(128, 256, 128),
    conv_kernel_size=(8, 5, 3),
    conv_path="beside",
    hidden_size=8,
    max_epochs=2 if SMOKE else 300,
    batch_size=16,
    lr=1e-3,
    lr_scheduler="plateau",
    lr_scheduler__factor=0.5,
    lr_scheduler__patience=50,
    lr_scheduler__min_lr=1e-4,
    n_threads=1,
    random_state=0,
).fit(X_train, y_train)
baseline = DummyClassifier().fit(X_train, y_train)
print(f"LSTM-FCN test accuracy: {model.score(X_test, y_test):.3f}")
print(f"majority class:         {baseline.score(X_test, y_test):.3f}")

# %%
# Errors
# ------
ConfusionMatrixDisplay.from_estimator(
    model,
    X_test,
    y_test,
    display_labels=[CLASS_NAMES[label] for label in model.classes_],
)
plt.show()
