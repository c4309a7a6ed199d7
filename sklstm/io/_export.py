"""Fitted models as one torch module that computes what ``predict`` returns.

Every export computes what ``predict`` returns (``predict_proba`` for
classifiers), in float32, from windows of raw rows. The scalers of a pipeline
become an affine map of the input inside the graph; the scaling of the target
(``normalize_y``, a :class:`~sklearn.compose.TransformedTargetRegressor`) an
affine map of the output. Windowing stays outside: the graph reads windows.
"""

import copy

import numpy as np
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._estimators._base import BaseLSTM
from .._estimators._classifier import LSTMClassifier
from ..preprocessing._composite import _steps, find_window

__all__ = ["prediction_module"]

_QUANTIZED_LAYERS = {nn.LSTM, nn.GRU, nn.Linear}


# -- affine maps of scalers ---------------------------------------------------


def _centred(center, divisor):
    """``(X - center) / divisor`` as ``(scale, offset)``; None means 0 and 1."""
    scale = 1.0 if divisor is None else 1.0 / np.asarray(divisor, dtype=np.float64)
    offset = 0.0 if center is None else -np.asarray(center, dtype=np.float64) * scale
    return scale, offset


def _affine(step):
    """``(scale, offset)`` such that ``step.transform(X) == X * scale + offset``."""
    if isinstance(step, FunctionTransformer):
        if step.func is None and step.inverse_func is None:
            return 1.0, 0.0  # TransformedTargetRegressor's default: the identity
    elif isinstance(step, StandardScaler | RobustScaler | MaxAbsScaler):
        check_is_fitted(step)
        if isinstance(step, StandardScaler):
            return _centred(
                step.mean_ if step.with_mean else None,
                step.scale_ if step.with_std else None,
            )
        if isinstance(step, RobustScaler):
            return _centred(
                step.center_ if step.with_centering else None,
                step.scale_ if step.with_scaling else None,
            )
        return _centred(None, step.scale_)
    elif isinstance(step, MinMaxScaler) and not step.clip:
        check_is_fitted(step)
        return step.scale_, step.min_
    raise TypeError(
        f"Cannot export {step!r}: the steps before SlidingWindow, and the "
        "transformer of a TransformedTargetRegressor, must be per-column affine "
        "maps: StandardScaler, RobustScaler, MaxAbsScaler, MinMaxScaler(clip=False) "
        "or 'passthrough'."
    )


def _then(first, second):
    """The affine map ``first`` followed by ``second``; None is the identity."""
    if first is None or second is None:
        return second if first is None else first
    return first[0] * second[0], first[1] * second[0] + second[1]


def _inverse(affine):
    scale, offset = affine
    return 1.0 / np.asarray(scale, dtype=np.float64), -np.asarray(offset) / scale


def _unwrap(fitted):
    """Split ``fitted`` into its sklstm estimator and the affine maps around it.

    Returns ``(estimator, inputs, target)``: ``inputs`` maps raw rows to the
    estimator's input, ``target`` maps its predictions to the final ones;
    either is None for the identity.
    """
    found = find_window(fitted, required=False)
    if found is None:
        return _unwrap_estimator(fitted)
    check_is_fitted(found.window)
    after = _steps(found.after)
    if len(after) != 1:
        raise ValueError(
            "A pipeline exports when it is [per-column scalers ...,] "
            f"SlidingWindow, estimator; after {'.'.join(found.path)} come the "
            f"steps {after!r}."
        )
    estimator, _, target = _unwrap_estimator(after[0][1])
    inputs = None
    for _, step in _steps(found.before):
        inputs = _then(inputs, _affine(step))
    for wrapper in reversed(found.target_transformers):
        check_is_fitted(wrapper)
        target = _then(target, _inverse(_affine(wrapper.transformer_)))
    return estimator, inputs, target


