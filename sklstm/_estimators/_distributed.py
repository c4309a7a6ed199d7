"""Data-parallel training over the processes a launcher started (``distributed=True``).

The engine is PyTorch's: ``torch.distributed`` for the process group (gloo on
the CPU, NCCL on CUDA GPUs) and :class:`~torch.nn.parallel.DistributedDataParallel`
for the gradients, which it averages over the processes during ``backward``.
sklstm only decides who trains on which rows and keeps every process's
estimator identical:

- every process runs the user's script on the same data, shuffles it with the
  same seeded generator, and takes its slice of each batch of ``batch_size``
  rows (:meth:`BatchIterator._shard`), so that the processes together take the
  step one process would take on the whole batch;
- the loss of each batch, training and validation, is averaged over the
  processes before skorch records it (:class:`DataParallelMixin`): every
  process has the same history, so early stopping, learning-rate schedules and
  the divergence guard decide the same thing at the same batch, and none is
  left waiting for the others;
- after training, rank 0's buffers (batch-norm statistics, which each process
  updates from its own rows) are sent to every process.

``fit`` on each process then returns the same estimator, with a plain network
that saves, loads, predicts and exports as any other.
"""

import atexit
import contextlib
import dataclasses
import os
import warnings
from collections.abc import Mapping

import torch
import torch.distributed as dist
from skorch.utils import to_tensor
from torch.nn.parallel import DistributedDataParallel

__all__ = ["DataParallelMixin", "ProcessGroup", "data_parallel"]

# What a launcher (torchrun, torch.distributed.run) sets in each process.
_LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclasses.dataclass(frozen=True)
class ProcessGroup:
    """The processes training one estimator together, seen from one of them."""

    rank: int
    world_size: int
    local_rank: int

    def device(self, device):
        """The device of this process: ``"cuda"`` means GPU ``LOCAL_RANK``."""
        if device == "cuda":
            return f"cuda:{self.local_rank}"
        return device

    def check_rows(self, n_samples, estimator_name):
        """Raise on every process unless all of them fit the same number of rows.

        Each process shards the same rows; different data would give a wrong
        model or leave processes waiting for batches that never come.
        """
        counts = [None] * self.world_size
        dist.all_gather_object(counts, int(n_samples))
        if len(set(counts)) > 1:
            raise ValueError(
                f"{estimator_name} with distributed=True needs the same X and y on "
                "every process (each takes its share of every batch), but the "
                f"processes passed {counts} rows (by rank). Load the same data in "
                "each process; the sharding is done inside fit."
            )

    def from_rank_0(self, value):
        """``value`` as rank 0 has it (a picklable object), on every process."""
        values = [value]
        dist.broadcast_object_list(values, src=0)
        return values[0]

    def wrap(self, net, find_unused_parameters=False):
        """Let ``net`` train through DistributedDataParallel (see DataParallelMixin).

        ``find_unused_parameters`` for a network that may leave some trainable
        parameters out of a forward pass (a custom ``module``): DDP then looks
        for them after each forward, which costs a walk over the graph.
        """
        module = net.module_
        device = torch.device(net.device)
        # DDP checks that every process has the same parameters and sends
        # rank 0's; the same random_state has given them the same already.
        # Kept out of skorch's registry of modules (its __setattr__): the
        # wrapper shares module_'s parameters, which the optimizer, gradient
        # clipping and the saved weights must each see once.
        vars(net)["data_parallel_module_"] = DistributedDataParallel(
            module,
            device_ids=[device] if device.type == "cuda" else None,
            find_unused_parameters=find_unused_parameters,
        )

    def unwrap(self, net):
        """Drop the wrapper and give every process rank 0's buffers."""
        vars(net).pop("data_parallel_module_", None)
        for buffer in net.module_.buffers():
            dist.broadcast(buffer, src=0)


