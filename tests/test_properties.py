"""Property tests: SlidingWindow's output rules, LSTMRegressor's input validation."""

import warnings

import numpy as np
import pytest
import skorch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, from_dtype

from sklstm import LSTMRegressor, SlidingWindow

# Number of examples each property runs (derandomized: the same ones every run).
WINDOW_EXAMPLES = 100
MALFORMED_EXAMPLES = 100
VALID_EXAMPLES = 20

FIXED = settings(deadline=None, derandomize=True, database=None)

MAGNITUDE = 1e6
DTYPES = [np.float64, np.float32, np.int64, np.int32]


# -- SlidingWindow -------------------------------------------------------------


@st.composite
def window_cases(draw):
    """``(X, window, padding)``: finite X of 1..60 rows and 1..5 columns."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    bounds = {"min_value": -MAGNITUDE, "max_value": MAGNITUDE}
    if dtype.kind == "f":
        bounds.update(allow_nan=False, allow_infinity=False)
    shape = (draw(st.integers(1, 60)), draw(st.integers(1, 5)))
    X = draw(arrays(dtype, shape, elements=from_dtype(dtype, **bounds)))
    return X, draw(st.integers(1, 70)), draw(st.sampled_from(["edge", "zero"]))


def windows_of(X, window, padding):
    with warnings.catch_warnings():
        # Windows longer than X are drawn on purpose; the warning says so.
        warnings.filterwarnings("ignore", "window=.* is longer", UserWarning)
        return SlidingWindow(window=window, padding=padding).fit_transform(X)


@settings(FIXED, max_examples=WINDOW_EXAMPLES)
@given(window_cases())
def test_window_shape_and_dtype(case):
    X, window, padding = case
    out = windows_of(X, window, padding)
    assert out.shape == (len(X), window, X.shape[1])
    assert out.dtype == np.float32


@settings(FIXED, max_examples=WINDOW_EXAMPLES)
@given(window_cases())
def test_full_windows_are_the_rows_up_to_t(case):
    X, window, padding = case
    out, X32 = windows_of(X, window, padding), X.astype(np.float32)
    for t in range(window - 1, len(X)):
        np.testing.assert_array_equal(out[t], X32[t - window + 1 : t + 1])


@settings(FIXED, max_examples=WINDOW_EXAMPLES)
@given(window_cases())
def test_partial_windows_end_with_the_rows_so_far(case):
    X, window, padding = case
    out, X32 = windows_of(X, window, padding), X.astype(np.float32)
    for t in range(min(window - 1, len(X))):
        np.testing.assert_array_equal(out[t, window - t - 1 :], X32[: t + 1])


@settings(FIXED, max_examples=WINDOW_EXAMPLES)
@given(window_cases())
def test_padded_rows_follow_the_padding_rule(case):
    X, window, padding = case
    out = windows_of(X, window, padding)
    fill = X[0].astype(np.float32) if padding == "edge" else np.float32(0)
    for t in range(min(window - 1, len(X))):
        padded = out[t, : window - t - 1]
        np.testing.assert_array_equal(padded, np.broadcast_to(fill, padded.shape))


@settings(FIXED, max_examples=WINDOW_EXAMPLES)
@given(window_cases(), st.integers(1, 59))
def test_rows_after_fit_are_windowed_as_in_the_whole_series(case, n_fit):
    X, window, padding = case
    n_fit = min(n_fit, len(X) - 1) or 1
    sliding = SlidingWindow(window=window, padding=padding, history="always")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "window=.* is longer", UserWarning)
        sliding.fit(X[:n_fit])
    rest = X[n_fit:]
    if len(rest) == 0 or (
        rest.shape == X[:n_fit].shape
        and np.array_equal(rest.astype(np.float32), X[:n_fit].astype(np.float32))
    ):
        return  # nothing after fit, or the fit rows again (padded by design)
    np.testing.assert_array_equal(
        sliding.transform(rest), windows_of(X, window, padding)[n_fit:]
    )


# -- LSTMRegressor validation --------------------------------------------------


class TrainingStarted(Exception):
    """Raised by the patched skorch fit: validation let the input through."""


def fit_without_training(X, y):
    """Fit a tiny regressor with skorch's fit replaced by a tripwire."""

    def tripwire(self, *args, **kwargs):
        raise TrainingStarted

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(skorch.NeuralNet, "fit", tripwire)
        patch.setattr(skorch.NeuralNet, "partial_fit", tripwire)
        LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)


