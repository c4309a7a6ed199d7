"""Bad input fails fast with scikit-learn style errors; good input is never modified."""

import re

import numpy as np
import pandas as pd
import pytest
import skorch
import torch
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindow
from sklstm._estimators import _validation
from sklstm._estimators._validation import float32_offsets

N_ROWS, N_STEPS, N_FEATURES = 30, 5, 2
N_COLUMNS = 3  # columns of the 2-D tables given to SlidingWindow


class TrainingStarted(Exception):
    """Raised by the patched skorch fit: validation let the input through."""


@pytest.fixture
def no_training(monkeypatch):
    """Make any attempt to train a skorch net raise TrainingStarted."""

    def fit(self, *args, **kwargs):
        raise TrainingStarted

    monkeypatch.setattr(skorch.NeuralNet, "fit", fit)
    monkeypatch.setattr(skorch.NeuralNet, "partial_fit", fit)


TINY = {"hidden_size": 4, "max_epochs": 2, "random_state": 0}


def regressor(**params):
    return LSTMRegressor(**{**TINY, **params})


def sequences(n_rows=N_ROWS):
    rng = np.random.RandomState(0)
    return rng.normal(size=(n_rows, N_STEPS, N_FEATURES)), rng.normal(size=n_rows)


def table(n_rows=N_ROWS):
    return np.random.RandomState(1).normal(size=(n_rows, N_COLUMNS))


def with_value(array, value, index):
    array = array.astype(np.float64)
    array[index] = value
    return array


def assert_sklearn_style(error):
    """The error is one scikit-learn raises, not something torch let through."""
    assert isinstance(error, (ValueError, TypeError))
    assert not isinstance(error, RuntimeError)
    assert type(error).__module__.split(".")[0] not in {"torch", "skorch"}


@pytest.fixture(scope="module")
def fitted_regressor():
    return regressor().fit(*sequences())


@pytest.fixture(scope="module")
def fitted_window():
    return SlidingWindow(window=4).fit(table())


NON_FINITE = [
    pytest.param(np.nan, "NaN", id="nan"),
    pytest.param(np.inf, "infinity", id="inf"),
    pytest.param(-np.inf, "infinity", id="-inf"),
]


# -- non-finite values ---------------------------------------------------------


@pytest.mark.parametrize(("value", "problem"), NON_FINITE)
def test_regressor_fit_rejects_non_finite_X(value, problem, no_training):
    X, y = sequences()
    with pytest.raises(ValueError, match=f"Input X contains {problem}"):
        regressor().fit(with_value(X, value, (7, 2, 1)), y)


@pytest.mark.parametrize(("value", "problem"), NON_FINITE)
def test_regressor_fit_rejects_non_finite_y(value, problem, no_training):
    X, y = sequences()
    with pytest.raises(ValueError, match=f"Input y contains {problem}"):
        regressor().fit(X, with_value(y, value, 11))


@pytest.mark.parametrize(("value", "problem"), NON_FINITE)
def test_regressor_predict_rejects_non_finite_X(value, problem, fitted_regressor):
    X, _ = sequences(4)
    with pytest.raises(ValueError, match=f"Input X contains {problem}"):
        fitted_regressor.predict(with_value(X, value, (3, 4, 0)))


@pytest.mark.parametrize(("value", "problem"), NON_FINITE)
def test_window_fit_rejects_non_finite_X(value, problem):
    with pytest.raises(ValueError, match=f"Input X contains {problem}"):
        SlidingWindow(window=4).fit(with_value(table(), value, (5, 1)))


@pytest.mark.parametrize(("value", "problem"), NON_FINITE)
def test_window_transform_rejects_non_finite_X(value, problem, fitted_window):
    with pytest.raises(ValueError, match=f"Input X contains {problem}"):
        fitted_window.transform(with_value(table(), value, (0, 2)))


