"""Which scaling to use: the numbers behind the forecasting guide's table.

Single series (the 29 series of ``bench_accuracy.py``, one-step RMSE over
the last 20 %, geometric mean of the ratio to AutoETS, seed 0): the README's
pipeline ``StandardScaler -> SlidingWindow -> LSTMRegressor()``; the same
without the scaler; and inside a ``TransformedTargetRegressor`` that scales
the target too.

Panels (one global model, raw values, the last ``h`` points of every series
forecast recursively; mean sMAPE and MASE over series, seeds 0 and 1): the
default ``SlidingWindow -> LSTMRegressor()``; ``PerSeriesScaler`` as a
pipeline step in front (inputs scaled per series, target raw); the log
recipe (the logarithm of inputs and target, positive panels only). Panels:
8 quarterly macro columns (8-quarter hold-out, window 8), the M1 yearly
competition (6-year hold-out, window 6), 192 fertility series (6-year
hold-out, window 8).

    python benchmarks/bench_scaling.py [--seeds 0 1] [--skip-series]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import (
    LSTMRegressor,
    PerSeriesScaler,
    SlidingWindow,
    make_horizon_targets,
    recursive_forecast,
)
from sklstm.datasets import load_fertility, load_m1_yearly

sys.path.insert(0, str(Path(__file__).parent))
from _accuracy_anchors import anchor_scores, series_anchors
from _accuracy_protocol import load_panel
from _accuracy_series import load_collection
from bench_accuracy import evaluate


def _readme(window, seed):
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("lstm", LSTMRegressor(random_state=seed)),
        ]
    ).set_output(transform="pandas")


def _no_scaler(window, seed):
    return Pipeline(
        [
            ("window", SlidingWindow(window=window)),
            ("lstm", LSTMRegressor(random_state=seed)),
        ]
    )


class _ScaledTarget(TransformedTargetRegressor):
    """The README pipeline with its target scaled too (indexable like it)."""

    def __getitem__(self, key):
        return self.regressor_[key]


def _scaled_target(window, seed):
    return _ScaledTarget(regressor=_readme(window, seed), transformer=StandardScaler())


SERIES_VARIANTS = {
    "StandardScaler -> SlidingWindow -> LSTMRegressor (README)": _readme,
    "SlidingWindow -> LSTMRegressor (no scaler)": _no_scaler,
    "README pipeline in TransformedTargetRegressor(StandardScaler)": _scaled_target,
}


def series_table(seed):
    records = load_collection()
    anchors = anchor_scores(records, series_anchors(records))
    rows = {}
    for name, make in SERIES_VARIANTS.items():
        scores = evaluate(make, records, seeds=(seed,), multi_step=False)
        rmse = scores.set_index("series")["rmse"]
        ratio = rmse / anchors["rmse_ets"].reindex(rmse.index)
        rows[name] = {"RMSE / AutoETS (geometric mean)": np.exp(np.log(ratio).mean())}
        print(name, rows[name], flush=True)
    return pd.DataFrame(rows).T


def _log_pipeline(window, estimator):
    log = FunctionTransformer(np.log, np.exp, feature_names_out="one-to-one")
    return TransformedTargetRegressor(
        make_pipeline(log, SlidingWindow(window), estimator),
        func=np.log,
        inverse_func=np.exp,
    )


PANEL_VARIANTS = {
    "default (raw values)": lambda w, e: make_pipeline(SlidingWindow(w), e),
    "PerSeriesScaler as a step (deprecated)": lambda w, e: make_pipeline(
        PerSeriesScaler(), SlidingWindow(w), e
    ),
    "log recipe (positive panels)": _log_pipeline,
}


def panel_scores(values, horizon, window, make, seed):
    """Mean sMAPE and MASE of one global model's recursive forecasts."""
    history = values.groupby(level=0, sort=False).head(-horizon).to_frame("value")
    truth = values.groupby(level=0, sort=False).tail(horizon).to_numpy()
    truth = truth.reshape(-1, horizon)
    X, Y = make_horizon_targets(history, horizon=1)
    model = make(window, LSTMRegressor(random_state=seed))
    start = time.perf_counter()
    model.fit(X, Y.ravel())
    seconds = time.perf_counter() - start
    forecast = recursive_forecast(model, history, steps=horizon)["forecast"]
    forecast = forecast.to_numpy().reshape(-1, horizon)
    steps = history.groupby(level=0, sort=False)["value"].apply(
        lambda s: np.mean(np.abs(np.diff(s.to_numpy())))
    )
    mase = np.mean(np.abs(truth - forecast).mean(axis=1) / steps.to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        smape = np.nanmean(
            200 * np.abs(truth - forecast) / (np.abs(truth) + np.abs(forecast))
        )
    return smape, mase, seconds


def _panels():
    macro = load_panel("macro")
    return {
        "macro (8 quarterly columns)": (macro, 8, 8, False),
        "M1 yearly (181 series)": (load_m1_yearly(), 6, 6, True),
        "fertility (192 series)": (load_fertility(), 6, 8, True),
    }


def panel_table(seeds):
    rows = []
    for panel, (values, horizon, window, positive) in _panels().items():
        for variant, make in PANEL_VARIANTS.items():
            if variant.startswith("log") and not positive:
                continue
            for seed in seeds:
                smape, mase, seconds = panel_scores(values, horizon, window, make, seed)
                rows.append(
                    {
                        "panel": panel,
                        "variant": variant,
                        "seed": seed,
                        "sMAPE": smape,
                        "MASE": mase,
                        "fit s": seconds,
                    }
                )
                print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--skip-series", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*max_epochs.*")
    if not args.skip_series:
        print(series_table(args.seeds[0]).to_markdown(floatfmt=".3f"))
    table = panel_table(args.seeds)
    summary = table.pivot_table(
        index=["panel", "variant"], columns="seed", values=["sMAPE", "MASE"]
    )
    print(summary.to_markdown(floatfmt=".3g"))


if __name__ == "__main__":
    main()
