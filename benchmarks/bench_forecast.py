"""One-step forecasts of real series: the README's pipeline against baselines.

Each series is split in time: the model is fitted on the first 80 % of the
rows and predicts every later row from its real history (the windows of the
held-out rows reach back into the training rows). Reported: RMSE of the
LSTM pipeline, of the naive forecast (last value), the seasonal naive one
and a linear AR on the same windows, and the fit time.

    python benchmarks/bench_forecast.py [--seeds 0 1 2] [--level ar last none]
"""

import argparse
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import LSTMRegressor, SlidingWindow
from sklstm.datasets import load_elnino


def _co2():
    weekly = sm.datasets.co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate().rename("co2")


def _sunspots():
    data = sm.datasets.sunspots.load_pandas().data
    index = pd.PeriodIndex(data["YEAR"].astype(int).astype(str), freq="Y")
    return pd.Series(data["SUNACTIVITY"].to_numpy(), index=index, name="sunspots")


def _macro(column):
    data = sm.datasets.macrodata.load_pandas().data
    index = pd.PeriodIndex.from_fields(
        year=data["year"].astype(int), quarter=data["quarter"].astype(int), freq="Q"
    )
    return pd.Series(data[column].to_numpy(), index=index, name=column)


def _nile():
    data = sm.datasets.nile.load_pandas().data
    index = pd.PeriodIndex(data["year"].astype(int).astype(str), freq="Y")
    return pd.Series(data["volume"].to_numpy(), index=index, name="nile")


SERIES = {
    "co2": (_co2, 12),
    "elnino": (load_elnino, 12),
    "sunspots": (_sunspots, 11),
    "realgdp": (lambda: _macro("realgdp"), 4),
    "cpi": (lambda: _macro("cpi"), 4),
    "nile": (_nile, 1),
}


def _flatten(windows):
    return windows.reshape(len(windows), -1)


def readme_pipeline(window, level, seed, scaler):
    steps = [("window", SlidingWindow(window=window))]
    if scaler:
        steps.insert(0, ("scale", StandardScaler()))
    lstm = LSTMRegressor(
        hidden_size=64, max_epochs=200, random_state=seed, n_threads=1, level=level
    )
    return Pipeline([*steps, ("lstm", lstm)])


def evaluate(name, window, levels, seeds, scaler, test_fraction=0.2):
    load, season = SERIES[name]
    series = load()
    X, y = series.to_frame().iloc[:-1], series.to_numpy()[1:]
    n_train = round(len(y) * (1 - test_fraction))
    y_test = y[n_train:]
    last = X.iloc[:, 0].to_numpy()
    seasonal = np.r_[np.full(season - 1, np.nan), last[: len(last) - season + 1]]
    linear = make_pipeline(
        StandardScaler(),
        SlidingWindow(window=window),
        FunctionTransformer(_flatten),
        LinearRegression(),
    ).fit(X.iloc[:n_train], y[:n_train])
    rows = {
        "naive": root_mean_squared_error(y_test, last[n_train:]),
        "seasonal naive": root_mean_squared_error(y_test, seasonal[n_train:]),
        f"linear AR({window})": root_mean_squared_error(
            y_test, linear.predict(X)[n_train:]
        ),
    }
    times = {}
    for level in levels:
        scores, seconds = [], []
        for seed in seeds:
            pipe = readme_pipeline(window, level, seed, scaler)
            start = time.perf_counter()
            pipe.fit(X.iloc[:n_train], y[:n_train])
            seconds.append(time.perf_counter() - start)
            scores.append(root_mean_squared_error(y_test, pipe.predict(X)[n_train:]))
        rows[f"LSTM level={level}"] = float(np.median(scores))
        rows[f"LSTM level={level} (min..max)"] = f"{min(scores):.4g}..{max(scores):.4g}"
        times[level] = float(np.median(seconds))
    return rows, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(SERIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--level", nargs="+", default=["ar", "last", "none"])
    parser.add_argument("--window", type=int, default=24)
    parser.add_argument("--scaler", action="store_true", help="StandardScaler first")
    args = parser.parse_args()
    levels = [None if level == "none" else level for level in args.level]
    for name in args.series:
        rows, times = evaluate(name, args.window, levels, args.seeds, args.scaler)
        naive = rows["naive"]
        print(f"\n{name}: RMSE on the last 20 % (ratio to naive); fit s {times}")
        for model, value in rows.items():
            if isinstance(value, str):
                print(f"  {model:32s} {value}")
            else:
                print(f"  {model:32s} {value:10.4g}  {value / naive:6.3f}")


if __name__ == "__main__":
    main()
