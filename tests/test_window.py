import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import clone, config_context
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklstm import LSTMRegressor, SlidingWindow


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
@pytest.mark.filterwarnings("ignore:window=40 is longer:UserWarning")
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
    with pytest.warns(UserWarning, match="every window of these rows is padded"):
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


# -- Scoring with history --------------------------------------------------------

WINDOW = 4


def frame_with(index):
    values = np.random.RandomState(0).normal(size=(len(index), 2))
    return pd.DataFrame(values, index=index, columns=["c0", "c1"])


def windows_of_all_rows(frame, n_fit, **params):
    """Windows of rows ``n_fit...`` cut from the windows of the whole table."""
    return SlidingWindow(WINDOW, **params).fit_transform(frame)[n_fit:]


def padded_windows(frame, **params):
    """Windows of ``frame`` transformed alone: its first rows padded."""
    return SlidingWindow(WINDOW, **params).fit_transform(frame)


REGULAR_INDEXES = {
    "datetime with freq": pd.date_range("2020-01-01", periods=20, freq="D"),
    "period": pd.period_range("2020-01", periods=20, freq="M"),
    "range": pd.RangeIndex(20),
    "range with step": pd.RangeIndex(100, 140, 2),
    "evenly spaced integers": pd.Index(np.arange(20) * 3 + 7),
    # A list of timestamps has no freq; pd.infer_freq finds month starts.
    "datetime with inferable freq": pd.DatetimeIndex(
        list(pd.date_range("2020-01-01", periods=20, freq="MS"))
    ),
}


@pytest.mark.parametrize("index", REGULAR_INDEXES.values(), ids=REGULAR_INDEXES)
@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_rows_that_continue_the_fit_index_get_their_history(index, padding):
    frame = frame_with(index)
    sliding = SlidingWindow(WINDOW, padding=padding).fit(frame.iloc[:12])
    expected = windows_of_all_rows(frame, 12, padding=padding)
    np.testing.assert_array_equal(sliding.transform(frame.iloc[12:]), expected)


def test_datetime_index_without_freq_infers_it():
    index = REGULAR_INDEXES["datetime with inferable freq"]
    assert index.freq is None
    sliding = SlidingWindow(WINDOW).fit(frame_with(index).iloc[:12])
    assert sliding.next_index_ == pd.Timestamp("2021-01-01")


def test_history_is_the_last_rows_seen_in_fit_in_float32():
    frame = frame_with(pd.RangeIndex(20))
    sliding = SlidingWindow(WINDOW).fit(frame.iloc[:12])
    assert sliding.last_rows_.dtype == np.float32
    np.testing.assert_array_equal(
        sliding.last_rows_, frame.iloc[9:12].to_numpy(np.float32)
    )
    assert sliding.next_index_ == 12


def test_history_shorter_than_the_window_is_padded_before():
    frame = frame_with(pd.RangeIndex(6))
    with pytest.warns(UserWarning, match="longer than the 2 rows"):
        sliding = SlidingWindow(WINDOW).fit(frame.iloc[:2])
    np.testing.assert_array_equal(
        sliding.transform(frame.iloc[2:]), windows_of_all_rows(frame, 2)
    )


DAYS = pd.date_range("2020-01-01", periods=20, freq="D")
NOT_FOLLOWING = {
    "gap": lambda frame: frame.iloc[14:],
    # Both start at the row after the fit rows, but their index is not increasing.
    "shuffled": lambda frame: frame.iloc[[12, 14, 13, 15, 16]],
    "earlier": lambda frame: frame.iloc[3:9],
    "training rows again": lambda frame: frame.iloc[:12],
    "repeated label": lambda frame: frame.iloc[[12, 12, 13, 14, 15]],
}


@pytest.mark.parametrize("rows_of", NOT_FOLLOWING.values(), ids=NOT_FOLLOWING)
def test_rows_that_do_not_follow_fit_are_padded(rows_of):
    frame = frame_with(DAYS)
    rows = rows_of(frame)
    sliding = SlidingWindow(WINDOW).fit(frame.iloc[:12])
    np.testing.assert_array_equal(sliding.transform(rows), padded_windows(rows))


