"""How accurate is sklstm: the default pipeline against classical forecasts.

On every series of ``_accuracy_series.load_collection`` (29 real series,
yearly to half-hourly), a model is fitted on the first 80 % and forecasts
the rest from its true history:

- one step ahead from every origin in the test part (RMSE);
- 12 steps ahead from every test origin whose 12 targets exist (MASE, scaled
  by the training part's in-sample seasonal naive MAE, Hyndman & Koehler
  2006), recursively (the one-step model fed its own forecasts) and directly
  (a multi-output model trained on ``make_horizon_targets``);

next to anchors on the same splits: naive, seasonal naive, a linear AR on the
same windows, and statsforecast's AutoETS and AutoARIMA (fitted once on the
training part, forecasting each origin's true history without refitting).
Then one global model over 8 raw quarterly macro series (8-quarter hold-out,
mean MASE) and over the shipped M1 yearly panel (6-year hold-out, sMAPE).

The model is ``make_model(window, seed, horizon)``: by default the README's
pipeline ``StandardScaler -> SlidingWindow(window) -> LSTMRegressor(
random_state=seed)`` with ``window`` two seasons (at least 8). Other scripts
can import ``evaluate`` and pass their own. The classical anchors' forecasts
are cached in ``results/``; run against any checkout with
``PYTHONPATH=/path/to/sklstm``::

    python benchmarks/bench_accuracy.py [--seeds 0 1] [--series NAME ...] [--quick]
        [--refresh-anchors] [--markdown FILE] [--plot FILE]
"""

import argparse
import inspect
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklstm
from sklstm import (
    LSTMRegressor,
    SlidingWindow,
    make_horizon_targets,
)

sys.path.insert(0, str(Path(__file__).parent))
from _accuracy_anchors import anchor_scores, panel_anchors, series_anchors
from _accuracy_protocol import (
    HORIZON,
    PANELS,
    as_frame,
    global_forecasts,
    linear_ar,
    load_panel,
    mase_scale,
    panel_scores,
    panel_split,
    recursive_forecasts,
    rmse,
    split,
    targets,
    window_for,
)
from _accuracy_report import plot, report
from _accuracy_series import QUICK, load_collection

__all__ = [
    "anchor_scores",
    "default_model",
    "evaluate",
    "evaluate_panels",
    "fit_series",
    "linear_ar",
    "load_collection",
    "panel_anchors",
    "plot",
    "report",
    "series_anchors",
    "window_for",
]


def default_model(window, seed, horizon=1):
    """The README's pipeline at its defaults (``horizon`` outputs follow ``y``)."""
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("lstm", LSTMRegressor(random_state=seed)),
        ]
    )
    # The scaler keeps a panel's index, so that SlidingWindow windows each series.
    return model.set_output(transform="pandas")


class _RidgeCore(LSTMRegressor):
    """The default model with its recurrent part switched off after fitting.

    In the target's frame (``level="auto"``) the network's output is the ridge
    autoregression plus the recurrent head's; zeroing the head leaves the
    autoregression alone: the model's own linear core, to show what the
    recurrent part adds.
    """

    def fit(self, X, y):
        super().fit(X, y)
        with torch.no_grad():
            self.net_.module_.head.weight.zero_()
            self.net_.module_.head.bias.zero_()
        return self


def core_model(window, seed, horizon=1):
    """``default_model`` with the recurrent part off: its linear core alone."""
    model = default_model(window, seed, horizon)
    return model.set_params(lstm=_RidgeCore(random_state=seed))


def gaussian_model(window, seed, horizon=1):
    """``default_model`` with ``loss="gaussian"``: its 90 % intervals are scored."""
    model = default_model(window, seed, horizon)
    return model.set_params(lstm__loss="gaussian")


MODELS = {"default": default_model, "core": core_model, "gaussian": gaussian_model}


def _accepts_horizon(make_model):
    return "horizon" in inspect.signature(make_model).parameters


