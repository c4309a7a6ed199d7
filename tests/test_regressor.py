import pickle
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    TimeSeriesSplit,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetRegressor

from sklstm import LSTMRegressor, SlidingWindow
from sklstm._estimators import _targets
from sklstm._estimators._data import SequenceDataset

FAST = dict(hidden_size=8, max_epochs=3, random_state=0)


def forecaster(window=16, **lstm_params):
    params = dict(hidden_size=16, max_epochs=30, lr=1e-2, random_state=0)
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("lstm", LSTMRegressor(**{**params, **lstm_params})),
        ]
    )


def test_pipeline_beats_the_naive_forecast(series):
    X, y = series
    n_train = 300
    model = forecaster().fit(X[:n_train], y[:n_train])
    # Held-out rows are windowed with the history before them, as in production.
    predicted = model.predict(X)[n_train:]
    rmse = root_mean_squared_error(y[n_train:], predicted)
    naive_rmse = root_mean_squared_error(y[n_train:], X[n_train:, 0])
    assert rmse < 0.7 * naive_rmse


def test_grid_search_with_time_series_split(series):
    X, y = series
    search = GridSearchCV(
        forecaster(max_epochs=2),
        {"window__window": [4, 8], "lstm__hidden_size": [4, 8]},
        cv=TimeSeriesSplit(3),
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.named_steps["window"].window in (4, 8)
    assert search.predict(X).shape == y.shape


def test_randomized_search_and_cross_val_score(series):
    X, y = series
    search = RandomizedSearchCV(
        forecaster(max_epochs=2),
        {"lstm__lr": [1e-3, 1e-2], "lstm__num_layers": [1, 2]},
        n_iter=2,
        cv=TimeSeriesSplit(2),
        random_state=0,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    scores = cross_val_score(forecaster(max_epochs=2), X, y, cv=TimeSeriesSplit(3))
    assert scores.shape == (3,)
    assert np.isfinite(scores).all()


def test_transformed_target_regressor_predicts_in_original_units(series):
    X, y = series
    y_far = 1000.0 + 50.0 * y
    model = TransformedTargetRegressor(
        regressor=forecaster(), transformer=StandardScaler()
    ).fit(X[:300], y_far[:300])
    predicted = model.predict(X)[300:]
    assert 900 < predicted.mean() < 1100
    assert root_mean_squared_error(
        y_far[300:], predicted
    ) < 0.7 * root_mean_squared_error(y_far[300:], 1000.0 + 50.0 * X[300:, 0])


def test_joblib_round_trip_in_a_fresh_process(series, tmp_path):
    X, y = series
    model = forecaster(max_epochs=3).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", X)
    script = (
        "import joblib, numpy as np;"
        f"model = joblib.load({str(tmp_path / 'model.joblib')!r});"
        f"X = np.load({str(tmp_path / 'X.npy')!r});"
        f"np.save({str(tmp_path / 'pred.npy')!r}, model.predict(X))"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    # Another process may predict with other threads (and backends): the same
    # float32 network to float32 precision, not bit for bit.
    np.testing.assert_allclose(
        np.load(tmp_path / "pred.npy"), model.predict(X), rtol=1e-5, atol=1e-6
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_validates_on_the_last_rows():
    X = np.zeros((100, 3, 1))
    y = np.r_[np.zeros(90), np.full(10, 1000.0)]
    model = LSTMRegressor(
        max_epochs=1,
        lr=1e-6,
        early_stopping=True,
        validation_fraction=0.1,
        normalize_y=False,  # validation losses in the units of y
    ).fit(X, y)
    # Only the last 10 rows have target 1000: they, and only they, are validated.
    assert model.validation_loss_[0] > 9e5
    assert model.loss_curve_[0] < 10.0


def test_early_stopping_restores_the_best_epoch(sequences):
    X, y = sequences
    model = LSTMRegressor(
        hidden_size=8,
        max_epochs=40,
        lr=0.05,
        early_stopping=True,
        n_iter_no_change=3,
        normalize_y=False,  # validation losses in the units of y
        random_state=0,
    ).fit(X, y)
    best = int(np.argmin(model.validation_loss_))
    assert model.best_epoch_ == best + 1
    assert model.n_iter_ == len(model.validation_loss_) == len(model.loss_curve_)
    assert model.n_iter_ < 40
    n_valid = 20
    valid_mse = np.mean((model.predict(X[-n_valid:]) - y[-n_valid:]) ** 2)
    np.testing.assert_allclose(valid_mse, model.validation_loss_[best], rtol=1e-4)


def test_fitted_attributes(sequences):
    X, y = sequences
    model = LSTMRegressor(**FAST).fit(X, y)
    assert isinstance(model.net_, NeuralNetRegressor)
    assert isinstance(model.net_.module_, torch.nn.Module)
    assert model.n_features_in_ == 10
    assert model.input_shape_ == (10, 2)
    assert model.n_outputs_ == 1
    assert model.n_iter_ == 3 == len(model.loss_curve_)
    assert model.best_epoch_ == 3
    assert model.validation_loss_ is None
    assert model.device_ == "cpu"


def test_same_seed_same_model_other_seed_other_model(sequences):
    X, y = sequences
    first = LSTMRegressor(**FAST).fit(X, y).predict(X)
    again = clone(LSTMRegressor(**FAST)).fit(X, y).predict(X)
    other = LSTMRegressor(**{**FAST, "random_state": 1}).fit(X, y).predict(X)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_seeded_fit_leaves_torch_global_generator_alone(sequences):
    X, y = sequences
    state = torch.random.get_rng_state()
    LSTMRegressor(**FAST).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_unseeded_fits_differ(sequences):
    X, y = sequences
    params = {**FAST, "random_state": None}
    first = LSTMRegressor(**params).fit(X, y).predict(X)
    second = LSTMRegressor(**params).fit(X, y).predict(X)
    assert not np.array_equal(first, second)


def test_predictions_do_not_depend_on_batching(sequences):
    X, y = sequences
    model = LSTMRegressor(**FAST).fit(X, y)
    whole = model.predict(X)
    one_by_one = np.concatenate([model.predict(X[i : i + 1]) for i in range(len(X))])
    # float32 kernels picked by the batch size round differently (~1e-7).
    np.testing.assert_allclose(whole, one_by_one, rtol=1e-5, atol=1e-6)
    assert whole.dtype == np.float64


def test_univariate_2d_input_is_one_feature_per_step(sequences):
    X, y = sequences
    X_2d = X[:, :, 0]
    from_2d = LSTMRegressor(**FAST).fit(X_2d, y)
    from_3d = LSTMRegressor(**FAST).fit(X_2d[:, :, np.newaxis], y)
    assert from_2d.input_shape_ == (10, 1)
    np.testing.assert_array_equal(from_2d.predict(X_2d), from_3d.predict(X_2d))


def test_multi_output(sequences):
    X, y = sequences
    Y = np.column_stack([y, -y, 2 * y])
    model = LSTMRegressor(**FAST).fit(X, Y)
    assert model.n_outputs_ == 3
    assert model.predict(X).shape == (200, 3)


def test_pandas_input(series):
    X, y = series
    frame = pd.DataFrame(X, columns=["sine", "cosine"])
    model = forecaster(max_epochs=2).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(model.feature_names_in_, ["sine", "cosine"])
    from_arrays = forecaster(max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(model.predict(frame), from_arrays.predict(X))


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd", "rmsprop"])
def test_each_optimizer_trains(sequences, optimizer):
    X, y = sequences
    model = LSTMRegressor(**{**FAST, "optimizer": optimizer}).fit(X, y)
    assert isinstance(model.net_.optimizer_, model.net_.optimizer)
    assert np.isfinite(model.loss_curve_).all()


def test_stacked_bidirectional_with_dropout(sequences):
    X, y = sequences
    model = LSTMRegressor(
        **FAST, num_layers=2, bidirectional=True, dropout=0.2, weight_decay=1e-4
    ).fit(X, y)
    lstm = model.net_.module_.rnn
    assert (lstm.num_layers, lstm.bidirectional, lstm.dropout) == (2, True, 0.2)
    assert model.net_.module_.head.in_features == 16


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_model_loads_and_predicts_on_a_cpu_machine(sequences):
    X, y = sequences
    model = LSTMRegressor(**FAST).fit(X, y)
    expected = model.predict(X)
    # The saved state holds the weights as arrays and the device as a string:
    # this is what a CUDA fit writes.
    model.device_ = "cuda"
    with pytest.warns(UserWarning, match="fitted on 'cuda'.*loaded on the CPU"):
        loaded = pickle.loads(pickle.dumps(model))
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


@pytest.mark.cuda
def test_cuda_fit_predict_and_cpu_reload(sequences, tmp_path):
    X, y = sequences
    model = LSTMRegressor(**FAST, device="cuda").fit(X, y)
    assert next(model.net_.module_.parameters()).is_cuda
    predicted = model.predict(X)
    assert predicted.dtype == np.float64
    joblib.dump(model, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", X)
    script = (
        "import joblib, numpy as np;"
        f"model = joblib.load({str(tmp_path / 'model.joblib')!r});"
        "assert model.device_ == 'cpu';"
        f"np.save({str(tmp_path / 'pred.npy')!r}, "
        f"model.predict(np.load({str(tmp_path / 'X.npy')!r})))"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env={**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    np.testing.assert_allclose(np.load(tmp_path / "pred.npy"), predicted, atol=1e-5)


@pytest.mark.cuda
def test_cuda_pipeline_with_auto_device(series):
    X, y = series
    model = forecaster(max_epochs=3, device="auto").fit(X, y)
    assert model.named_steps["lstm"].device_ == "cuda"
    assert np.isfinite(model.predict(X)).all()


@pytest.mark.parametrize("culprit", ["X", "y"])
def test_text_in_X_or_y_is_refused_naming_which(culprit):
    """Regression: numpy's "could not convert string to float" named neither."""
    X = np.random.RandomState(0).normal(size=(20, 4))
    y = X[:, -1]
    if culprit == "X":
        X = X.astype(str)
        X[0, 0] = "a"
    else:
        y = np.array(["a", "b"] * 10)
    with pytest.raises(ValueError, match=f"needs a? ?numeric {culprit}"):
        LSTMRegressor(hidden_size=4, max_epochs=1).fit(X, y)


def test_weighted_loss_of_a_fitted_net_equals_the_repeated_rows(sequences):
    X, y = sequences
    model = LSTMRegressor(**FAST).fit(X, y)
    weight = np.random.RandomState(1).randint(0, 3, size=len(X)).astype(float)
    targets = ((y - model.y_mean_) / model.y_scale_).astype(np.float32)[:, None]
    X32 = X.astype(np.float32)
    rows = torch.arange(len(X))
    weighted = SequenceDataset(X32, targets, sample_weight=weight)
    repeats = weight.astype(int)
    repeated = SequenceDataset(X32.repeat(repeats, 0), targets.repeat(repeats, 0))
    with torch.no_grad():
        batch, target = weighted.training_batch(rows)
        loss = model.net_.get_loss(model.net_.module_(batch), target)
        batch, target = repeated.training_batch(torch.arange(len(repeated)))
        expected = model.net_.get_loss(model.net_.module_(batch), target)
    np.testing.assert_allclose(float(loss), float(expected), rtol=1e-5)


def test_target_scale_is_weighted_as_repeated_rows(sequences):
    X, y = sequences
    weight = np.random.RandomState(1).randint(0, 3, size=len(X))
    params = {**FAST, "max_epochs": 1}
    weighted = LSTMRegressor(**params).fit(X, y, sample_weight=weight)
    repeated = LSTMRegressor(**params).fit(X.repeat(weight, 0), y.repeat(weight))
    np.testing.assert_allclose(weighted.y_mean_, repeated.y_mean_, rtol=1e-12)
    np.testing.assert_allclose(weighted.y_scale_, repeated.y_scale_, rtol=1e-12)


def test_unit_weights_fit_exactly_as_no_weights(sequences):
    X, y = sequences
    plain = LSTMRegressor(**FAST).fit(X, y)
    ones = LSTMRegressor(**FAST).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_array_equal(plain.predict(X), ones.predict(X))


def test_validation_loss_is_weighted(sequences):
    X, y = sequences
    weight = np.random.RandomState(1).uniform(0, 2, size=len(X))
    model = LSTMRegressor(
        hidden_size=8,
        max_epochs=5,
        lr=0.05,
        early_stopping=True,
        level=None,
        normalize_y=False,  # validation losses in the units of y
        random_state=0,
    ).fit(X, y, sample_weight=weight)
    best = model.best_epoch_ - 1
    n_valid = 20  # one validation batch: the epoch's loss is its weighted mean
    errors = (model.predict(X[-n_valid:]) - y[-n_valid:]) ** 2
    weighted = np.average(errors, weights=weight[-n_valid:])
    np.testing.assert_allclose(model.validation_loss_[best], weighted, rtol=1e-4)
    assert not np.isclose(weighted, errors.mean(), rtol=1e-2)


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (-np.ones(200), "Negative values"),
        (np.ones(5), r"sample_weight.shape == \(5,\), expected \(200,\)"),
        (np.r_[np.nan, np.ones(199)], "sample_weight contains NaN"),
        (np.zeros(200), "at least one non-zero"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_bad_sample_weight_is_refused_before_training(
    sequences, weight, message, method
):
    X, y = sequences
    model = LSTMRegressor(**FAST)
    given = weight.copy()
    with pytest.raises(ValueError, match=f"invalid sample_weight: .*{message}"):
        getattr(model, method)(X, y, sample_weight=given)
    assert not hasattr(model, "net_")
    np.testing.assert_array_equal(given, weight)  # not modified


def test_sample_weight_through_pipeline_and_grid_search(series):
    X, y = series
    weight = np.where(np.arange(len(y)) < 200, 0.5, 1.0)
    pipe = forecaster(max_epochs=2)
    pipe.fit(X, y, lstm__sample_weight=weight)
    search = GridSearchCV(
        forecaster(max_epochs=2),
        {"lstm__hidden_size": [4, 8]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y, lstm__sample_weight=weight)
    assert search.best_estimator_.named_steps["lstm"].n_iter_ == 2
    # A zero weight leaves the rows out of the loss: the fit changes.
    zeroed = forecaster(max_epochs=2).fit(X, y, lstm__sample_weight=weight - 0.5)
    assert not np.allclose(zeroed.predict(X[-50:]), pipe.predict(X[-50:]))


def test_weighted_forecasting_fit_checks_and_calibrates_in_batches():
    """A framed fit with weights and intervals: the validation check of the
    recurrent part and the interval calibration read weighted batches."""
    from sklstm import SlidingWindow

    rng = np.random.RandomState(0)
    values = np.cumsum(rng.normal(size=300)) + 10 * np.sin(np.arange(300) / 4)
    X = SlidingWindow(12).fit_transform(values[:-1, None])
    weight = rng.uniform(0.5, 2.0, size=len(X))
    model = LSTMRegressor(
        loss="gaussian", hidden_size=4, max_epochs=3, n_threads=1, random_state=0
    )
    model.fit(X, values[1:], sample_weight=weight)
    mean, std = model.predict(X, return_std=True)
    assert np.all(np.isfinite(mean)) and np.all(std > 0)


@pytest.mark.parametrize("weighted", [False, True])
def test_target_scale_read_by_blocks_matches_numpy(monkeypatch, weighted):
    """y's mean and standard deviation from blocks of 16 rows, as numpy's."""
    rng = np.random.RandomState(0)
    Y = rng.normal(size=(100, 2)) * [3.0, 0.5] + [10.0, -2.0]
    weights = rng.uniform(0.5, 2.0, size=100) if weighted else None
    mean = np.average(Y, axis=0, weights=weights)
    std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=weights))
    monkeypatch.setattr(_targets, "BLOCK_ROWS", 16)
    model = LSTMRegressor(normalize_y=True)
    model._set_target_scale(Y, weights)
    np.testing.assert_allclose(model.y_mean_, mean, rtol=1e-14)
    np.testing.assert_allclose(model.y_scale_, std, rtol=1e-14)
    targets = _targets.StandardizedTargets(Y, model.y_mean_, model.y_scale_)
    standardized = targets.take(torch.tensor([99, 0, 16, 15, 0])).numpy()
    assert standardized.dtype == np.float32
    expected = ((Y - mean) / std)[[99, 0, 16, 15, 0]]
    np.testing.assert_allclose(standardized, expected, rtol=1e-6)