@pytest.mark.parametrize("where", ["X", "y"])
def test_regressor_fit_rejects_values_overflowing_float32(where, no_training):
    X, y = sequences()
    if where == "X":
        X = with_value(X, 1e39, (7, 2, 1))
    else:
        y = with_value(y, 1e39, 11)
    with pytest.raises(ValueError, match=f"Input {where} contains a value too large"):
        regressor().fit(X, y)


def test_window_transform_rejects_values_overflowing_float32(fitted_window):
    with pytest.raises(ValueError, match="Input X contains a value too large"):
        fitted_window.transform(with_value(table(), 1e39, (0, 2)))


# -- shapes --------------------------------------------------------------------


@pytest.mark.parametrize("n_y", [N_ROWS - 1, N_ROWS + 1, 1])
def test_regressor_fit_rejects_y_of_another_length(n_y, no_training):
    X, _ = sequences()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        regressor().fit(X, np.zeros(n_y))


@pytest.mark.parametrize(
    "shape", [(N_ROWS,), (N_ROWS, N_STEPS, N_FEATURES, 1)], ids=["1d", "4d"]
)
def test_regressor_fit_rejects_X_of_wrong_ndim(shape, no_training):
    with pytest.raises(ValueError, match=f"{len(shape)} dimension"):
        regressor().fit(np.zeros(shape), np.zeros(N_ROWS))


@pytest.mark.parametrize(
    "shape", [(4 * N_STEPS,), (4, N_STEPS, N_FEATURES, 1)], ids=["1d", "4d"]
)
def test_regressor_predict_rejects_X_of_wrong_ndim(shape, fitted_regressor):
    with pytest.raises(ValueError, match=f"{len(shape)} dimension"):
        fitted_regressor.predict(np.zeros(shape))


@pytest.mark.parametrize(
    ("shape", "problem"),
    [((N_ROWS,), "Expected 2D array"), ((N_ROWS, 2, 2), "dim 3")],
    ids=["1d", "3d"],
)
@pytest.mark.parametrize("method", ["fit", "transform"])
def test_window_rejects_X_of_wrong_ndim(shape, problem, method, fitted_window):
    window = fitted_window if method == "transform" else SlidingWindow()
    with pytest.raises(ValueError, match=problem):
        getattr(window, method)(np.zeros(shape))


def test_regressor_predict_names_expected_sequence_length(fitted_regressor):
    with pytest.raises(ValueError, match=f"fitted on sequences of {N_STEPS} steps"):
        fitted_regressor.predict(np.zeros((4, N_STEPS + 1, N_FEATURES)))


@pytest.mark.parametrize(
    "shape", [(4, N_STEPS, N_FEATURES + 1), (4, N_STEPS)], ids=["3d", "2d"]
)
def test_regressor_predict_names_expected_features(shape, fitted_regressor):
    with pytest.raises(ValueError, match=f"was fitted with {N_FEATURES}"):
        fitted_regressor.predict(np.zeros(shape))


def test_univariate_regressor_predict_names_expected_steps():
    model = regressor().fit(np.zeros((N_ROWS, N_STEPS)), np.zeros(N_ROWS))
    with pytest.raises(ValueError, match=f"expecting {N_STEPS} features"):
        model.predict(np.zeros((4, N_STEPS - 1)))


@pytest.mark.parametrize("n_columns", [N_COLUMNS - 1, N_COLUMNS + 1])
def test_window_transform_names_expected_columns(n_columns, fitted_window):
    with pytest.raises(ValueError, match=f"expecting {N_COLUMNS} features"):
        fitted_window.transform(np.zeros((N_ROWS, n_columns)))


# -- non-numeric data ----------------------------------------------------------


@pytest.mark.parametrize("dtype", [str, object])
def test_regressor_fit_rejects_string_X(dtype, no_training):
    X = np.full((N_ROWS, N_STEPS), "a", dtype=dtype)
    with pytest.raises((ValueError, TypeError)):
        regressor().fit(X, np.zeros(N_ROWS))


