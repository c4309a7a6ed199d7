"""Building blocks of RecurrentNet: same-length convolutions, attention pooling, masks.

Tensors in, tensors out, shapes as ``(batch, time, features)``.
"""

import torch
from torch import nn

__all__ = [
    "AttentionPooling",
    "ConvBlocks",
    "SameConv1d",
    "pool_over_time",
    "steps_mask",
]


class SameConv1d(nn.Conv1d):
    """A ``Conv1d`` whose output has the input's length, for any kernel size.

    The same zeros as torch's ``padding="same"``: ``(k - 1) // 2`` before and
    the rest after, so the outputs are the same bits. torch warns on every
    model with an even kernel (LSTM-FCN's 8) that ``"same"`` may copy the
    input; here the copy is the explicit ``pad`` of an even kernel, without
    the warning. Odd kernels pad symmetrically inside the convolution.

    Shapes: ``(batch, in_channels, time)`` to ``(batch, out_channels, time)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        odd = kernel_size % 2 == 1
        padding = kernel_size // 2 if odd else 0
        super().__init__(in_channels, out_channels, kernel_size, padding=padding)
        before = (kernel_size - 1) // 2
        self.extra_padding = None if odd else (before, kernel_size - 1 - before)

    def forward(self, X):
        if self.extra_padding is not None:
            X = nn.functional.pad(X, self.extra_padding)
        return super().forward(X)


class AttentionPooling(nn.Module):
    """Additive (Bahdanau-style) attention over time steps.

    ``score_t = v^T tanh(W h_t)``; the weights are the softmax of the scores
    over the unmasked steps, and the output is the weighted sum of ``h_t``.

    Parameters
    ----------
    n_inputs : int
        Size of each step's vector ``h_t``.
    n_hidden : int
        Size of the attention layer ``W``.

    Shape
    -----
    - Input: ``(batch, time, n_inputs)`` and an optional bool mask ``(batch, time)``
      that is False at padding steps.
    - Output: ``(batch, n_inputs)`` and the weights ``(batch, time)``, summing to 1.
    """

    def __init__(self, n_inputs: int, n_hidden: int):
        super().__init__()
        self.project = nn.Linear(n_inputs, n_hidden)
        self.score = nn.Linear(n_hidden, 1, bias=False)

    def forward(self, outputs, mask=None):
        scores = self.score(torch.tanh(self.project(outputs))).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1), weights


class ConvBlocks(nn.Module):
    """Conv1d, BatchNorm1d and ReLU blocks over time, as in FCN and LSTM-FCN.

    Each convolution has ``"same"`` padding, so sequences keep their length.
    With a mask, padding steps are zero before and after each block: zero
    input past a row's end is what ``"same"`` padding would put there, so at
    prediction (batch norm in eval mode, with its running statistics) a
    row's real steps come out as they would alone. In training, the batch
    statistics also count the padding steps' outputs.

    Parameters
    ----------
    n_features : int
        Channels of the input.
    channels : tuple of int
        Output channels of each block.
    kernel_sizes : tuple of int
        Kernel size of each block's convolution, as long as ``channels``.

    Shape
    -----
    - Input: ``(batch, time, n_features)`` and an optional bool mask
      ``(batch, time)`` that is False at padding steps.
    - Output: ``(batch, time, channels[-1])``.
    """

    def __init__(self, n_features: int, channels, kernel_sizes):
        super().__init__()
        inputs = [n_features, *channels[:-1]]
        self.blocks = nn.ModuleList(
            nn.Sequential(
                SameConv1d(n_in, n_out, kernel_size),
                nn.BatchNorm1d(n_out),
                nn.ReLU(),
            )
            for n_in, n_out, kernel_size in zip(
                inputs, channels, kernel_sizes, strict=True
            )
        )

    def forward(self, X, mask=None):
        X = X.transpose(1, 2)
        keep = None if mask is None else mask.unsqueeze(1).to(X.dtype)
        for block in self.blocks:
            if keep is not None:
                X = X * keep
            X = block(X)
        if keep is not None:
            X = X * keep
        return X.transpose(1, 2)


def steps_mask(lengths, n_steps):
    """Bool mask ``(batch, n_steps)``, True at the first ``lengths`` steps of a row."""
    return torch.arange(n_steps, device=lengths.device) < lengths.unsqueeze(1)


def pool_over_time(outputs, pooling, mask=None, n_directions=1):
    """Reduce ``(batch, time, size)`` recurrent outputs to ``(batch, size)``.

    ``"last"`` takes the forward direction at the last unmasked step and the
    backward direction (second half of ``size``) at the first one;
    ``"mean"`` and ``"max"`` reduce over the unmasked steps.
    """
    if pooling == "mean":
        if mask is None:
            return outputs.mean(dim=1)
        weights = mask.unsqueeze(-1).to(outputs.dtype)
        return (outputs * weights).sum(dim=1) / weights.sum(dim=1)
    if pooling == "max":
        if mask is not None:
            outputs = outputs.masked_fill(~mask.unsqueeze(-1), float("-inf"))
        return outputs.max(dim=1).values
    batch, n_steps, size = outputs.shape
    half = size // 2
    if mask is None:  # the last step forwards, the first backwards
        forward, backward = outputs[:, -1], outputs[:, 0, half:]
    else:
        steps = torch.arange(n_steps, device=outputs.device)
        last = torch.where(mask, steps, -1).max(dim=1).values
        first = torch.where(mask, steps, n_steps).min(dim=1).values
        rows = torch.arange(batch, device=outputs.device)
        forward, backward = outputs[rows, last], outputs[rows, first, half:]
    if n_directions == 1:
        return forward
    return torch.cat([forward[:, :half], backward], dim=1)
