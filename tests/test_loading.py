"""sklstm.load and sklstm.save: refusing foreign, oversized and damaged files."""

import io
import json
import os
import re
import time
import warnings
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor, SlidingWindow
from sklstm.exceptions import UntrustedTypeError
from sklstm.io._persistence import MAX_PARAMETERS

sio = pytest.importorskip("skops.io")

TINY = dict(hidden_size=4, max_epochs=1, n_threads=1, random_state=0)
FORMATS = ["skops", "joblib"]


class MeanNet(nn.Module):
    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.out = nn.Linear(n_features, n_outputs)

    def forward(self, X):
        return self.out(X.mean(dim=1))


def sequences(n_samples=40):
    X = np.random.RandomState(0).normal(size=(n_samples, 5, 2))
    return X, X[:, -1, 0] + X[:, -2, 1]


@pytest.fixture
def model():
    return LSTMRegressor(**TINY).fit(*sequences())


def tamper(model, **changes):
    """Make ``model`` save its state with some entries replaced."""
    state = model.__getstate__()
    for key, change in changes.items():
        state[key] = change(state[key])
    model.__getstate__ = lambda: state  # what skops and pickle both call
    return model


def saved(model, fmt):
    """The bytes of ``model`` saved in ``fmt``."""
    buffer = io.BytesIO()
    if fmt == "skops":
        sio.dump(model, buffer)
    else:
        joblib.dump(model, buffer)
    return buffer.getvalue()


def load(data, **kwargs):
    return sklstm.load(io.BytesIO(data), allow_pickle=True, **kwargs)


def with_weight(key, change):
    def damage(net_state):
        weights = dict(net_state["weights"])
        weights[key] = change(weights[key])
        return {**net_state, "weights": weights}

    return damage