def _build(make_model, window, seed, horizon):
    if _accepts_horizon(make_model):
        return make_model(window, seed, horizon=horizon)
    return make_model(window, seed)


def fit_series(make_model, record, seed, multi_step=True):
    """Fit one model on a series' training part; forecast its test part.

    Returns
    -------
    result : dict
        ``one_step`` (forecasts at the one-step origins), ``recursive`` and
        ``direct`` (``(n_origins, 12)``, or None), ``fit_seconds`` (one-step
        model), ``std`` (one-step predicted std, if the model gives one).
    """
    values = record.values.to_numpy(dtype=np.float64)
    window = window_for(record.season_length)
    n_train, origins, origins_h = split(len(values))
    X, Y = make_horizon_targets(as_frame(values[:n_train]), horizon=1)
    model = _build(make_model, window, seed, 1)
    start = time.perf_counter()
    model.fit(X, Y.ravel())
    fit_seconds = time.perf_counter() - start
    whole = as_frame(values)
    one_step = np.asarray(model.predict(whole), dtype=np.float64).ravel()[origins]
    result = {"one_step": one_step, "fit_seconds": fit_seconds}
    result["std"] = _predicted_std(model, whole, origins)
    result["recursive"] = result["direct"] = None
    if multi_step:
        result["recursive"] = recursive_forecasts(
            model, values, origins_h, window, HORIZON, check=one_step[: len(origins_h)]
        )
        X, Y = make_horizon_targets(as_frame(values[:n_train]), horizon=HORIZON)
        model = _build(make_model, window, seed, HORIZON).fit(X, Y)
        prediction = np.asarray(model.predict(whole), dtype=np.float64)
        result["direct"] = prediction.reshape(len(values), HORIZON)[origins_h]
    return result