IRREGULAR_INDEXES = {
    "irregular dates": pd.DatetimeIndex(
        ["2020-01-01", "2020-01-02", "2020-01-04", "2020-01-05", "2020-01-08"]
    ),
    "months with a gap": pd.PeriodIndex(
        ["2020-01", "2020-02", "2020-04", "2020-05", "2020-06"], freq="M"
    ),
    "uneven integers": pd.Index([0, 1, 3, 4, 6]),
    "floats": pd.Index([0.0, 1.0, 2.0, 3.0, 4.0]),
    "strings": pd.Index(list("abcde")),
    "decreasing": pd.RangeIndex(10, 5, -1),
}


@pytest.mark.parametrize("index", IRREGULAR_INDEXES.values(), ids=IRREGULAR_INDEXES)
def test_an_irregular_fit_index_gives_no_history(index):
    sliding = SlidingWindow(WINDOW).fit(frame_with(index))
    assert sliding.next_index_ is None


OTHER_KINDS = {
    "dates then a range": (DAYS, pd.RangeIndex(12, 20)),
    "months then days": (
        pd.period_range("2020-01", periods=20, freq="M"),
        pd.period_range("2021-01", periods=8, freq="D"),
    ),
    "a range then dates": (pd.RangeIndex(20), DAYS[12:]),
}


@pytest.mark.parametrize(("fit_index", "index"), OTHER_KINDS.values(), ids=OTHER_KINDS)
def test_another_kind_of_index_is_padded(fit_index, index):
    sliding = SlidingWindow(WINDOW).fit(frame_with(fit_index).iloc[:12])
    rows = frame_with(index)
    np.testing.assert_array_equal(sliding.transform(rows), padded_windows(rows))


def test_auto_pads_numpy_input():
    X = np.random.RandomState(0).normal(size=(20, 2))
    sliding = SlidingWindow(WINDOW).fit(X[:12])
    assert sliding.next_index_ is None
    np.testing.assert_array_equal(sliding.transform(X[12:]), padded_windows(X[12:]))


def test_never_pads_rows_that_follow():
    frame = frame_with(DAYS)
    sliding = SlidingWindow(WINDOW, history="never").fit(frame.iloc[:12])
    np.testing.assert_array_equal(
        sliding.transform(frame.iloc[12:]), padded_windows(frame.iloc[12:])
    )


def test_always_uses_history_for_numpy_rows():
    X = np.random.RandomState(0).normal(size=(20, 2))
    sliding = SlidingWindow(WINDOW, history="always").fit(X[:12])
    np.testing.assert_array_equal(sliding.transform(X[12:]), windows_of_all_rows(X, 12))


@pytest.mark.parametrize("history", ["auto", "always", "never"])
@pytest.mark.parametrize("as_frame", [False, True])
def test_fit_then_transform_equals_fit_transform(history, as_frame):
    frame = frame_with(DAYS)
    X = frame if as_frame else frame.to_numpy()
    sliding = SlidingWindow(WINDOW, history=history)
    np.testing.assert_array_equal(
        sliding.fit(X).transform(X), SlidingWindow(WINDOW).fit_transform(X)
    )
    np.testing.assert_array_equal(sliding.fit_transform(X), padded_windows(X))


def test_always_tells_the_fit_data_by_its_values_not_its_identity():
    X = np.random.RandomState(0).normal(size=(20, 2))
    sliding = SlidingWindow(WINDOW, history="always").fit(X)
    np.testing.assert_array_equal(sliding.transform(X.copy()), padded_windows(X))
    shifted = X + 1.0
    assert not np.array_equal(sliding.transform(shifted), padded_windows(shifted))


def test_always_rejects_an_index_that_does_not_follow():
    frame = frame_with(DAYS)
    sliding = SlidingWindow(WINDOW, history="always").fit(frame.iloc[:12])
    with pytest.raises(ValueError, match=r"history='always'.*2020-01-13.*2020-01-15"):
        sliding.transform(frame.iloc[14:])
    with pytest.raises(ValueError, match=r"X\.index is not strictly increasing"):
        sliding.transform(frame.iloc[[12, 14, 13]])
    with pytest.raises(ValueError, match="starts at 0"):
        sliding.transform(frame.iloc[12:].reset_index(drop=True))
    np.testing.assert_array_equal(
        sliding.transform(frame.iloc[12:]), windows_of_all_rows(frame, 12)
    )


