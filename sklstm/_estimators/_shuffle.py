"""The order of a pass's rows: in order, one permutation, or a block-wise shuffle.

An index of every row is 8 bytes a row: up to ``_EXACT_SHUFFLE_ROWS`` rows
a shuffled pass is one ``torch.randperm``, beyond it a block-wise shuffle
whose memory does not grow with the rows (see :func:`_block_shuffle`).
"""

import itertools

import torch

__all__ = ["batch_rows"]

# Up to this many rows, a shuffled pass is one uniform random permutation
# (8 MB at most); beyond, a block-wise shuffle of blocks of _SHUFFLE_BLOCK rows,
# _PIECE_ROWS rows mixed at a time, whose memory stays flat.
_EXACT_SHUFFLE_ROWS = 2**20
_SHUFFLE_BLOCK = 256
_PIECE_ROWS = 2**16


def _block_shuffle(n_samples, generator):
    """A random order of ``n_samples`` rows, ``_PIECE_ROWS`` rows at a time.

    The rows are cut into blocks of ``_SHUFFLE_BLOCK`` consecutive rows
    (blocks' indices: 4 bytes per block, not per row), the blocks are put in
    a random order, and the rows of each group of ``_PIECE_ROWS //
    _SHUFFLE_BLOCK`` consecutive blocks of that order are shuffled together.
    Every row comes once per pass; a batch of 32 rows draws from 256 blocks
    spread at random over the whole data, so that rows of one batch are
    rarely neighbours (as they would be if each block were shuffled alone).
    """
    n_blocks = -(-n_samples // _SHUFFLE_BLOCK)
    blocks = torch.randperm(n_blocks, generator=generator, dtype=torch.int32)
    offsets = torch.arange(_SHUFFLE_BLOCK)
    per_piece = max(1, _PIECE_ROWS // _SHUFFLE_BLOCK)
    for start in range(0, n_blocks, per_piece):
        group = blocks[start : start + per_piece].long()
        rows = (group[:, None] * _SHUFFLE_BLOCK + offsets).ravel()
        rows = rows[rows < n_samples]  # the last block may be short
        yield rows[torch.randperm(len(rows), generator=generator)]


def batch_rows(starts, shuffle=False, generator=None):
    """Each batch's rows (1-D int64 tensors), in a pass's order.

    Batches start at ``starts``, whose last entry is the number of rows.
    Never an index of every row beyond ``_EXACT_SHUFFLE_ROWS`` rows: in
    order, each batch's range; shuffled (drawing from ``generator``), up to
    that many rows, one ``torch.randperm`` (8 MB at most), beyond, a
    block-wise shuffle (see :func:`_block_shuffle`).
    """
    n_samples = starts[-1]
    starts = itertools.pairwise(starts)
    if not shuffle:
        for start, stop in starts:
            yield torch.arange(start, stop)
    elif n_samples <= _EXACT_SHUFFLE_ROWS:
        order = torch.randperm(n_samples, generator=generator)
        for start, stop in starts:
            yield order[start:stop]
    else:
        pieces = _block_shuffle(n_samples, generator)
        piece, used = torch.empty(0, dtype=torch.int64), 0
        for start, stop in starts:
            if used + stop - start <= len(piece):
                yield piece[used : used + stop - start]
                used += stop - start
                continue
            parts = [piece[used:]]  # the batch runs on into the next piece(s)
            while sum(map(len, parts)) < stop - start:
                piece = next(pieces)
                used = min(len(piece), stop - start - sum(map(len, parts)))
                parts.append(piece[:used])
            yield torch.cat(parts)
