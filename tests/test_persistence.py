import io
import pickle
import traceback

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindow, __version__

FAST = dict(hidden_size=8, max_epochs=2, random_state=0)


class MeanNet(nn.Module):
    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.out = nn.Linear(n_features, n_outputs)

    def forward(self, X):
        return self.out(X.mean(dim=1))


def sequences(n_samples=60):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, 5, 2))
    return X, X[:, -1, 0] + X[:, -2, 1]


def tokens(n_samples=60):
    rng = np.random.RandomState(0)
    return rng.randint(0, 9, size=(n_samples, 6)), rng.choice(["a", "b"], n_samples)


VARIANTS = {
    "regressor": (LSTMRegressor(**FAST), sequences),
    "gru attention": (
        LSTMRegressor(**FAST, cell="gru", pooling="attention"),
        sequences,
    ),
    "gaussian": (LSTMRegressor(**FAST, loss="gaussian", normalize_y=True), sequences),
    "quantile": (LSTMRegressor(**FAST, loss="quantile"), sequences),
    "cnn bidirectional": (
        LSTMRegressor(**FAST, conv_channels=4, bidirectional=True),
        sequences,
    ),
    "custom module": (LSTMRegressor(**FAST, module=MeanNet), sequences),
    "classifier": (LSTMClassifier(**FAST, class_weight="balanced"), tokens),
    "tokens": (LSTMClassifier(**FAST, n_tokens=9, pooling="max"), tokens),
}


def outputs(model, X):
    method = model.predict_proba if hasattr(model, "predict_proba") else model.predict
    return method(X)


@pytest.mark.parametrize(("model", "data"), VARIANTS.values(), ids=VARIANTS.keys())
def test_every_variant_round_trips_through_joblib(model, data, tmp_path):
    X, y = data()
    model.fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(outputs(loaded, X), outputs(model, X))
    assert loaded.history_.equals(model.history_)
    assert loaded.loss_curve_ == model.loss_curve_


def test_saved_state_is_plain_and_records_versions():
    X, y = sequences()
    state = LSTMRegressor(**FAST).fit(X, y).__getstate__()
    assert "net_" not in state
    weights = state["_net_state"]["weights"]
    assert all(isinstance(array, np.ndarray) for array in weights.values())
    versions = state["_sklstm_versions"]
    assert versions["sklstm"] == __version__
    assert versions["torch"] == torch.__version__
    assert set(versions) == {"format", "sklstm", "torch", "skorch", "sklearn"}


def test_loading_leaves_the_global_torch_generator_alone():
    X, y = sequences()
    saved = pickle.dumps(LSTMRegressor(**FAST).fit(X, y))
    before = torch.random.get_rng_state()
    pickle.loads(saved)
    assert torch.equal(torch.random.get_rng_state(), before)


def load_altered(model, **changes):
    """Load ``model``'s saved state with some entries replaced, as unpickling does."""
    state = model.__getstate__()
    for key, change in changes.items():
        state[key] = change(state[key])
    loaded = type(model).__new__(type(model))
    loaded.__setstate__(state)
    return loaded


def test_file_of_the_float64_predict_path_loads_and_predicts_in_float32():
    """Earlier versions could predict from a float64 copy and name its dtype."""
    X, y = sequences()
    model = LSTMRegressor(**FAST).fit(X, y)
    state = {**model.__getstate__(), "_predict_dtype": torch.float64}
    loaded = LSTMRegressor.__new__(LSTMRegressor)
    loaded.__setstate__(state)
    assert not hasattr(loaded, "_predict_dtype")
    assert next(loaded.net_.module_.parameters()).dtype == torch.float32
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_file_from_a_newer_format_is_refused_clearly():
    X, y = sequences()
    model = LSTMRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"file format 99.*Upgrade sklstm"):
        load_altered(model, _sklstm_versions=lambda v: {**v, "format": 99})


def test_file_from_another_sklstm_version_warns():
    X, y = sequences()
    model = LSTMRegressor(**FAST).fit(X, y)
    with pytest.warns(UserWarning, match="saved with sklstm 0.0.1"):
        loaded = load_altered(
            model, _sklstm_versions=lambda v: {**v, "sklstm": "0.0.1"}
        )
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_damaged_weights_give_a_clear_error():
    X, y = sequences()
    model = LSTMRegressor(**FAST).fit(X, y)

    def damage(net_state):
        weights = dict(net_state["weights"])
        weights["head.weight"] = weights["head.weight"][:, :3]
        return {**net_state, "weights": weights}

    with pytest.raises(ValueError, match=r"'head.weight'.*has shape \(1, 3\).*damaged"):
        load_altered(model, _net_state=damage)


def test_truncated_file_fails_in_the_unpickler_not_in_torch(tmp_path):
    X, y = sequences()
    buffer = io.BytesIO()
    joblib.dump(LSTMRegressor(**FAST).fit(X, y), buffer)
    (tmp_path / "cut.joblib").write_bytes(buffer.getvalue()[:-200])
    # Where the cut lands decides the error (IndexError: the unpickler's stack
    # runs empty), but it is raised by the unpickler, before torch sees a byte.
    unpickler_errors = (EOFError, pickle.UnpicklingError, ValueError, IndexError)
    with pytest.raises(unpickler_errors) as raised:
        joblib.load(tmp_path / "cut.joblib")
    innermost = traceback.extract_tb(raised.tb)[-1].filename
    assert "torch" not in innermost and "sklstm" not in innermost


def test_warm_start_after_loading_continues_training():
    X, y = sequences()
    model = LSTMRegressor(**FAST, warm_start=True).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    loaded.fit(X, y)
    assert loaded.n_iter_ == 4
    assert loaded.history_["epoch"].tolist() == [1, 2, 3, 4]


@pytest.fixture
def skops_io():
    return pytest.importorskip("skops.io")


def test_skops_trusts_only_sklstm_types_for_a_pipeline(skops_io, tmp_path):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=5)),
            ("lstm", LSTMRegressor(**FAST)),
        ]
    ).fit(frame, frame["a"].to_numpy())
    path = tmp_path / "pipe.skops"
    skops_io.dump(pipe, path)
    untrusted = skops_io.get_untrusted_types(file=path)
    assert sorted(untrusted) == [
        "sklstm._estimators._regressor.LSTMRegressor",
        "sklstm.preprocessing._window.SlidingWindow",
    ]
    loaded = sklstm.load(path)  # never trusted=untrusted: see test_loading.py
    np.testing.assert_array_equal(loaded.predict(frame), pipe.predict(frame))


def test_skops_classifier_with_string_labels(skops_io, tmp_path):
    X, y = tokens()
    clf = LSTMClassifier(**FAST, n_tokens=9, class_weight="balanced").fit(X, y)
    path = tmp_path / "clf.skops"
    skops_io.dump(clf, path)
    assert skops_io.get_untrusted_types(file=path) == [
        "sklstm._estimators._classifier.LSTMClassifier"
    ]
    loaded = sklstm.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
