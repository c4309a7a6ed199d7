import os

# Lets scikit-learn's array-API check run (numpy namespace); set before scipy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest
import torch

# CI runs the numerical tests a second time without oneDNN, whose kernels
# (picked by the CPU's vendor and features) differ from machine to machine:
# results must agree to float32 precision whichever kernels run.
if os.environ.get("SKLSTM_TEST_DISABLE_MKLDNN") == "1":
    torch.backends.mkldnn.enabled = False


def pytest_report_header(config):
    return (
        f"torch {torch.__version__}: {torch.get_num_threads()} threads, "
        f"oneDNN {'on' if torch.backends.mkldnn.enabled else 'off'}"
    )


@pytest.fixture(autouse=True)
def _seed_everything():
    """Each test starts from the same global random state."""
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Each test starts with torch at one thread, whatever the machine.

    ``n_threads=None`` uses torch's setting (at most the usable CPUs), which
    is one per core by default: the same test would run at 2 threads here and
    at 64 elsewhere, with other float32 kernels, and two spinning OpenMP
    threads on a busy 2-core runner are 10-170x slower than one. One thread
    gives every machine the same counts and keeps the suite fast under load,
    also with ``OMP_NUM_THREADS`` set. Tests of other counts set them
    themselves (``n_threads=2``, ``torch.set_num_threads(2)`` in
    tests/test_threads.py, tests/test_portability.py); this fixture restores
    the setting afterwards.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_collection_modifyitems(config, items):
    skip_cuda = pytest.mark.skip(reason="PyTorch sees no CUDA GPU")
    skip_slow = pytest.mark.skip(reason="slow; set SKLSTM_RUN_SLOW=1 to run")
    for item in items:
        if "cuda" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_cuda)
        if "slow" in item.keywords and os.environ.get("SKLSTM_RUN_SLOW") != "1":
            item.add_marker(skip_slow)


@pytest.fixture
def series():
    """A noisy sine (one row per step, 2 features) and its next value."""
    rng = np.random.RandomState(0)
    t = np.arange(400)
    signal = np.sin(2 * np.pi * t / 25)
    X = np.column_stack([signal + 0.1 * rng.normal(size=t.size), np.cos(t / 7)])
    y = np.r_[signal[1:], np.sin(2 * np.pi * 400 / 25)] + 0.05 * rng.normal(size=t.size)
    return X, y


@pytest.fixture
def sequences():
    """200 random multivariate sequences (10 steps, 2 features) and a target."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10, 2))
    y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    return X, y
