"""Errors of a backtest's forecasts and baselines per step, and of its intervals."""

import numpy as np
import pandas as pd

from ..utils._sklearn_compat import validate_params

__all__ = ["backtest_summary", "mase_scale"]


@validate_params(
    {"results": [pd.DataFrame], "by_series": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def backtest_summary(results, *, by_series=False):
    """Summarise the errors of the forecasts and baselines per step, and the intervals.

    Parameters
    ----------
    results : DataFrame
        Output of :func:`backtest`.
    by_series : bool, default=False
        For the results of a panel: one summary per series (index
        ``(series, step, model)``) instead of one over all the series.

    Returns
    -------
    summary : DataFrame
        Indexed by ``(step, model)``, ``model`` being ``"y_pred"`` and each
        baseline, with columns:

        - ``rmse``, ``mae``: root mean squared and mean absolute error;
        - ``smape``: symmetric mean absolute percentage error, in percent,
          the mean of ``200 |error| / (|y_true| + |y_pred|)``;
        - ``mase``: mean absolute scaled error (Hyndman & Koehler, 2006), the
          absolute errors divided by the in-sample mean absolute error of the
          seasonal naive forecast (season ``results.attrs["season_length"]``,
          the naive forecast when 1) over the targets observed by the first
          origin, per series for a panel; below 1 beats that naive forecast
          on its training data. NaN when ``results.attrs`` lacks the scale
          (results not made by :func:`backtest`);
        - ``relative_mae``: the absolute errors divided by the mean absolute
          error of the one-step ``"naive"`` baseline over the same origins,
          of the same series (NaN without that baseline). Versions up to
          0.1 called this column ``mase``, which it is not (a renamed column
          cannot warn: read ``relative_mae`` where ``mase`` was read);

        and, when the results have intervals, on the ``y_pred`` rows (NaN on
        the others; origins without bounds left out): ``coverage`` (share
        of truths inside the interval), ``mean_width`` and ``winkler``, the
        mean interval score of Winkler (1972) and Gneiting & Raftery (2007)
        at level ``1 - alpha = results.attrs["interval"]``: the width, plus
        ``2 / alpha`` times the distance from the truth to the interval when
        outside. Lower is better; it rewards narrow intervals and penalises
        misses.

        Over the series of a panel, RMSE, MAE and the Winkler score pool
        every error, in the units of each series; sMAPE, MASE and the
        relative MAE are free of the units.

    References
    ----------
    Hyndman, R. J. and Koehler, A. B. (2006). Another look at measures of
    forecast accuracy. International Journal of Forecasting 22(4), 679-688.

    Gneiting, T. and Raftery, A. E. (2007). Strictly proper scoring rules,
    prediction, and estimation. JASA 102(477), 359-378.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklstm import backtest, backtest_summary
    >>> series = np.sin(np.arange(60) / 3)
    >>> results = backtest(Ridge(), series[:-1], series[1:], initial_train_size=40,
    ...                    baselines=("naive",), interval=0.9)
    >>> summary = backtest_summary(results)
    >>> summary.index.tolist()
    [(1, 'y_pred'), (1, 'naive')]
    >>> list(summary.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['rmse', 'mae', 'smape', 'mase', 'relative_mae',
     'coverage', 'mean_width', 'winkler']
    >>> round(float(summary.loc[(1, "naive"), "relative_mae"]), 6)
    1.0
    """
    panel = "series" in results.columns
    if by_series and not panel:
        raise ValueError(
            "by_series=True summarises each series of a panel backtest, but the "
            "results have no 'series' column: they come from a single series."
        )
    fixed = {"origin", "series", "step", "time", "y_true", "lower", "upper"}
    models = ["y_pred", *(c for c in results.columns if c not in fixed | {"y_pred"})]
    relative = _naive_scale(results, panel)
    in_sample = _in_sample_scale(results, panel)
    alpha = 1 - results.attrs["interval"] if results.attrs.get("interval") else None
    keys = ["series", "step"] if by_series else ["step"]
    rows = []
    for key, group in results.groupby(keys, sort=True):
        for model in models:
            error = (group[model] - group["y_true"]).abs()
            total = group[model].abs() + group["y_true"].abs()
            row = dict(zip(keys, key, strict=True)) | {
                "model": model,
                "rmse": np.sqrt(np.mean(error**2)),
                "mae": np.mean(error),
                "smape": np.mean(200 * error / total.where(total > 0)),
                "mase": np.mean(error / in_sample.loc[group.index]),
                "relative_mae": np.mean(error / relative.loc[group.index]),
            }
            if {"lower", "upper"} <= set(results.columns):
                row |= _interval_scores(group if model == "y_pred" else None, alpha)
            rows.append(row)
    return pd.DataFrame(rows).set_index([*keys, "model"])


def _interval_scores(group, alpha):
    """Coverage, mean width and mean Winkler score of the bounded rows (or NaN)."""
    bounded = None if group is None else group.dropna(subset=["lower", "upper"])
    if bounded is None or bounded.empty:
        return {"coverage": np.nan, "mean_width": np.nan, "winkler": np.nan}
    truth, lower, upper = bounded["y_true"], bounded["lower"], bounded["upper"]
    width = upper - lower
    # Winkler (1972): the width, plus 2 / alpha times the distance of a miss.
    miss = (lower - truth).clip(lower=0) + (truth - upper).clip(lower=0)
    winkler = np.mean(width + 2 / alpha * miss) if alpha else np.nan
    return {
        "coverage": truth.between(lower, upper).mean(),
        "mean_width": width.mean(),
        "winkler": winkler,
    }


def _in_sample_scale(results, panel):
    """Per result row: MASE's in-sample scale of its series (NaN if unknown)."""
    scale = results.attrs.get("mase_scale")
    if scale is None:
        return pd.Series(np.nan, index=results.index)
    if panel:
        return results["series"].map(scale).astype(np.float64)
    return pd.Series(scale, index=results.index, dtype=np.float64)


def _naive_scale(results, panel):
    """Per result row: the one-step naive forecast's MAE of its series (or NaN)."""
    if "naive" not in results.columns:
        return pd.Series(np.nan, index=results.index)
    one_step = results[results["step"] == 1]
    errors = (one_step["naive"] - one_step["y_true"]).abs()
    if panel:
        scale = results["series"].map(errors.groupby(one_step["series"]).mean())
    else:
        scale = pd.Series(errors.mean(), index=results.index)
    return scale.where(scale > 0)  # a constant series has no scale


def mase_scale(observed, season):
    """In-sample MAE of the seasonal naive forecast (Hyndman & Koehler, 2006).

    ``observed`` holds the targets seen before the first forecast, in time
    order; ``season`` 1 is the naive forecast. NaN when the series is shorter
    than a season plus one or constant.
    """
    observed = np.asarray(observed, dtype=np.float64)
    if len(observed) <= season:
        return np.nan
    scale = np.mean(np.abs(observed[season:] - observed[:-season]))
    return float(scale) if scale > 0 else np.nan
