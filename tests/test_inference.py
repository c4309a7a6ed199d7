"""Float32 prediction: one path on every device, batch sizes agree to float32.

Float32 kernels are picked by the CPU, the number of rows and the thread
count, so a row predicted in another batch may differ in its last bits
(measured up to ~3e-8 on an Intel Xeon, none at some sizes on an AMD EPYC):
rows are compared with a float32 tolerance, never bit for bit.
"""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from sklstm import LSTMClassifier, LSTMRegressor

FAST = {"hidden_size": 8, "max_epochs": 2, "batch_size": 32, "n_threads": 1}
# Outputs of order 1 computed in float32 (scikit-learn's float32 rtol is 1e-4).
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}
N_STEPS, N_FEATURES = 6, 3
# Batch sizes around kernel tiles of 4 rows, the predict batch of 4096, and 5000.
BATCH_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 27, 47, 64, 65, 127, 1000, 4095, 4096]
ARCHITECTURES = {
    "lstm": {},
    "no level": {"level": None},
    "gru": {"cell": "gru"},
    "bidirectional": {"bidirectional": True},
    "stacked gru": {"cell": "gru", "num_layers": 2},
    "layer norm": {"layer_norm": True},
    "attention": {"pooling": "attention"},
    "conv": {"conv_channels": 4},
    "conv blocks": {"conv_channels": (4, 5), "conv_kernel_size": (3, 2)},
    "lstm-fcn": {
        "conv_channels": (4, 5),
        "conv_kernel_size": (3, 2),
        "conv_path": "beside",
    },
    "projection": {"proj_size": 3},
    "gaussian": {"loss": "gaussian"},
}


def windows(n_windows, seed=0):
    return np.random.RandomState(seed).normal(size=(n_windows, N_STEPS, N_FEATURES))


def assert_batch_invariant(predict, X):
    """``predict`` of every slice of ``X`` matches the rows of ``predict(X)``."""
    whole = predict(X)
    rng = np.random.RandomState(1)
    for size in (size for size in BATCH_SIZES if size <= len(X)):
        # Up to 200 rows per size, starting anywhere: every row of a batch is
        # compared, at each position in its batch.
        start = rng.randint(len(X) - size + 1)
        stop = min(len(X), start + max(size, 200 // size * size))
        parts = [predict(X[i : i + size]) for i in range(start, stop, size)]
        np.testing.assert_allclose(
            np.concatenate(parts),
            whole[start:stop],
            **FLOAT32,
            err_msg=f"batches of {size}",
        )


@pytest.mark.parametrize("params", ARCHITECTURES.values(), ids=ARCHITECTURES.keys())
def test_regressor_predicts_each_row_the_same_in_any_batch(params):
    X = windows(60)
    model = LSTMRegressor(**FAST, **params, random_state=0).fit(X, X[:, -1, 0])
    X_new = windows(5000, seed=1)
    if params.get("loss") == "gaussian":
        assert_batch_invariant(
            lambda X: np.column_stack(model.predict(X, return_std=True)), X_new
        )
    else:
        assert_batch_invariant(model.predict, X_new)


def test_classifier_probabilities_are_batch_invariant():
    X = windows(60)
    model = LSTMClassifier(**FAST, random_state=0).fit(X, X[:, -1, 0] > 0)
    assert_batch_invariant(model.predict_proba, windows(5000, seed=1))


def test_token_sequences_are_batch_invariant():
    X = np.random.RandomState(0).randint(0, 20, size=(60, N_STEPS))
    model = LSTMClassifier(**FAST, n_tokens=20, random_state=0).fit(X, X[:, 0] > 9)
    X_new = np.random.RandomState(1).randint(0, 20, size=(5000, N_STEPS))
    assert_batch_invariant(model.predict_proba, X_new)


def test_float32_prediction_is_float64_to_float32_precision():
    X = windows(200)
    model = LSTMRegressor(**FAST, random_state=0).fit(X, 10 * X[:, -1, 0] + 3)
    predicted = model.predict(X)
    assert predicted.dtype == np.float64
    # The same weights and head, predicting in float64 (as sklstm once did on
    # some CPUs).
    in_float64 = copy.deepcopy(model._inference_module).double()
    with torch.inference_mode():
        reference = in_float64(torch.from_numpy(X))[0].numpy()
    np.testing.assert_allclose(predicted, reference, rtol=1e-5, atol=1e-5)


class DtypeRecordingNet(nn.Module):
    """A linear net that records the dtype of every batch it is given."""

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.linear = nn.Linear(n_features, n_outputs)
        self.dtypes = set()

    def forward(self, X):
        self.dtypes.add(X.dtype)
        return self.linear(X[:, -1])


def test_predict_runs_the_network_in_float32_without_a_probe():
    X = windows(60)
    model = LSTMRegressor(module=DtypeRecordingNet, **FAST, random_state=0)
    model.fit(X, X[:, -1, 0])
    network = model.net_.module_
    assert network.dtypes == {torch.float32}, "training and nothing else"
    network.dtypes.clear()
    assert model.predict(X).dtype == np.float64  # in float64 input, out as sklearn
    assert network.dtypes == {torch.float32}
    assert next(network.parameters()).dtype == torch.float32
