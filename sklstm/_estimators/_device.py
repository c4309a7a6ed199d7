"""Which device to train on, and seeding torch without touching the caller's state."""

import contextlib
import re
import threading
import types

import torch

__all__ = ["global_torch_seed", "resolve_device", "torch_threads"]

_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def resolve_device(device, estimator_name):
    """Check a ``device`` string against the machine and return the torch device.

    ``"auto"`` picks ``"cuda"`` when PyTorch sees a GPU and ``"cpu"`` otherwise.
    """
    if not isinstance(device, str) or not _DEVICE_PATTERN.match(device):
        raise ValueError(
            f"The 'device' parameter of {estimator_name} must be 'cpu', 'cuda', "
            f"'cuda:N', 'mps' or 'auto'. Got {device!r} instead."
        )
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"{estimator_name} got device={device!r}, but PyTorch sees no CUDA "
                "GPU on this machine (torch.cuda.is_available() is False). Use "
                "device='cpu', or device='auto' to take a GPU only when there is one."
            )
        index = torch.device(device).index
        if index is not None and index >= torch.cuda.device_count():
            raise ValueError(
                f"{estimator_name} got device={device!r}, but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), numbered from 0."
            )
    if device == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"{estimator_name} got device='mps', but the MPS backend is not "
            "available on this machine. Use device='cpu' or device='auto'."
        )
    return device


# torch's global generators are shared by every thread of the process: a fit
# that seeds and draws from them holds this lock, so that fits running in
# threads do not interleave their draws.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextlib.contextmanager
def global_torch_seed(seed_or_state, device):
    """Run with torch's global generators seeded, under a process-wide lock.

    For what cannot take a generator of its own (weight initialisation,
    dropout). ``seed_or_state`` is an int or a saved CPU generator state.
    Yields an object whose ``state`` is the CPU generator state at exit, to
    continue from in a later call; the caller's states are restored.
    """
    if torch.device(device).type == "cuda" or torch.cuda.is_initialized():
        devices = list(range(torch.cuda.device_count()))
    else:
        devices = []
    generator = types.SimpleNamespace(state=None)
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices):
        if isinstance(seed_or_state, torch.Tensor):
            torch.set_rng_state(seed_or_state)
        else:
            torch.manual_seed(seed_or_state)
        try:
            yield generator
        finally:
            generator.state = torch.get_rng_state()


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run with torch's intra-op thread pool set to ``n_threads``, then restore it.

    None leaves the count as it is, and restores it on exit all the same
    (for code inside that changes it).
    """
    previous = torch.get_num_threads()
    if n_threads is not None and n_threads != previous:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