def _predicted_std(model, whole, origins):
    """The one-step predicted standard deviation, or None if the model has none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, std = model.predict(whole, return_std=True)
    except (TypeError, ValueError, AttributeError):
        return None
    return np.asarray(std, dtype=np.float64).ravel()[origins]


def evaluate(
    make_model=default_model,
    records=None,
    seeds=(0, 1),
    horizon=HORIZON,
    multi_step=True,
):
    """Score ``make_model`` on every series and seed.

    Parameters
    ----------
    make_model : callable, default=default_model
        ``make_model(window, seed)`` (or ``make_model(window, seed,
        horizon=h)``) returns an unfitted regressor reading 2-D rows (the
        series as one column ``"value"``) whose target is the next value
        (``horizon`` next values for the direct model).
    records : list of Series, default=None
        The series; None: ``load_collection()``.
    seeds : tuple of int, default=(0, 1)
    horizon : int, default=12
        Only 12 is cached for the anchors.
    multi_step : bool, default=True
        Also score 12-step recursive and direct forecasts.

    Returns
    -------
    scores : DataFrame
        One row per series and seed: ``rmse`` (one step), ``mase_recursive``,
        ``mase_direct``, ``fit_seconds`` (the one-step model), ``coverage``
        (of the one-step 90 % normal interval, NaN without ``return_std``).
    """
    if horizon != HORIZON:
        raise ValueError(f"horizon={horizon}: the anchors are computed for {HORIZON}.")
    records = load_collection() if records is None else records
    rows = []
    for record in records:
        values = record.values.to_numpy(dtype=np.float64)
        n_train, origins, origins_h = split(len(values))
        truth = values[origins + 1]
        truth_h = targets(values, origins_h, HORIZON)
        scale = mase_scale(values[:n_train], record.season_length)
        for seed in seeds:
            start = time.perf_counter()
            result = fit_series(make_model, record, seed, multi_step=multi_step)
            row = {
                "series": record.name,
                "seed": seed,
                "rmse": rmse(truth, result["one_step"]),
            }
            row["fit_seconds"] = result["fit_seconds"]
            for kind in ("recursive", "direct"):
                row[f"mase_{kind}"] = np.nan
                if result[kind] is not None:
                    error = np.abs(truth_h - result[kind])
                    row[f"mase_{kind}"] = float(np.mean(error) / scale)
            row["coverage"] = np.nan
            if result["std"] is not None:
                inside = np.abs(truth - result["one_step"]) <= 1.6449 * result["std"]
                row["coverage"] = float(np.mean(inside))
            rows.append(row)
            print(
                f"  {record.name:<18} seed {seed}: RMSE {row['rmse']:.4g}, "
                f"MASE rec {row['mase_recursive']:.3f} dir {row['mase_direct']:.3f}, "
                f"fit {row['fit_seconds']:.1f} s, "
                f"all {time.perf_counter() - start:.1f} s",
                flush=True,
            )
    return pd.DataFrame(rows)


def evaluate_panels(make_model=default_model, seeds=(0, 1)):
    """One global ``make_model`` per panel and seed: its score and fit time."""
    rows = []
    for name, (kind, holdout, season, metric) in PANELS.items():
        history, future = panel_split(load_panel(kind), holdout)
        for seed in seeds:
            model = _build(make_model, window_for(season), seed, 1)
            forecast, seconds = global_forecasts(model, history, holdout)
            score = panel_scores(forecast, history, future, season, metric)
            rows.append(
                {"panel": name, "seed": seed, "metric": metric, "score": score}
                | {"fit_seconds": seconds}
            )
            print(f"  {name} seed {seed}: {metric} {score:.3f}, fit {seconds:.1f} s")
    return pd.DataFrame(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--series", nargs="+", default=None)
    parser.add_argument("--quick", action="store_true", help="8 series, one step")
    parser.add_argument("--refresh-anchors", action="store_true")
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--scores", type=Path, default=None, help="raw scores, CSV")
    parser.add_argument("--label", default=None, help="what the checkout is")
    parser.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="default",
        help="the default pipeline, its linear core (recurrent part off), or the "
        "default with loss='gaussian' (scores its 90 % intervals)",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    names = list(QUICK) if args.quick and args.series is None else args.series
    records = load_collection(names)
    header = _checkout(args.label)
    print(header)
    print(f"{len(records)} series, seeds {args.seeds}; anchors", flush=True)
    anchors = series_anchors(records, refresh=args.refresh_anchors)
    anchor_table = anchor_scores(records, anchors)
    print("model", flush=True)
    make_model = MODELS[args.model]
    scores = evaluate(
        make_model, records, seeds=tuple(args.seeds), multi_step=not args.quick
    )
    panel_results = panel_anchor_scores = None
    if not args.quick and args.series is None:
        print("panels", flush=True)
        panel_anchor_scores = panel_anchors(refresh=args.refresh_anchors)
        panel_results = evaluate_panels(make_model, seeds=tuple(args.seeds))
    text = report(records, scores, anchor_table, panel_results, panel_anchor_scores)
    minutes = (time.perf_counter() - start) / 60
    text = f"{header}, seeds {args.seeds}; total run time {minutes:.1f} min.\n\n{text}"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.plot:
        plot(records, scores, anchor_table, args.plot)
    if args.scores:
        pd.concat([scores, panel_results]).to_csv(args.scores, index=False)


def _checkout(label):
    """Which sklstm ran: version, git commit (``+`` if modified), date.

    The folder is left out: the table is published, and a machine's path
    says nothing to its readers.
    """
    folder = Path(sklstm.__file__).parent
    try:
        commit = subprocess.run(
            [
                "git",
                "--no-optional-locks",
                "-C",
                str(folder),
                "describe",
                "--always",
                "--dirty=+",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "not a git checkout"
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    what = f"sklstm {sklstm.__version__} ({commit})"
    if label:
        what += f", {label}"
    return f"Measured {date} with {what}, torch {torch.__version__}"


if __name__ == "__main__":
    main()
