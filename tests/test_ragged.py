"""Sequences of different lengths: padding inside, never in the predictions."""

import re

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor, pad_sequences

FAST = dict(hidden_size=4, max_epochs=1, batch_size=8, random_state=0)


def ragged(n=24, n_features=2, seed=0, low=2, high=12):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(low, high), n_features)) for _ in range(n)]
    y = np.array([x[:, 0].sum() + x[-1, -1] for x in X])
    return X, y


def assert_alone_equals_batched(model, X, predict="predict"):
    """Each sequence alone, and behind longer ones in a batch: same outputs."""
    method = getattr(model, predict)
    batched = method(X)
    # The shortest sequence among all the longer ones, and with others.
    order = np.argsort([len(x) for x in X])
    reordered = method([X[i] for i in order[::-1]])[::-1]
    for i, x in enumerate(X):
        np.testing.assert_allclose(method([x])[0], batched[i], rtol=0, atol=1e-6)
    np.testing.assert_allclose(reordered, batched[order], rtol=0, atol=1e-6)


ARCHITECTURES = [
    *[dict(pooling=pooling) for pooling in ("last", "mean", "max", "attention")],
    dict(cell="gru", pooling="mean"),
    dict(bidirectional=True),
    dict(bidirectional=True, pooling="attention", cell="gru"),
    dict(num_layers=2, pooling="max"),
    dict(num_layers=2, bidirectional=True, pooling="mean"),
    dict(conv_channels=3, conv_kernel_size=3),
    # An even kernel pads "same" unevenly: more after the end than before.
    pytest.param(
        dict(conv_channels=3, conv_kernel_size=4, bidirectional=True),
        marks=pytest.mark.filterwarnings("ignore:Using padding='same'"),
    ),
    dict(layer_norm=True, pooling="attention"),
]


@pytest.mark.parametrize("level", ["last", None])
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=repr)
def test_regressor_predicts_a_sequence_alone_as_in_a_batch(architecture, level):
    X, y = ragged()
    model = LSTMRegressor(level=level, **FAST, **architecture).fit(X, y)
    assert_alone_equals_batched(model, X)


@pytest.mark.parametrize("architecture", ARCHITECTURES[:6], ids=repr)
def test_classifier_predicts_a_sequence_alone_as_in_a_batch(architecture):
    X, y = ragged(seed=1)
    model = LSTMClassifier(**FAST, **architecture).fit(X, y > 0)
    assert_alone_equals_batched(model, X, "predict_proba")


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_values_do_not_reach_the_network(bidirectional):
    """The real steps alone give what the padded batch gives, whatever the padding."""
    X, y = ragged()
    model = LSTMRegressor(bidirectional=bidirectional, conv_channels=2, **FAST)
    network = model.fit(X, y).net_.module_.eval()
    lengths = torch.tensor([3, 7])
    padded = torch.randn(2, 7, 2)  # nonzero, large padding after row 0's end
    padded[0, 3:] = 1e3
    with torch.inference_mode():
        together = network(padded, lengths=lengths)
        alone = network(padded[:1, :3], lengths=lengths[:1])
    torch.testing.assert_close(together[:1], alone, rtol=0, atol=1e-6)


def test_regressor_fits_ragged_lists_and_learns():
    X, y = ragged(n=120, n_features=1, low=3, high=15)
    model = LSTMRegressor(hidden_size=8, max_epochs=30, lr=0.02, random_state=0)
    model.fit(X, y)
    assert model.score(X, y) > 0.5
    assert model.n_features_in_ == max(len(x) for x in X)
    assert model.input_shape_ == (max(len(x) for x in X), 1)


def test_classifier_fits_ragged_lists():
    X, y = ragged(n=40)
    labels = np.where(y > 0, "up", "down")
    model = LSTMClassifier(**FAST).fit(X, labels)
    assert set(model.predict(X)) <= {"up", "down"}
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)


def test_object_array_and_tuple_read_as_the_list():
    X, y = ragged()
    objects = np.empty(len(X), dtype=object)
    objects[:] = X
    model = LSTMRegressor(**FAST).fit(objects, y)
    expected = LSTMRegressor(**FAST).fit(X, y).predict(X)
    np.testing.assert_array_equal(model.predict(objects), expected)
    np.testing.assert_array_equal(model.predict(tuple(X)), expected)


