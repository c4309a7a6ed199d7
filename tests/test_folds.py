import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.linear_model import Ridge

from sklstm import backtest
from sklstm.forecasting._conformal import ACI_WINDOW
from sklstm.forecasting._folds import calibration_origins, refit_segments, rolling_folds


@pytest.mark.parametrize(
    "refit, expected",
    [(True, [0, 1, 2, 3, 4]), (False, [0, 0, 0, 0, 0]), (2, [0, 0, 1, 1, 2])],
)
def test_refit_segments_follow_the_schedule(refit, expected):
    assert_array_equal(refit_segments(5, refit), expected)


def test_a_fold_trains_on_rows_whose_last_target_is_observed_by_its_origin():
    times = np.arange(12)
    folds = list(
        rolling_folds(
            np.array([6, 7, 8, 9]),
            refit=2,
            window=4,
            row_times=times,
            last_target_times=times + 2,
        )
    )
    assert [fold.origins.tolist() for fold in folds] == [[0, 1], [2, 3]]
    # Origin 6: rows at times >= 2 with their last target (t + 2) <= 6.
    assert folds[0].train.tolist() == [2, 3, 4]
    assert folds[1].train.tolist() == [4, 5, 6]


def test_a_gap_moves_the_last_target_and_so_the_training_rows():
    # Row 2's next observation is after a gap: its target is at time 6.
    row_times = np.array([0, 1, 2, 6, 7])
    last_target_times = np.array([1, 2, 6, 7, 8])
    (fold,) = rolling_folds(
        np.array([5]),
        refit=False,
        window=None,
        row_times=row_times,
        last_target_times=last_target_times,
    )
    assert fold.train.tolist() == [0, 1]


def test_calibration_keeps_two_rows_to_train_and_at_most_half():
    assert_array_equal(calibration_origins(10, 1, 1), [5, 6, 7, 8, 9])
    assert_array_equal(calibration_origins(4, 2, 1), [3])
    assert len(calibration_origins(10_000, 1, 3)) == ACI_WINDOW + 2


@pytest.mark.parametrize("refit, window", [(True, "expanding"), (3, 20)])
def test_a_single_series_backtests_as_a_panel_of_one_series(refit, window):
    """Both backtests cut their folds with one generator: the same forecasts."""
    rng = np.random.RandomState(0)
    values = np.cumsum(rng.normal(size=70))
    X, y = np.column_stack([values[:-1], values[:-1] ** 2 / 10]), values[1:]
    options = dict(initial_train_size=40, refit=refit, window=window, baselines=())
    single = backtest(Ridge(), X, y, **options)
    index = pd.MultiIndex.from_product([["a"], range(len(X))], names=["id", "t"])
    panel = backtest(Ridge(), pd.DataFrame(X, index=index), y, **options)
    assert_array_equal(panel["origin"], single["origin"])
    np.testing.assert_allclose(panel["y_pred"], single["y_pred"], rtol=1e-12)
