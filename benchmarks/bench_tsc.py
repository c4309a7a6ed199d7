"""Time-series classification: LSTM-FCN beside MiniRocket on UCR/UEA archive sets.

For each data set and seed, fits on the archive's training split and scores
on its test split, with the same settings on every set (no tuning per set):

- ``default``: the LSTM-FCN architecture and nothing else,
  ``LSTMClassifier(conv_channels=(128, 256, 128), conv_kernel_size=(8, 5, 3),
  conv_path="beside", random_state=seed)``: the training settings are the
  classifier's defaults ("auto": a one-cycle schedule of 200 updates, 20 to
  100 epochs, for networks with batch-normalised convolutions);
- ``recipe``: the longer recipe of docs/architectures.md ("Time-series
  classification: LSTM-FCN"), 300 epochs with a plateau schedule;
- ``minirocket``: aeon's ``MiniRocketClassifier`` (random features and a
  ridge classifier), when aeon is installed; skipped with a note otherwise.

It reports test accuracy per seed, their median and the median seconds of
fit plus predict, with the machine's load average (other processes slow the
times down), at ``--threads`` torch threads (MiniRocket: as many jobs).

The univariate sets GunPoint and ItalyPowerDemand are bundled
(``sklstm.datasets``), as is JapaneseVowels (ragged, 12 channels); the
others are read from the archive's ``.ts`` files under ``--aeon-data``
(default: the ``datasets/data`` folder of an installed aeon, else
``/tmp/aeon/aeon/datasets/data``), e.g. ``ArrowHead``, ``BasicMotions``,
``OSULeaf``. The series are used as the archive stores them (the UCR
univariate sets are z-normalised per series). Run, in an environment with
sklstm and aeon (``pip install aeon``)::

    python benchmarks/bench_tsc.py --sets GunPoint ArrowHead --seeds 0 1 2 3 4
    python benchmarks/bench_tsc.py --models recipe --sets GunPoint --seeds 0 1

Results measured on the shared 2-core machine are in docs/benchmarks.md.
"""

import argparse
import os
import pathlib
import statistics
import time

import numpy as np
import torch

from sklstm import LSTMClassifier
from sklstm.datasets import (
    load_gunpoint,
    load_italy_power_demand,
    load_japanese_vowels,
)

BUNDLED = {
    "GunPoint": load_gunpoint,
    "ItalyPowerDemand": load_italy_power_demand,
    "JapaneseVowels": load_japanese_vowels,
}
# Test accuracy of FCN and ResNet on the archive split, from Fawaz et al.
# (2019), "Deep learning for time series classification: a review", Data
# Mining and Knowledge Discovery 33, Table 4 (mean over runs), for the sets
# whose numbers this was written with; the others are left blank.
PUBLISHED = {
    "GunPoint": {"FCN": 1.000, "ResNet": 0.991},
    "ItalyPowerDemand": {"FCN": 0.961},
}


def default(seed):
    """The LSTM-FCN architecture with the classifier's default training."""
    return LSTMClassifier(
        conv_channels=(128, 256, 128),
        conv_kernel_size=(8, 5, 3),
        conv_path="beside",
        random_state=seed,
    )


def recipe(seed, epochs=300):
    """The documented LSTM-FCN recipe (docs/architectures.md)."""
    return LSTMClassifier(
        conv_channels=(128, 256, 128),
        conv_kernel_size=(8, 5, 3),
        conv_path="beside",
        hidden_size=8,
        max_epochs=epochs,
        batch_size=16,
        lr=1e-3,
        lr_scheduler="plateau",
        lr_scheduler__factor=0.5,
        lr_scheduler__patience=50,
        lr_scheduler__min_lr=1e-4,
        random_state=seed,
    )