@pytest.mark.parametrize("dtype", [str, object])
def test_regressor_predict_rejects_string_X(dtype, fitted_regressor):
    with pytest.raises((ValueError, TypeError)):
        fitted_regressor.predict(np.full((4, N_STEPS, N_FEATURES), "a", dtype=dtype))


@pytest.mark.parametrize("dtype", [str, object])
@pytest.mark.parametrize("method", ["fit", "transform"])
def test_window_rejects_string_X(dtype, method, fitted_window):
    window = fitted_window if method == "transform" else SlidingWindow()
    with pytest.raises((ValueError, TypeError)):
        getattr(window, method)(np.full((N_ROWS, N_COLUMNS), "a", dtype=dtype))


@pytest.mark.parametrize(
    "y",
    [np.full(N_ROWS, "a"), np.full(N_ROWS, "a", dtype=object), np.full(N_ROWS, "1")],
    ids=["str", "object", "numeric-str"],
)
def test_regressor_fit_rejects_string_y(y, no_training):
    X, _ = sequences()
    with pytest.raises(ValueError, match=r"numeric y|convert string to float"):
        regressor().fit(X, y)


# -- datetimes -----------------------------------------------------------------


def datetime_inputs():
    """Datetimes as a numpy array and as a DataFrame column beside numbers."""
    days = pd.date_range("2020-01-01", periods=N_ROWS, freq="D")
    return {
        "datetime64": days.to_numpy().reshape(-1, 1),
        "frame": pd.DataFrame({"day": days, "value": np.arange(N_ROWS, dtype=float)}),
        "frame-tz": pd.DataFrame(
            {"day": days.tz_localize("UTC"), "value": np.arange(N_ROWS, dtype=float)}
        ),
    }


@pytest.mark.parametrize("name", list(datetime_inputs()))
@pytest.mark.parametrize(
    "estimator",
    [LSTMRegressor(**TINY), LSTMClassifier(**TINY), SlidingWindow(window=2)],
    ids=lambda estimator: type(estimator).__name__,
)
def test_fit_refuses_datetimes(name, estimator, no_training):
    X = datetime_inputs()[name]
    y = np.arange(N_ROWS) % 2
    with pytest.raises(ValueError, match=r"datetimes.*Convert them to features"):
        clone(estimator).fit(X, y)


def test_window_transform_refuses_datetimes():
    window = SlidingWindow(window=2).fit(np.zeros((N_ROWS, 1)))
    with pytest.raises(ValueError, match=r"datetimes in X.*day of week"):
        window.transform(datetime_inputs()["datetime64"])


def test_regressor_predict_refuses_datetime_column():
    frame = datetime_inputs()["frame"]
    model = regressor().fit(frame.assign(day=0.0), np.zeros(N_ROWS))
    with pytest.raises(ValueError, match=r"column\(s\) \['day'\]"):
        model.predict(frame)


# -- token ids -----------------------------------------------------------------


def token_ids():
    return np.random.RandomState(0).randint(1, 5, size=(N_ROWS, N_STEPS))


TOKEN_SHAPE = r"token ids with shape \(n_samples, n_steps\)"


def test_token_model_fit_refuses_3d_X(no_training):
    model = LSTMClassifier(**TINY, n_tokens=6)
    with pytest.raises(ValueError, match=TOKEN_SHAPE):
        model.fit(token_ids()[:, :, None], np.arange(N_ROWS) % 2)
    assert not hasattr(model, "input_shape_")


def test_token_model_predict_refuses_3d_X():
    """Regression: predict raised IndexError reading the fitted feature count."""
    model = LSTMClassifier(**TINY, n_tokens=6, n_threads=1)
    model.fit(token_ids(), np.arange(N_ROWS) % 2)
    with pytest.raises(ValueError, match=TOKEN_SHAPE):
        model.predict(np.stack([token_ids(), token_ids()], axis=2))


