"""One global model over the 192 fertility series: scalings against naive.

Every series (World Bank fertility rates, 1960-2011, ``load_fertility``)
keeps its last ``--horizon`` years out. One pipeline
(``SlidingWindow``, ``LSTMRegressor``) is fitted on the one-step pairs of all
the series' earlier years and forecasts the held-out years recursively with
``recursive_forecast``. Reported: mean sMAPE (percent) over series and
steps, and MASE (scaled by each series' in-sample one-step naive error), of

- ``level``: raw rates in, raw rates out: LSTMRegressor's ``level="last"``
  alone reads each window relative to its last step;
- ``per-series``: the whole panel (inputs and target) standardised per
  series with ``PerSeriesScaler`` fitted on the training years, forecasts
  mapped back, ``level="last"``;
- ``per-series, level=None``: the same without the level handling;
- ``X only``: ``PerSeriesScaler`` as a pipeline step in front of the
  windows, the target left raw (the scaler cannot reach ``y``);

against the naive forecast (the last training year repeated) and a global
linear autoregression on the same windows (``linear AR``).

    python benchmarks/bench_panel.py [--seeds 0 1 2] [--epochs 60]
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import (
    LSTMRegressor,
    PerSeriesScaler,
    SlidingWindow,
    make_horizon_targets,
    recursive_forecast,
)
from sklstm.datasets import load_fertility


def smape(y_true, y_pred):
    return 200 * np.abs(y_true - y_pred) / (np.abs(y_true) + np.abs(y_pred))


def mase_scale(history):
    return history.groupby(level=0).diff().abs().groupby(level=0).mean()


def _flatten(windows):
    return windows.reshape(len(windows), -1)


def forecast(panel, horizon, steps, *, scale, level, seed, epochs, window):
    """Recursive forecasts of every series' last ``horizon`` years, aligned with
    the held-out rows."""
    history = panel.groupby(level=0).head(-horizon).to_frame()
    scaler = PerSeriesScaler().fit(history) if scale == "panel" else None
    data = scaler.transform(history) if scaler else history
    X, Y = make_horizon_targets(data, horizon=1)
    if level == "linear":  # a global linear AR on the same windows
        regressor = make_pipeline(FunctionTransformer(_flatten), LinearRegression())
    else:
        regressor = LSTMRegressor(
            hidden_size=32, max_epochs=epochs, lr=3e-3, level=level, random_state=seed
        )
    model = make_pipeline(*steps, SlidingWindow(window), regressor).fit(X, Y.ravel())
    result = recursive_forecast(model, data, steps=horizon)
    if scaler:
        result = scaler.inverse_transform(result.set_axis(data.columns, axis=1))
    return result.to_numpy().ravel()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--variants", nargs="+", default=None)
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--window", type=int, default=8)
    args = parser.parse_args()
    panel = load_fertility()
    horizon = args.horizon
    truth = panel.groupby(level=0).tail(horizon).to_numpy()
    history = panel.groupby(level=0).head(-horizon)
    last = history.groupby(level=0, sort=False).last().to_numpy()
    scale = np.repeat(mase_scale(history).loc[history.index.unique(0)], horizon)
    naive = np.repeat(last, horizon)
    print(f"{panel.index.unique(0).size} series, {len(history)} training rows")
    print(
        f"naive: sMAPE {smape(truth, naive).mean():.3f}  "
        f"MASE {np.mean(np.abs(truth - naive) / scale):.3f}"
    )
    variants = {
        "level": ({"scale": None, "level": "last"}, []),
        "per-series": ({"scale": "panel", "level": "last"}, []),
        "per-series, level=None": ({"scale": "panel", "level": None}, []),
        "X only": ({"scale": None, "level": "last"}, [PerSeriesScaler()]),
        "per-series, level='ar'": ({"scale": "panel", "level": "ar"}, []),
        "level='ar'": ({"scale": None, "level": "ar"}, []),
        "linear AR": ({"scale": None, "level": "linear"}, []),
    }
    for name, (options, steps) in variants.items():
        if args.variants and name not in args.variants:
            continue
        scores, masescores = [], []
        for seed in args.seeds:
            start = time.perf_counter()
            pred = forecast(
                panel,
                horizon,
                steps,
                seed=seed,
                epochs=args.epochs,
                window=args.window,
                **options,
            )
            scores.append(smape(truth, pred).mean())
            masescores.append(np.mean(np.abs(truth - pred) / scale))
            print(
                f"  {name} seed {seed}: sMAPE {scores[-1]:.3f} MASE "
                f"{masescores[-1]:.3f} ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
        print(
            f"{name}: sMAPE median {np.median(scores):.3f} "
            f"({min(scores):.3f}-{max(scores):.3f}), MASE median "
            f"{np.median(masescores):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
