"""Batches cut from whole arrays.

skorch's default Dataset fetches and collates one sample at a time; here a
batch is gathered with one ``index_select`` over a tensor that shares the
input's memory (strided views included), so windows from
:class:`~sklstm.SlidingWindow` are only copied a batch at a time.
"""

import copy
import functools
import warnings

import numpy as np
import torch
from torch.utils.data import Dataset

from ._shuffle import batch_rows

# Nets saved before the splits had their own module refer to them here.
from ._splits import StratifiedSplit, TailSplit

__all__ = [
    "BatchIterator",
    "SequenceDataset",
    "StratifiedSplit",
    "TailSplit",
    "eval_batch_size",
    "eval_batches",
]

# Batches without gradients (prediction, validation checks) hold up to this
# many values (rows x steps x the widest activation per step), at most
# _EVAL_MAX_ROWS rows: an LSTM computes its gates for every step of a batch
# at once, so 4096 windows of 128 steps at hidden_size=16 took 270 MB.
_EVAL_VALUES = 2**22
_EVAL_MAX_ROWS = 4096


def eval_batch_size(n_steps, width):
    """Rows per batch without gradients, for ``n_steps`` steps of ``width`` values."""
    return int(np.clip(_EVAL_VALUES // max(n_steps * width, 1), 1, _EVAL_MAX_ROWS))


class SequenceDataset(Dataset):
    """Sequences ``X`` and optional targets ``y`` served a batch at a time.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_steps, n_features)
        Any numeric array, strided views included; it is never modified.
    y : array-like of shape (n_samples, ...), lazy targets or None
        Targets; an array is converted to a tensor once. Lazy targets
        (regression's :class:`~sklstm._estimators._targets.StandardizedTargets`)
        make the rows of each batch when it is drawn, with ``take(rows)``
        (a 1-D int64 tensor) and slices for :meth:`split`: no array of
        every row's targets is held.
    dtype : numpy dtype, default=np.float32
        dtype of the ``X`` batches handed to the module.
    lengths : ndarray of shape (n_samples,) or None, default=None
        Real steps of each row of a padded ``X`` (sequences of different
        lengths). Then each batch is ``{"X": X[rows], "lengths": ...}``,
        cut to its longest row, which skorch passes to the module as
        keyword arguments; otherwise the batch is the tensor ``X[rows]``.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Non-negative row weights, which training batches carry with their
        targets (see :meth:`training_batch`); None weighs rows alike.
    """

    def __init__(self, X, y=None, dtype=np.float32, lengths=None, sample_weight=None):
        self.X = X
        self.y = y if y is None or _is_lazy(y) else torch.as_tensor(y)
        self.dtype = dtype
        self.lengths = None if lengths is None else torch.as_tensor(lengths)
        self.sample_weight = (
            None
            if sample_weight is None
            else torch.as_tensor(sample_weight, dtype=torch.float64)
        )
        self._X_tensor = _shared_tensor(X)
        self._torch_dtype = _torch_dtype(np.dtype(dtype))
        # Rows of X (and y) this dataset serves, or None for all; see subset.
        self._rows = None

    def __len__(self):
        return len(self.X) if self._rows is None else len(self._rows)

    def __getitem__(self, index):
        X, y = self.batch(torch.tensor([index]))
        X = {k: v[0] for k, v in X.items()} if isinstance(X, dict) else X[0]
        return X, (None if y is None else y[0])

    def batch(self, rows, y=None):
        """Return ``(X[rows], y[rows])`` as new tensors for a 1-D int64 tensor.

        With ``lengths``, ``X[rows]`` is ``{"X": ..., "lengths": ...}``.
        ``y``: the rows' targets when they are made already (see
        :meth:`training_batches`).
        """
        if self._rows is not None:
            rows = self._rows.index_select(0, rows)
        if y is None and self.y is not None:
            y = self._targets_of(rows)
        if self.lengths is None:
            return self._gather(rows), y
        lengths = self.lengths.index_select(0, rows)
        n_steps = int(lengths.max()) if len(lengths) else 0
        return {"X": self._gather(rows, n_steps), "lengths": lengths}, y

    def training_batch(self, rows, y=None):
        """``batch(rows, y)``, with the targets as ``(y, weight)`` when weighted.

        What the training and validation loops read: the nets of ``_net``
        weigh each row's loss by ``weight`` (float32).
        """
        X, y = self.batch(rows, y)
        if self.sample_weight is None:
            return X, y
        return X, (y, self.weights(rows).to(torch.float32))

    def training_batches(self, batches):
        """:meth:`training_batch` of each of ``batches`` (1-D int64 tensors).

        Lazy targets are made for all of them at once: one call of their
        ``take`` costs a few numpy and torch calls whatever its rows
        (``StandardizedTargets``: 20 to 50 us, 250 to 350 us for windows
        scaled one by one), which a batch of 32 rows would pay every time.
        """
        if not _is_lazy(self.y):
            for rows in batches:
                yield self.training_batch(rows)
            return
        rows = torch.cat(batches)
        if self._rows is not None:
            rows = self._rows.index_select(0, rows)
        targets = self._targets_of(rows).split([len(part) for part in batches])
        for part, y in zip(batches, targets, strict=True):
            yield self.training_batch(part, y)

    def weights(self, rows):
        """The float64 weights of ``rows`` (1-D int64 tensor); ones without weights."""
        if self.sample_weight is None:
            return torch.ones(len(rows), dtype=torch.float64)
        if self._rows is not None:
            rows = self._rows.index_select(0, rows)
        return self.sample_weight.index_select(0, rows)

    def _gather(self, rows, n_steps=None):
        """``X[rows, :n_steps]`` as a new tensor of ``dtype``."""
        if self._X_tensor is None:
            X = np.asarray(self.X[rows.numpy(), :n_steps], dtype=self.dtype)
            return torch.from_numpy(X)
        # index_select copies the rows into a new contiguous tensor, so
        # what the module receives never aliases X.
        X = self._X_tensor if n_steps is None else self._X_tensor[:, :n_steps]
        return X.index_select(0, rows).to(self._torch_dtype)

    def split(self, n_first):
        """Split into the first ``n_first`` rows and the rest, without copying."""
        if self._rows is not None:
            rows = torch.arange(len(self))
            return self.subset(rows[:n_first]), self.subset(rows[n_first:])
        return tuple(
            SequenceDataset(
                self.X[part],
                self._y_part(part),
                self.dtype,
                None if self.lengths is None else self.lengths[part],
                None if self.sample_weight is None else self.sample_weight[part],
            )
            for part in (slice(None, n_first), slice(n_first, None))
        )

    def subset(self, rows):
        """The dataset of the given rows (1-D int64 tensor), without copying X.

        Batches are gathered from the shared ``X`` through ``rows``, so an
        arbitrary (e.g. stratified) split costs one index per row, not a copy.
        """
        part = copy.copy(self)
        part._rows = rows if self._rows is None else self._rows.index_select(0, rows)
        return part

    def _targets_of(self, rows):
        """``y[rows]`` as a new tensor, for absolute ``rows`` (1-D int64 tensor)."""
        if _is_lazy(self.y):
            return self.y.take(rows)
        return self.y.index_select(0, rows)

    @property
    def targets(self):
        """``y`` of the rows this dataset serves as a tensor, or None.

        Lazy targets are made for every row (the classifier's stratified
        split reads its labels here, which are a tensor).
        """
        if self.y is None or (self._rows is None and not _is_lazy(self.y)):
            return self.y
        rows = torch.arange(len(self.X)) if self._rows is None else self._rows
        return self._targets_of(rows)

    def _y_part(self, rows):
        return None if self.y is None else self.y[rows]


def _is_lazy(y):
    """Whether ``y`` is lazy targets (see :class:`SequenceDataset`)."""
    arrays = (np.ndarray, torch.Tensor)  # whose take is another thing
    return not isinstance(y, arrays) and callable(getattr(y, "take", None))


def _shared_tensor(X):
    """A tensor over ``X``'s memory, or None where torch cannot share it.

    Made once per dataset: gathering a batch with ``index_select`` from it
    costs less than numpy's fancy indexing (about 30 us less a batch inside
    the training loop, see ``benchmarks/bench_overhead.py``). The tensor is
    only ever read, by ``index_select``, so torch's warning about arrays that
    are not writable (``SlidingWindow``'s views are not) does not apply.
    """
    if not isinstance(X, np.ndarray):
        return None
    try:
        if X.flags.writeable:
            return torch.from_numpy(X)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The given NumPy array is not writable")
            return torch.from_numpy(X)
    except (TypeError, ValueError):  # negative strides, unsupported dtype
        return None


@functools.cache
def _torch_dtype(dtype):
    return torch.from_numpy(np.empty(0, dtype=dtype)).dtype


# A pass asks lazy targets (SequenceDataset.training_batches) for the rows
# of consecutive batches up to this many rows at once (16 KB a target).
_TARGET_ROWS = 4096


class BatchIterator:
    """Iterate over a :class:`SequenceDataset` in batches, like a DataLoader.

    Shuffling draws from ``generator``: each fit has its own, seeded from
    ``random_state``, so that fits in threads are reproducible.

    Parameters
    ----------
    dataset : SequenceDataset
        The rows to serve.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    shuffle : bool, default=False
        Whether to serve the rows in a new random order on each pass.
    device : str, torch.device or None, default=None
        Where the batches are used. For a CUDA device each batch is copied
        into pinned (page-locked) memory and sent to the GPU with
        ``non_blocking=True``, as a DataLoader with ``pin_memory=True`` would
        let one do; otherwise batches stay on the CPU, where the net moves
        them.
    generator : torch.Generator or None, default=None
        Source of the shuffles; None draws from torch's global generator.
    merge_small_last : bool, default=False
        Whether a last batch of fewer than half ``batch_size`` rows joins
        the batch before it. For batch normalisation: the statistics of a
        batch of 2 rows (50 rows in batches of 16) are noise that both the
        gradient and the running statistics take in every epoch. Measured
        on GunPoint with the LSTM-FCN recipe (docs/architectures.md), seed
        1: test accuracy 0.77 in batches of 16, 16, 16 and 2; 0.98 in batches
        of 25.
    rank, n_shards : int, default=0 and 1
        Serve only this process's share of each batch, for data-parallel
        training over ``n_shards`` processes that shuffle alike (the same
        seeded ``generator``): see :meth:`_shard`.
    """

    def __init__(
        self,
        dataset,
        batch_size,
        shuffle=False,
        device=None,
        generator=None,
        merge_small_last=False,
        rank=0,
        n_shards=1,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.device = device
        self.generator = generator
        self.merge_small_last = merge_small_last
        self.rank = rank
        self.n_shards = n_shards

    def __len__(self):
        return len(self._starts(len(self.dataset))) - 1

    def _starts(self, n_samples):
        """Where each batch starts, and ``n_samples`` last."""
        starts = list(range(0, n_samples, self.batch_size))
        remainder = n_samples % self.batch_size
        if self.merge_small_last and len(starts) > 1 and 0 < remainder:
            if 2 * remainder < self.batch_size:
                starts.pop()
        return [*starts, n_samples]

    def __iter__(self):
        cuda = self.device is not None and torch.device(self.device).type == "cuda"
        batches = map(self._shard, self._batch_rows(len(self.dataset)))
        for group in _groups(batches, _TARGET_ROWS):
            for batch in self.dataset.training_batches(group):
                yield _to_cuda(batch, self.device) if cuda else batch

    def _batch_rows(self, n_samples):
        """Each batch's rows (1-D int64 tensors), in this pass's order."""
        starts = self._starts(n_samples)
        return batch_rows(starts, self.shuffle, self.generator)

    def _shard(self, rows):
        """This process's rows of one batch: slice ``rank`` of ``n_shards`` equal ones.

        Every process gets the same number of rows, so that the mean of their
        losses is the batch's loss and each takes a step in every batch: a
        batch whose rows do not divide evenly is padded with its own first
        rows (as :class:`~torch.utils.data.DistributedSampler` pads an epoch),
        which then count twice in that batch.
        """
        if self.n_shards == 1:
            return rows
        per_shard = -(-len(rows) // self.n_shards)
        padded = rows[torch.arange(per_shard * self.n_shards) % len(rows)]
        return padded[self.rank * per_shard : (self.rank + 1) * per_shard]


def _groups(batches, n_rows):
    """Lists of consecutive ``batches`` of at most ``n_rows`` rows (or one batch)."""
    group, size = [], 0
    for rows in batches:
        if group and size + len(rows) > n_rows:
            yield group
            group, size = [], 0
        group.append(rows)
        size += len(rows)
    if group:
        yield group


def eval_batches(dataset, batch_size, device=None):
    """``(X, y)`` of ``dataset`` on ``device``, ``batch_size`` rows at a time, in order.

    For passes without gradients over many rows (prediction, validation
    checks, calibration), which never gather all the rows at once.
    """
    for batch in BatchIterator(dataset, batch_size, device=device):
        # CUDA batches are there already (then .to is a no-op).
        yield batch if device is None else _map_tensors(batch, lambda t: t.to(device))


def _to_cuda(tensors, device):
    # Copies from pinned memory can run without blocking the host; the
    # caching host allocator keeps each buffer until its copy has completed.
    return _map_tensors(
        tensors, lambda tensor: tensor.pin_memory().to(device, non_blocking=True)
    )


def _map_tensors(tensors, function):
    """``function`` applied to each tensor of a batch (dicts, tuples, None)."""
    if isinstance(tensors, dict):
        return {key: _map_tensors(value, function) for key, value in tensors.items()}
    if isinstance(tensors, tuple):
        return tuple(_map_tensors(tensor, function) for tensor in tensors)
    if tensors is None:
        return None
    return function(tensors)