class DataParallelMixin:
    """A skorch net that trains through ``data_parallel_module_`` when one is set.

    The forward pass of training goes through the DistributedDataParallel
    wrapper, whose hooks average the gradients over the processes during
    ``backward``; everything else (validation, callbacks, prediction, the
    weights saved) sees the plain ``module_``. The loss of each batch is
    averaged over the processes, so that each records the loss of the whole
    batch.
    """

    def infer(self, x, **fit_params):
        wrapper = vars(self).get("data_parallel_module_")
        if wrapper is None or not torch.is_grad_enabled():
            return super().infer(x, **fit_params)
        # skorch's infer, through the wrapper
        x = to_tensor(x, device=self.device)
        if isinstance(x, Mapping):
            return wrapper(**self._merge_x_and_fit_params(x, fit_params))
        return wrapper(x, **fit_params)

    def train_step(self, batch, **fit_params):
        return self._averaged(super().train_step(batch, **fit_params))

    def validation_step(self, batch, **fit_params):
        return self._averaged(super().validation_step(batch, **fit_params))

    def _averaged(self, step):
        if "data_parallel_module_" not in vars(self):
            return step
        # Every process takes as many rows of each batch (BatchIterator._shard),
        # so the batch's loss is the mean of the processes' losses.
        loss = step["loss"].detach().clone()
        dist.all_reduce(loss)
        return {**step, "loss": loss / dist.get_world_size()}


def _launched_world():
    """``(rank, world_size, local_rank)`` from a launcher's variables, or None."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), _local_rank(dist.get_rank())
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size < 2:
        return None
    rank = int(os.environ.get("RANK", "0"))
    return rank, world_size, _local_rank(rank)


def _local_rank(rank):
    return int(os.environ.get("LOCAL_RANK", rank))


def _backend(device):
    return "nccl" if torch.device(device).type == "cuda" else "gloo"


def _join(device):
    """Create the process group from the launcher's variables, for the process's life.

    It is not destroyed after the fit: under torchrun (PyTorch 2.13) a third
    ``init_process_group`` in one process, after two fits had each created
    and destroyed one, never returned. So the first data-parallel fit creates
    it, later fits use it, and it is destroyed when the process exits, as
    Lightning and Accelerate leave theirs to the end of the script.
    """
    if torch.device(device).type == "cuda":
        torch.cuda.set_device(torch.device(device))
    dist.init_process_group(backend=_backend(device))
    atexit.register(_leave)


def _leave():
    if dist.is_initialized():
        dist.destroy_process_group()


@contextlib.contextmanager
def data_parallel(enabled, device, estimator_name):
    """Join the launcher's processes for one fit; yield a ProcessGroup or None.

    None (train in this process alone) when ``enabled`` is False, and, with a
    warning, when no launcher started other processes. A process group that
    is already initialised (by the user, an earlier fit, Accelerate or
    Lightning) is used as it is; otherwise one is created from the
    launcher's variables, backend NCCL for a CUDA ``device`` and gloo
    otherwise (see :func:`_join`). On every process but rank 0, warnings are
    silenced: the same ones come from rank 0.
    """
    if not enabled:
        yield None
        return
    world = _launched_world()
    if world is None or world[1] < 2:
        warnings.warn(
            f"{estimator_name}(distributed=True) found no other training "
            "processes (WORLD_SIZE is unset or 1), so it trains in this process "
            "alone. Start the script with a launcher to train on N processes: "
            "torchrun --nproc_per_node=N script.py",
            UserWarning,
            stacklevel=7,
        )
        yield None
        return
    if not dist.is_available():
        raise RuntimeError(
            f"{estimator_name}(distributed=True) was started by a launcher, but "
            "this PyTorch build has no torch.distributed. Install a build with it, "
            "or set distributed=False."
        )
    if torch.device(device).type not in ("cpu", "cuda"):
        raise ValueError(
            f"{estimator_name}(distributed=True) trains on CPUs (gloo) or CUDA GPUs "
            f"(NCCL); got device={device!r}. Use device='cpu' or 'cuda', or set "
            "distributed=False."
        )
    group = ProcessGroup(*world)
    if not dist.is_initialized():
        _join(group.device(device))
    if group.rank == 0:
        yield group
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield group
