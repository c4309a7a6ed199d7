"""The report of ``bench_accuracy.py``: markdown tables and the plot."""

import numpy as np
import pandas as pd
from _accuracy_protocol import window_for


def _geometric_mean(ratios):
    return float(np.exp(np.mean(np.log(ratios))))


def one_step_table(records, scores, anchor_table):
    """Per series: one-step RMSE ratios (mean over seeds), seed spread, fit time."""
    rows = []
    for record in records:
        mine = scores[scores["series"] == record.name]
        anchor = anchor_table.loc[record.name]
        rmse = mine["rmse"]
        row = {"series": record.name, "frequency": record.frequency, "n": len(record)}
        row["window"] = window_for(record.season_length)
        for method, label in ONE_STEP_ANCHORS:
            row[f"RMSE / {label}"] = (rmse / anchor[f"rmse_{method}"]).mean()
        row["seed spread %"] = 100 * (rmse.max() - rmse.min()) / rmse.mean()
        row["fit s"] = mine["fit_seconds"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def multi_step_table(records, scores, anchor_table):
    """Per series: 12-step MASE of the model (mean over seeds) and of the anchors."""
    rows = []
    for record in records:
        mine = scores[scores["series"] == record.name]
        anchor = anchor_table.loc[record.name]
        best = min(anchor["mase_ets"], anchor["mase_arima"])
        row = {"series": record.name}
        row["recursive"] = mine["mase_recursive"].mean()
        row["direct"] = mine["mase_direct"].mean()
        for method, label in MULTI_STEP_ANCHORS:
            row[label] = anchor[f"mase_{method}"]
        row["recursive / best of ETS, ARIMA"] = row["recursive"] / best
        row["direct / best of ETS, ARIMA"] = row["direct"] / best
        rows.append(row)
    return pd.DataFrame(rows)


ONE_STEP_ANCHORS = [
    ("ets", "AutoETS"),
    ("arima", "AutoARIMA"),
    ("linear_ar", "linear AR"),
    ("naive", "naive"),
]
MULTI_STEP_ANCHORS = [
    ("naive", "naive"),
    ("seasonal_naive", "seasonal naive"),
    ("linear_ar", "linear AR"),
    ("ets", "AutoETS"),
    ("arima", "AutoARIMA"),
]


def summary_table(scores, anchor_table):
    """Geometric means over series of the ratios, per seed; worst series vs AR."""
    rows = []
    for seed, mine in scores.groupby("seed"):
        anchor = anchor_table.loc[mine["series"]]
        rmse = mine["rmse"].to_numpy()
        row = {"seed": seed}
        for method, label in ONE_STEP_ANCHORS:
            row[f"RMSE / {label}"] = _geometric_mean(rmse / anchor[f"rmse_{method}"])
        best_mase = np.minimum(anchor["mase_ets"], anchor["mase_arima"]).to_numpy()
        for kind in ("recursive", "direct"):
            ratios = mine[f"mase_{kind}"].to_numpy() / best_mase
            row[f"MASE {kind} / best of ETS, ARIMA"] = (
                _geometric_mean(ratios) if np.isfinite(ratios).all() else np.nan
            )
        to_ar = rmse / anchor["rmse_linear_ar"].to_numpy()
        worst = int(np.argmax(to_ar))
        row["worst vs linear AR"] = f"{mine['series'].iloc[worst]} {to_ar[worst]:.2f}"
        if mine["coverage"].notna().any():
            row["90 % coverage"] = mine["coverage"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def panel_table(panel_results, panel_anchor_scores):
    rows = []
    for name, mine in panel_results.groupby("panel", sort=False):
        row = {"panel": name, "metric": mine["metric"].iloc[0]}
        for seed, score in zip(mine["seed"], mine["score"], strict=True):
            row[f"sklstm seed {seed}"] = score
        for method, label in [
            ("naive", "naive"),
            ("ets", "AutoETS"),
            ("arima", "AutoARIMA"),
            ("linear_ar", "global linear AR"),
        ]:
            row[label] = panel_anchor_scores.loc[name, method]
        row["fit s"] = mine["fit_seconds"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def _markdown(table):
    return table.to_markdown(index=False, floatfmt=".3g")


def plot(records, scores, anchor_table, path):
    """RMSE ratio to the better of AutoETS/AutoARIMA per series, a dot per seed."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    best = anchor_table[["rmse_ets", "rmse_arima"]].min(axis=1)
    ratio = scores["rmse"].to_numpy() / best.loc[scores["series"]].to_numpy()
    order = (
        pd.Series(ratio, index=scores["series"]).groupby(level=0).mean().sort_values()
    )
    position = {name: i for i, name in enumerate(order.index)}
    figure, axes = plt.subplots(figsize=(7, 0.28 * len(order) + 1.5))
    for seed, mine in scores.groupby("seed"):
        rows = (scores["seed"] == seed).to_numpy()
        axes.scatter(
            ratio[rows],
            [position[name] for name in mine["series"]],
            s=18,
            label=f"sklstm default, seed {seed}",
        )
    linear = anchor_table.loc[order.index, "rmse_linear_ar"] / best.loc[order.index]
    axes.scatter(linear, range(len(order)), marker="x", c="k", label="linear AR")
    axes.axvline(1, color="grey", lw=1)
    axes.set_xscale("log")
    low, high = min(ratio.min(), linear.min()), max(ratio.max(), linear.max())
    candidates = (0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10)
    ticks = [t for t in candidates if low / 1.2 < t < high * 1.2]
    axes.set_xticks(ticks, [f"{t:g}" for t in ticks])
    axes.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.set_yticks(range(len(order)), order.index, fontsize=8)
    axes.set_xlabel("one-step RMSE / RMSE of the better of AutoETS and AutoARIMA")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def report(records, scores, anchor_table, panel_results=None, panel_anchor_scores=None):
    """The whole report as markdown."""
    parts = [
        "One step ahead, per series: the model's one-step RMSE divided by each "
        "anchor's (mean over seeds); seed spread: (max - min) / mean RMSE over "
        "seeds; fit: seconds per fit (one-step model, mean over seeds).",
        _markdown(one_step_table(records, scores, anchor_table)),
    ]
    if scores["mase_recursive"].notna().any():  # not with --quick
        parts += [
            "12 steps ahead, per series: MASE (mean over seeds for the model) from "
            "every test origin with 12 targets.",
            _markdown(multi_step_table(records, scores, anchor_table)),
        ]
    summary = summary_table(scores, anchor_table).dropna(axis=1, how="all")
    parts += ["Geometric means over series of the ratios, per seed:"]
    parts += [_markdown(summary)]
    if panel_results is not None:
        parts += [
            "One global model per panel (raw values):",
            _markdown(panel_table(panel_results, panel_anchor_scores)),
        ]
    return "\n\n".join(parts) + "\n"
