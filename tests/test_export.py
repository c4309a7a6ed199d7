import importlib.util
import io
import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)

from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    SlidingWindow,
    prediction_module,
    to_exported_program,
    to_onnx,
    to_torchscript,
)

# PyTorch deprecates the TorchScript tracer and torch.ao.quantization, which
# these exports use on purpose (see docs/deployment.md).
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor:UserWarning"),
]

BATCH_SIZES = (1, 7, 64)
N_WINDOWS = max(BATCH_SIZES)
N_STEPS, N_FEATURES, WINDOW = 6, 3, 5
TINY = {"hidden_size": 6, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def windows(n_windows=N_WINDOWS, seed=0):
    return np.random.RandomState(seed).normal(size=(n_windows, N_STEPS, N_FEATURES))


def regressor_case(**params):
    X = windows()
    y = X[:, -1, 0] + X[:, -2, 1]
    if params.pop("two_targets", False):
        y = np.column_stack([y, 10.0 * X[:, 0, 2]])
    model = LSTMRegressor(**TINY, **params).fit(X, y)
    if model.loss == "gaussian":
        return model, X, list(model.predict(X, return_std=True))
    if model.loss == "quantile":
        return model, X, [model.predict(X), model.predict_quantiles(X)]
    return model, X, [model.predict(X)]


def classifier_case(**params):
    X = windows()
    y = np.array(["down", "flat", "up"])[np.digitize(X[:, -1, 0], [-0.5, 0.5])]
    model = LSTMClassifier(**TINY, **params).fit(X, y)
    return model, X, [model.predict_proba(X)]


def tokens_case():
    X = np.random.RandomState(0).randint(0, 12, size=(N_WINDOWS, N_STEPS))
    X[:5, :3] = 0  # padding
    model = LSTMClassifier(**TINY, n_tokens=12, bidirectional=True)
    model.fit(X, X[:, -1] % 2)
    return model, X, [model.predict_proba(X)]


def series_rows(n_rows=N_WINDOWS + WINDOW - 1):
    t = np.arange(n_rows)
    rng = np.random.RandomState(0)
    columns = [20 + np.sin(t / 4), 100 * np.cos(t / 9), rng.normal(size=t.size)]
    return pd.DataFrame(np.column_stack(columns), columns=["sst", "pressure", "noise"])


def pipeline_case(scalers=None, target_transformer=None):
    """A pipeline on rows, its windows of raw rows, and its predictions there."""
    rows = series_rows()
    y = rows["sst"].to_numpy() + 0.1 * rows["noise"].to_numpy()
    scalers = [StandardScaler()] if scalers is None else scalers
    steps = [(f"scale{i}", scaler) for i, scaler in enumerate(scalers)]
    steps += [("window", SlidingWindow(WINDOW)), ("lstm", LSTMRegressor(**TINY))]
    model = Pipeline(steps)
    if target_transformer is not None:
        model = TransformedTargetRegressor(model, transformer=target_transformer)
    model.fit(rows, y)
    raw_windows = sliding_window_view(rows.to_numpy(), WINDOW, axis=0)
    return model, raw_windows.transpose(0, 2, 1), [model.predict(rows)[WINDOW - 1 :]]


CASES = {
    "lstm": regressor_case,
    "gru-bidirectional-stacked-2-targets": lambda: regressor_case(
        cell="gru", bidirectional=True, num_layers=2, two_targets=True, normalize_y=True
    ),
    "conv-layer-norm-mean": lambda: regressor_case(
        conv_channels=4, layer_norm=True, pooling="mean"
    ),
    "gaussian": lambda: regressor_case(loss="gaussian", normalize_y=True),
    "quantile-2-targets": lambda: regressor_case(loss="quantile", two_targets=True),
    "classifier-attention": lambda: classifier_case(pooling="attention"),
    "classifier-tokens": tokens_case,
    "pipeline": pipeline_case,
    "target-transformer": lambda: pipeline_case(
        scalers=[MinMaxScaler(), "passthrough"], target_transformer=StandardScaler()
    ),
}
_fitted = {}


def fitted_case(name):
    """Each case is fitted once per session; it is only read afterwards."""
    if name not in _fitted:
        _fitted[name] = CASES[name]()
    return _fitted[name]


def graph_input(X):
    return X.astype(np.int64 if X.dtype.kind in "iu" else np.float32)


def run_onnx(model, X):
    onnxruntime = pytest.importorskip("onnxruntime")
    session = onnxruntime.InferenceSession(model.SerializeToString())
    return session.run(None, {"X": graph_input(X)})


def run_torch(module, X):
    with torch.inference_mode():
        outputs = module(torch.from_numpy(graph_input(X)))
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return [output.numpy() for output in outputs]


def assert_outputs_match(run, exported, X, expected, atol=1e-5):
    for n_windows in BATCH_SIZES:
        outputs = run(exported, X[:n_windows])
        assert len(outputs) == len(expected)
        for output, reference in zip(outputs, expected, strict=True):
            assert output.shape == reference[:n_windows].shape
            np.testing.assert_allclose(output, reference[:n_windows], rtol=0, atol=atol)


@pytest.mark.parametrize("case", CASES)
def test_onnx_matches_predict_for_any_batch_size(case):
    pytest.importorskip("onnxruntime")
    model, X, expected = fitted_case(case)
    assert_outputs_match(run_onnx, to_onnx(model), X, expected)


@pytest.mark.parametrize("case", CASES)
def test_torchscript_matches_predict_for_any_batch_size(case):
    model, X, expected = fitted_case(case)
    assert_outputs_match(run_torch, to_torchscript(model), X, expected)


@pytest.mark.parametrize("case", CASES)
def test_prediction_module_matches_predict_for_any_batch_size(case):
    model, X, expected = fitted_case(case)
    assert_outputs_match(run_torch, prediction_module(model), X, expected)


@pytest.mark.parametrize(
    "case",
    [
        "gaussian",
        "quantile-2-targets",
        "classifier-attention",
        "classifier-tokens",
        "pipeline",
        "target-transformer",
    ],
)
def test_exported_program_matches_predict_for_any_batch_size(case):
    model, X, expected = fitted_case(case)
    program = to_exported_program(model)
    assert_outputs_match(run_torch, program.module(), X, expected)


ROWS_NOT_WINDOWS = r"batch of windows, X of shape \(batch, 5, 3\); got shape \[3, 3\]"


def test_module_refuses_rows_instead_of_windows():
    """Regression: rows reached the network and failed with 'Dimension out of
    range' deep inside it."""
    model, X, _ = fitted_case("pipeline")
    with pytest.raises(ValueError, match=ROWS_NOT_WINDOWS):
        run_torch(prediction_module(model), X[:3, -1])


def test_torchscript_keeps_the_window_shape_check(tmp_path):
    model, X, _ = fitted_case("pipeline")
    torch.jit.save(to_torchscript(model), tmp_path / "model.pt")
    loaded = torch.jit.load(tmp_path / "model.pt")
    with pytest.raises(torch.jit.Error, match=ROWS_NOT_WINDOWS):
        run_torch(loaded, X[:3, -1])
    short = r"\(batch, 5, 3\); got shape \[3, 4, 3\]"
    with pytest.raises(torch.jit.Error, match=short):
        run_torch(loaded, X[:3, 1:])  # windows one step short


def test_onnx_runtime_refuses_rows_by_the_declared_shape():
    pytest.importorskip("onnxruntime")
    model, X, _ = fitted_case("pipeline")
    with pytest.raises(Exception, match="Invalid rank for input: X Got: 2 Expected: 3"):
        run_onnx(to_onnx(model), X[:3, -1])


def test_onnx_dynamo_exporter_matches_predict():
    pytest.importorskip("onnxscript")
    model, X, expected = fitted_case("pipeline")
    assert_outputs_match(run_onnx, to_onnx(model, dynamo=True), X, expected)


def test_onnx_model_is_saved_with_its_metadata(tmp_path):
    onnx = pytest.importorskip("onnx")
    classifier, X, expected = fitted_case("classifier-attention")
    to_onnx(classifier, tmp_path / "classifier.onnx")
    saved = onnx.load(tmp_path / "classifier.onnx")
    metadata = {prop.key: prop.value for prop in saved.metadata_props}
    assert json.loads(metadata["classes"]) == ["down", "flat", "up"]
    assert [output.name for output in saved.graph.output] == ["probabilities"]
    assert_outputs_match(run_onnx, saved, X, expected)
    pipeline = fitted_case("pipeline")[0]
    metadata = {prop.key: prop.value for prop in to_onnx(pipeline).metadata_props}
    assert json.loads(metadata["feature_names"]) == ["sst", "pressure", "noise"]


def test_saved_torchscript_and_program_load_and_match(tmp_path):
    model, X, expected = fitted_case("quantile-2-targets")
    to_torchscript(model, tmp_path / "model.pt")
    assert_outputs_match(run_torch, torch.jit.load(tmp_path / "model.pt"), X, expected)
    to_exported_program(model, tmp_path / "model.pt2")
    program = torch.export.load(tmp_path / "model.pt2")
    assert_outputs_match(run_torch, program.module(), X, expected)


@pytest.mark.parametrize(
    "scaler",
    [
        StandardScaler(with_mean=False),
        RobustScaler(),
        MaxAbsScaler(),
        MinMaxScaler(feature_range=(-1, 2)),
    ],
    ids=repr,
)
def test_pipeline_scalers_become_part_of_the_module(scaler):
    model, X, expected = pipeline_case(scalers=[scaler, StandardScaler()])
    assert_outputs_match(run_torch, prediction_module(model), X, expected)


@pytest.mark.parametrize(
    "step",
    [MinMaxScaler(clip=True), FunctionTransformer(np.tanh)],
    ids=["clipping", "nonlinear"],
)
def test_non_affine_steps_are_refused(step):
    model = pipeline_case(scalers=[step])[0]
    with pytest.raises(TypeError, match="per-column affine maps"):
        prediction_module(model)


def wrapped_pipeline(kind):
    """The README pipeline with its target scaled inside it, or searched."""
    inner = Pipeline(
        [("window", SlidingWindow(WINDOW)), ("lstm", LSTMRegressor(**TINY))]
    )
    scaled_target = TransformedTargetRegressor(inner, transformer=StandardScaler())
    model = Pipeline([("scale", StandardScaler()), ("model", scaled_target)])
    if kind == "search":
        model = GridSearchCV(model, {"scale__with_mean": [True]}, cv=TimeSeriesSplit(2))
    return model


@pytest.mark.parametrize("kind", ["transformed-inside", "search"])
def test_wrapped_and_searched_pipelines_export_as_they_predict(kind):
    rows = series_rows()
    y = rows["sst"].to_numpy() + 0.1 * rows["noise"].to_numpy()
    model = wrapped_pipeline(kind).fit(rows, y)
    raw_windows = sliding_window_view(rows.to_numpy(), WINDOW, axis=0)
    expected = [model.predict(rows)[WINDOW - 1 :]]
    module = prediction_module(model)
    assert_outputs_match(run_torch, module, raw_windows.transpose(0, 2, 1), expected)


def test_scaler_without_sliding_window_is_refused():
    X = windows()[:, :, 0]  # univariate sequences: the scaler scales time steps
    model = Pipeline([("scale", StandardScaler()), ("lstm", LSTMRegressor(**TINY))])
    model.fit(X, X[:, -1])
    with pytest.raises(ValueError, match="SlidingWindow, estimator"):
        to_torchscript(model)


def test_unfitted_and_foreign_models_are_refused():
    with pytest.raises(NotFittedError):
        prediction_module(LSTMRegressor())
    with pytest.raises(TypeError, match="Expected a fitted LSTMRegressor"):
        prediction_module(StandardScaler())


def lstm_with_projection():
    X = windows()
    model = LSTMRegressor(**{**TINY, "hidden_size": 8}, proj_size=3)
    return model.fit(X, X[:, -1, 0]), X


def test_lstm_projection_is_refused_by_onnx():
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match="proj_size=3"):
        to_onnx(lstm_with_projection()[0])


