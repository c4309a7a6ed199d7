"""Backtest cost beyond its one fit: 100 origins, refit=False, vs one predict.

With ``refit=False`` a backtest fits its estimator once; everything else it
does (predicting 100 origins, the default baselines, conformal bounds, the
result frame) is its own cost, which the target bounds by twice one
``predict`` over the same rows (from ``window - 1`` rows before the first
origin to the last one). For each case this times, alternating:

- backtest: ``sklstm.backtest(pipe, ..., refit=False)`` over 100 origins
  with the default baselines (naive, seasonal-naive with the hourly index's
  season 24, linear), with and without ``interval=0.9``; the seconds spent
  in the LSTM's own ``fit`` inside it are recorded on the side (cloning the
  pipeline and its SlidingWindow's fit stay in the backtest's cost);
- one predict: the same pipeline, fitted on the same rows beforehand,
  predicting those rows once.

and reports, per repeat, ``(backtest - its fit) / one predict``, the median
over repeats. Cases: one-step (1-D ``y``, ``horizon=1``); recursive (1-D
``y``, ``horizon=12``: each step predicts all origins, so 12 predicts is
the least it can do, and the ratio is given per predict too); direct (2-D
``Y`` from ``make_horizon_targets``, ``horizon=12``). The data is a random
walk with an hour-of-day covariate on an hourly DatetimeIndex; the pipeline
is ``SlidingWindow(window)`` + ``LSTMRegressor(hidden_size, max_epochs=1)``
on the CPU, one thread, sizes (window 16, hidden 16) and (window 24, hidden
64).

Measured on the shared 2-core machine (load 3 to 7), two runs of 5 and 7
repeats, ratio (backtest - its fit) / one predict at hidden 16, window 16
(hidden 64, window 24), default baselines:

- one-step: 2.9-3.6 before, 3.3-4.6 after (2.7-3.3; 1.9-2.3); with
  interval=0.9 4.2-4.3, 4.9-5.9 (3.2-3.3; 2.5-3.7);
- recursive, 12 steps: 825 before, 7-17 after, i.e. 0.6-1.4 per predict
  (674; 10-18); with an interval 833, 17-20 (606; 9-15);
- direct, 12 steps: 6.5-8.3 before, 3.4-5.0 after (6.4-7.2; 3.1-4.0);
  with an interval 14-18, 3.5-7.2 (7.8-16; 2.0-4.2).

Most of what one-step and direct spend beyond their one predict is the
default linear baseline's own fit and predict (``--no-baselines`` leaves
it out); docs/benchmarks.md ("Backtests") has the details.

    python benchmarks/bench_backtest.py
    python benchmarks/bench_backtest.py --repeats 9 --sizes 16x16
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _harness import describe_machine, load_average, time_alternating
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from sklstm import LSTMRegressor, SlidingWindow, backtest, make_horizon_targets

N_ORIGINS = 100
N_TRAIN = 200
HORIZON = 12
FIT_SECONDS = []


class TimedLSTMRegressor(LSTMRegressor):
    """An LSTMRegressor that records how long each of its fits takes."""

    def fit(self, X, y, **fit_params):
        start = time.perf_counter()
        result = super().fit(X, y, **fit_params)
        FIT_SECONDS.append(time.perf_counter() - start)
        return result


def hourly_data(n_rows):
    """A random walk and an hour-of-day covariate, hourly, as one frame."""
    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=n_rows, freq="h")
    hours = np.arange(n_rows) % 24
    return pd.DataFrame(
        {
            "load": np.cumsum(rng.normal(size=n_rows)),
            "hour": np.sin(2 * np.pi * hours / 24),
        },
        index=index,
    )


def cases():
    """(name, X, y, horizon): the same 100 origins after N_TRAIN rows each."""
    # One-step and recursive: X[t] holds the target at t, y[t] the one at t + 1.
    frame = hourly_data(N_TRAIN + N_ORIGINS + HORIZON)
    X, y = frame.iloc[:-1], frame["load"].to_numpy()[1:]
    one_step = (X.iloc[: N_TRAIN + N_ORIGINS], y[: N_TRAIN + N_ORIGINS], 1)
    recursive = (X.iloc[: N_TRAIN + N_ORIGINS + HORIZON - 1], y, HORIZON)
    # Direct: the first training set needs HORIZON - 1 more rows.
    direct_frame = hourly_data(N_TRAIN + HORIZON - 1 + N_ORIGINS + HORIZON)
    X_direct, Y = make_horizon_targets(direct_frame, HORIZON, target="load")
    direct = (X_direct, Y, HORIZON)
    return {"one-step": one_step, "recursive": recursive, "direct": direct}


def time_case(pipe, X, y, horizon, interval, repeats, baselines):
    """Per repeat: backtest seconds, its fit's seconds, one predict's seconds."""
    initial = N_TRAIN + (y.shape[1] - 1 if y.ndim == 2 else 0)
    window = pipe.named_steps["window"].window
    train_stop = initial - (y.shape[1] - 1 if y.ndim == 2 else 0)
    fitted = clone(pipe).fit(X.iloc[:train_stop], y[:train_stop])
    span = X.iloc[initial - window + 1 : initial + N_ORIGINS]
    fits = []

    def run_backtest():
        FIT_SECONDS.clear()
        results = backtest(
            pipe,
            X,
            y,
            initial_train_size=initial,
            horizon=horizon,
            refit=False,
            interval=interval,
            target="load",
            known_future=["hour"],  # the hour of day: known in advance
            **baselines,
        )
        fits.append(sum(FIT_SECONDS))
        assert results["origin"].nunique() == N_ORIGINS
        return results

    contenders = {"backtest": run_backtest, "one predict": lambda: fitted.predict(span)}
    time_alternating(contenders, repeats=1)  # warm-up
    fits.clear()
    seconds = time_alternating(contenders, repeats)
    return seconds["backtest"], fits, seconds["one predict"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["16x16", "64x24"],
        help="hidden_size x window pairs, e.g. 16x16",
    )
    parser.add_argument(
        "--cases",
        nargs="+",
        default=["one-step", "recursive", "direct"],
        choices=["one-step", "recursive", "direct"],
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="baselines=(): the backtest's cost without the linear baseline's fit",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    # One BLAS thread too: on the shared 2-core machine OpenBLAS's two threads
    # made the linear baseline's lstsq (200 x 48) take 58 ms instead of 0.3 ms.
    threadpool_limits(1)
    describe_machine()
    warnings.simplefilter("ignore", UserWarning)  # 1 epoch: no convergence talk
    print(
        f"{N_ORIGINS} origins after {N_TRAIN} training rows, refit=False, "
        f"{'no' if args.no_baselines else 'default'} baselines; median of "
        f"{args.repeats} alternated repeats; times in ms"
    )
    print(
        f"{'size':<9} {'case':<10} {'interval':<8} {'backtest':>9} {'its fit':>8} "
        f"{'predict':>8} {'(bt-fit)/predict':>17} {'per predict':>12}"
    )
    baselines = {"baselines": ()} if args.no_baselines else {}
    for size in args.sizes:
        hidden, window = (int(part) for part in size.split("x"))
        lstm = TimedLSTMRegressor(
            hidden_size=hidden, max_epochs=1, random_state=0, n_threads=1
        )
        pipe = Pipeline([("window", SlidingWindow(window)), ("lstm", lstm)])
        for name, (X, y, horizon) in cases().items():
            if name not in args.cases:
                continue
            for interval in (None, 0.9):
                run, fit, predict = time_case(
                    pipe, X, y, horizon, interval, args.repeats, baselines
                )
                ratios = [
                    (r - f) / p for r, f, p in zip(run, fit, predict, strict=True)
                ]
                ratio = statistics.median(ratios)
                predicts = horizon if name == "recursive" else 1
                print(
                    f"h{hidden} w{window:<4} {name:<10} {interval!s:<8} "
                    f"{statistics.median(run) * 1e3:>9.1f} "
                    f"{statistics.median(fit) * 1e3:>8.1f} "
                    f"{statistics.median(predict) * 1e3:>8.2f} {ratio:>17.2f} "
                    f"{ratio / predicts:>12.2f}"
                )
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