def test_fitted_history_survives_pickling():
    frame = frame_with(pd.period_range("2020-01", periods=20, freq="M"))
    sliding = SlidingWindow(WINDOW).fit(frame.iloc[:12])
    restored = pickle.loads(pickle.dumps(sliding))
    assert restored.next_index_ == pd.Period("2021-01", freq="M")
    np.testing.assert_array_equal(restored.last_rows_, sliding.last_rows_)
    np.testing.assert_array_equal(
        restored.transform(frame.iloc[12:]), windows_of_all_rows(frame, 12)
    )


# -- Cross-validation scores with history ------------------------------------------


def flatten(windows):
    return windows.reshape(len(windows), -1).astype(np.float64)


def windowed_regression(window=8, scaled=False):
    steps = [
        ("window", SlidingWindow(window=window)),
        ("flatten", FunctionTransformer(flatten)),
        ("regression", LinearRegression()),
    ]
    if scaled:
        steps.insert(0, ("scale", StandardScaler()))
    return Pipeline(steps)


@pytest.fixture
def monthly():
    """A noisy seasonal series with an exogenous column, and its next value."""
    rng = np.random.RandomState(0)
    t = np.arange(121)
    signal = 10 + np.sin(2 * np.pi * t / 12) + 0.3 * rng.normal(size=t.size)
    table = pd.DataFrame(
        {"signal": signal, "trend": t / 10.0},
        index=pd.date_range("2010-01-01", periods=t.size, freq="MS"),
    )
    return table.iloc[:-1], signal[1:]


def scores_with_history(model, X, y, cv):
    """Fit on the training rows, predict up to the end of the test rows, keep those."""
    scores = []
    for train, test in cv.split(X):
        fitted = clone(model).fit(X.iloc[train], y[train])
        predictions = fitted.predict(X.iloc[: test[-1] + 1])[test]
        scores.append(r2_score(y[test], predictions))
    return np.array(scores)


def scores_padded(model, X, y, cv):
    """Fit on the training rows, predict the test rows alone (and padded)."""
    scores = []
    for train, test in cv.split(X):
        fitted = clone(model).set_params(window__history="never")
        fitted.fit(X.iloc[train], y[train])
        scores.append(r2_score(y[test], fitted.predict(X.iloc[test])))
    return np.array(scores)


# The flattening FunctionTransformer cannot return the DataFrame asked for: it says so.
@pytest.mark.filterwarnings("ignore:When `set_output` is configured:UserWarning")
@pytest.mark.parametrize("scaled", [False, True])
def test_cross_val_score_scores_each_fold_with_its_history(monthly, scaled):
    X, y = monthly
    model = windowed_regression(scaled=scaled).set_output(transform="pandas")
    cv = TimeSeriesSplit(4)
    scores = cross_val_score(model, X, y, cv=cv)
    np.testing.assert_allclose(scores, scores_with_history(model, X, y, cv), atol=1e-9)
    # Padded folds score differently: the comparison can tell them apart.
    assert np.abs(scores - scores_padded(model, X, y, cv)).max() > 1e-6


# The flattening FunctionTransformer cannot return the DataFrame asked for: it says so.
@pytest.mark.filterwarnings("ignore:When `set_output` is configured:UserWarning")
@pytest.mark.parametrize("scaled", [False, True])
def test_cross_val_score_pads_folds_after_a_gap(monthly, scaled):
    X, y = monthly
    model = windowed_regression(scaled=scaled).set_output(transform="pandas")
    cv = TimeSeriesSplit(4, gap=2)
    scores = cross_val_score(model, X, y, cv=cv)
    np.testing.assert_allclose(scores, scores_padded(model, X, y, cv), atol=1e-9)


def test_grid_search_scores_folds_with_history(monthly):
    X, y = monthly
    model = windowed_regression()
    cv = TimeSeriesSplit(3)
    search = GridSearchCV(model, {"window__window": [4, 8]}, cv=cv).fit(X, y)
    expected = scores_with_history(model.set_params(window__window=8), X, y, cv)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"][1], expected.mean(), atol=1e-9
    )


def test_a_scaler_without_pandas_output_drops_the_index(monthly):
    X, y = monthly
    model = windowed_regression(scaled=True)
    cv = TimeSeriesSplit(4)
    scores = cross_val_score(model, X, y, cv=cv)
    np.testing.assert_allclose(scores, scores_padded(model, X, y, cv), atol=1e-9)