def edit_schema(data, edit):
    """Rewrite the schema.json of a skops file with ``edit(schema)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "schema.json":
                schema = json.loads(content)
                edit(schema)
                content = json.dumps(schema).encode()
            target.writestr(name, content)
    return buffer.getvalue()


def json_node(value):
    return {
        "__class__": type(value).__name__,
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
    }


def call_node(function, argument):
    """A skops node that, when constructed, calls ``function(argument)``."""
    return {
        "__class__": function.__name__,
        "__module__": function.__module__,
        "__loader__": "ConstructorFromReduceNode",
        "content": {
            "__class__": "tuple",
            "__module__": "builtins",
            "__loader__": "TupleNode",
            "content": [json_node(argument)],
        },
    }


def _payloads(marker):
    payloads = {"builtins.exec": (exec, f"open({str(marker)!r}, 'w').close()")}
    if os.name == "posix":
        payloads["posix.system"] = (os.system, f"touch '{marker}'")
    return payloads


@pytest.mark.parametrize("payload", ["builtins.exec", "posix.system"])
def test_code_in_callbacks_is_refused_without_running(model, payload, tmp_path):
    marker = tmp_path / "pwned"
    if payload not in _payloads(marker):
        pytest.skip("os.system is posix.system on POSIX only")
    function, argument = _payloads(marker)[payload]

    def plant(schema):
        schema["content"]["content"]["callbacks"] = {
            "__class__": "list",
            "__module__": "builtins",
            "__loader__": "ListNode",
            "content": [call_node(function, argument)],
        }

    data = edit_schema(sio.dumps(model), plant)
    # The line the docs used to show runs the payload:
    with pytest.raises(Exception):  # noqa: B017 (whatever follows the call)
        sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert marker.exists()
    marker.unlink()

    with pytest.raises(UntrustedTypeError, match=payload.replace(".", r"\.")) as info:
        sklstm.load(io.BytesIO(data))
    assert payload in info.value.types
    assert not marker.exists()


def test_refused_type_can_be_trusted_by_name(model):
    custom = LSTMRegressor(**TINY, module=MeanNet).fit(*sequences())
    buffer = io.BytesIO()
    with pytest.warns(UserWarning, match="MeanNet"):
        sklstm.save(custom, buffer)
    with pytest.raises(UntrustedTypeError, match="MeanNet"):
        sklstm.load(io.BytesIO(buffer.getvalue()))
    loaded = sklstm.load(io.BytesIO(buffer.getvalue()), trusted=[MeanNet])
    X, _ = sequences()
    np.testing.assert_array_equal(loaded.predict(X), custom.predict(X))


@pytest.mark.parametrize("fmt", FORMATS)
def test_huge_network_is_refused_before_it_is_built(model, fmt):
    # hidden_size=20000 is 1.6e9 parameters: 6.4 GB in float32 if it were built.
    model.hidden_size = 20000
    data = saved(model, fmt)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"hidden_size=20000.*max_parameters=1e\+08"):
        load(data)
    assert time.perf_counter() - start < 5
    # Raising the limit only reaches the next check, the weights' shapes.
    with pytest.raises(ValueError, match=r"has shape \(16, 2\), expected \(80000, 2\)"):
        load(data, max_parameters=10**10)


def test_huge_network_is_refused_by_plain_joblib_load(model, tmp_path):
    model.hidden_size = 20000
    joblib.dump(model, tmp_path / "model.joblib")
    limit = re.escape(f"max_parameters={MAX_PARAMETERS:.3g}")
    with pytest.raises(ValueError, match=limit):
        joblib.load(tmp_path / "model.joblib")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: np.full_like(w, np.nan), "NaN or infinite"),
        (lambda w: np.full_like(w, np.inf), "NaN or infinite"),
        (lambda w: w.astype(np.int64), "dtype int64, expected float32"),
        (lambda w: w[:, :3], r"shape \(1, 3\), expected \(1, 4\)"),
        (lambda w: w.tolist(), "is a list, not a numpy array"),
    ],
    ids=["nan", "inf", "int64", "shape", "list"],
)
def test_bad_weights_are_refused(model, fmt, change, message):
    tamper(model, _net_state=with_weight("head.weight", change))
    with pytest.raises(ValueError, match=rf"'head\.weight'.*{message}"):
        load(saved(model, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_and_unexpected_weights_are_refused(model, fmt):
    def rename(net_state):
        weights = dict(net_state["weights"])
        weights["head.extra"] = weights.pop("head.bias")
        return {**net_state, "weights": weights}

    tamper(model, _net_state=rename)
    with pytest.raises(ValueError, match=r"missing \['head.bias'\].*'head.extra'"):
        load(saved(model, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "change",
    [
        lambda v: "1.0",
        lambda v: {"format": 1},
        lambda v: {**v, "format": "1"},
        lambda v: {**v, "sklstm": None},
    ],
    ids=["not a dict", "missing keys", "format not int", "version not str"],
)
def test_malformed_version_record_is_a_value_error(model, fmt, change):
    tamper(model, _sklstm_versions=change)
    with pytest.raises(ValueError, match=r"not saved by sklstm|version record"):
        load(saved(model, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_parameter_is_refused(model, fmt):
    model.num_layers = -3
    with pytest.raises(ValueError, match=r"invalid parameter.*num_layers"):
        load(saved(model, fmt))


@pytest.mark.parametrize("amp", [True, "float16", "bfloat16"])
def test_every_amp_value_round_trips_and_an_unknown_one_is_refused(amp):
    with pytest.warns(UserWarning, match="has no effect on device='cpu'"):
        model = LSTMRegressor(**TINY, amp=amp).fit(*sequences())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(saved(model, "skops"))
    assert loaded.get_params()["amp"] == amp
    assert not [w for w in caught if "amp=" in str(w.message)]  # about training
    model.amp = "float8"
    with pytest.raises(ValueError, match=r"invalid parameter.*'amp'.*'float8'"):
        load(saved(model, "skops"))


def test_parameters_that_build_no_network_are_refused(model):
    model.proj_size = 10  # larger than hidden_size: torch refuses it
    with pytest.raises(ValueError, match="do not describe a network"):
        load(saved(model, "skops"))


def fitted_estimators():
    X, y = sequences()
    tokens = np.random.RandomState(0).randint(0, 9, size=(40, 6))
    labels = np.where(y > 0, "up", "down")
    frame = pd.DataFrame(X[:, :, 0], columns=list("abcde"))
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=3)),
            ("lstm", LSTMRegressor(**TINY)),
        ]
    )
    return {
        "regressor": (LSTMRegressor(**TINY, loss="quantile").fit(X, y), X),
        "classifier": (LSTMClassifier(**TINY).fit(X, labels), X),
        "tokens": (LSTMClassifier(**TINY, n_tokens=9).fit(tokens, labels), tokens),
        "window": (SlidingWindow(window=3).fit(frame), frame),
        "pipeline": (pipe.fit(frame, frame["a"].to_numpy()), frame),
    }


def outputs(estimator, X):
    for method in ("predict_proba", "predict", "transform"):
        if hasattr(estimator, method):
            return getattr(estimator, method)(X)


@pytest.mark.parametrize("fmt", FORMATS)
def test_good_files_round_trip(fmt, tmp_path):
    for name, (estimator, X) in fitted_estimators().items():
        path = tmp_path / f"{name}.{fmt}"
        if fmt == "skops":
            sklstm.save(estimator, path)
        else:
            joblib.dump(estimator, path)
        loaded = sklstm.load(path, allow_pickle=fmt == "joblib")
        assert type(loaded) is type(estimator), name
        np.testing.assert_array_equal(outputs(loaded, X), outputs(estimator, X))


def test_pickles_are_refused_unless_allowed(model, tmp_path):
    joblib.dump(model, tmp_path / "model.joblib")
    with pytest.raises(ValueError, match=r"not a skops file.*allow_pickle=True"):
        sklstm.load(tmp_path / "model.joblib")


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_file_names_the_file(model, fmt, tmp_path):
    path = tmp_path / f"cut.{fmt}"
    path.write_bytes(saved(model, fmt)[:-200])
    with pytest.raises(ValueError, match=r"cut\.\w+' is truncated or damaged"):
        sklstm.load(path, allow_pickle=True)


def test_trusting_everything_is_refused(model):
    with pytest.raises(TypeError, match="list of types"):
        sklstm.load(io.BytesIO(saved(model, "skops")), trusted=True)


def test_file_unpacking_beyond_the_limit_is_refused(model, monkeypatch):
    # A compressed member could unpack to gigabytes: sizes are checked first.
    monkeypatch.setattr("sklstm.io._loading._UNPACKED_SLACK", 0)
    data = saved(model, "skops")
    with pytest.raises(ValueError, match=r"unpacks to .* max_parameters=10 allows"):
        sklstm.load(io.BytesIO(data), max_parameters=10)
    assert sklstm.load(io.BytesIO(data), max_parameters=10**6) is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_damaged_generator_state_is_refused(model, fmt):
    tamper(model, _torch_rng_state=lambda state: state.astype(np.float64))
    with pytest.raises(ValueError, match="random generator state"):
        load(saved(model, fmt))


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2000-01", periods=60, freq="MS"),
        pd.period_range("2000Q1", periods=60, freq="Q"),
    ],
    ids=["DatetimeIndex", "PeriodIndex"],
)
def test_readme_pipeline_on_dated_rows_loads_with_the_fixed_trust_list(tmp_path, index):
    """SlidingWindow remembers the next index label: stored as plain values."""
    X = pd.DataFrame({"v": np.sin(np.arange(60) / 4)}, index=index)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=6)),
            ("lstm", LSTMRegressor(**TINY)),
        ]
    ).set_output(transform="pandas")
    pipe.fit(X.iloc[:50], X["v"].to_numpy()[1:51])
    path = tmp_path / "pipe.skops"
    sklstm.save(pipe, path)
    loaded = sklstm.load(path)
    assert loaded["window"].next_index_ == pipe["window"].next_index_
    # The rows after the fit rows still get their history after loading.
    np.testing.assert_array_equal(
        loaded.predict(X.iloc[50:]), pipe.predict(X.iloc[50:])
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"input_shape_": lambda shape: (400_000, shape[1])}, "n_features_in_"),
        (
            {
                "input_shape_": lambda shape: (10**7, 20),
                "n_features_in_": lambda n: 10**7,
            },
            "max_parameters",
        ),
        ({"n_iter_": lambda n: -3}, "n_iter_"),
    ],
    ids=["steps", "huge", "n_iter_"],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_fitted_sizes_inconsistent_or_huge_are_refused_fast(
    model, fmt, change, message
):
    tamper(model, **change)
    data = saved(model, fmt)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        load(data)
    assert time.perf_counter() - start < 2.0


def zero_scale(pipe):
    pipe["scale"].scale_ = np.zeros_like(pipe["scale"].scale_)


def nan_pooled_scale(pipe):
    pipe["scale"].pooled_scale_ = np.array([np.nan])


@pytest.mark.parametrize(
    "scaler, damage",
    [
        (StandardScaler(), zero_scale),
        (sklstm.PerSeriesScaler(), nan_pooled_scale),
    ],
    ids=["StandardScaler", "PerSeriesScaler"],
)
def test_scalers_with_zero_or_nan_scales_are_refused(scaler, damage, tmp_path):
    X = pd.DataFrame({"v": np.sin(np.arange(40) / 4)})
    pipe = Pipeline(
        [
            ("scale", scaler),
            ("window", SlidingWindow(4)),
            ("lstm", LSTMRegressor(**TINY)),
        ]
    ).fit(X, X["v"].to_numpy())
    damage(pipe)
    sklstm.save(pipe, tmp_path / "pipe.skops")
    with pytest.raises(
        ValueError, match=r"scale_.*not (finite and |a finite )positive"
    ):
        sklstm.load(tmp_path / "pipe.skops")


def test_deeply_nested_file_is_a_value_error_not_a_recursion_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", "[" * 200_000 + "]" * 200_000)
    with pytest.raises(ValueError, match=r"damaged.*RecursionError"):
        sklstm.load(io.BytesIO(buffer.getvalue()))


def _zones():
    import datetime
    import zoneinfo

    import dateutil.tz

    zones = {
        "zoneinfo": zoneinfo.ZoneInfo("America/New_York"),
        "dateutil-utc": "dateutil/UTC",
        "dateutil-offset": dateutil.tz.tzoffset(None, 3600),
        "fixed-offset": datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
    }
    try:
        import pytz
    except ImportError:
        return zones
    return {**zones, "pytz": pytz.timezone("Europe/Paris")}


@pytest.mark.parametrize("zone", list(_zones().values()), ids=list(_zones()))
def test_time_zone_aware_index_round_trips(zone, tmp_path):
    index = pd.date_range("2021-03-01", periods=40, freq="D", tz="UTC")
    X = pd.DataFrame({"v": np.arange(40.0)}, index=index.tz_convert(zone))
    window = SlidingWindow(window=3).fit(X.iloc[:30])
    sklstm.save(window, tmp_path / "window.skops")
    loaded = sklstm.load(tmp_path / "window.skops")
    assert loaded.next_index_ == window.next_index_  # the same instant
    assert loaded.next_index_.utcoffset() == window.next_index_.utcoffset()
    # the rows after the fit rows still start from their history
    np.testing.assert_array_equal(
        loaded.transform(X.iloc[30:]), window.transform(X.iloc[30:])
    )
    assert loaded.transform(X.iloc[30:])[0, 0, 0] == 28.0


@pytest.mark.parametrize("limit", [-1, 0, 2.5, True])
def test_max_parameters_must_be_a_positive_int(model, limit):
    with pytest.raises(ValueError, match="max_parameters must be a positive int"):
        sklstm.load(io.BytesIO(saved(model, "skops")), max_parameters=limit)


def test_schema_that_is_not_json_is_reported_as_damaged():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", "0 0")
    with pytest.raises(ValueError, match=r"damaged.*JSONDecodeError"):
        sklstm.load(io.BytesIO(buffer.getvalue()))


def _fitted_window():
    X = pd.DataFrame({"v": np.arange(40.0)})
    return SlidingWindow(window=4).fit(X)


def _fitted_scaler():
    index = pd.MultiIndex.from_product([["a", "b"], range(6)])
    return sklstm.PerSeriesScaler().fit(pd.DataFrame({"v": np.arange(12.0)}, index))


@pytest.mark.parametrize(
    "make, key, value, message",
    [
        (_fitted_window, "last_rows_", np.ones((3, 5), np.float32), "last_rows_"),
        (_fitted_window, "last_rows_", np.full((3, 1), np.nan), "last_rows_"),
        (_fitted_window, "last_rows_", np.ones((9, 1)), "more than window - 1"),
        (_fitted_window, "window", -3, "window"),
        (_fitted_scaler, "mean_", np.zeros((5, 3)), "mean_"),
        (_fitted_scaler, "pooled_scale_", np.array([0.0]), "pooled_scale_"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_transformer_state_inconsistent_with_its_parameters_is_refused(
    make, key, value, message, fmt
):
    """Regression: these loaded and failed later with numpy's broadcast error."""
    estimator = make()
    state = dict(estimator.__getstate__())  # BaseEstimator's is the live __dict__
    state[key] = value
    estimator.__getstate__ = lambda: state
    with pytest.raises(ValueError, match=message):
        load(saved(estimator, fmt))