def _unwrap_estimator(fitted):
    """``_unwrap`` of a model without a SlidingWindow: inputs are the identity."""
    if isinstance(fitted, TransformedTargetRegressor):
        check_is_fitted(fitted)
        estimator, inputs, target = _unwrap_estimator(fitted.regressor_)
        return estimator, inputs, _then(target, _inverse(_affine(fitted.transformer_)))
    if isinstance(fitted, Pipeline):
        *steps, last = [s for _, s in fitted.steps if s not in (None, "passthrough")]
        if steps:
            raise ValueError(
                "A pipeline exports when it is [per-column scalers ...,] "
                f"SlidingWindow, estimator; got the steps {fitted.steps!r}."
            )
        return _unwrap_estimator(last)
    if isinstance(fitted, BaseLSTM):
        check_is_fitted(fitted)
        return fitted, None, None
    raise TypeError(
        "Expected a fitted LSTMRegressor or LSTMClassifier, a Pipeline ending in "
        "one, a TransformedTargetRegressor around either or a search whose best "
        f"estimator is one of these; got {fitted!r}."
    )


# -- the module ---------------------------------------------------------------


def _float32_buffer(module, name, values, n_values):
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), (n_values,))
    module.register_buffer(name, torch.tensor(values, dtype=torch.float32))


class _TransformedTarget(nn.Module):
    """A regression head's prediction, then a TransformedTargetRegressor's inverse.

    Only the prediction: the regressor transforms no standard deviation or
    quantile.
    """

    output_names = ("prediction",)

    def __init__(self, head, target, n_outputs):
        super().__init__()
        self.head = head
        self.framed = head.framed
        _float32_buffer(self, "target_scale", target[0], n_outputs)
        _float32_buffer(self, "target_offset", target[1], n_outputs)

    def forward(self, raw, rows: tuple[torch.Tensor, torch.Tensor] | None = None):
        return self.head(raw, rows) * self.target_scale + self.target_offset


@torch.jit.script_if_tracing
def _check_windows(X: torch.Tensor, window_shape: list[int]) -> torch.Tensor:
    """Return ``X``, or raise unless it is a batch of ``window_shape`` windows.

    Scripted when traced (TorchScript, ONNX), so the check stays in the graph
    instead of being evaluated once at trace time.
    """
    if X.dim() != len(window_shape) + 1 or list(X.shape[1:]) != window_shape:
        raise ValueError(
            "The model reads a batch of windows, X of shape (batch, "
            + ", ".join([str(size) for size in window_shape])
            + "); got shape "
            + str(list(X.shape))
            + ". Turn rows into windows first, e.g. with SlidingWindow.transform."
        )
    return X


class _Predictor(nn.Module):
    """Windows of raw rows in; ``predict`` (or ``predict_proba``) out."""

    def __init__(self, network, outputs, inputs, window_shape):
        super().__init__()
        self.window_shape = [int(size) for size in window_shape]
        # ONNX declares the input's shape instead: its exporter cannot carry
        # the scripted check (see to_onnx).
        self.check_shape = True
        self.network = network
        self.outputs = outputs
        self.output_names = outputs.output_names
        self.scale_inputs = inputs is not None
        if self.scale_inputs:
            _float32_buffer(self, "input_scale", inputs[0], window_shape[-1])
            _float32_buffer(self, "input_offset", inputs[1], window_shape[-1])

    def forward(self, X, lengths: torch.Tensor | None = None):
        """Outputs for ``X`` of shape ``(batch, n_steps, n_features)``.

        ``lengths`` ``(batch,)``: the real steps of each window, padded after
        its end, for sklstm's network (not traced into the exports).
        """
        if self.check_shape:
            X = _check_windows(X, self.window_shape)
        if self.scale_inputs:
            X = X * self.input_scale + self.input_offset
        rows = None
        if self.outputs.framed:
            rows = self.network.target_location_scale(X)
        if lengths is None:
            return self.outputs(self.network(X), rows)
        return self.outputs(self.network(X, lengths=lengths), rows)


def _check_supported(estimator, what):
    if estimator.module is None and estimator.proj_size:
        raise ValueError(
            f"{what} does not support LSTMs with projections; this model has "
            f"proj_size={estimator.proj_size}. Refit with proj_size=0 to export it."
        )


def _predictor(fitted):
    """The float32 module of the exports: input scaling, network, head."""
    estimator, inputs, target = _unwrap(fitted)
    offset = getattr(estimator, "_input_offset", None)
    if offset is not None:
        raise ValueError(
            f"This {type(estimator).__name__} removes a float64 level from its "
            f"input before computing in float32 (per feature: {offset.tolist()}), "
            "since float32 would round its windows' steps away; an exported "
            "float32 graph cannot. Export a model fitted on inputs scaled near "
            "zero (a StandardScaler in front, or the series minus its level)."
        )
    if isinstance(estimator, LSTMClassifier):
        outputs = estimator._make_head(output_names=("probabilities",))
    elif target is not None:
        head = estimator._make_head(output_names=("prediction",))
        outputs = _TransformedTarget(head, target, estimator.n_outputs_)
    else:
        outputs = estimator._make_head()
    network = copy.deepcopy(estimator.net_.module_)
    module = _Predictor(network, outputs, inputs, estimator.input_shape_)
    module = module.to("cpu", torch.float32)
    return module.eval().requires_grad_(False), estimator


