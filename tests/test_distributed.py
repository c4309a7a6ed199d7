"""distributed=True: data-parallel training over processes started by torchrun."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor
from sklstm._estimators._data import BatchIterator, SequenceDataset

# Small enough for two processes on two shared cores; batch_size divides the
# rows, so that each process's half of a batch is exactly half of it.
SETTINGS = {"hidden_size": 8, "batch_size": 16, "max_epochs": 4, "random_state": 0}

SCRIPT = """
import os, sys
import numpy as np
import sklstm
from sklstm import LSTMClassifier, LSTMRegressor

def weights(model):
    saved = model.__getstate__()["_net_state"]["weights"]
    return np.concatenate([array.ravel() for array in saved.values()])

out, rank = sys.argv[1], int(os.environ["RANK"])
settings = {settings!r}
rng = np.random.RandomState(0)
X = rng.normal(size=(96, 6, 2))
y = X[:, -1, 0] + 0.5 * X[:, -2, 1]
labels = (X[:, :, 0].mean(axis=1) > 0).astype(int)
reg = LSTMRegressor(**settings, distributed=True, verbose=1).fit(X, y)
clf = LSTMClassifier(
    **settings, early_stopping=True, validation_fraction=0.25, distributed=True
).fit(X, labels)
n_rows = 96 - 8 * rank
try:  # each process must pass the same rows
    LSTMRegressor(**settings, distributed=True).fit(X[:n_rows], y[:n_rows])
    error = ""
except ValueError as exc:
    error = str(exc)
np.savez(
    f"{{out}}/rank{{rank}}.npz",
    reg_weights=weights(reg),
    clf_weights=weights(clf),
    reg_loss=reg.loss_curve_,
    clf_loss=clf.loss_curve_,
    clf_valid=clf.validation_scores_,
    reg_pred=reg.predict(X),
    clf_proba=clf.predict_proba(X),
    error=error,
)
if rank == 0:
    sklstm.save(reg, f"{{out}}/reg.skops")
    sklstm.save(clf, f"{{out}}/clf.skops")
"""


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(96, 6, 2))
    return X, X[:, -1, 0] + 0.5 * X[:, -2, 1], (X[:, :, 0].mean(axis=1) > 0).astype(int)


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Run SCRIPT on two CPU processes under torch.distributed.run (gloo)."""
    if not (torch.distributed.is_available() and torch.distributed.is_gloo_available()):
        pytest.skip("this PyTorch build has no torch.distributed gloo backend")
    out = tmp_path_factory.mktemp("distributed")
    script = out / "train.py"
    script.write_text(textwrap.dedent(SCRIPT.format(settings=SETTINGS)))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
    }
    # The processes import the sklstm under test, wherever the tests run from.
    root = str(Path(sklstm.__file__).parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env["OMP_NUM_THREADS"] = "1"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node=2", str(script), str(out)]
    # A session of its own, so that a hang ends with every process killed.
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the two processes did not finish in 120 s:\n{stderr[-3000:]}")
    assert process.returncode == 0, stdout[-3000:] + stderr[-3000:]
    ranks = [dict(np.load(out / f"rank{rank}.npz")) for rank in (0, 1)]
    return out, ranks, stderr


def test_every_process_ends_with_the_same_estimator(two_processes):
    _, (rank_0, rank_1), _ = two_processes
    for key in rank_0:
        assert_array_equal(rank_0[key], rank_1[key], err_msg=key)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_two_processes_follow_the_one_process_fit(two_processes):
    # The two halves of a batch average to the whole batch's gradient, so
    # the fits differ by float32 rounding of the sums only (measured: 2e-8
    # relative after 4 epochs), far within the few percent asked.
    _, (rank_0, _), _ = two_processes
    X, y, labels = _data()
    reg = LSTMRegressor(**SETTINGS).fit(X, y)
    clf = LSTMClassifier(**SETTINGS, early_stopping=True, validation_fraction=0.25).fit(
        X, labels
    )
    assert_allclose(rank_0["reg_loss"], reg.loss_curve_, rtol=1e-4)
    assert_allclose(rank_0["clf_loss"], clf.loss_curve_, rtol=1e-4)
    assert_allclose(rank_0["clf_valid"], clf.validation_scores_, rtol=1e-4)
    assert_allclose(rank_0["reg_pred"], reg.predict(X), rtol=1e-3, atol=1e-4)


def test_saved_model_of_rank_0_loads_and_predicts_the_same(two_processes):
    out, (rank_0, _), _ = two_processes
    X, _, _ = _data()
    reg = sklstm.load(out / "reg.skops")
    clf = sklstm.load(out / "clf.skops")
    assert reg.distributed and "data_parallel_module_" not in vars(reg.net_)
    assert_allclose(reg.predict(X), rank_0["reg_pred"], rtol=1e-6, atol=1e-7)
    assert_allclose(clf.predict_proba(X), rank_0["clf_proba"], rtol=1e-6, atol=1e-7)


def test_only_rank_0_reports_progress(two_processes):
    *_, stderr = two_processes
    assert stderr.count("LSTMRegressor: epoch 1/4") == 1
    assert stderr.count("LSTMRegressor: epoch 4/4") == 1


def test_processes_with_different_rows_raise_on_each(two_processes):
    _, ranks, _ = two_processes
    for rank in ranks:
        assert "same X and y on every process" in str(rank["error"])
        assert "[96, 88]" in str(rank["error"])


def test_without_a_launcher_trains_in_one_process_with_a_warning(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    X, y, _ = _data()
    with pytest.warns(UserWarning, match=r"torchrun --nproc_per_node=N script\.py"):
        model = LSTMRegressor(**SETTINGS, distributed=True).fit(X, y)
    plain = LSTMRegressor(**SETTINGS).fit(X, y)
    assert_array_equal(model.predict(X), plain.predict(X))


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_distributed_value_names_the_parameter(value):
    X, y, _ = _data()
    with pytest.raises(InvalidParameterError, match="'distributed' parameter"):
        LSTMRegressor(**SETTINGS, distributed=value).fit(X, y)


@pytest.mark.parametrize(("n_rows", "batch_size"), [(40, 8), (37, 8), (9, 6)])
@pytest.mark.parametrize("n_shards", [2, 3])
def test_shards_split_each_batch_in_equal_parts(n_rows, batch_size, n_shards):
    dataset = SequenceDataset(np.arange(n_rows, dtype=np.float32).reshape(-1, 1, 1))

    def batches(rank, shards):
        generator = torch.Generator().manual_seed(0)
        iterator = BatchIterator(
            dataset,
            batch_size,
            shuffle=True,
            generator=generator,
            rank=rank,
            n_shards=shards,
        )
        return [X.ravel().long().tolist() for X, _ in iterator]

    whole = batches(0, 1)
    parts = [batches(rank, n_shards) for rank in range(n_shards)]
    assert all(len(part) == len(whole) for part in parts)
    for index, rows in enumerate(whole):
        shares = [part[index] for part in parts]
        assert len({len(share) for share in shares}) == 1  # a step on each
        served = [row for share in shares for row in share]
        assert sorted(set(served)) == sorted(rows)  # every row, no other
        # Only a batch that does not divide evenly repeats rows, fewer than
        # there are processes.
        assert len(served) - len(rows) == -len(rows) % n_shards
