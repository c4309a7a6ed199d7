"""The data path of fit: batches gathered from whole arrays, never all windows."""

import tracemalloc
import warnings

import numpy as np
import pytest
import torch

from sklstm import LSTMRegressor, SlidingWindow
from sklstm._estimators import _data, _level, _shuffle, _targets
from sklstm._estimators._data import (
    BatchIterator,
    SequenceDataset,
    StratifiedSplit,
    TailSplit,
)


def windows(n_rows=300, window=12, n_features=3, dtype=np.float32):
    rows = np.random.RandomState(0).normal(size=(n_rows, n_features)).astype(dtype)
    return SlidingWindow(window=window).fit_transform(rows)


INPUTS = {
    "float64 array": lambda: np.ascontiguousarray(windows(dtype=np.float64)),
    "read-only SlidingWindow view": windows,
    "negative strides": lambda: np.ascontiguousarray(windows())[::-1],
    "Fortran order": lambda: np.asfortranarray(windows()),
    "int64 tokens": lambda: np.arange(300 * 12).reshape(300, 12) % 7,
}


@pytest.mark.parametrize("make_X", INPUTS.values(), ids=INPUTS.keys())
def test_batch_is_a_fresh_copy_of_the_rows(make_X):
    X = make_X()
    X_before = X.copy()
    y = np.arange(len(X), dtype=np.float32)
    dtype = np.int64 if X.dtype.kind == "i" else np.float32
    rows = torch.tensor([5, 0, 299, 17, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns about read-only arrays
        dataset = SequenceDataset(X, y, dtype=dtype)
        X_batch, y_batch = dataset.batch(rows)
    np.testing.assert_array_equal(X_batch.numpy(), X[rows.numpy()].astype(dtype))
    np.testing.assert_array_equal(y_batch.numpy(), y[rows.numpy()])
    assert X_batch.dtype == torch.from_numpy(np.empty(0, dtype)).dtype
    assert X_batch.is_contiguous()
    X_batch.fill_(0)  # what the module receives never aliases X
    np.testing.assert_array_equal(X, X_before)


def test_dataset_reads_the_sliding_window_view_in_place():
    view = windows()
    dataset = SequenceDataset(view, None)
    shared = dataset._X_tensor
    assert shared is not None
    assert np.shares_memory(shared.numpy(), view)


@pytest.mark.parametrize("shuffle", [False, True])
def test_batch_iterator_serves_every_row_once_per_pass(shuffle):
    X = windows(n_rows=103)
    y = np.arange(103, dtype=np.float32)
    iterator = BatchIterator(SequenceDataset(X, y), batch_size=10, shuffle=shuffle)
    assert len(iterator) == 11
    passes = []
    for _ in range(2):
        batches = list(iterator)
        assert [len(X_batch) for X_batch, _ in batches] == [10] * 10 + [3]
        served = torch.cat([y_batch for _, y_batch in batches]).numpy()
        np.testing.assert_array_equal(np.sort(served), y)
        for X_batch, y_batch in batches:
            np.testing.assert_array_equal(X_batch.numpy(), X[y_batch.long().numpy()])
        passes.append(served)
    if shuffle:
        assert not np.array_equal(passes[0], y)
        assert not np.array_equal(passes[0], passes[1])
    else:
        np.testing.assert_array_equal(passes[0], y)


def test_tail_split_holds_out_the_latest_rows_without_copying():
    X = windows(n_rows=100)
    y = np.arange(100, dtype=np.float32)
    train, valid = TailSplit(0.2)(SequenceDataset(X, y))
    assert (len(train), len(valid)) == (80, 20)
    np.testing.assert_array_equal(valid.y.numpy(), y[80:])
    assert np.shares_memory(train.X, X) and np.shares_memory(valid.X, X)


def test_stratified_split_keeps_class_shares_without_copying():
    X = windows(n_rows=100)
    y = torch.from_numpy(np.repeat(np.arange(4), 25))  # sorted by class
    dataset = SequenceDataset(X, y)
    train, valid = StratifiedSplit(0.2, random_state=0)(dataset)
    assert (len(train), len(valid)) == (80, 20)
    np.testing.assert_array_equal(np.bincount(valid.targets.numpy()), [5, 5, 5, 5])
    rows = np.sort(np.r_[train._rows.numpy(), valid._rows.numpy()])
    np.testing.assert_array_equal(rows, np.arange(100))
    # Both parts gather their batches from the one tensor over X.
    assert train._X_tensor is dataset._X_tensor is valid._X_tensor
    X_batch, y_batch = valid.batch(torch.arange(3))
    np.testing.assert_array_equal(X_batch.numpy(), X[valid._rows[:3].numpy()])
    np.testing.assert_array_equal(y_batch.numpy(), y[valid._rows[:3]].numpy())


def test_fit_on_windows_does_not_materialise_them():
    """Windows of 20,000 rows x 64 steps x 4 features would take 20 MB; fit
    gathers them a batch at a time from the 0.3 MB of rows."""
    rows = np.random.RandomState(0).normal(size=(20_000, 4)).astype(np.float32)
    y = rows[:, 0].copy()
    X = SlidingWindow(window=64).fit_transform(rows)
    model = LSTMRegressor(hidden_size=2, max_epochs=1, batch_size=2000, random_state=0)
    model.fit(X[:50], y[:50])  # torch imports modules on its first fit
    tracemalloc.start()  # numpy reports its buffers to tracemalloc
    try:
        model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4e6, f"fit allocated {peak / 1e6:.1f} MB through numpy"


@pytest.mark.cuda
def test_cuda_batches_are_sent_from_pinned_memory(monkeypatch):
    sent = []
    original = torch.Tensor.pin_memory

    def spy(tensor, *args, **kwargs):
        pinned = original(tensor, *args, **kwargs)
        sent.append(pinned.is_pinned())
        return pinned

    monkeypatch.setattr(torch.Tensor, "pin_memory", spy)
    X = windows()
    y = np.arange(len(X), dtype=np.float32)
    batches = list(BatchIterator(SequenceDataset(X, y), batch_size=64, device="cuda"))
    torch.cuda.synchronize()
    assert all(X_batch.is_cuda and y_batch.is_cuda for X_batch, y_batch in batches)
    assert sent and all(sent)
    np.testing.assert_array_equal(batches[0][0].cpu().numpy(), X[:64])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_hands_its_device_to_the_train_and_valid_iterators():
    model = LSTMRegressor(
        hidden_size=4, max_epochs=1, early_stopping=True, n_threads=1, random_state=0
    )
    X = windows(n_rows=40)
    model.fit(X, X[:, -1, 0])
    params = model.net_.get_params()
    assert params["iterator_train__device"] == params["iterator_valid__device"] == "cpu"


@pytest.mark.cuda
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cuda_fit_and_predict_send_every_batch_from_pinned_memory(monkeypatch):
    pinned = []
    original = torch.Tensor.pin_memory

    def spy(tensor, *args, **kwargs):
        pinned.append(tensor.shape[0])
        return original(tensor, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "pin_memory", spy)
    X = windows(n_rows=40)
    model = LSTMRegressor(
        hidden_size=4, max_epochs=1, batch_size=16, early_stopping=True, device="cuda"
    )
    model.fit(X, X[:, -1, 0])
    # 36 training rows in batches of 16, 4 validation rows: X and y each.
    assert sorted(pinned) == sorted([16, 16, 16, 16, 4, 4, 4, 4])
    pinned.clear()
    model.predict(X)
    assert pinned == [40]


def _next_value_windows(n_rows=3000, window=32):
    """Windows of a random walk and noise, and the walk's next value."""
    rng = np.random.RandomState(0)
    rows = rng.normal(size=(n_rows + 1, 3)).astype(np.float32)
    rows[:, 0] = np.cumsum(rows[:, 0])
    return rows[:-1], rows[1:, 0].astype(np.float64), window


def test_forecasting_fit_gathers_no_more_rows_at_once_than_a_batch(monkeypatch):
    """The frame, the ridge start, the check of the recurrent part and the
    calibration on held-out rows each read the windows a batch at a time."""
    rows, y, window = _next_value_windows()
    X = SlidingWindow(window=window).fit_transform(rows)
    model = LSTMRegressor(
        hidden_size=8, max_epochs=1, batch_size=64, loss="gaussian", random_state=0
    )
    # Limits that make 3,000 windows many batches: 50 rows without
    # gradients (4 x 8 gates, 32 steps), 40 rows in a chunk of the ridge.
    monkeypatch.setattr(_data, "_EVAL_VALUES", 50 * window * 32)
    monkeypatch.setattr(_level, "_CHUNK_VALUES", 40 * window * 3)
    largest = []
    batch = SequenceDataset.batch
    monkeypatch.setattr(
        SequenceDataset,
        "batch",
        lambda self, rows, y=None: largest.append(len(rows)) or batch(self, rows, y),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: "still improving"
        model.fit(X, y)
    model.predict(X)
    assert model._frame() is not None and model._interval_calibration
    n_valid = TailSplit(model.validation_fraction).n_valid(len(X))
    assert model._eval_batch_size(window) == 50
    assert max(largest) == model.batch_size < n_valid


def test_regression_targets_are_made_a_group_of_batches_at_a_time(monkeypatch):
    """Training, validation, the ridge start, the check of the recurrent part
    and the calibration ask for the targets of a few hundred rows at a time,
    never every row's (the float32 targets were 4 bytes a row)."""
    rows, y, window = _next_value_windows()
    X = SlidingWindow(window=window).fit_transform(rows)
    monkeypatch.setattr(_data, "_TARGET_ROWS", 200)
    monkeypatch.setattr(_data, "_EVAL_VALUES", 50 * window * 32)
    monkeypatch.setattr(_level, "_CHUNK_VALUES", 40 * window * 3)
    taken = []
    take = _targets.StandardizedTargets.take
    monkeypatch.setattr(
        _targets.StandardizedTargets,
        "take",
        lambda self, rows: taken.append(len(rows)) or take(self, rows),
    )
    model = LSTMRegressor(
        hidden_size=4, max_epochs=2, batch_size=64, loss="gaussian", random_state=0
    )
    weight = np.random.RandomState(1).uniform(0.5, 2.0, size=len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two epochs: "still improving"
        model.fit(X, y, sample_weight=weight)
    assert model._frame() is not None and model._interval_calibration
    # groups of three batches of 64 rows (four of 50 without gradients),
    # 40 rows a chunk of the ridge
    assert max(taken) == 200 and {192, 40} <= set(taken)
    assert sum(taken) > 2 * len(X)  # every row, on each pass


def test_fit_on_lazy_targets_as_on_a_tensor_of_every_row(monkeypatch):
    """The targets made batch by batch train the network as the float32
    array of every row did (main's path until 0.3)."""
    rows, y, window = _next_value_windows(n_rows=600, window=16)
    X = SlidingWindow(window=window).fit_transform(rows)
    params = dict(hidden_size=4, max_epochs=3, loss="gaussian", random_state=0)
    lazy = LSTMRegressor(**params).fit(X, y)
    encode = LSTMRegressor._encode_target

    def every_row(self, *args, **kwargs):
        targets, *rest = encode(self, *args, **kwargs)
        dataset = SequenceDataset(X, targets).subset(torch.arange(len(X) - 1, -1, -1))
        np.testing.assert_allclose(
            dataset.targets.numpy(),
            targets.take(torch.arange(len(X))).numpy()[::-1],
            rtol=1e-6,
        )
        return (targets.take(torch.arange(len(targets))), *rest)

    monkeypatch.setattr(LSTMRegressor, "_encode_target", every_row)
    whole = LSTMRegressor(**params).fit(X, y)
    assert lazy._frame() is not None
    np.testing.assert_allclose(lazy.loss_curve_, whole.loss_curve_, rtol=1e-6)
    expected = whole.predict(X, return_std=True)
    for got, want in zip(lazy.predict(X, return_std=True), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fit_on_a_read_only_memmap_predicts_as_on_the_array(tmp_path):
    rows, y, window = _next_value_windows(n_rows=600, window=16)
    np.save(tmp_path / "rows.npy", rows)
    mapped = np.load(tmp_path / "rows.npy", mmap_mode="r")
    params = dict(hidden_size=4, max_epochs=2, random_state=0)
    predictions = []
    for source in (rows, mapped):
        X = SlidingWindow(window=window).fit_transform(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LSTMRegressor(**params).fit(X, y)
        predictions.append(model.predict(X))
    np.testing.assert_allclose(predictions[1], predictions[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.load(tmp_path / "rows.npy"), rows)


def test_validation_passes_the_window_view_without_copying():
    rows, y, window = _next_value_windows(n_rows=200, window=8)
    X = SlidingWindow(window=window).fit_transform(rows)
    model = LSTMRegressor()
    validated, _ = model._validate_input(X, y, reset=True)
    assert np.shares_memory(validated, X)
    assert np.shares_memory(model._validate_input(X, reset=False), X)


def test_forecasting_fit_allocates_no_windows_through_numpy():
    """As test_fit_on_windows_does_not_materialise_them, with the target
    framed: the frame's scales and affine fit read the windows in chunks."""
    rows, y, window = _next_value_windows(n_rows=20_000, window=64)
    X = SlidingWindow(window=window).fit_transform(rows)  # 15 MB of windows
    model = LSTMRegressor(hidden_size=2, max_epochs=1, batch_size=2000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X[:100], y[:100])
        tracemalloc.start()
        try:
            model.fit(X, y)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert model._frame() is not None
    assert peak < 4e6, f"fit allocated {peak / 1e6:.1f} MB through numpy"


def test_shuffle_up_to_the_exact_limit_is_torch_randperm():
    """Up to the limit, one torch.randperm: its order, and the generator's state."""
    generator = torch.Generator().manual_seed(3)
    iterator = BatchIterator(
        SequenceDataset(windows(n_rows=103), np.arange(103)),
        batch_size=10,
        shuffle=True,
        generator=generator,
    )
    served = torch.cat([y_batch for _, y_batch in iterator])
    expected = torch.randperm(103, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(served, expected)
    reference = torch.Generator().manual_seed(3)
    torch.randperm(103, generator=reference)
    assert torch.equal(generator.get_state(), reference.get_state())


def test_block_shuffle_serves_every_row_once_and_mixes_blocks(monkeypatch):
    """Beyond the exact limit: every row once a pass, batches spread over the data."""
    monkeypatch.setattr(_shuffle, "_EXACT_SHUFFLE_ROWS", 100)
    monkeypatch.setattr(_shuffle, "_SHUFFLE_BLOCK", 8)
    monkeypatch.setattr(_shuffle, "_PIECE_ROWS", 64)
    n_rows = 1003
    iterator = BatchIterator(
        SequenceDataset(windows(n_rows=n_rows), np.arange(n_rows)),
        batch_size=16,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    passes = [[y_batch.numpy() for _, y_batch in iterator] for _ in range(2)]
    for batches in passes:
        assert [len(batch) for batch in batches] == [16] * 62 + [11]
        np.testing.assert_array_equal(
            np.sort(np.concatenate(batches)), np.arange(n_rows)
        )
        # 8 blocks of 8 rows shuffled together: a batch of 16 rows spans
        # several blocks, not one stretch of consecutive rows.
        assert np.median([len(np.unique(batch // 8)) for batch in batches]) >= 5
    assert not np.array_equal(np.concatenate(passes[0]), np.concatenate(passes[1]))
    again = BatchIterator(
        iterator.dataset, 16, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    np.testing.assert_array_equal(
        np.concatenate([y_batch.numpy() for _, y_batch in again]),
        np.concatenate(passes[0]),
    )