def test_lstm_projection_is_refused_by_quantization():
    with pytest.raises(ValueError, match="proj_size=3"):
        prediction_module(lstm_with_projection()[0], quantize=True)


def test_lstm_projection_exports_to_torchscript_and_torch_export():
    model, X = lstm_with_projection()
    expected = [model.predict(X)]
    assert_outputs_match(run_torch, to_torchscript(model), X, expected)
    assert_outputs_match(run_torch, to_exported_program(model).module(), X, expected)


@pytest.mark.cuda
def test_model_fitted_on_cuda_exports_for_the_cpu():
    X = windows()
    model = LSTMRegressor(**TINY, device="cuda").fit(X, X[:, -1, 0])
    module = prediction_module(model)
    assert {parameter.device.type for parameter in module.parameters()} == {"cpu"}
    assert_outputs_match(run_torch, module, X, [model.predict(X)])


def state_dict_bytes(module):
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.tell()


def test_quantized_module_is_smaller_and_close():
    X = windows()
    model = LSTMRegressor(**{**TINY, "hidden_size": 32}).fit(X, X[:, -1, 0])
    float_module = prediction_module(model)
    quantized = prediction_module(model, quantize=True)
    assert isinstance(quantized.network.rnn, torch.ao.nn.quantized.dynamic.LSTM)
    assert quantized.output_names == ("prediction",)
    assert state_dict_bytes(quantized) < 0.5 * state_dict_bytes(float_module)
    (prediction,) = run_torch(quantized, X)
    np.testing.assert_allclose(prediction, model.predict(X), atol=0.05)


