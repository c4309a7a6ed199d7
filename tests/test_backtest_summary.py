"""backtest_summary's scores against hand computations; seeded conformal bounds."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression

from sklstm import backtest, backtest_summary


def hand_results():
    """Four one-step forecasts of a tiny series, with 80 % bounds."""
    results = pd.DataFrame(
        {
            "origin": [4, 5, 6, 7],
            "step": 1,
            "time": [5, 6, 7, 8],
            "y_true": [2.0, 4.0, 1.0, 3.0],
            "y_pred": [1.0, 4.0, 2.0, 5.0],
            "naive": [3.0, 2.0, 4.0, 1.0],
            "lower": [0.5, 3.0, 1.5, 4.0],
            "upper": [1.5, 5.0, 2.5, 6.0],
        }
    )
    results.attrs = {"season_length": 1, "mase_scale": 2.0, "interval": 0.8}
    return results


def test_mase_divides_by_the_in_sample_seasonal_naive_error():
    # Targets y[t] = series[t + 1]; at the first origin 6, y[:6] is observed.
    series = np.array([1.0, 3.0, 2.0, 6.0, 4.0, 5.0, 9.0, 7.0, 8.0, 12.0, 10.0])
    results = backtest(
        LinearRegression(),
        series[:-1],
        series[1:],
        initial_train_size=6,
        baselines=("naive",),
        season_length=2,
    )
    observed = series[1:7]  # 3, 2, 6, 4, 5, 9
    # Season 2: |6-3|, |4-2|, |5-6|, |9-4| -> mean 11 / 4.
    assert results.attrs["mase_scale"] == pytest.approx(11 / 4)
    assert results.attrs["mase_scale"] == pytest.approx(
        np.mean(np.abs(observed[2:] - observed[:-2]))
    )
    summary = backtest_summary(results)
    for model in ("y_pred", "naive"):
        mae = np.mean(np.abs(results[model] - results["y_true"]))
        assert summary.loc[(1, model), "mase"] == pytest.approx(mae / (11 / 4))


def test_smape_and_relative_mae_by_hand():
    summary = backtest_summary(hand_results())
    # y_pred errors 1, 0, 1, 2; |y_true| + |y_pred| = 3, 8, 3, 8.
    smape = np.mean([200 * 1 / 3, 0, 200 * 1 / 3, 200 * 2 / 8])
    assert summary.loc[(1, "y_pred"), "smape"] == pytest.approx(smape)
    assert summary.loc[(1, "y_pred"), "mae"] == pytest.approx(1.0)
    assert summary.loc[(1, "y_pred"), "mase"] == pytest.approx(1.0 / 2.0)
    # naive errors 1, 2, 3, 2: mean 2, the scale of relative_mae.
    assert summary.loc[(1, "y_pred"), "relative_mae"] == pytest.approx(1.0 / 2.0)
    assert summary.loc[(1, "naive"), "relative_mae"] == pytest.approx(1.0)


def test_winkler_score_by_hand():
    summary = backtest_summary(hand_results())
    # Widths 1, 2, 1, 2. Misses: 2 above [0.5, 1.5] by 0.5, 1 below [1.5, 2.5]
    # by 0.5, 3 below [4, 6] by 1; alpha = 0.2 so a miss costs 2 / 0.2 = 10x.
    winkler = np.mean([1 + 10 * 0.5, 2, 1 + 10 * 0.5, 2 + 10 * 1])
    row = summary.loc[(1, "y_pred")]
    assert row["winkler"] == pytest.approx(winkler)
    assert row["coverage"] == pytest.approx(0.25)
    assert row["mean_width"] == pytest.approx(1.5)
    assert np.isnan(summary.loc[(1, "naive"), "winkler"])


def test_results_without_attrs_have_nan_mase():
    results = hand_results()
    results.attrs = {}
    summary = backtest_summary(results)
    assert summary["mase"].isna().all() and summary["winkler"].isna().all()
    assert summary.loc[(1, "y_pred"), "mae"] == pytest.approx(1.0)


def gaussian_ar(n, seed):
    rng = np.random.RandomState(seed)
    series = np.zeros(n)
    for t in range(1, n):
        series[t] = 0.5 * series[t - 1] + rng.normal()
    return series


@pytest.mark.parametrize("horizon", [1, 3])
def test_bounds_from_the_first_origin_cover_known_gaussian_noise(horizon):
    coverages = []
    for seed in range(3):
        series = gaussian_ar(400, seed)
        results = backtest(
            LinearRegression(),
            series[:-1],
            series[1:],
            initial_train_size=150,
            horizon=horizon,
            baselines=(),
            interval=0.9,
        )
        assert results[["lower", "upper"]].notna().all().all()
        coverages.append(backtest_summary(results)["coverage"].to_numpy())
    # Three seeds of ~250 origins: the mean over seeds is within a few points.
    coverage = np.mean(coverages, axis=0)  # per step
    assert np.all((0.85 <= coverage) & (coverage <= 0.95)), coverage


class CountingRegressor(RegressorMixin, BaseEstimator):
    """LinearRegression that records the rows of every fit (clones included)."""

    fits = []

    def fit(self, X, y):
        self.model_ = LinearRegression().fit(X, y)
        CountingRegressor.fits.append(len(X))
        return self

    def predict(self, X):
        return self.model_.predict(X)


def test_calibration_is_one_extra_fit_on_the_training_head(monkeypatch):
    monkeypatch.setattr(CountingRegressor, "fits", [])
    series = gaussian_ar(200, 0)
    backtest(
        CountingRegressor(),
        series[:-1],
        series[1:],
        initial_train_size=100,
        refit=False,
        baselines=(),
        interval=0.9,
    )
    # The forecast fit on 100 rows, the calibration fit on the 50 before the
    # training tail of min(100, 100 // 2) = 50 origins.
    assert sorted(CountingRegressor.fits) == [50, 100]


def test_bounds_at_an_origin_ignore_later_truths():
    series = gaussian_ar(200, 1)
    options = {"initial_train_size": 100, "horizon": 2, "interval": 0.9}
    options["baselines"] = ()
    results = backtest(LinearRegression(), series[:-1], series[1:], **options)
    changed = series.copy()
    changed[121:] *= 5.0  # truths observed after origin 120
    altered = backtest(LinearRegression(), changed[:-1], changed[1:], **options)
    before = results["origin"] <= 120
    np.testing.assert_allclose(
        altered.loc[before, ["lower", "upper"]], results.loc[before, ["lower", "upper"]]
    )
