"""Running a fitted network: the estimators' prediction path, example inputs, calls.

Predictions are computed in float32, the dtype the network trains in, on
every device. Float32 matrix kernels (MKL, oneDNN, cuBLAS) are chosen by the
CPU, the number of rows and the thread count, so a row's prediction may differ
between batches, machines and thread counts by float32 rounding (measured up
to ~1e-7 relative); compare predictions with a tolerance, as scikit-learn
does for float32. The same seed, data and settings in the same environment
give the same numbers.
"""

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..nn._heads import NetworkWithHead
from ._data import BatchIterator, SequenceDataset, eval_batch_size
from ._device import torch_threads
from ._net import set_mode
from ._threads import predict_threads

__all__ = ["InferenceMixin", "call_module", "example_input"]


def example_input(estimator, n_rows=2):
    """Random valid input of ``n_rows`` windows for a fitted estimator.

    For tracing exports (2 rows by default: no axis of size 1).
    """
    generator = torch.Generator().manual_seed(0)
    shape = (n_rows, *estimator.input_shape_)
    if estimator._tokens:
        return torch.randint(1, estimator.n_tokens, shape, generator=generator)
    return torch.randn(shape, generator=generator)


def call_module(module, X, **forward_params):
    """``module(X)``, or ``module(**X)`` for a dict of inputs, as skorch calls it."""
    if isinstance(X, dict):
        return module(**X, **forward_params)
    return module(X, **forward_params)


def _has_attention(estimator):
    return estimator.module is None and estimator.pooling == "attention"


class InferenceMixin:
    """Prediction of BaseLSTM: the network and its head run over validated sequences."""

    def _prepare_inference(self):
        """Keep the module that ``predict`` runs: the network and its head.

        The network predicts in float32, as trained, on every device; its raw
        outputs are cast to float64 for the head, which maps them to the
        units of ``y`` (or to probabilities). Rows batched differently, or on
        another CPU or thread count, may differ by float32 rounding (see this
        module's docstring). Built once per fit (and on unpickling) rather than
        per call.
        """
        network = self.net_.module_
        head = self._make_head().to(self.device_, torch.float64)
        self._inference_module = NetworkWithHead(
            network, head, head_dtype=torch.float64
        ).eval()

    def _eval_batch_size(self, n_steps):
        """Rows per batch of ``predict`` (and other passes without gradients).

        Sized by the widest activation per step of the built-in network (an
        LSTM's gates), so that memory stays bounded for long windows and
        large networks alike; a custom module is taken as 256 values wide.
        """
        width = 256
        if self.module is None:
            channels = self.conv_channels or 0
            if isinstance(channels, tuple | list):
                channels = max(channels)
            gates = (4 if self.cell == "lstm" else 3) * self.hidden_size
            width = max(gates, channels, self.embedding_dim or 0)
            width *= 2 if self.bidirectional else 1
        return eval_batch_size(n_steps, width)

    def _input_dtype(self):
        return np.int64 if self._tokens else np.float32

    def _head_outputs(self, X):
        """The head's outputs for ``X``, by name, as float64 arrays."""
        if not hasattr(self, "_inference_module"):
            check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        names = self._inference_module.head.output_names
        return dict(zip(names, self._forward(X), strict=True))

    def _forward(self, X, **forward_params):
        """Run the network and head over validated ``X``; a tuple of float64 arrays.

        ``X`` is what ``_validate_input`` returns: an array, or for sequences
        of different lengths a tuple ``(padded X, lengths)``.
        """
        module = self._inference_module
        set_mode(module, training=False)  # the module is shared with training
        X, lengths = X if isinstance(X, tuple) else (X, None)
        dataset = SequenceDataset(X, dtype=self._input_dtype(), lengths=lengths)
        # Batches of ragged sequences are cut to their longest one: attention
        # weights of the steps beyond it stay 0.
        cut = bool(forward_params.get("return_attention")) and lengths is not None
        outputs = None
        n_threads = predict_threads(self.n_threads, getattr(self, "n_threads_", None))
        with torch_threads(n_threads), torch.inference_mode():
            batch_size = self._eval_batch_size(X.shape[1])
            batches = BatchIterator(dataset, batch_size, device=self.device_)
            for start, (X_batch, _) in zip(
                range(0, len(X), batch_size), batches, strict=True
            ):
                out = call_module(module, X_batch, **forward_params)
                if outputs is None:  # float64 arrays of every row, filled in
                    shapes = [(len(X), *part.shape[1:]) for part in out]
                    if cut:
                        shapes[-1] = X.shape[:2]
                    outputs = tuple(np.zeros(shape) for shape in shapes)
                parts = [part.cpu().numpy() for part in out]
                if cut:
                    weights = parts.pop()
                    outputs[-1][start : start + len(weights), : weights.shape[1]] = (
                        weights
                    )
                # With the attention weights written, parts is one shorter.
                for output, part in zip(outputs, parts, strict=False):
                    output[start : start + len(part)] = part
        return outputs or ()

    @available_if(_has_attention)
    def attention_weights(self, X):
        """Attention weights over the time steps of each sequence.

        Available when ``pooling="attention"``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in ``fit``.

        Returns
        -------
        weights : ndarray of shape (n_samples, n_steps)
            Non-negative weights summing to 1 over each row's steps (padding
            steps of token sequences get 0).
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        weights = self._forward(X, return_attention=True)[-1]
        # Computed in float32: renormalised in float64 to sum to 1 exactly.
        return weights / weights.sum(axis=1, keepdims=True)