# -- not fitted ----------------------------------------------------------------


def test_regressor_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        regressor().predict(sequences(4)[0])


def test_window_transform_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        SlidingWindow().transform(table())


# -- hyper-parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("hidden_size", 0),
        ("dropout", 1.5),
        ("optimizer", "adagrad"),
        ("device", "tpu"),
        ("num_layers", 0),
        ("lr", 0),
        ("batch_size", 0),
        ("validation_fraction", 1.0),
    ],
)
def test_regressor_rejects_invalid_parameter(param, value, no_training):
    model = regressor(**{param: value})
    message = rf"'{param}' parameter.*Got {re.escape(repr(value))} instead"
    with pytest.raises(ValueError, match=message):
        model.fit(*sequences())


@pytest.mark.parametrize(("param", "value"), [("window", 0), ("padding", "reflect")])
def test_window_rejects_invalid_parameter(param, value):
    message = rf"'{param}' parameter.*Got {re.escape(repr(value))} instead"
    with pytest.raises(ValueError, match=message):
        SlidingWindow(**{param: value}).fit(table())


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_regressor_rejects_cuda_without_gpu(no_training):
    with pytest.raises(ValueError, match=r"device='cuda'.*no CUDA GPU"):
        regressor(device="cuda").fit(*sequences())


@pytest.mark.parametrize(("n_rows", "fraction"), [(1, 0.1), (3, 0.9)])
def test_early_stopping_needs_a_training_row(n_rows, fraction, no_training):
    model = regressor(early_stopping=True, validation_fraction=fraction)
    with pytest.raises(ValueError, match=r"early_stopping=True.*validation_fraction"):
        model.fit(*sequences(n_rows))


# -- before any training, and never a torch error ------------------------------


def test_valid_input_reaches_training(no_training):
    """Control: the patch does intercept training, so the tests above mean it."""
    with pytest.raises(TrainingStarted):
        regressor().fit(*sequences())


BAD_FITS = {
    "nan-X": lambda X, y: (with_value(X, np.nan, 0), y),
    "inf-y": lambda X, y: (X, with_value(y, np.inf, 0)),
    "short-y": lambda X, y: (X, y[:-1]),
    "0d-X": lambda X, y: (np.array(1.0), y[:1]),
    "4d-X": lambda X, y: (X[..., np.newaxis], y),
    "no-steps": lambda X, y: (X[:, :0], y),
    "no-features": lambda X, y: (X[:, :, :0], y),
    "no-rows": lambda X, y: (X[:0], y[:0]),
    "string-X": lambda X, y: (np.full(X.shape, "x", dtype=object), y),
    # Sequences of different lengths are valid (test_ragged.py); bad ones are not.
    "ragged-nan-X": lambda X, y: ([[1.0, 2.0], [np.nan]], y[:2]),
    "ragged-3d-X": lambda X, y: ([X[0], X[:2]], y[:2]),
    "ragged-string-X": lambda X, y: ([["a", "b"], ["c"]], y[:2]),
    "complex-X": lambda X, y: (X + 1j, y),
}


@pytest.mark.parametrize("make_bad", BAD_FITS.values(), ids=BAD_FITS.keys())
def test_regressor_fit_errors_are_sklearn_style(make_bad, no_training):
    with pytest.raises((ValueError, TypeError)) as info:
        regressor().fit(*make_bad(*sequences()))
    assert_sklearn_style(info.value)


# -- inputs are never modified -------------------------------------------------


def readonly(array):
    array.setflags(write=False)
    return array


def variants(base):
    """The same values in the layouts and dtypes users pass."""
    wide = np.repeat(base, 2, axis=-1)
    return {
        "readonly": readonly(base.copy()),
        "strided": wide[..., ::2],
        "fortran": np.asfortranarray(base),
        "float16": base.astype(np.float16),
        "float32": base.astype(np.float32),
        "float64": base.copy(),
        "int32": (10 * base).astype(np.int32),
        "int64": (10 * base).astype(np.int64),
    }


