"""Fitted models as files: ONNX, TorchScript and torch.export graphs.

Each wraps the module of :func:`~sklstm.io._export.prediction_module`, so every
format computes what ``predict`` returns, in float32, from windows of raw rows.
"""

import io
import json
import warnings
from os import PathLike

import torch

from .._estimators._classifier import LSTMClassifier
from .._estimators._inference import example_input
from .._version import __version__
from ._export import _check_supported, _predictor

__all__ = ["to_exported_program", "to_onnx", "to_torchscript"]

_INPUT_NAME = "X"


def _metadata(fitted, estimator):
    properties = {"producer": f"sklstm {__version__}", "model": type(fitted).__name__}
    if isinstance(estimator, LSTMClassifier):
        properties["classes"] = json.dumps(estimator.classes_.tolist(), default=str)
    names = getattr(fitted, "feature_names_in_", None)
    if names is not None and fitted is not estimator:
        properties["feature_names"] = json.dumps(names.tolist())
    return properties


# torch.export warns that nn.LSTM and nn.GRU reassign their list of weights in
# forward; the weights themselves are parameters and exported as such.
_FLAT_WEIGHTS = "The tensor attributes self.network.rnn._flat_weights"


def _batch_axis():
    return {_INPUT_NAME: {0: torch.export.Dim("batch")}}


def to_onnx(
    fitted,
    path: str | PathLike | None = None,
    *,
    dynamo: bool = False,
    opset_version: int | None = None,
):
    """Export ``fitted`` to an ONNX model with a dynamic batch size.

    The graph is :func:`prediction_module`'s: it reads float32 windows
    ``X`` of shape ``(batch, n_steps, n_features)``, raw rows for a pipeline
    (or int64 token ids ``(batch, n_steps)``), and returns float32 outputs
    named as in that function's ``output_names``. ONNX Runtime runs the LSTM
    and GRU operators in float32 only. The graph declares the window shape
    of ``X``, so ONNX Runtime refuses rows given instead of windows itself
    (``INVALID_ARGUMENT : Invalid rank for input: X``); the exporters cannot
    carry :func:`prediction_module`'s own check. Windows of one length only:
    padding is not masked (see :func:`prediction_module`'s notes and
    :func:`pad_sequences`).

    Parameters
    ----------
    fitted : estimator
        A fitted estimator, pipeline or TransformedTargetRegressor, as in
        :func:`prediction_module`. LSTMs with ``proj_size > 0`` do not export.

    path : str or path-like, default=None
        Where to write the model, if given.

    dynamo : bool, default=False
        Exporter: PyTorch's TorchScript-based one (``False``; deprecated by
        PyTorch but present in 2.13, and much faster to export) or the
        ``torch.export``-based one (``True``; needs ``onnxscript``). Both
        write graphs with the same outputs.

    opset_version : int or None, default=None
        ONNX opset; None takes the exporter's default.

    Returns
    -------
    model : onnx.ModelProto
        The model. Its metadata holds the sklstm version, the model's class,
        ``classes`` (JSON) for a classifier and ``feature_names`` (JSON) for
        a pipeline fitted on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklstm import LSTMRegressor, to_onnx
    >>> X = np.random.RandomState(0).normal(size=(32, 5, 2))
    >>> model = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0])
    >>> onnx_model = to_onnx(model)
    >>> session = onnxruntime.InferenceSession(onnx_model.SerializeToString())
    >>> (prediction,) = session.run(None, {"X": X[:3].astype(np.float32)})
    >>> bool(np.allclose(prediction, model.predict(X[:3]), atol=1e-5))
    True
    """
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "to_onnx needs the onnx package: pip install 'sklstm[onnx]'."
        ) from error
    module, estimator = _predictor(fitted)
    _check_supported(estimator, "ONNX export")
    # The graph declares X's rank and window shape; ONNX Runtime refuses other
    # inputs itself ("Invalid rank for input: X").
    module.check_shape = False
    names = {"input_names": [_INPUT_NAME], "output_names": list(module.output_names)}
    example = (example_input(estimator),)
    if dynamo:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _FLAT_WEIGHTS)
            program = torch.onnx.export(
                module,
                example,
                dynamo=True,
                dynamic_shapes=_batch_axis(),
                opset_version=opset_version,
                verbose=False,
                **names,
            )
        model = program.model_proto
    else:
        buffer = io.BytesIO()
        batch = {name: {0: "batch"} for name in [_INPUT_NAME, *module.output_names]}
        with warnings.catch_warnings():
            # The traced branches are shape checks and flags, fixed for a model;
            # the tests check batch sizes other than the traced one, and
            # pooling indexes time steps with non-negative indices only.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", "Exporting a model to ONNX with a batch")
            warnings.filterwarnings("ignore", "Exporting aten::index operator")
            torch.onnx.export(
                module,
                example,
                buffer,
                dynamo=False,
                dynamic_axes=batch,
                opset_version=opset_version,
                **names,
            )
        model = onnx.load_model_from_string(buffer.getvalue())
    onnx.helper.set_model_props(model, _metadata(fitted, estimator))
    if path is not None:
        onnx.save_model(model, path)
    return model


