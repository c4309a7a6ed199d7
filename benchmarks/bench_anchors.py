"""The classical anchors' cost, and the coverage of backtest's seeded intervals.

``--part timing``: seconds of the "ets" and "arima" baselines (statsforecast's
AutoETS/AutoARIMA) in a backtest of 500 points and 100 one-step origins,
with ``refit`` False (one fit rolled forward with ``forward``), 10 and True
(one fit per origin), seasons 1 and 12. The first call, numba's compilation,
is timed apart.

``--part coverage``: 90 % conformal intervals of ``backtest`` on CO2, El
Niño and yearly sunspots (statsmodels), last 40 % of each series, one fit
(``refit=False``) of a linear AR(12) or a small LSTM pipeline, horizons 1 and
6 (recursive): coverage, mean width and NaN bounds of the seeded intervals
(errors of the training tail first) against the unseeded ones (the
backtest's own errors only, as in sklstm 0.1).

    python benchmarks/bench_anchors.py --part timing
    python benchmarks/bench_anchors.py --part coverage
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LSTMRegressor, SlidingWindow, backtest
from sklstm.datasets import load_co2, load_elnino
from sklstm.forecasting._conformal import adaptive_conformal


def flatten(X):
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def linear_ar(window=12):
    return Pipeline(
        [
            ("window", SlidingWindow(window)),
            ("flatten", FunctionTransformer(flatten)),
            ("linear", LinearRegression()),
        ]
    )


def small_lstm(window=12):
    lstm = LSTMRegressor(hidden_size=16, max_epochs=30, random_state=0, n_threads=1)
    return Pipeline([("window", SlidingWindow(window)), ("lstm", lstm)])


def timing():
    rng = np.random.RandomState(0)
    t = np.arange(501)
    series = np.cumsum(rng.normal(size=501)) + 5 * np.sin(2 * np.pi * t / 12)
    X, y = series[:-1], series[1:]
    start = time.perf_counter()
    backtest(LinearRegression(), X[:60], y[:60], initial_train_size=50,
             baselines=("ets", "arima"), season_length=12)  # fmt: skip
    print(f"first call (numba compilation): {time.perf_counter() - start:.1f} s")
    rows = []
    for season in (1, 12):
        for refit in (False, 10, True):
            for name in ("ets", "arima"):
                start = time.perf_counter()
                backtest(
                    LinearRegression(),
                    X,
                    y,
                    initial_train_size=400,
                    refit=refit,
                    baselines=(name,),
                    season_length=season,
                )
                seconds = time.perf_counter() - start
                rows.append((name, season, refit, seconds))
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows, columns=["baseline", "season", "refit", "seconds"])
    print(table.pivot(index=["season", "refit"], columns="baseline").round(2))


def sunspots():
    import statsmodels.api as sm

    data = sm.datasets.sunspots.load_pandas().data
    index = pd.PeriodIndex(data["YEAR"].astype(int), freq="Y")
    return pd.Series(data["SUNACTIVITY"].to_numpy(), index=index, name="sunspots")


def scores(results, lower, upper):
    inside = (results["y_true"] >= lower) & (results["y_true"] <= upper)
    bounded = ~(np.isnan(lower) | np.isnan(upper))
    return {
        "coverage": inside[bounded].mean(),
        "width": (upper - lower)[bounded].mean(),
        "nan": int((~bounded).sum()),
    }


def coverage():
    rows = []
    series_list = {"co2": load_co2(), "elnino": load_elnino(), "sunspots": sunspots()}
    for name, series in series_list.items():
        X = series.to_frame().iloc[:-1]
        y = series.to_numpy()[1:]
        first = int(0.6 * len(y))
        for model_name, model in (
            ("linear AR(12)", linear_ar()),
            ("LSTM", small_lstm()),
        ):
            for horizon in (1, 6):
                start = time.perf_counter()
                results = backtest(
                    model,
                    X,
                    y,
                    initial_train_size=first,
                    horizon=horizon,
                    refit=False,
                    baselines=(),
                    interval=0.9,
                )
                seconds = time.perf_counter() - start
                truth = results["y_true"].to_numpy().reshape(-1, horizon)
                pred = results["y_pred"].to_numpy().reshape(-1, horizon)
                origins = results["origin"].to_numpy()[::horizon]
                old_lower, old_upper = adaptive_conformal(truth, pred, origins, 0.1)
                for step in sorted({1, horizon}):
                    rows_step = results["step"] == step
                    part = results[rows_step]
                    new = scores(part, part["lower"], part["upper"])
                    old = scores(part, old_lower[:, step - 1], old_upper[:, step - 1])
                    rows.append(
                        {
                            "series": name,
                            "model": model_name,
                            "horizon": horizon,
                            "step": step,
                            "origins": len(part),
                            **{f"{k} seeded": v for k, v in new.items()},
                            **{f"{k} 0.1": v for k, v in old.items()},
                            "seconds": seconds,
                        }
                    )
                    print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["timing", "coverage"], required=True)
    part = parser.parse_args().part
    timing() if part == "timing" else coverage()
