"""Time-series classification: the LSTM-FCN recipe on UCR/UEA archive sets.

For each data set, fits ``LSTMClassifier`` with the recipe of
docs/architectures.md ("Time-series classification: LSTM-FCN") on the
archive's training split, for each seed, and reports test accuracy and fit
time (median over seeds), on the CPU with one thread. No hand-tuning per
set: the same estimator for all.

The univariate sets GunPoint and ItalyPowerDemand are bundled
(``sklstm.datasets``), as is JapaneseVowels (ragged, 12 channels); the
others are read from the archive's ``.ts`` files under ``--aeon-data``
(default: the ``datasets/data`` folder of an installed aeon, else
``/tmp/aeon/aeon/datasets/data``), e.g. ``ArrowHead``, ``BasicMotions``,
``OSULeaf``. Run::

    python benchmarks/bench_tsc.py --sets GunPoint ItalyPowerDemand --seeds 0 1

Results measured on the shared 2-core machine are in docs/benchmarks.md.
"""

import argparse
import pathlib
import statistics
import time

import numpy as np

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
        n_threads=1,
        random_state=seed,
    )


def read_ts(path):
    """An archive ``.ts`` file as (list of (n_steps, n_dims) arrays, labels)."""
    X, y = [], []
    for raw in pathlib.Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "@#":
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["GunPoint", "ItalyPowerDemand"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--aeon-data", default=None)
    args = parser.parse_args()
    folder = args.aeon_data or default_folder()
    print("set | n_train/n_test | accuracy (seeds) | median | fit s | published")
    for name in args.sets:
        X, y = load(name, folder, "train")
        X_test, y_test = load(name, folder, "test")
        scores, seconds = [], []
        for seed in args.seeds:
            model = recipe(seed, args.epochs)
            start = time.perf_counter()
            model.fit(X, y)
            seconds.append(time.perf_counter() - start)
            scores.append(model.score(X_test, y_test))
        published = ", ".join(
            f"{key} {value:.3f}" for key, value in PUBLISHED.get(name, {}).items()
        )
        print(
            f"{name} | {len(y)}/{len(y_test)} | "
            f"{', '.join(f'{s:.3f}' for s in scores)} | "
            f"{statistics.median(scores):.3f} | {statistics.median(seconds):.0f} | "
            f"{published or '-'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
