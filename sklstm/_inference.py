"""Batch-invariant float32 prediction on the CPU.

scikit-learn expects a row's prediction not to depend on the other rows
predicted with it (``check_methods_subset_invariance``,
``check_methods_sample_order_invariance``), and backtests compare predictions
made one origin at a time with predictions made in bulk. Float32 matrix
products on the CPU do not give that for free: MKL and oneDNN pick kernels by
the number of rows, and rows past the last full tile of 4 go through an edge
kernel that rounds differently (measured with torch 2.13 on AVX-512: a plain
``nn.LSTM`` with a linear head differs by up to 3e-8 for 1, 2, 3, 5, 6, 7, ...
rows; a GRU, a bidirectional or a layer-normalised network at 1, 2, 3, 7, 13,
26, 27, 47 rows). Rounding each batch up to a multiple of ``ROW_MULTIPLE``
rows with padding rows made every row bit-identical to the full batch, for
every batch size from 1 to 5000, at any offset, for 1 to 4 threads and every
architecture the estimators build. That costs one window 0.31 ms instead of
0.24 ms (hidden 64, 48 steps); float64, which is invariant by itself, costs
0.5 ms and 4x as much on large batches.

Since kernels differ between CPUs and libraries, :func:`is_batch_invariant`
checks a fitted module once on the machine at hand; where it fails (a CPU
with wider tiles, a custom module whose rows interact), the estimator keeps
predicting with a float64 copy.
"""

import torch

from ._device import torch_threads

__all__ = [
    "ROW_MULTIPLE",
    "call_module",
    "example_input",
    "is_batch_invariant",
    "padded_forward",
]

# Rows per tile of the kernels measured above.
ROW_MULTIPLE = 4
# Probe rows, and how they are regrouped: alone in tiles of ROW_MULTIPLE,
# all together, and after other rows in a larger batch.
_N_PROBE = 3 * ROW_MULTIPLE


def example_input(estimator, n_rows=2):
    """Random valid input of ``n_rows`` windows for a fitted estimator.

    For tracing exports (2 rows by default: no axis of size 1) and probing.
    """
    generator = torch.Generator().manual_seed(0)
    shape = (n_rows, *estimator.input_shape_)
    if estimator._tokens:
        return torch.randint(1, estimator.n_tokens, shape, generator=generator)
    return torch.randn(shape, generator=generator)


def padded_forward(module, X, **forward_params):
    """``module(X)`` with ``X``'s rows padded to a multiple of ``ROW_MULTIPLE``.

    The padding rows repeat the first row (any valid input would do), and
    their outputs are dropped. ``X`` may be a dict of tensors with one row
    per sequence (a batch and its ``lengths``): each is padded alike and
    passed as a keyword argument.
    """
    inputs = X if isinstance(X, dict) else {"X": X}
    n_rows = len(inputs["X"])
    missing = -n_rows % ROW_MULTIPLE
    if missing:
        inputs = {
            key: torch.cat([value, value[:1].expand(missing, *value.shape[1:])])
            for key, value in inputs.items()
        }
    outputs = call_module(module, inputs, **forward_params)
    return tuple(output[:n_rows] for output in outputs)


def call_module(module, X, **forward_params):
    """``module(X)``, or ``module(**X)`` for a dict of inputs, as skorch calls it."""
    if isinstance(X, dict):
        return module(**X, **forward_params)
    return module(X, **forward_params)


def is_batch_invariant(module, example, n_threads=None):
    """Whether ``module`` predicts each row of ``example`` the same in any batch.

    Parameters
    ----------
    module : torch.nn.Module
        In eval mode; returns a tuple of tensors, one row per input row.
    example : torch.Tensor
        At least ``4 * ROW_MULTIPLE`` valid input rows.
    n_threads : int or None
        torch's thread count while probing, as when predicting.

    Returns
    -------
    bool
        True when the probe rows come out bit-identical whether predicted in
        one batch, in tiles of ``ROW_MULTIPLE`` rows, or behind other rows.
    """
    probe = example[:_N_PROBE]
    with torch_threads(n_threads), torch.inference_mode():
        together = padded_forward(module, probe)
        tiles = [
            padded_forward(module, probe[start : start + ROW_MULTIPLE])
            for start in range(0, _N_PROBE, ROW_MULTIPLE)
        ]
        alone = [torch.cat(parts) for parts in zip(*tiles, strict=True)]
        behind = padded_forward(module, torch.cat([example[_N_PROBE:], probe]))
        behind = [output[-_N_PROBE:] for output in behind]
    return all(
        torch.equal(reference, other)
        for reference, *others in zip(together, alone, behind, strict=True)
        for other in others
    )
