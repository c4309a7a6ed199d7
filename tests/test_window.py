import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import SlidingWindow


def tutorial_windows(X, window, padding):
    """The loop people copy from tutorials, with the padding added."""
    fill = X[:1] if padding == "edge" else np.zeros_like(X[:1])
    padded = np.vstack([np.repeat(fill, window - 1, axis=0), X])
    return np.stack([padded[t : t + window] for t in range(len(X))]).astype(np.float32)


def owner_of(array):
    """The array that owns the memory ``array`` views (as_strided hides it)."""
    owner = array
    while getattr(array, "base", None) is not None:
        array = array.base
        if isinstance(array, np.ndarray):
            owner = array
    return owner


@pytest.mark.parametrize("n_features", [1, 2, 5])
@pytest.mark.parametrize("window", [1, 2, 7, 40])
@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_windows_match_the_tutorial_loop(n_features, window, padding):
    X = np.random.RandomState(0).normal(size=(30, n_features))
    windows = SlidingWindow(window=window, padding=padding).fit_transform(X)
    assert windows.shape == (30, window, n_features)
    assert windows.dtype == np.float32
    np.testing.assert_array_equal(windows, tutorial_windows(X, window, padding))


def test_row_t_holds_rows_up_to_t_in_time_order():
    X = np.arange(6.0).reshape(-1, 1)
    windows = SlidingWindow(window=3).fit_transform(X)
    np.testing.assert_array_equal(windows[4, :, 0], [2.0, 3.0, 4.0])


@pytest.mark.parametrize(
    ("padding", "expected"), [("edge", [5.0, 5.0, 5.0]), ("zero", [0.0, 0.0, 5.0])]
)
def test_padding_rule(padding, expected):
    X = np.array([[5.0], [6.0], [7.0]])
    windows = SlidingWindow(window=3, padding=padding).fit_transform(X)
    np.testing.assert_array_equal(windows[0, :, 0], expected)


def test_window_longer_than_series_pads_every_row():
    X = np.array([[1.0, 10.0], [2.0, 20.0]])
    windows = SlidingWindow(window=5).fit_transform(X)
    np.testing.assert_array_equal(windows[1, :, 1], [10.0, 10.0, 10.0, 10.0, 20.0])


def test_output_is_a_view_over_one_padded_copy():
    n_samples, n_features, window = 1000, 4, 128
    X = np.random.RandomState(0).normal(size=(n_samples, n_features))
    windows = SlidingWindow(window=window).fit_transform(X)
    buffer = owner_of(windows)
    # One float32 buffer of n + window - 1 rows, not n * window rows.
    assert buffer.nbytes == (n_samples + window - 1) * n_features * 4
    assert np.shares_memory(windows[1], windows[2])
    assert not np.shares_memory(windows, X)
    assert not windows.flags.writeable


def test_dataframe_input_records_feature_names():
    frame = pd.DataFrame({"temp": np.arange(5.0), "wind": np.arange(5.0) * 2})
    sliding = SlidingWindow(window=2).fit(frame)
    np.testing.assert_array_equal(sliding.feature_names_in_, ["temp", "wind"])
    assert sliding.n_features_in_ == 2
    from_array = SlidingWindow(window=2).fit_transform(frame.to_numpy())
    np.testing.assert_array_equal(sliding.transform(frame), from_array)


def test_dataframe_with_other_columns_is_rejected():
    frame = pd.DataFrame({"temp": np.arange(5.0), "wind": np.arange(5.0)})
    sliding = SlidingWindow(window=2).fit(frame)
    with pytest.raises(ValueError, match="feature names"):
        sliding.transform(frame.rename(columns={"wind": "rain"}))


def test_wrong_number_of_columns_is_rejected():
    sliding = SlidingWindow(window=2).fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but SlidingWindow"):
        sliding.transform(np.ones((5, 2)))


def test_after_a_scaler_in_a_pipeline():
    X = np.random.RandomState(0).normal(loc=10.0, size=(50, 2))
    windows = make_pipeline(StandardScaler(), SlidingWindow(window=4)).fit_transform(X)
    scaled = StandardScaler().fit_transform(X).astype(np.float32)
    np.testing.assert_allclose(windows[10], scaled[7:11], rtol=1e-6)
