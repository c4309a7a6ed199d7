import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from torch import nn

from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindow

TRAIN = dict(hidden_size=16, max_epochs=30, lr=1e-2, random_state=0)

VARIANTS = {
    "gru": dict(cell="gru"),
    "stacked": dict(num_layers=2, dropout=0.1),
    "bidirectional": dict(bidirectional=True),
    "projection": dict(proj_size=8),
    "mean pooling": dict(pooling="mean"),
    "max pooling": dict(pooling="max"),
    "attention": dict(pooling="attention"),
    "cnn-lstm": dict(conv_channels=8, conv_kernel_size=3),
    "layer norm": dict(layer_norm=True),
}


def memory_task(n_samples=300):
    """y needs the whole 10-step sequence (a mean) and its last step."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, 10, 2))
    return X, 2 * X[:, :, 0].mean(axis=1) + 0.5 * X[:, -1, 1]


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_each_variant_learns_and_survives_pickle(variant):
    X, y = memory_task()
    model = LSTMRegressor(**TRAIN, **variant).fit(X[:240], y[:240])
    # The trivial baseline (the mean) has R^2 = 0 on held-out rows.
    assert model.score(X[240:], y[240:]) > 0.5
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X[240:]), model.predict(X[240:]))


def count_parameters(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("cell", "gates"), [("lstm", 4), ("gru", 3)])
def test_recurrent_parameter_counts(cell, gates):
    X, y = memory_task(n_samples=40)
    model = LSTMRegressor(hidden_size=6, cell=cell, max_epochs=1).fit(X, y)
    n_features, hidden = 2, 6
    # Per gate: input weights, recurrent weights and two biases (torch's layout).
    expected = gates * (hidden * (n_features + hidden) + 2 * hidden)
    assert count_parameters(model.net_.module_.rnn) == expected
    assert count_parameters(model.net_.module_.head) == hidden + 1


def marked_task(n_samples=400, n_steps=12):
    """Noise plus a marker channel at one random step; the class is the sign there."""
    rng = np.random.RandomState(0)
    values = rng.normal(size=(n_samples, n_steps))
    where = rng.randint(n_steps, size=n_samples)
    marker = np.zeros((n_samples, n_steps))
    marker[np.arange(n_samples), where] = 1.0
    X = np.stack([values, marker], axis=2)
    return X, values[np.arange(n_samples), where] > 0, where


def test_attention_weights_find_the_planted_signal():
    X, y, where = marked_task()
    found = []
    # Where attention settles depends on the seed (one seed in four lands
    # elsewhere): the median of three seeds is what is asserted.
    for seed in range(3):
        params = {**TRAIN, "random_state": seed}
        clf = LSTMClassifier(**params, pooling="attention").fit(X[:300], y[:300])
        weights = clf.attention_weights(X[300:])
        assert weights.shape == (100, 12)
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-12)
        assert (weights >= 0).all()
        assert clf.score(X[300:], y[300:]) > 0.9
        found.append(np.mean(weights.argmax(axis=1) == where[300:]))
    assert np.median(found) > 0.9


def test_attention_weights_only_with_attention_pooling():
    X, y = memory_task(n_samples=40)
    model = LSTMRegressor(max_epochs=1).fit(X, y)
    assert not hasattr(model, "attention_weights")


def token_task(n_samples=300, n_steps=10, rng_seed=0):
    """Bag-of-words sentiment: tokens 1-5 are positive, 6-10 negative; 0 pads."""
    rng = np.random.RandomState(rng_seed)
    X = np.zeros((n_samples, n_steps), dtype=np.int64)
    y = rng.randint(2, size=n_samples)
    for row, label in enumerate(y):
        length = rng.randint(3, n_steps + 1)
        favoured = np.arange(1, 6) if label else np.arange(6, 11)
        other = np.arange(6, 11) if label else np.arange(1, 6)
        n_favoured = length // 2 + 1
        tokens = np.r_[
            rng.choice(favoured, n_favoured), rng.choice(other, length - n_favoured)
        ]
        X[row, :length] = rng.permutation(tokens)
    return X, np.where(y == 1, "positive", "negative")


def test_token_embedding_classifier():
    X, y = token_task()
    clf = LSTMClassifier(
        **TRAIN, n_tokens=11, embedding_dim=8, bidirectional=True, pooling="mean"
    ).fit(X[:240], y[:240])
    assert clf.input_shape_ == (10,)
    assert clf.score(X[240:], y[240:]) > 0.85


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_padding_is_masked_from_pooling(pooling):
    X, y = token_task(n_samples=60)
    clf = LSTMClassifier(
        hidden_size=8, max_epochs=2, n_tokens=11, pooling=pooling, random_state=0
    ).fit(X, y)
    module = clf.net_.module_.eval()
    sequence = torch.tensor([[3, 7, 2]])
    padded = torch.tensor([[3, 7, 2, 0, 0, 0]])
    with torch.no_grad():
        torch.testing.assert_close(module(padded), module(sequence))


def test_token_ids_out_of_range_are_rejected():
    X, y = token_task(n_samples=40)
    clf = LSTMClassifier(hidden_size=4, max_epochs=1, n_tokens=11).fit(X, y)
    with pytest.raises(ValueError, match=r"token ids from 0 to 11.*n_tokens=11"):
        clf.predict(np.where(X == 10, 11, X))
    with pytest.raises(ValueError, match="n_tokens=5"):
        LSTMClassifier(n_tokens=5).fit(X, y)
    with pytest.raises(ValueError, match="integer token ids"):
        LSTMClassifier(n_tokens=11).fit(X + 0.5, y)


class TinyNet(nn.Module):
    """A custom module: mean over time, then a linear layer."""

    def __init__(self, n_features, n_outputs, width=4):
        super().__init__()
        self.hidden = nn.Linear(n_features, width)
        self.out = nn.Linear(width, n_outputs)

    def forward(self, X):
        return self.out(torch.tanh(self.hidden(X.mean(dim=1))))


def test_custom_module_gets_sizes_and_routed_arguments():
    X, y = memory_task(n_samples=60)
    model = LSTMRegressor(module=TinyNet, module__width=7, max_epochs=2)
    model.fit(X, y)
    assert isinstance(model.net_.module_, TinyNet)
    assert model.net_.module_.hidden.weight.shape == (7, 2)
    assert model.predict(X).shape == (60,)


def test_module_params_still_works_with_a_future_warning():
    X, y = memory_task(n_samples=60)
    model = LSTMRegressor(module=TinyNet, module_params={"width": 7}, max_epochs=2)
    with pytest.warns(
        FutureWarning, match="module_params was deprecated.*module__width=7"
    ):
        model.fit(X, y)
    assert model.net_.module_.hidden.weight.shape == (7, 2)


@pytest.mark.filterwarnings("ignore:module_params was deprecated:FutureWarning")
def test_module_params_and_a_routed_argument_must_agree():
    X, y = memory_task(n_samples=60)
    same = LSTMRegressor(
        module=TinyNet, module_params={"width": 7}, module__width=7, max_epochs=1
    )
    assert same.fit(X, y).net_.module_.hidden.out_features == 7
    conflict = clone(same).set_params(module_params={"width": 3})
    conflict.set_params(module__width=7)  # set_params takes over the entry
    assert conflict.module_params == {}
    with pytest.raises(
        ValueError, match=r"module__width=7 and module_params\['width'\]=3"
    ):
        LSTMRegressor(module=TinyNet, module_params={"width": 3}, module__width=7).fit(
            X, y
        )
    with pytest.raises(ValueError, match="module__depth names no argument of TinyNet"):
        LSTMRegressor(module=TinyNet, module__depth=2).fit(X, y)


def test_module_parameters_route_through_set_params_and_grid_search():
    X, y = memory_task(n_samples=80)
    model = LSTMRegressor(module=TinyNet, max_epochs=1, random_state=0)
    model.set_params(module__width=3)
    assert model.module__width == 3
    assert model.get_params()["module__width"] == 3
    assert clone(model).module__width == 3
    pipe = Pipeline([("lstm", model)])
    search = GridSearchCV(pipe, {"lstm__module__width": [2, 5]}, cv=2).fit(X, y)
    widths = [p["lstm__module__width"] for p in search.cv_results_["params"]]
    assert widths == [2, 5]
    best = search.best_estimator_.named_steps["lstm"]
    assert best.net_.module_.hidden.out_features == best.module__width


def test_grid_search_over_cell_and_pooling():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 2))
    y = np.r_[X[1:, 0], 0.0]
    pipe = Pipeline(
        [
            ("window", SlidingWindow(window=4)),
            ("lstm", LSTMRegressor(hidden_size=4, max_epochs=1, random_state=0)),
        ]
    )
    grid = {"lstm__cell": ["lstm", "gru"], "lstm__pooling": ["last", "attention"]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (dict(cell="gru", proj_size=4), "proj_size is only supported with cell='lstm'"),
        (dict(hidden_size=8, proj_size=8), "proj_size=8 must be smaller"),
        (dict(module_params={"width": 3}), "module is None"),
        (dict(module__width=3), "module is None"),
        (dict(cell="rnn"), "'cell' parameter"),
        (dict(pooling="sum"), "'pooling' parameter"),
        (dict(conv_channels=0), "'conv_channels' parameter"),
    ],
)
def test_invalid_architecture_is_rejected_before_training(params, message):
    X, y = memory_task(n_samples=20)
    with pytest.raises(ValueError, match=message):
        LSTMRegressor(max_epochs=1, **params).fit(X, y)


def test_module_must_be_a_torch_module():
    X, y = memory_task(n_samples=20)
    with pytest.raises(TypeError, match=r"torch\.nn\.Module subclass"):
        LSTMRegressor(module=dict).fit(X, y)


@pytest.mark.parametrize("kernel_size", [3, 4, 5, 8])
def test_same_conv_matches_torch_same_padding(kernel_size):
    from sklstm.nn._layers import SameConv1d

    torch.manual_seed(0)
    conv = SameConv1d(3, 6, kernel_size)
    reference = nn.Conv1d(3, 6, kernel_size, padding="same")
    reference.load_state_dict(conv.state_dict())
    X = torch.randn(4, 3, 20)
    with torch.no_grad():
        out = conv(X)
        torch.testing.assert_close(out, reference(X), rtol=1e-6, atol=1e-6)
    assert out.shape == (4, 6, 20)


def test_lstm_fcn_even_kernels_train_without_torch_warning(recwarn):
    # LSTM-FCN's documented kernels (8, 5, 3): torch's padding="same" warned
    # about the even one on every fit.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 24)), np.repeat([0, 1], 20)
    LSTMClassifier(
        conv_channels=(4, 4),
        conv_kernel_size=(8, 5),
        conv_path="beside",
        hidden_size=4,
        max_epochs=1,
        random_state=0,
    ).fit(X, y)
    assert not [w for w in recwarn if "padding='same'" in str(w.message)]