def prediction_module(fitted, *, quantize: bool = False) -> nn.Module:
    """A float32 CPU torch module that computes what ``fitted`` predicts.

    Parameters
    ----------
    fitted : estimator
        A fitted :class:`LSTMRegressor` or :class:`LSTMClassifier`; a fitted
        :class:`~sklearn.pipeline.Pipeline` of per-column scalers
        (``StandardScaler``, ``RobustScaler``, ``MaxAbsScaler``,
        ``MinMaxScaler(clip=False)``), a :class:`SlidingWindow` and one of
        them; or a :class:`~sklearn.compose.TransformedTargetRegressor` with
        such a scaler around either, inside the pipeline too; or a fitted
        search (:class:`~sklearn.model_selection.GridSearchCV`, ...) whose
        best estimator is one of these.

    quantize : bool, default=False
        Quantise the weights of the LSTM/GRU and linear layers to int8, with
        :func:`torch.ao.quantization.quantize_dynamic`; activations are
        quantised on the fly, with a scale computed per call, so outputs
        depend on the other windows of the batch. The weights take 3 to 4
        times less space; outputs move slightly (up to 0.07 °C on the El
        Niño forecasts of the deployment guide), and on the CPU measured
        there the module was slower, not faster. CPU only; PyTorch has
        deprecated ``torch.ao.quantization``.

    Returns
    -------
    module : torch.nn.Module
        In eval mode, on the CPU. It reads float32 windows of shape
        ``(batch, n_steps, n_features)`` (raw rows for a pipeline, which it
        scales as the pipeline's scalers do), or int64 token ids ``(batch,
        n_steps)``, and returns the tensors named in its ``output_names``:
        ``"prediction"`` (what ``predict`` returns), plus ``"std"`` for
        ``loss="gaussian"`` or ``"quantiles"`` for ``loss="quantile"``, as a
        tuple; ``"probabilities"`` (``predict_proba``) for a classifier.
        Input of another shape (rows instead of windows, say) raises a
        ValueError naming both shapes; the check is kept by
        :func:`to_torchscript` (where it surfaces as ``torch.jit.Error``).

    Notes
    -----
    The module, and every export built from it, reads windows of one length
    (``input_shape_``; for a model fitted on sequences of different lengths,
    the longest of them) and does not mask padding. Pad sequences of
    different lengths with :func:`pad_sequences` first; the outputs then
    differ from ``predict`` on the unpadded list, which masks the padding.
    In Python, the module itself (not the exports, which are traced without
    it) also takes ``module(X, lengths)`` for the built-in network: windows
    padded after their ends (``pad_sequences(..., padding="post",
    length=input_shape_[0])``) and their real lengths, an int64 tensor;
    then it masks the padding as ``predict`` does.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklstm import LSTMRegressor, prediction_module
    >>> X = np.random.RandomState(0).normal(size=(32, 5, 2))
    >>> model = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0])
    >>> module = prediction_module(model)
    >>> module.output_names
    ('prediction',)
    >>> with torch.inference_mode():
    ...     prediction = module(torch.as_tensor(X[:3], dtype=torch.float32))
    >>> bool(np.allclose(prediction.numpy(), model.predict(X[:3]), atol=1e-5))
    True
    """
    module, estimator = _predictor(fitted)
    if not quantize:
        return module
    _check_supported(estimator, "quantize=True")
    output_names = module.output_names
    # The level highway stays in float32: it is tiny, and it carries the
    # level of the forecast, where int8 steps would show as a bias.
    layers = {
        name: torch.ao.quantization.default_dynamic_qconfig
        for name, layer in module.named_modules()
        if type(layer) in _QUANTIZED_LAYERS and not name.endswith("highway")
    }
    module = torch.ao.quantization.quantize_dynamic(module, layers, dtype=torch.qint8)
    module.output_names = output_names
    return module
