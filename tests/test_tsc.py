"""Time-series classification: LSTM-FCN, SequenceNormalizer, the UCR loaders."""

import io
import statistics

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from torch import nn

import sklstm
from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    SequenceNormalizer,
    prediction_module,
    to_onnx,
    to_torchscript,
)
from sklstm._estimators._data import BatchIterator, SequenceDataset
from sklstm.datasets import load_gunpoint, load_italy_power_demand
from sklstm.nn._layers import ConvBlocks, SameConv1d

FCN = {"conv_channels": (4, 6, 4), "conv_kernel_size": (5, 3, 3)}
FAST = {"hidden_size": 4, "max_epochs": 2, "batch_size": 16, "n_threads": 1}


def shapes(n_series=60, n_steps=40, seed=0):
    """A bump or a dip at a random place in noise: the class is the shape."""
    rng = np.random.RandomState(seed)
    y = rng.randint(2, size=n_series)
    X = rng.normal(scale=0.3, size=(n_series, n_steps))
    starts = rng.randint(0, n_steps - 10, size=n_series)
    for row, (start, label) in enumerate(zip(starts, y, strict=True)):
        X[row, start : start + 10] += np.where(label, 1.0, -1.0) * np.hanning(10) * 2
    return X, y


def lstm_fcn(**params):
    return LSTMClassifier(**{**FAST, **FCN, "conv_path": "beside", **params})


@pytest.fixture(scope="module")
def fitted_fcn():
    X, y = shapes()
    return lstm_fcn(random_state=0).fit(X, y), X


def test_beside_runs_conv_blocks_in_parallel_with_the_recurrent_layers():
    X, y = shapes(20)
    module = lstm_fcn(random_state=0).fit(X, y).net_.module_
    blocks = module.conv_blocks.blocks
    # SameConv1d: a Conv1d with "same" padding for even kernels too.
    assert [type(layer) for layer in blocks[0]] == [SameConv1d, nn.BatchNorm1d, nn.ReLU]
    assert [block[0].out_channels for block in blocks] == [4, 6, 4]
    assert [block[0].kernel_size for block in blocks] == [(5,), (3,), (3,)]
    assert module.rnn.input_size == 1, "the recurrent layers read the input"
    assert module.head.in_features == 4 + 4, "hidden + last conv channels"


def test_before_feeds_conv_blocks_to_the_recurrent_layers():
    X, y = shapes(20)
    module = lstm_fcn(conv_path="before", random_state=0).fit(X, y).net_.module_
    assert isinstance(module.conv_blocks, ConvBlocks)
    assert module.rnn.input_size == 4, "the last block's channels"
    assert module.head.in_features == 4


def test_an_int_conv_channels_keeps_one_conv_without_batch_norm():
    X, y = shapes(20)
    module = lstm_fcn(conv_channels=3, conv_kernel_size=3).fit(X, y).net_.module_
    assert isinstance(module.conv, nn.Conv1d) and module.conv_blocks is None
    assert not any(isinstance(m, nn.BatchNorm1d) for m in module.modules())
    assert module.head.in_features == 4 + 3


@pytest.mark.parametrize(
    ("channels", "kernel_sizes"), [((4, 6), (5, 3, 3)), (4, (3, 3)), ((4, 6), (3,))]
)
def test_disagreeing_lengths_raise_before_training(channels, kernel_sizes):
    X, y = shapes(20)
    model = lstm_fcn(conv_channels=channels, conv_kernel_size=kernel_sizes)
    with pytest.raises(ValueError, match=r"conv_kernel_size=.*conv_channels="):
        model.fit(X, y)
    assert not hasattr(model, "net_")


def test_beside_needs_convolutions():
    X, y = shapes(20)
    with pytest.raises(ValueError, match="conv_path='beside' needs"):
        LSTMClassifier(**FAST, conv_path="beside").fit(X, y)


def test_shapes_are_learned_in_the_normal_suite():
    X, y = shapes(120)
    X_test, y_test = shapes(200, seed=1)
    model = lstm_fcn(
        conv_channels=(16, 32, 16),
        hidden_size=8,
        max_epochs=25,
        lr=3e-3,
        random_state=0,
    ).fit(X, y)
    assert model.score(X_test, y_test) >= 0.9


@pytest.mark.parametrize("export", [prediction_module, to_torchscript])
def test_exported_lstm_fcn_matches_predict_proba(fitted_fcn, export):
    model, X = fitted_fcn
    with torch.inference_mode():
        windows = torch.from_numpy(X[:, :, None].astype(np.float32))
        exported = export(model)(windows)
    np.testing.assert_allclose(exported.numpy(), model.predict_proba(X), atol=1e-5)