def test_one_dimensional_sequences_are_univariate():
    X, y = ragged(n_features=1)
    flat = [x[:, 0] for x in X]
    model = LSTMRegressor(**FAST).fit(flat, y)
    np.testing.assert_array_equal(model.predict(flat), model.predict(X))


def test_ragged_fit_takes_longer_sequences_and_fixed_arrays_later():
    X, y = ragged(high=6)
    model = LSTMRegressor(**FAST).fit(X, y)
    longer = np.random.RandomState(1).normal(size=(3, 20, 2))
    # A 3-D array runs without lengths, a list with them: float32 paths of
    # their own, equal to float32 precision.
    np.testing.assert_allclose(
        model.predict(longer), model.predict(list(longer)), rtol=1e-5, atol=1e-6
    )


def test_fixed_length_fit_predicts_ragged_sequences():
    X = np.random.RandomState(0).normal(size=(24, 6, 2))
    model = LSTMRegressor(**FAST).fit(X, X[:, -1, 0])
    sequences = [X[0], X[1, :3]]
    # Beside a shorter sequence, in a batch of two: equal to float32 precision.
    np.testing.assert_allclose(
        model.predict(sequences)[:1], model.predict(X[:1]), rtol=1e-5, atol=1e-6
    )


def test_token_sequences_of_different_lengths():
    rng = np.random.RandomState(0)
    X = [rng.randint(1, 9, size=rng.randint(2, 10)) for _ in range(30)]
    y = np.array([x[-1] > 4 for x in X])
    model = LSTMClassifier(n_tokens=10, embedding_dim=4, **FAST).fit(X, y)
    assert_alone_equals_batched(model, X, "predict_proba")


def test_attention_weights_are_zero_on_padding():
    X, y = ragged()
    model = LSTMRegressor(pooling="attention", **FAST).fit(X, y)
    weights = model.attention_weights(X)
    lengths = np.array([len(x) for x in X])
    assert weights.shape == (len(X), lengths.max())
    assert np.all(weights[np.arange(lengths.max()) >= lengths[:, None]] == 0)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_nan_error_names_the_sequence_and_leaves_input_alone():
    X, y = ragged()
    X[5][-1, 1] = np.nan
    before = [x.copy() for x in X]
    model = LSTMRegressor(**FAST)
    with pytest.raises(ValueError, match=r"sequence 5 of X contains NaN"):
        model.fit(X, y)
    assert not hasattr(model, "net_")
    for x, original in zip(X, before, strict=True):
        np.testing.assert_array_equal(x, original)


def test_empty_sequence_is_refused():
    X, y = ragged()
    X[3] = np.empty((0, 2))
    with pytest.raises(ValueError, match=r"sequence 3 of X has shape \(0, 2\)"):
        LSTMRegressor(**FAST).fit(X, y)


def test_sequences_with_other_features_are_refused():
    X, y = ragged()
    X[4] = X[4][:, :1]
    with pytest.raises(ValueError, match="sequence 4 has shape"):
        LSTMRegressor(**FAST).fit(X, y)
    model = LSTMRegressor(**FAST).fit(ragged()[0], y)
    with pytest.raises(
        ValueError, match=r"3 feature\(s\) per time step.*fitted with 2"
    ):
        model.predict([np.zeros((4, 3))])


def test_level_ar_refuses_ragged_input_and_names_the_fix():
    X, y = ragged()
    with pytest.raises(ValueError, match=r"level='ar'.*level='last'.*pad_sequences"):
        LSTMRegressor(level="ar", **FAST).fit(X, y)
    fixed = pad_sequences(X, length=5)
    model = LSTMRegressor(level="ar", **FAST).fit(fixed, y)
    with pytest.raises(ValueError, match="level='ar'"):
        model.predict(X)


def test_custom_module_without_lengths_is_refused():
    class Mean(torch.nn.Module):
        def __init__(self, n_features, n_outputs):
            super().__init__()
            self.linear = torch.nn.Linear(n_features, n_outputs)

        def forward(self, X):
            return self.linear(X.mean(dim=1))

    X, y = ragged()
    with pytest.raises(ValueError, match=r"Mean\.forward takes no lengths"):
        LSTMRegressor(module=Mean, **FAST).fit(X, y)