def to_torchscript(fitted, path: str | PathLike | None = None):
    """Trace ``fitted``'s :func:`prediction_module` into TorchScript.

    The module is traced with :func:`torch.jit.trace` (sklstm's modules do
    not script), which PyTorch has deprecated in favour of ``torch.export``
    (:func:`to_exported_program`); the traced module loads with
    :func:`torch.jit.load`, in C++ too, and takes any batch size of
    windows of one length: padding is not masked (see
    :func:`prediction_module`'s notes and :func:`pad_sequences`).

    Parameters
    ----------
    fitted : estimator
        A fitted estimator, pipeline or TransformedTargetRegressor, as in
        :func:`prediction_module`.

    path : str or path-like, default=None
        Where to save the module with :func:`torch.jit.save`, if given.

    Returns
    -------
    module : torch.jit.ScriptModule
        Float32 windows (or int64 token ids) in, the outputs of
        :func:`prediction_module` out.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklstm import LSTMClassifier, to_torchscript
    >>> X = np.random.RandomState(0).normal(size=(32, 5, 2))
    >>> model = LSTMClassifier(hidden_size=4, max_epochs=2, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0] > 0)
    >>> scripted = to_torchscript(model)
    >>> proba = scripted(torch.as_tensor(X[:3], dtype=torch.float32))
    >>> bool(np.allclose(proba.numpy(), model.predict_proba(X[:3]), atol=1e-5))
    True
    """
    module, estimator = _predictor(fitted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # as in to_onnx
        scripted = torch.jit.trace(module, (example_input(estimator),))
    if path is not None:
        torch.jit.save(scripted, path)
    return scripted


def to_exported_program(fitted, path: str | PathLike | None = None):
    """Export ``fitted``'s :func:`prediction_module` with :func:`torch.export.export`.

    The batch axis is dynamic; the windows have one length and padding is
    not masked (see :func:`prediction_module`'s notes). Run the program with
    ``program.module()(X)``; ``torch.export.load`` reads a saved one.

    Parameters
    ----------
    fitted : estimator
        A fitted estimator, pipeline or TransformedTargetRegressor, as in
        :func:`prediction_module`.

    path : str or path-like, default=None
        Where to save the program with :func:`torch.export.save` (a ``.pt2``
        file), if given.

    Returns
    -------
    program : torch.export.ExportedProgram
        Float32 windows (or int64 token ids) in, the outputs of
        :func:`prediction_module` out.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklstm import LSTMRegressor, to_exported_program
    >>> X = np.random.RandomState(0).normal(size=(32, 5, 2))
    >>> model = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0])
    >>> program = to_exported_program(model)
    >>> prediction = program.module()(torch.as_tensor(X[:3], dtype=torch.float32))
    >>> bool(np.allclose(prediction.numpy(), model.predict(X[:3]), atol=1e-5))
    True
    """
    module, estimator = _predictor(fitted)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", _FLAT_WEIGHTS)
        program = torch.export.export(
            module, (example_input(estimator),), dynamic_shapes=_batch_axis()
        )
    if path is not None:
        torch.export.save(program, path)
    return program