def test_onnx_lstm_fcn_matches_predict_proba(fitted_fcn):
    onnxruntime = pytest.importorskip("onnxruntime")
    model, X = fitted_fcn
    session = onnxruntime.InferenceSession(to_onnx(model).SerializeToString())
    (proba,) = session.run(None, {"X": X[:, :, None].astype(np.float32)})
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)


def test_ragged_beside_predicts_each_sequence_as_alone():
    X, y = shapes(30)
    ragged = [row[: 25 + index % 15] for index, row in enumerate(X)]
    model = lstm_fcn(random_state=0).fit(ragged, y)
    together = model.predict_proba(ragged)
    alone = np.concatenate([model.predict_proba([row]) for row in ragged[:6]])
    np.testing.assert_allclose(alone, together[:6], atol=1e-6)


def test_regressor_takes_lstm_fcn():
    X, _ = shapes(20)
    model = LSTMRegressor(**FAST, **FCN, conv_path="beside").fit(X, X[:, -1])
    assert model.net_.module_.head.in_features == 4 + 4


def test_grid_search_over_conv_path():
    X, y = shapes(40)
    search = GridSearchCV(
        lstm_fcn(random_state=0), {"conv_path": ["before", "beside"]}, cv=2
    ).fit(X, y)
    assert search.best_params_["conv_path"] in ("before", "beside")


def test_changing_conv_path_is_an_architecture_change():
    X, y = shapes(20)
    model = lstm_fcn(warm_start=True, random_state=0).fit(X, y)
    model.set_params(conv_path="before")
    assert model._architecture() != model._architecture_fitted


def test_save_load_round_trip(fitted_fcn):
    model, X = fitted_fcn
    buffer = io.BytesIO()
    sklstm.save(model, buffer)
    loaded = sklstm.load(io.BytesIO(buffer.getvalue()))
    assert loaded.conv_channels == model.conv_channels
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_normalizer_on_univariate_rows():
    X = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    Z = SequenceNormalizer().fit_transform(X)
    np.testing.assert_allclose(Z[0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    np.testing.assert_array_equal(Z[1], 0.0)


def test_normalizer_on_3d_is_per_sequence_and_channel():
    X = np.random.RandomState(0).normal(size=(5, 7, 3)) * [1, 10, 100] + [0, 5, -5]
    Z = SequenceNormalizer().fit(X[:2]).transform(X)
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=1), 1.0)


def test_normalizer_on_ragged_returns_a_list():
    X = [np.arange(3.0), np.full((4, 1), 2.0), np.arange(5.0).reshape(5, 1)]
    Z = SequenceNormalizer().fit_transform(X)
    assert isinstance(Z, list) and [z.shape for z in Z] == [(3, 1), (4, 1), (5, 1)]
    np.testing.assert_array_equal(Z[1], 0.0)
    assert not any(np.isnan(z).any() for z in Z)
    np.testing.assert_allclose(Z[2].std(), 1.0)


def test_normalizer_in_a_pipeline():
    X, y = shapes(30)
    pipe = make_pipeline(SequenceNormalizer(), lstm_fcn(random_state=0))
    assert pipe.fit(X * 100 + 7, y).predict(X).shape == (30,)


@pytest.mark.parametrize(
    ("load", "n_train", "n_test", "n_steps"),
    [(load_gunpoint, 50, 150, 150), (load_italy_power_demand, 67, 1029, 24)],
)
def test_ucr_loaders_give_the_archive_split(load, n_train, n_test, n_steps):
    X, y = load()
    X_test, y_test = load(split="test")
    assert X.shape == (n_train, n_steps) and X_test.shape == (n_test, n_steps)
    assert set(y) == set(y_test) == {1, 2}
    with pytest.raises(ValueError, match="split"):
        load(split="valid")


@pytest.mark.slow
def test_gunpoint_recipe_reaches_published_accuracy():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[1] / "benchmarks" / "bench_tsc.py"
    spec = importlib.util.spec_from_file_location("bench_tsc", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    X, y = load_gunpoint()
    X_test, y_test = load_gunpoint(split="test")
    scores = [bench.recipe(seed).fit(X, y).score(X_test, y_test) for seed in (0, 1)]
    assert statistics.median(scores) >= 0.97


def test_a_small_last_batch_joins_the_one_before_with_batch_norm():
    X, y = shapes(50)
    dataset = SequenceDataset(X[:, :, None], y)
    merged = BatchIterator(dataset, 16, merge_small_last=True)
    assert [len(batch[0]) for batch in merged] == [16, 16, 18]
    assert len(merged) == 3
    plain = BatchIterator(dataset, 16)
    assert [len(batch[0]) for batch in plain] == [16, 16, 16, 2]
    model = lstm_fcn(max_epochs=1).fit(X, y)
    assert model.net_.iterator_train__merge_small_last
    assert not LSTMClassifier(**FAST).fit(X, y).net_.iterator_train__merge_small_last
