"""Backtests and CV folds of gapped and ragged panels are cut by time, not rows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import (
    PanelTimeSeriesSplit,
    SlidingWindow,
    backtest,
    make_horizon_targets,
)

# Series observed at different times: a gap (A), a late start (C), an early
# end (D), and one series observed throughout (B).
TIMES = {
    "A": [*range(0, 20), *range(30, 50)],
    "B": list(range(0, 60)),
    "C": list(range(15, 60)),
    "D": list(range(0, 40)),
}


def gapped_panel(times=TIMES):
    """One column of values per series, indexed by (series, time)."""
    rng = np.random.RandomState(0)
    parts = {
        name: pd.Series(np.cumsum(rng.normal(size=len(t))) + 10 * k, index=t)
        for k, (name, t) in enumerate(times.items())
    }
    return pd.concat(parts, names=["series", "time"]).to_frame("value")


def target_times(X, width):
    """The time of each row's last target: ``width`` rows later in its series.

    Computed from ``TIMES`` independently of sklstm: a row's target is the
    value at the series' next observations, whatever its gaps.
    """
    out = []
    for series, time in X.index:
        times = TIMES[series]
        out.append(times[times.index(time) + width])
    return np.array(out)


class Recorder(TransformerMixin, BaseEstimator):
    """Passes rows through; records the index of the rows fitted and predicted."""

    log = []

    def fit(self, X, y=None):
        return self

    def fit_transform(self, X, y=None):
        Recorder.log.append(("fit", X.index))
        return X

    def transform(self, X):
        Recorder.log.append(("predict", X.index))
        return X


def flatten(X):
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def recorded(window=None):
    """A linear model behind the Recorder, with a SlidingWindow when asked."""
    steps = [("record", Recorder())]
    if window is not None:
        steps += [("window", SlidingWindow(window))]
    steps += [("flatten", FunctionTransformer(flatten)), ("linear", LinearRegression())]
    return Pipeline(steps)


def fits_and_first_predicts():
    """(fit index, first predict index after it) for each fit, in order."""
    pairs, fitted = [], None
    for kind, index in Recorder.log:
        if kind == "fit":
            fitted = index
        elif fitted is not None:
            pairs.append((fitted, index))
            fitted = None
    return pairs


def run(X, y, horizon, window=None, **kwargs):
    Recorder.log = []
    results = backtest(
        recorded(window),
        X,
        y,
        initial_train_size=kwargs.pop("initial_train_size", 10),
        horizon=horizon,
        baselines=(),
        **kwargs,
    )
    return results, fits_and_first_predicts()


def one_step(panel):
    X, Y = make_horizon_targets(panel, horizon=1)
    return X, Y.ravel()


def leaking_rows(X, fits, origin_times, width):
    """Training rows whose last target is observed after their origin."""
    leaks = 0
    for (fitted, _), origin_time in zip(fits, origin_times, strict=True):
        leaks += int((target_times(X.loc[fitted], width) > origin_time).sum())
    return leaks


@pytest.mark.parametrize(
    "horizon, direct", [(1, False), (3, False), (3, True)], ids=str
)
def test_no_training_row_of_a_gapped_panel_has_its_target_after_the_origin(
    horizon, direct
):
    panel = gapped_panel()
    if direct:
        X, y = make_horizon_targets(panel, horizon=horizon)
    else:
        X, y = one_step(panel)
    results, fits = run(X, y, horizon)
    origins = np.unique(results["origin"])
    times = np.unique(X.index.get_level_values(1))
    assert len(fits) == len(origins)  # one fit a scored origin
    width = horizon if direct else 1
    assert leaking_rows(X, fits, times[origins], width) == 0
    for (_, predicted), origin in zip(fits, times[origins], strict=True):
        assert predicted.get_level_values(1).max() <= origin


def test_origins_and_forecast_times_are_times_not_row_positions():
    panel = gapped_panel()
    X, y = one_step(panel)
    results, _ = run(X, y, horizon=2)
    # Every time is an integer from 0: the distinct times are 0 ... 58.
    np.testing.assert_array_equal(results["time"], results["origin"] + results["step"])
    for series, rows in results.groupby("series"):
        observed = set(TIMES[series])
        # Each series is forecast from origins where it is observed, for
        # forecast times at which it is observed: never across its gap.
        assert set(rows["origin"]) <= observed
        assert set(rows["time"]) <= observed
    truth = panel["value"]
    expected = [
        truth[(s, t)] for s, t in zip(results["series"], results["time"], strict=True)
    ]
    np.testing.assert_array_equal(results["y_true"], expected)


def test_a_ragged_start_is_cut_at_the_same_time_as_the_others():
    # Two series whose row k is at time k and k + 15: the cut is by time.
    times = {"B": list(range(0, 40)), "C": list(range(15, 40))}
    panel = gapped_panel(times)
    X, y = one_step(panel)
    results, fits = run(X, y, horizon=1, initial_train_size=20, refit=False)
    fitted, _ = fits[0]
    # Origin 20 is time 20: C's rows 15 ... 19 have targets by then.
    last = pd.Series(fitted.get_level_values(1), index=fitted.get_level_values(0))
    assert last.groupby(level=0).max().to_dict() == {"B": 19, "C": 19}
    assert results.groupby("series")["origin"].min().to_dict() == {"B": 20, "C": 20}


def test_forecasts_read_the_last_window_rows_of_each_series():
    panel = gapped_panel()
    X, y = one_step(panel)
    results, fits = run(X, y, horizon=1, window=5)
    times = np.unique(X.index.get_level_values(1))
    origin_times = times[np.unique(results["origin"])]
    for (_, predicted), origin in zip(fits, origin_times, strict=True):
        rows = pd.Series(
            predicted.get_level_values(1), index=predicted.get_level_values(0)
        )
        for series, series_times in rows.groupby(level=0):
            observed = [t for t in TIMES[series] if t <= origin]
            # The window's rows of the series, its gap included: not fewer.
            assert list(series_times) == observed[-5:]


def test_seasonal_naive_reads_the_value_one_season_before_in_time():
    panel = gapped_panel()
    X, y = one_step(panel)
    results = backtest(
        LinearRegression(),
        X,
        y,
        initial_train_size=10,
        horizon=2,
        baselines=("naive", "seasonal_naive"),
        season_length=3,
    )
    # The targets: every value but each series' first, which is X's only.
    truth = panel["value"].groupby(level=0).tail(-1)

    def value(series, time):
        return truth.get((series, time), np.nan)

    series, origin, step = results["series"], results["origin"], results["step"]
    naive = [value(s, o) for s, o in zip(series, origin, strict=True)]
    np.testing.assert_array_equal(results["naive"], naive)
    seasonal = [
        value(s, o + h - 3) for s, o, h in zip(series, origin, step, strict=True)
    ]
    np.testing.assert_array_equal(results["seasonal_naive"], seasonal)


def test_a_single_series_with_a_gapped_datetime_index_trains_on_observed_targets():
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    days = days.delete(np.r_[20:30])
    values = np.cumsum(np.random.RandomState(0).normal(size=len(days)))
    frame = pd.DataFrame({"value": values}, index=days)
    X, Y = make_horizon_targets(frame, horizon=3)
    target_day = frame.index[3 : len(frame)]  # the day of each row's last target
    Recorder.log = []
    results = backtest(recorded(), X, Y, initial_train_size=10, horizon=3, baselines=())
    fits = fits_and_first_predicts()
    assert len(fits) == results["origin"].nunique()
    # Forecast times are the rows' own days, across the gap; past X unknown.
    step_3 = results[results["step"] == 3]
    inside = step_3["origin"] + 3 < len(X)
    expected = X.index[step_3["origin"][inside] + 3]
    np.testing.assert_array_equal(step_3["time"][inside], expected)
    assert step_3["time"][~inside].isna().all()
    for (fitted, predicted), origin in zip(
        fits, np.unique(results["origin"]), strict=True
    ):
        last_target = target_day[X.index.get_indexer(fitted)].max()
        assert last_target <= X.index[origin]
        assert predicted.max() == X.index[origin]


@pytest.mark.parametrize("width", [1, 3])
def test_cv_folds_train_only_on_targets_observed_before_the_test_fold(width):
    panel = gapped_panel()
    X, Y = make_horizon_targets(panel, horizon=width)
    times = X.index.get_level_values(1)
    last_target = target_times(X, width)
    folds = list(PanelTimeSeriesSplit(n_splits=4, test_size=9).split(X, Y))
    leaks = sum(
        int((last_target[train] > times[test].min()).sum()) for train, test in folds
    )
    assert leaks == 0
    for train, test in folds:
        # Every row whose targets are observed by the fold trains, when the
        # rows before it are in.
        start = times[test].min()
        assert set(np.flatnonzero(last_target <= start)) == set(train)
