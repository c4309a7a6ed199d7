"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sklstm import (
    CalendarFeatures,
    LSTMClassifier,
    LSTMRegressor,
    PerSeriesScaler,
    SequenceNormalizer,
    SlidingWindow,
)
from sklstm.utils.estimator_checks import expected_failed_checks

ESTIMATORS = [
    # The checks' arrays carry no dates: column 0 holds the times, as numbers.
    CalendarFeatures(features=("month", "dayofweek", "hour"), column=0),
    CalendarFeatures(features=("month",), encoding="onehot", column=-1),
    PerSeriesScaler(),
    SequenceNormalizer(),
    SlidingWindow(),
    SlidingWindow(window=1, padding="zero"),
    SlidingWindow(window=3, history="always"),
    # Smallest settings that still fit the checks' data to R^2 > 0.5.
    LSTMRegressor(hidden_size=16, max_epochs=30, lr=2e-2, random_state=0),
    LSTMRegressor(
        hidden_size=16,
        num_layers=2,
        bidirectional=True,
        dropout=0.1,
        max_epochs=30,
        lr=2e-2,
        random_state=0,
    ),
    LSTMRegressor(
        hidden_size=16,
        cell="gru",
        pooling="attention",
        conv_channels=8,
        layer_norm=True,
        # The checks' data are tabular rows read as sequences: the linear
        # highway over the whole window ("ar") fits them; "last" reads each
        # row relative to its last column, a time-series prior.
        level="ar",
        max_epochs=30,
        lr=2e-2,
        random_state=0,
    ),
    LSTMRegressor(hidden_size=16, level=None, max_epochs=30, lr=2e-2, random_state=0),
    LSTMRegressor(
        hidden_size=16,
        loss="gaussian",
        level="ar",  # tabular rows: see the GRU variant above
        max_epochs=30,
        lr=2e-2,
        random_state=0,
    ),
    LSTMRegressor(
        hidden_size=16,
        loss="quantile",
        level="ar",  # tabular rows: see the GRU variant above
        max_epochs=30,
        lr=2e-2,
        random_state=0,
    ),
    LSTMClassifier(hidden_size=16, max_epochs=30, lr=2e-2, random_state=0),
    # Routed arguments (skorch's optimizer__<name>): get_params, clone, set_params.
    LSTMClassifier(
        hidden_size=16,
        max_epochs=30,
        lr=2e-2,
        optimizer="sgd",
        optimizer__momentum=0.9,
        lr_scheduler="step",
        lr_scheduler__gamma=0.5,
        random_state=0,
    ),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# scikit-learn runs check_param_validation in its own test suite only, not
# among the checks that parametrize_with_checks yields (1.9).
@pytest.mark.parametrize(
    "estimator",
    [SlidingWindow(), LSTMRegressor(n_threads=1), LSTMClassifier(n_threads=1)],
    ids=lambda estimator: type(estimator).__name__,
)
def test_every_parameter_is_validated(estimator):
    check_param_validation(type(estimator).__name__, estimator)
