"""Predictions agree to float32 precision whichever kernels compute them.

Which float32 kernels run depends on the CPU (its vendor, its vector units),
oneDNN, the thread count and the number of rows, so bit equality holds on one
machine and fails on the next. These tests run the same fitted models through
other kernels on this machine (oneDNN off, 1 or 2 threads, other batch sizes)
and compare with a float32 tolerance. CI also runs the numerical test files
with ``OMP_NUM_THREADS=1`` and with oneDNN off (``SKLSTM_TEST_DISABLE_MKLDNN=1``,
read by conftest.py).
"""

import contextlib

import numpy as np
import pytest
import torch

from sklstm import LSTMClassifier, LSTMRegressor

# Outputs of order 1 computed in float32 (scikit-learn's float32 rtol is 1e-4).
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}
N_STEPS, N_FEATURES = 12, 3
FAST = {"hidden_size": 16, "max_epochs": 2, "batch_size": 32, "random_state": 0}
MODELS = {
    "lstm": lambda: LSTMRegressor(**FAST),
    "gru, bidirectional, stacked": lambda: LSTMRegressor(
        **FAST, cell="gru", bidirectional=True, num_layers=2
    ),
    "conv, attention, layer norm": lambda: LSTMRegressor(
        **FAST, conv_channels=4, pooling="attention", layer_norm=True
    ),
    "projection": lambda: LSTMRegressor(**FAST, proj_size=4),
    "gaussian": lambda: LSTMRegressor(**FAST, loss="gaussian"),
    "classifier": lambda: LSTMClassifier(**FAST),
}
_fitted = {}


def windows(n_windows, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_windows, N_STEPS, N_FEATURES))


def fitted(name):
    """Each model is fitted once per session (with oneDNN as set), then only read."""
    if name not in _fitted:
        X = windows(96)
        y = X[:, -1, 0] - 0.5 * X[:, -3, 1]
        model = MODELS[name]()
        _fitted[name] = model.fit(X, y > 0 if name == "classifier" else y)
    return _fitted[name]


def outputs(model, X):
    """Every float output of ``predict`` (and ``predict_proba``), side by side."""
    if isinstance(model, LSTMClassifier):
        return model.predict_proba(X)
    if model.loss == "gaussian":
        return np.column_stack(model.predict(X, return_std=True))
    return model.predict(X)


@contextlib.contextmanager
def onednn(enabled):
    """oneDNN on or off within the block (as ``torch.backends.mkldnn.flags``)."""
    previous = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = enabled
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = previous


@contextlib.contextmanager
def threads(model, n_threads):
    """``model`` predicts with ``n_threads`` torch threads within the block."""
    previous = model.n_threads
    model.set_params(n_threads=n_threads)
    try:
        yield
    finally:
        model.set_params(n_threads=previous)


@pytest.mark.parametrize("name", MODELS)
def test_predictions_agree_with_onednn_on_and_off(name):
    model, X = fitted(name), windows(300, seed=1)
    with onednn(True):
        on = outputs(model, X)
    with onednn(False):
        off = outputs(model, X)
    np.testing.assert_allclose(off, on, **FLOAT32)


@pytest.mark.parametrize("name", MODELS)
def test_predictions_agree_at_one_and_two_threads(name):
    model, X = fitted(name), windows(300, seed=1)
    with threads(model, 1):
        one = outputs(model, X)
    with threads(model, 2):
        two = outputs(model, X)
    np.testing.assert_allclose(two, one, **FLOAT32)


@pytest.mark.parametrize("enabled", [True, False], ids=["oneDNN on", "oneDNN off"])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("name", MODELS)
def test_predictions_do_not_depend_on_the_batch_size(name, n_threads, enabled):
    model, X = fitted(name), windows(25, seed=1)
    with onednn(enabled), threads(model, n_threads):
        whole = outputs(model, X)
        for size in (1, 3, 16):
            parts = [outputs(model, X[i : i + size]) for i in range(0, len(X), size)]
            np.testing.assert_allclose(
                np.concatenate(parts), whole, **FLOAT32, err_msg=f"batches of {size}"
            )


@pytest.mark.parametrize("name", ["lstm", "conv, attention, layer norm"])
def test_a_fit_gives_close_models_with_any_kernels(name):
    """Training runs other kernels too: the same seed gives close predictions.

    Rounding differences can grow over the epochs, so the tolerance is looser
    than for one forward pass (measured here: up to 1.3e-7 after 2 epochs).
    """
    X, X_new = windows(96), windows(300, seed=1)
    y = X[:, -1, 0] - 0.5 * X[:, -3, 1]
    reference = MODELS[name]().set_params(n_threads=1).fit(X, y).predict(X_new)
    for enabled in (True, False):
        for n_threads in (1, 2):
            with onednn(enabled):
                model = MODELS[name]().set_params(n_threads=n_threads).fit(X, y)
                predicted = model.predict(X_new)
            np.testing.assert_allclose(
                predicted,
                reference,
                rtol=1e-4,
                atol=1e-5,
                err_msg=f"oneDNN {enabled}, {n_threads} threads",
            )
