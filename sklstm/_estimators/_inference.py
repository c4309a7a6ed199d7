"""Helpers to run a fitted network outside training: example inputs, calls.

Predictions are computed in float32, the dtype the network trains in, on
every device. Float32 matrix kernels (MKL, oneDNN, cuBLAS) are chosen by the
CPU, the number of rows and the thread count, so a row's prediction may differ
between batches, machines and thread counts by float32 rounding (measured up
to ~1e-7 relative); compare predictions with a tolerance, as scikit-learn
does for float32. The same seed, data and settings in the same environment
give the same numbers.
"""

import torch

__all__ = ["call_module", "example_input"]


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