class MiniRocket:
    """aeon's MiniRocketClassifier on sklstm's data layout (steps before channels)."""

    def __init__(self, seed, n_jobs):
        from aeon.classification.convolution_based import MiniRocketClassifier

        self.model = MiniRocketClassifier(random_state=seed, n_jobs=n_jobs)

    def channels_first(self, X):
        if isinstance(X, list):
            # MiniRocket takes equal lengths only: ragged series are padded
            # with zeros at the end, to the longest training series.
            if not hasattr(self, "n_steps_"):
                self.n_steps_ = max(len(x) for x in X)
            X = [np.asarray(x, dtype=np.float64).reshape(len(x), -1) for x in X]
            padded = np.zeros((len(X), self.n_steps_, X[0].shape[1]))
            for row, x in enumerate(X):
                padded[row, : min(len(x), self.n_steps_)] = x[: self.n_steps_]
            X = padded
        X = np.asarray(X, dtype=np.float64)
        return X[:, None, :] if X.ndim == 2 else X.transpose(0, 2, 1)

    def fit(self, X, y):
        self.model.fit(self.channels_first(X), y)
        return self

    def score(self, X, y):
        return float(np.mean(self.model.predict(self.channels_first(X)) == y))


def minirocket_available():
    try:
        import aeon.classification.convolution_based  # noqa: F401
    except ImportError:
        return False
    return True


MODELS = {
    "default": lambda seed, args: default(seed),
    "recipe": lambda seed, args: recipe(seed, args.epochs),
    "minirocket": lambda seed, args: MiniRocket(seed, args.threads),
}


def read_ts(path):
    """An archive ``.ts`` file as (list of (n_steps, n_dims) arrays, labels)."""
    X, y = [], []
    for raw in pathlib.Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "@#%":  # % and # start comments
            continue
        *dimensions, label = line.split(":")
        values = [np.array(d.split(","), dtype=np.float64) for d in dimensions]
        X.append(np.stack(values, axis=1))
        y.append(label)
    return X, np.array(y)


def as_input(X):
    """Equal lengths to an array (2-D when univariate); ragged stays a list."""
    if isinstance(X, np.ndarray) or len({len(x) for x in X}) > 1:
        return X
    X = np.stack(X)
    return X[:, :, 0] if X.shape[2] == 1 else X


def load(name, folder, split):
    if name in BUNDLED:
        return BUNDLED[name](split=split)
    X, y = read_ts(pathlib.Path(folder) / name / f"{name}_{split.upper()}.ts")
    return as_input(X), y


def default_folder():
    try:
        import aeon

        return pathlib.Path(aeon.__file__).parent / "datasets" / "data"
    except ImportError:
        return pathlib.Path("/tmp/aeon/aeon/datasets/data")


def shape_text(X):
    lengths = {len(x) for x in X}
    steps = "-".join(map(str, sorted(lengths)[:: max(1, len(lengths) - 1)]))
    channels = 1 if np.ndim(X[0]) == 1 else np.shape(X[0])[-1]
    return f"{steps}{' (ragged)' if len(lengths) > 1 else ''}, {channels}"


def run(model, X, y, X_test, y_test):
    """Test accuracy and seconds of fit plus predict."""
    start = time.perf_counter()
    model.fit(X, y)
    score = model.score(X_test, y_test)
    return score, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["GunPoint", "ItalyPowerDemand"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=["default", "minirocket"]
    )
    parser.add_argument("--epochs", type=int, default=300, help="of the recipe")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--aeon-data", default=None)
    args = parser.parse_args()
    folder = args.aeon_data or default_folder()
    torch.set_num_threads(args.threads)  # read by n_threads=None, the default
    models = list(args.models)
    if "minirocket" in models and not minirocket_available():
        print("minirocket skipped: aeon is not installed (pip install aeon).")
        models.remove("minirocket")
    print(
        "set | train/test series | steps, channels | model | accuracy (seeds) "
        "| median | fit+predict s, median | load | published"
    )
    for name in args.sets:
        X, y = load(name, folder, "train")
        X_test, y_test = load(name, folder, "test")
        published = ", ".join(
            f"{key} {value:.3f}" for key, value in PUBLISHED.get(name, {}).items()
        )
        for model_name in models:
            scores, seconds = [], []
            for seed in args.seeds:
                model = MODELS[model_name](seed, args)
                score, elapsed = run(model, X, y, X_test, y_test)
                scores.append(score)
                seconds.append(elapsed)
            print(
                f"{name} | {len(y)}/{len(y_test)} | {shape_text(X)} | {model_name} | "
                f"{', '.join(f'{s:.3f}' for s in scores)} | "
                f"{statistics.median(scores):.3f} | {statistics.median(seconds):.1f} | "
                f"{os.getloadavg()[0]:.1f} | {published or '-'}",
                flush=True,
            )


if __name__ == "__main__":
    main()