finite = st.floats(-MAGNITUDE, MAGNITUDE, allow_nan=False, allow_infinity=False)
non_finite = st.sampled_from([np.nan, np.inf, -np.inf])
# None of these letters can spell a float ("nan", "inf", "1e5"...).
non_numeric_text = st.text(alphabet="bcdghjklmopqrsuvwxz_-", min_size=1, max_size=5)


@st.composite
def valid_fits(draw):
    """A well-formed ``(X, y)``: 2-D or 3-D finite X and a matching 1-D/2-D y."""
    n_rows, n_steps = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(n_rows, n_steps), (n_rows, n_steps, 2)]))
    y_shape = draw(st.sampled_from([(n_rows,), (n_rows, 2)]))
    return draw(arrays(np.float64, shape, elements=finite)), draw(
        arrays(np.float64, y_shape, elements=finite)
    )


@st.composite
def put(draw, array, values):
    """``array`` with one drawn entry set to a value drawn from ``values``."""
    array = array.astype(object if array.dtype == object else np.float64)
    array.flat[draw(st.integers(0, array.size - 1))] = draw(values)
    return array


@st.composite
def non_finite_X(draw):
    X, y = draw(valid_fits())
    return draw(put(X, non_finite)), y


@st.composite
def non_finite_y(draw):
    X, y = draw(valid_fits())
    return X, draw(put(y, non_finite))


@st.composite
def wrong_ndim(draw):
    ndim = draw(st.sampled_from([0, 1, 4, 5]))
    shape = draw(array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=3))
    X = draw(arrays(np.float64, shape, elements=finite))
    return X, np.zeros(shape[0] if ndim else 1)


@st.composite
def empty_axis(draw):
    """Zero rows, zero steps or zero features."""
    shape = list(draw(st.sampled_from([(4, 3), (4, 3, 2)])))
    shape[draw(st.integers(0, len(shape) - 1))] = 0
    return np.zeros(shape), np.zeros(shape[0])


@st.composite
def mismatched_y(draw):
    X, _ = draw(valid_fits())
    n_y = draw(st.integers(0, 10).filter(lambda n: n != len(X)))
    return X, np.zeros(n_y)


@st.composite
def string_X(draw):
    X, y = draw(valid_fits())
    if draw(st.booleans()):
        return draw(put(X.astype(object), non_numeric_text)), y
    return np.full(X.shape, draw(non_numeric_text)), y


@st.composite
def string_y(draw):
    X, y = draw(valid_fits())
    if draw(st.booleans()):
        return X, draw(put(y.astype(object), non_numeric_text))
    return X, y.astype(str)  # numbers as text: still not a numeric y


@st.composite
def ragged_X(draw):
    """Nested lists whose steps (3-D) differ in length.

    Rows (2-D lists) of different lengths are no longer malformed: they are
    univariate sequences of different lengths, which the estimators read
    (hypothesis found ``[[0.0], [0.0, 0.0]]`` reaching training).
    """
    lengths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=6))
    lengths[-1] = lengths[0] + draw(st.integers(1, 3))  # at least two lengths
    X = [[[0.0] * n] * 2 for n in lengths]
    return X, [0.0] * len(lengths)


MALFORMED = st.one_of(
    non_finite_X(),
    non_finite_y(),
    wrong_ndim(),
    empty_axis(),
    mismatched_y(),
    string_X(),
    string_y(),
    ragged_X(),
)


@settings(FIXED, max_examples=VALID_EXAMPLES)
@given(valid_fits())
def test_valid_fits_reach_training(data):
    """Control: the tripwire fires on good data, so the next property means it."""
    with pytest.raises(TrainingStarted):
        fit_without_training(*data)


@settings(FIXED, max_examples=MALFORMED_EXAMPLES)
@given(MALFORMED)
def test_malformed_fits_raise_before_training(data):
    with pytest.raises((ValueError, TypeError)) as info:
        fit_without_training(*data)
    assert not isinstance(info.value, RuntimeError)
    assert type(info.value).__module__.split(".")[0] not in {"torch", "skorch"}
