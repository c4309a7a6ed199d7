"""Fits are transactions, continuations follow the current parameters, seeds hold."""

import contextlib
import pickle
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from sklstm import LSTMClassifier, LSTMRegressor

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=2, random_state=0, n_threads=1)


def task(n_samples=96):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, 6, 2))
    return X, X[:, -1, 0] - 0.5 * X[:, -2, 1]


class Recorder(Callback):
    """Counts batches and records the learning rate skorch trains with."""

    def initialize(self):
        self.batch_sizes, self.lrs = [], []
        return self

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:
            self.batch_sizes.append(len(batch[0]))
            self.lrs.append(net.optimizer_.param_groups[0]["lr"])


class FailAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epoch:
            raise RuntimeError("boom")


# -- atomic fit --------------------------------------------------------------------


def test_failed_refit_leaves_the_classifier_as_it_was():
    X, _ = task()
    y2 = np.where(X[:, -1, 0] > 0, "a", "b")
    model = LSTMClassifier(**FAST).fit(X, y2)
    before = model.predict(X)
    y4 = np.array(["a", "b", "c", "d"])[np.arange(len(X)) % 4]
    with pytest.raises(ValueError, match="proj_size"):
        model.set_params(proj_size=8).fit(X, y4)  # proj_size must be < hidden_size
    assert model.classes_.tolist() == ["a", "b"]
    np.testing.assert_array_equal(model.set_params(proj_size=0).predict(X), before)


def test_failed_refit_on_a_missing_device_changes_nothing():
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    X, y = task()
    model = LSTMRegressor(**FAST).fit(X, y)
    before, state = model.predict(X), model.__dict__.copy()
    with pytest.raises(ValueError, match="CUDA"):
        model.set_params(device="cuda").fit(X, np.column_stack([y, y]))
    assert model.n_outputs_ == 1 and model.__dict__.keys() == state.keys()
    np.testing.assert_array_equal(model.set_params(device="cpu").predict(X), before)


def test_failed_first_fit_leaves_the_estimator_unfitted():
    X, y = task()
    model = LSTMRegressor(**FAST, callbacks=[FailAt(1)])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X, y)
    assert not any(key.endswith("_") for key in vars(model) if not key.startswith("_"))


def test_exception_during_a_warm_start_fit_keeps_predict_and_pickle_consistent():
    X, y = task()
    model = LSTMRegressor(**FAST, warm_start=True).fit(X, y)
    before_pred = model.predict(X)
    model.set_params(max_epochs=4, callbacks=[FailAt(4)])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X, y)
    assert model.n_iter_ == 2 == len(model.net_.history)
    np.testing.assert_array_equal(model.predict(X), before_pred)
    reloaded = pickle.loads(pickle.dumps(model))
    assert reloaded.n_iter_ == 2 == len(reloaded.net_.history)
    np.testing.assert_array_equal(reloaded.predict(X), before_pred)


# -- continuation follows set_params -----------------------------------------------


def test_warm_start_uses_the_current_lr_batch_size_and_callbacks():
    X, y = task()
    model = LSTMRegressor(**FAST, batch_size=16, warm_start=True).fit(X, y)
    recorder = Recorder()
    model.set_params(lr=0.5, batch_size=4, callbacks=[("recorder", recorder)])
    model.fit(X, y)
    used = dict(model.net_.callbacks_)["recorder"]
    assert set(used.lrs) == {0.5}
    assert max(used.batch_sizes) == 4
    assert len(used.batch_sizes) == 2 * len(X) // 4  # two epochs of batches of 4
    assert model.n_iter_ == 4


def test_partial_fit_after_early_stopping_trains_on_every_row():
    X, y = task()
    model = LSTMRegressor(**FAST, batch_size=8, early_stopping=True).fit(X, y)
    assert "valid_loss" in model.history_
    model.set_params(callbacks=[("recorder", Recorder())])
    model.partial_fit(X, y)
    used = dict(model.net_.callbacks_)["recorder"]
    assert sum(used.batch_sizes) == len(X)  # no rows held out
    assert np.isnan(model.history_["valid_loss"].iloc[-1])


def test_continuation_keeps_the_optimizer_state():
    X, y = task()
    model = LSTMRegressor(**{**FAST, "max_epochs": 1}, warm_start=True).fit(X, y)
    steps = model.net_.optimizer_.state_dict()["state"][0]["step"]
    model.fit(X, y)
    assert model.net_.optimizer_.state_dict()["state"][0]["step"] == 2 * steps


@pytest.mark.parametrize(
    "start, change",
    [
        ({}, {"hidden_size": 16}),
        ({}, {"cell": "gru"}),
        ({}, {"num_layers": 2}),
        ({}, {"loss": "quantile"}),
        ({"loss": "quantile"}, {"quantiles": (0.1, 0.25, 0.5, 0.75, 0.9)}),
    ],
)
def test_continuing_with_another_architecture_is_refused(start, change):
    """The message names what changed, loss and quantiles included."""
    X, y = task()
    model = LSTMRegressor(**FAST, **start, warm_start=True).fit(X, y)
    before = model.predict(X)
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"another architecture: {name}"):
        model.set_params(**change).fit(X, y)
    with pytest.raises(ValueError, match=name):
        model.partial_fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before)


# -- reproducible in threads and processes -----------------------------------------


def _fit_predict(estimator, X, y, mkldnn=None):
    """Fit a clone and predict; in a worker, with the caller's oneDNN setting."""
    backend = contextlib.nullcontext()
    if mkldnn is not None:
        backend = torch.backends.mkldnn.flags(enabled=mkldnn)
    with backend:
        return clone(estimator).fit(X, y).predict(X)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_same_seed_in_threads_is_bit_identical(dropout):
    X, y = task()
    estimator = LSTMRegressor(**{**FAST, "max_epochs": 3}, dropout=dropout)
    sequential = _fit_predict(estimator, X, y)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _fit_predict(estimator, X, y), range(4)))
    for result in results:
        np.testing.assert_array_equal(result, sequential)


def test_same_seed_in_processes_is_bit_identical():
    X, y = task()
    estimator = LSTMRegressor(**FAST)
    sequential = _fit_predict(estimator, X, y)
    # The same environment as here: conftest.py may have switched oneDNN off.
    mkldnn = torch.backends.mkldnn.enabled
    results = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(_fit_predict)(estimator, X, y, mkldnn) for _ in range(2)
    )
    for result in results:
        np.testing.assert_array_equal(result, sequential)


def test_a_fit_leaves_the_callers_generator_alone():
    X, y = task()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    LSTMRegressor(**FAST, dropout=0.2).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)
