"""Recursive forecasts of a panel: seconds, and rows predicted per step.

A panel of ``--series`` random walks (levels 0 to 1000) of ``--rows`` rows
each, indexed by ``(series, time)``; the pipeline ``StandardScaler`` ->
``SlidingWindow(window)`` -> ``LSTMRegressor(hidden_size, max_epochs=1)``,
fitted on the one-step pairs of every series, CPU, one thread. Timed:

- ``recursive_forecast(model, panel, steps)``: one call, after a warm-up
  call (which also counts the windows the LSTM predicts at each step);
- ``backtest(model, X, y, horizon=steps, refit=False, baselines=())`` over
  the panel's distinct times from ``--initial`` every ``--step``: each
  origin is one recursive_forecast of every series; the seconds of the
  LSTM's own ``fit`` inside it are given apart.

Each measurement runs in a fresh process importing ``sklstm`` from a
checkout: this script's own, and with ``--against DIR [DIR ...]`` others
(the code before a change), all alternating within each repeat. The
forecasts of each are compared with the first's (largest relative
difference), and the times too (median of the per-repeat ratios).

    python benchmarks/bench_panel_recursive.py --against ../main
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def panel_of(n_series, n_rows):
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    levels = np.linspace(0, 1000, n_series)
    values = levels[:, None] + np.cumsum(rng.normal(size=(n_series, n_rows)), axis=1)
    index = pd.MultiIndex.from_product(
        [[f"s{i}" for i in range(n_series)], range(n_rows)], names=["series", "time"]
    )
    return pd.DataFrame({"value": values.ravel()}, index=index)


def measure(args):
    """In the child: time one checkout's forecasts; print them as JSON."""
    import numpy as np
    import torch
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import sklstm
    from sklstm import (
        LSTMRegressor,
        SlidingWindow,
        backtest,
        make_horizon_targets,
        recursive_forecast,
    )

    torch.set_num_threads(1)
    panel = panel_of(args.series, args.rows)
    X, Y = make_horizon_targets(panel, horizon=1)
    model = make_pipeline(
        StandardScaler(),
        SlidingWindow(args.window),
        LSTMRegressor(hidden_size=args.hidden, max_epochs=1, random_state=0),
    )
    model.fit(X, Y[:, 0])

    windows, fit_seconds = [], []
    predict, fit = LSTMRegressor.predict, LSTMRegressor.fit

    def counting_predict(self, X, **kwargs):
        windows.append(len(X))
        return predict(self, X, **kwargs)

    def timed_fit(self, *fit_args, **kwargs):
        start = time.perf_counter()
        result = fit(self, *fit_args, **kwargs)
        fit_seconds.append(time.perf_counter() - start)
        return result

    LSTMRegressor.predict = counting_predict
    recursive_forecast(model, panel, args.steps)  # warm-up, counted
    LSTMRegressor.predict = predict
    start = time.perf_counter()
    forecast = recursive_forecast(model, panel, args.steps)
    forecast_seconds = time.perf_counter() - start

    LSTMRegressor.fit = timed_fit
    start = time.perf_counter()
    scores = backtest(
        model,
        X,
        Y[:, 0],
        initial_train_size=args.initial,
        horizon=args.steps,
        step=args.step,
        refit=False,
        baselines=(),
    )
    backtest_seconds = time.perf_counter() - start
    LSTMRegressor.fit = fit
    result = {
        "sklstm": sklstm.__file__,
        "forecast_seconds": forecast_seconds,
        "windows_per_step": sorted(set(windows)),
        "backtest_seconds": backtest_seconds,
        "backtest_fit_seconds": sum(fit_seconds),
        "origins": int(scores["origin"].nunique()),
        "forecast": forecast["forecast"].tolist(),
        "backtest_forecast": np.asarray(scores["y_pred"], dtype=float).tolist(),
    }
    print(json.dumps(result))


def run_child(checkout, argv):
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1")
    output = subprocess.run(
        [sys.executable, __file__, "--child", *argv],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def largest_relative_difference(a, b):
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--window", type=int, default=24)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--initial", type=int, default=150)
    parser.add_argument("--step", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", type=Path, nargs="*", default=[])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args)
        return
    sizes = ["series", "rows", "window", "hidden", "steps", "initial", "step"]
    argv = [f"--{name}={getattr(args, name)}" for name in sizes]
    # The first checkout is the reference of the ratios.
    checkouts = {str(path): path.resolve() for path in args.against} | {"this": ROOT}
    names = list(checkouts)
    results = {name: [] for name in names}
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(run_child(checkouts[name], argv))
    print(
        f"{args.series} series x {args.rows} rows, window {args.window}, hidden "
        f"{args.hidden}, {args.steps} steps; {args.repeats} repeats, one thread"
    )
    for name, runs in results.items():
        print(f"{name}: sklstm from {runs[0]['sklstm']}")
        print(f"  windows predicted per step: {runs[0]['windows_per_step']}")
        for key in ["forecast_seconds", "backtest_seconds", "backtest_fit_seconds"]:
            values = [run[key] for run in runs]
            print(
                f"  {key}: median {statistics.median(values):.3f} "
                f"({', '.join(f'{v:.3f}' for v in values)})"
            )
        print(f"  backtest origins: {runs[0]['origins']}")
    reference = results[names[0]]
    for name in names[1:]:
        print(f"{name} / {names[0]}, medians of the per-repeat ratios:")
        runs = results[name]
        for key in ["forecast_seconds", "backtest_seconds"]:
            ratios = [b[key] / a[key] for a, b in zip(reference, runs, strict=True)]
            print(f"  {key}: {statistics.median(ratios):.4f}")
        beyond = [
            (b["backtest_seconds"] - b["backtest_fit_seconds"])
            / (a["backtest_seconds"] - a["backtest_fit_seconds"])
            for a, b in zip(reference, runs, strict=True)
        ]
        print(f"  backtest beyond its fit: {statistics.median(beyond):.4f}")
        for key in ["forecast", "backtest_forecast"]:
            difference = largest_relative_difference(runs[0][key], reference[0][key])
            print(f"  {key}: largest relative difference {difference:.2e}")


if __name__ == "__main__":
    main()
