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
    """Each test starts with torch at one thread, whatever the machine's load.

    With ``n_threads=None`` a fit takes as many threads as the load leaves
    free, up to torch's setting: two fits of the same seed could then run at
    different counts and differ by more than rounding (a bidirectional,
    dropout network failed scikit-learn's check_fit_idempotent so on a busy
    machine). Tests of other counts set them themselves (``n_threads=2``,
    tests/test_threads.py, tests/test_portability.py).
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