TABLE_VARIANTS = [*variants(table()), "dataframe"]
SEQUENCE_VARIANTS = list(variants(sequences()[0]))


def table_variant(name):
    if name == "dataframe":
        return pd.DataFrame(table(), columns=["a", "b", "c"])
    return variants(table())[name]


def snapshot(data):
    """A copy of ``data`` and everything about its layout that could change."""
    if isinstance(data, pd.DataFrame):
        return data.copy(deep=True), tuple(data.dtypes)
    if isinstance(data, pd.Series):
        return data.copy(deep=True), data.dtype
    flags = data.flags
    layout = (data.dtype, data.shape, data.strides, flags.writeable)
    layout += (flags.c_contiguous, flags.f_contiguous, flags.owndata)
    return data.copy(order="K"), layout


def assert_unchanged(data, before):
    copy, layout = before
    if isinstance(data, (pd.DataFrame, pd.Series)):
        assert data.equals(copy)
    else:
        assert np.array_equal(data, copy)
    assert snapshot(data)[1] == layout


@pytest.mark.parametrize("name", TABLE_VARIANTS)
def test_window_leaves_input_unchanged(name):
    X = table_variant(name)
    before = snapshot(X)
    SlidingWindow(window=4).fit(X).transform(X)
    assert_unchanged(X, before)


@pytest.mark.parametrize("name", TABLE_VARIANTS)
def test_window_output_does_not_share_memory_with_input(name):
    X = table_variant(name)
    windows = SlidingWindow(window=4).fit_transform(X)
    assert not np.shares_memory(windows, np.asarray(X))


def target_variant(name):
    y = sequences()[1]
    return {
        "float64": y,
        "readonly": readonly(y.copy()),
        "float32": y.astype(np.float32),
        "int64": (10 * y).astype(np.int64),
        "2d-fortran": np.asfortranarray(np.column_stack([y, -y])),
        "series": pd.Series(y, name="target"),
    }[name]


@pytest.mark.parametrize("name", SEQUENCE_VARIANTS)
def test_regressor_leaves_sequences_unchanged(name):
    X = variants(sequences()[0])[name]
    before = snapshot(X)
    regressor().fit(X, sequences()[1]).predict(X)
    assert_unchanged(X, before)


@pytest.mark.parametrize("name", TABLE_VARIANTS)
def test_regressor_leaves_univariate_table_unchanged(name):
    X = table_variant(name)
    before = snapshot(X)
    regressor().fit(X, sequences()[1]).predict(X)
    assert_unchanged(X, before)


@pytest.mark.parametrize(
    "name", ["float64", "readonly", "float32", "int64", "2d-fortran", "series"]
)
def test_regressor_leaves_y_unchanged(name):
    y = target_variant(name)
    before = snapshot(y)
    regressor().fit(sequences()[0], y)
    assert_unchanged(y, before)


def test_float32_offsets_read_by_chunks_match_numpy(monkeypatch):
    """Chunks of 7 rows: the level, steps and means of all the rows at once."""
    rng = np.random.RandomState(0)
    rows = rng.normal(size=(100, 3))
    rows[:, 1] += 1e9  # float32 rounds it by 64: far above its unit steps
    level = np.abs(rows).max(axis=0)
    step = np.abs(np.diff(rows, axis=0)).mean(axis=0)
    lossy = level * 2.0**-24 > 1e-3 * step
    assert lossy.tolist() == [False, True, False]
    expected = np.where(lossy, rows.mean(axis=0), 0.0)
    monkeypatch.setattr(_validation, "_CHUNK_ROWS", 7)
    assert_allclose(float32_offsets(rows), expected, rtol=1e-15)
    assert float32_offsets(rows[:, [0, 2]]) is None
