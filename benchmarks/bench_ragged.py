"""Sequences of different lengths: a padded batch with masks against packing.

``RecurrentNet`` reads a forward-only network's padded batch as it is (the
padding comes after each row's end, so it cannot reach the real steps, and
masks keep it out of the pooling) and packs a bidirectional one with
``pack_padded_sequence``. This measures the alternative of packing always:

- how far each row's output moves between predicting it alone and inside a
  batch of longer rows (13 rows of 1-40 steps, 3 features, hidden 16, every
  pooling x cell x direction x conv x depth; CPU float32, as ``predict``
  runs them);
- the time to predict 512 rows of 10-200 steps, and one training epoch of
  them in batches of 32 (hidden 64, one LSTM layer).

    python benchmarks/bench_ragged.py

Measured on the 2-core development box (torch 2.x, 1 thread, when ``predict``
still padded batches to whole tiles of 4 rows): masks gave
bit-identical rows for every forward-only network except attention pooling
(up to 1.5e-8, from the softmax over a longer time axis), packing up to 6e-8
everywhere; bidirectional networks, packed either way, up to 3.4e-8. Masks
predicted in 122 ms against 186 ms, and trained an epoch in 0.44 s against
1.73 s.
"""

import itertools
import time
from unittest import mock

import torch

from sklstm._estimators._inference import call_module
from sklstm.nn._layers import steps_mask
from sklstm.nn._modules import RecurrentNet


def alone_and_batched(network, X, lengths):
    """Largest difference of a row's output alone and in the whole batch."""
    with torch.inference_mode():
        together = call_module(network, {"X": X, "lengths": lengths})
        worst = 0.0
        for row, length in enumerate(lengths.tolist()):
            alone = call_module(
                network, {"X": X[row : row + 1, :length], "lengths": lengths[row:][:1]}
            )
            difference = (alone[0] - together[0][row]).abs().max().item()
            worst = max(worst, difference)
    return worst


class Returning(RecurrentNet):
    """A RecurrentNet whose outputs come in a tuple, as NetworkWithHead's do."""

    def forward(self, X, lengths=None):
        return (super().forward(X, lengths=lengths),)


def _packed(network):
    original = network._encode

    def encode(X, lengths):
        if lengths is None:
            return original(X, lengths)
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            X, lengths, batch_first=True, enforce_sorted=False
        )
        outputs = network.rnn(packed)[0]
        return torch.nn.utils.rnn.pad_packed_sequence(
            outputs, batch_first=True, total_length=X.shape[1]
        )[0]

    return mock.patch.object(network, "_encode", encode)


def main():
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 41, (13,), generator=generator)
    X = torch.randn(13, int(lengths.max()), 3, generator=generator)
    X = X * steps_mask(lengths, X.shape[1]).unsqueeze(-1)
    grid = itertools.product(
        ["last", "mean", "max", "attention"], ["lstm", "gru"], [False, True]
    )
    print("pooling    cell  bidirectional  masks    packing")
    for pooling, cell, bidirectional in grid:
        worst = {}
        for strategy in ("masks", "packing"):
            torch.manual_seed(0)
            network = Returning(
                3,
                2,
                hidden_size=16,
                pooling=pooling,
                cell=cell,
                bidirectional=bidirectional,
                conv_channels=4,
                num_layers=2,
            ).eval()
            if strategy == "packing":
                with _packed(network):
                    worst[strategy] = alone_and_batched(network, X, lengths)
            else:
                worst[strategy] = alone_and_batched(network, X, lengths)
        print(
            f"{pooling:10} {cell:5} {bidirectional!s:14} "
            f"{worst['masks']:.1e}  {worst['packing']:.1e}"
        )

    lengths = torch.randint(10, 201, (512,), generator=generator)
    X = torch.randn(512, 200, 3, generator=generator)
    for strategy in ("masks", "packing"):
        torch.manual_seed(0)
        network = RecurrentNet(3, 1, hidden_size=64)
        patch = _packed(network) if strategy == "packing" else mock.MagicMock()
        with patch:
            with torch.inference_mode():
                start = time.perf_counter()
                for _ in range(3):
                    network(X, lengths=lengths)
                predict = (time.perf_counter() - start) / 3
            optimizer = torch.optim.Adam(network.parameters())
            start = time.perf_counter()
            for first in range(0, 512, 32):
                rows = slice(first, first + 32)
                batch_lengths = lengths[rows]
                batch = X[rows, : int(batch_lengths.max())]
                loss = network(batch, lengths=batch_lengths).pow(2).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            epoch = time.perf_counter() - start
        print(f"{strategy:8} predict {predict * 1e3:.0f} ms, epoch {epoch:.2f} s")


if __name__ == "__main__":
    main()