def test_pipeline_grid_search_and_joblib_on_ragged_lists(tmp_path):
    X, y = ragged(n=30)
    pipeline = make_pipeline(FunctionTransformer(), LSTMRegressor(**FAST))
    search = GridSearchCV(pipeline, {"lstmregressor__hidden_size": [3, 4]}, cv=2)
    search.fit(X, y)
    joblib.dump(search, tmp_path / "search.joblib")
    loaded = joblib.load(tmp_path / "search.joblib")
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))


def test_skops_round_trip_of_a_ragged_model(tmp_path):
    pytest.importorskip("skops")
    X, y = ragged()
    model = LSTMClassifier(**FAST).fit(X, y > 0)
    sklstm.save(model, tmp_path / "model.skops")
    loaded = sklstm.load(tmp_path / "model.skops")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    longer = [np.zeros((30, 2))]  # the loaded model still takes any length
    np.testing.assert_array_equal(loaded.predict(longer), model.predict(longer))


def test_pad_sequences_pads_before_by_default():
    padded = pad_sequences([np.ones((2, 2)), np.full((3, 2), 2.0)], value=-1)
    assert padded.shape == (2, 3, 2) and padded.dtype == np.float32
    np.testing.assert_array_equal(padded[0, :, 0], [-1, 1, 1])
    np.testing.assert_array_equal(padded[1, :, 0], [2, 2, 2])


def test_pad_sequences_cuts_to_the_last_steps_and_pads_after():
    padded = pad_sequences(
        [[1, 2, 3, 4], [5]], length=2, padding="post", dtype=np.float64
    )
    np.testing.assert_array_equal(padded[:, :, 0], [[3, 4], [5, 0]])
    assert padded.dtype == np.float64


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(padding="middle"), "padding must be"),
        (dict(length=0), "length must be a positive int"),
    ],
)
def test_pad_sequences_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pad_sequences([[1.0]], **kwargs)


def test_exported_module_reads_padded_windows_of_a_ragged_model():
    X, y = ragged()
    model = LSTMRegressor(**FAST).fit(X, y)
    windows = pad_sequences(X, length=model.input_shape_[0])
    with torch.inference_mode():
        exported = sklstm.prediction_module(model)(torch.from_numpy(windows))
    # Unmasked: what predict gives for the padded windows, not for the list.
    np.testing.assert_allclose(exported.numpy(), model.predict(windows), atol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
def test_early_stopping_and_partial_fit_split_ragged_lists(Estimator):
    X, y = ragged(n=40)
    y = y if Estimator is LSTMRegressor else y > 0
    model = Estimator(early_stopping=True, validation_fraction=0.25, **FAST)
    assert len(model.fit(X, y).validation_loss_) == 1
    model.partial_fit(X[:10], y[:10])
    assert model.n_iter_ == 2


def test_prediction_module_masks_padding_given_lengths():
    X, y = ragged()
    model = LSTMClassifier(bidirectional=True, **FAST).fit(X, y > 0)
    windows = pad_sequences(X, length=model.input_shape_[0], padding="post")
    lengths = torch.tensor([len(x) for x in X])
    with torch.inference_mode():
        proba = sklstm.prediction_module(model)(torch.from_numpy(windows), lengths)
    np.testing.assert_allclose(proba.numpy(), model.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize(
    ("sequences", "kwargs", "wrong"),
    [
        ([[1, 300], [2]], {"dtype": np.int8}, "300.0"),
        ([[1, 2], [3]], {"dtype": np.int8, "value": -129}, "-129.0"),
        ([[1.5, 2.0]], {"dtype": np.int64}, "1.5"),
        ([[1e39, 2.0]], {"dtype": np.float32}, "1e+39"),
    ],
)
def test_pad_sequences_refuses_values_its_dtype_cannot_hold(sequences, kwargs, wrong):
    expected = rf"value {re.escape(wrong)} in dtype=.*Pass a dtype"
    with pytest.raises(ValueError, match=expected):
        pad_sequences(sequences, **kwargs)


def test_pad_sequences_keeps_values_that_fit_an_integer_dtype():
    padded = pad_sequences([[1, 127], [-128]], dtype=np.int8, value=0)
    np.testing.assert_array_equal(padded[:, :, 0], [[1, 127], [0, -128]])