# -- serving example ------------------------------------------------------------


@pytest.fixture
def serving_client(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")  # fastapi.testclient needs it
    from fastapi.testclient import TestClient

    model = fitted_case("pipeline")[0]
    joblib.dump(model, tmp_path / "model.joblib")
    path = Path(__file__).parents[1] / "examples" / "serve_fastapi.py"
    spec = importlib.util.spec_from_file_location("serve_fastapi", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return TestClient(example.create_app(tmp_path / "model.joblib")), model


def test_served_health(serving_client):
    client, _ = serving_client
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "model": "Pipeline",
        "window": WINDOW,
        "n_features": N_FEATURES,
        "feature_names": ["sst", "pressure", "noise"],
    }


def test_served_forecast_is_the_last_rows_prediction(serving_client):
    client, model = serving_client
    rows = series_rows().iloc[-2 * WINDOW :]
    response = client.post("/predict", json={"rows": rows.to_numpy().tolist()})
    assert response.status_code == 200
    forecast = response.json()["forecast"]
    assert forecast == pytest.approx(model.predict(rows)[-1], rel=0, abs=1e-12)


@pytest.mark.parametrize(
    "rows",
    [[[20.0, 1.0, 0.0]] * (WINDOW - 1), [[20.0, 1.0]] * WINDOW],
    ids=["too-few-rows", "too-few-columns"],
)
def test_served_predict_refuses_bad_rows(serving_client, rows):
    client, _ = serving_client
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 422
