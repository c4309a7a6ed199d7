"""
===========================================================
Saving a fitted pipeline and loading it in another process
===========================================================

A fitted sklstm pipeline is one Python object, so ``joblib`` saves the scaler,
the windowing and the trained network together. This example saves one,
loads it in a fresh Python process, as a forecasting service would, and checks
that the predictions are identical. It also stores the versions the model was
trained with next to it: a pickle is only guaranteed to load with the same
versions of scikit-learn, skorch, PyTorch and sklstm.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a few epochs (as CI does).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
import sklearn
import skorch
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
from sklstm import LSTMRegressor, SlidingWindow
from sklstm.datasets import load_elnino

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"

# %%
# Fit a pipeline
# --------------
sst = load_elnino()
X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("window", SlidingWindow(window=12)),
        (
            "lstm",
            LSTMRegressor(
                hidden_size=16, max_epochs=2 if SMOKE else 30, random_state=0
            ),
        ),
    ]
).fit(X, y)

# %%
# Save it, with the versions it needs
# -----------------------------------
# The model goes to a temporary folder here; in practice, a path of your
# model store. ``compress=3`` trades a little time for a smaller file.
# sklstm records these versions inside the file as well, and warns when
# another sklstm version loads it; a file next to it lets a service refuse a
# mismatch of any of them before loading anything.
folder = Path(tempfile.mkdtemp(prefix="sklstm-example-"))
model_path = folder / "elnino_lstm.joblib"
joblib.dump(pipe, model_path, compress=3)
versions = {
    "python": sys.version.split()[0],
    "sklstm": sklstm.__version__,
    "scikit-learn": sklearn.__version__,
    "skorch": skorch.__version__,
    "torch": torch.__version__,
}
(folder / "versions.json").write_text(json.dumps(versions, indent=2))
print(f"{model_path.name}: {model_path.stat().st_size / 1024:.0f} KiB")
print(json.dumps(versions, indent=2))

# %%
# Load it in a fresh process
# --------------------------
# The new process imports nothing of this script: it checks the versions,
# loads the pipeline and predicts the last 24 months from the raw rows. Loading
# a pickle runs code from the file, so load only files you trust.
LOADER = """
import json, sys
from pathlib import Path
import joblib, numpy as np, sklearn, skorch, torch, sklstm
from sklstm.datasets import load_elnino

folder = Path(sys.argv[1])
saved = json.loads((folder / "versions.json").read_text())
found = {"sklstm": sklstm.__version__, "scikit-learn": sklearn.__version__,
         "skorch": skorch.__version__, "torch": torch.__version__}
for name, version in found.items():
    if saved[name] != version:
        sys.exit(f"{name} {version} installed, model saved with {saved[name]}")
model = joblib.load(folder / "elnino_lstm.joblib")
X = load_elnino().to_frame().iloc[:-1]
np.save(folder / "predictions.npy", model.predict(X)[-24:])
"""
# The child process finds sklstm where this process found it, installed or not.
search_path = [str(Path(sklstm.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, search_path))}
subprocess.run(
    [sys.executable, "-c", LOADER, str(folder)], check=True, env=env, timeout=300
)
loaded_predictions = np.load(folder / "predictions.npy")
original_predictions = pipe.predict(X)[-24:]
identical = np.array_equal(loaded_predictions, original_predictions)
print("identical predictions:", identical)

# %%
# A model fitted with ``device="cuda"`` loads the same way on a machine without
# a GPU: skorch maps its tensors to the CPU (with a ``DeviceWarning``) and the
# loaded model predicts there.
#
# The reloaded model's forecasts of the last two years:
fig, ax = plt.subplots(figsize=(7, 3))
months = sst.index[-24:]
ax.plot(months, y[-24:], color="black", label="observed")
ax.plot(months, loaded_predictions, label="loaded model", linestyle="--")
ax.set_ylabel("SST (°C)")
ax.legend()
fig.tight_layout()
plt.show()

shutil.rmtree(folder)  # the example's temporary files