# -- set_output and feature names ------------------------------------------------


def test_set_output_is_accepted_and_keeps_windows_3d():
    frame = frame_with(DAYS)
    for transform in ["pandas", "default", None, "polars"]:
        sliding = SlidingWindow(WINDOW)
        assert sliding.set_output(transform=transform) is sliding
        windows = sliding.fit_transform(frame)
        assert isinstance(windows, np.ndarray)
        assert windows.shape == (20, WINDOW, 2)


def test_pipeline_set_output_keeps_the_index_through_a_scaler():
    frame = frame_with(DAYS)
    pipe = make_pipeline(StandardScaler(), SlidingWindow(WINDOW))
    pipe.set_output(transform="pandas").fit(frame.iloc[:12])
    assert pipe[-1].next_index_ == DAYS[12]
    scaled = pipe[0].transform(frame).to_numpy(np.float32)
    np.testing.assert_array_equal(pipe.transform(frame.iloc[12:])[0, :-1], scaled[9:12])


def test_global_pandas_output_leaves_windows_3d():
    frame = frame_with(DAYS)
    with config_context(transform_output="pandas"):
        pipe = make_pipeline(StandardScaler(), SlidingWindow(WINDOW)).fit(frame[:12])
        windows = pipe.transform(frame.iloc[12:])
    assert isinstance(windows, np.ndarray)
    assert pipe[-1].next_index_ == DAYS[12]
    np.testing.assert_array_equal(windows[0, :-1], pipe[-1].last_rows_)


def test_feature_names_out_are_the_input_columns():
    frame = frame_with(DAYS)
    names = SlidingWindow(WINDOW).fit(frame).get_feature_names_out()
    assert names.dtype == object
    np.testing.assert_array_equal(names, ["c0", "c1"])
    sliding = SlidingWindow(WINDOW).fit(np.ones((5, 3)))
    np.testing.assert_array_equal(sliding.get_feature_names_out(), ["x0", "x1", "x2"])
    np.testing.assert_array_equal(
        sliding.get_feature_names_out(["a", "b", "c"]), ["a", "b", "c"]
    )
    with pytest.raises(ValueError, match="input_features should have length"):
        sliding.get_feature_names_out(["a"])


def test_feature_names_out_needs_fit():
    with pytest.raises(NotFittedError):
        SlidingWindow().get_feature_names_out()


def test_warns_when_the_window_is_longer_than_the_fit_rows():
    with pytest.warns(UserWarning, match=r"window=6 is longer than the 5 rows"):
        SlidingWindow(window=6).fit(np.ones((5, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SlidingWindow(window=5).fit(np.ones((5, 2)))


def test_the_readme_pipeline_predicts_new_rows_with_their_history(monthly):
    X, y = monthly
    lstm = LSTMRegressor(hidden_size=4, max_epochs=2, n_threads=1, random_state=0)
    pipe = Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow(24)), ("lstm", lstm)]
    ).set_output(transform="pandas")
    pipe.fit(X.iloc[:90], y[:90])
    assert pipe["window"].next_index_ == X.index[90]
    np.testing.assert_allclose(
        pipe.predict(X.iloc[90:]), pipe.predict(X)[90:], rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(
    "index",
    [
        pd.Index(np.arange(2**63 - 5, 2**63, dtype=np.int64)),
        pd.Index(np.arange(2**64 - 5, 2**64, dtype=np.uint64)),
        pd.DatetimeIndex([f"2262-04-{day:02d}" for day in range(7, 12)], freq="D"),
    ],
    ids=["int64-max", "uint64-max", "datetime-max"],
)
def test_index_whose_next_label_does_not_exist_is_a_clear_error(index):
    """Regression: an int64 index at 2**63 - 1 wrapped round to -2**63."""
    X = pd.DataFrame({"v": np.arange(5.0)}, index=index)
    with pytest.raises(ValueError, match=r"index ends at .* does not exist"):
        SlidingWindow(window=2).fit(X)


def test_widest_int64_index_is_not_read_as_evenly_spaced():
    """Its steps overflow int64: computed exactly, they differ."""
    index = pd.Index(np.array([-(2**63), 0, 2**63 - 2], dtype=np.int64))
    window = SlidingWindow(window=2).fit(pd.DataFrame({"v": [1.0, 2.0, 3.0]}, index))
    assert window.next_index_ is None
