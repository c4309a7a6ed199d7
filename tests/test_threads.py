"""Thread policies: a fixed, scoped count by default; the load-adaptive "auto"."""

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

import sklstm
from sklstm import LSTMRegressor, SlidingWindow
from sklstm._estimators import _threads
from sklstm._estimators._threads import ThreadTuner, fit_threads, predict_threads

ROOT = Path(__file__).resolve().parents[1]
TINY = {"hidden_size": 8, "max_epochs": 2, "batch_size": 32, "random_state": 0}


def task(n=96, seed=0):
    X = np.random.RandomState(seed).normal(size=(n, 6, 2))
    return X, X[:, -1, 0] + 0.5 * X[:, -3, 1]


def python_command(code, *args):
    """A fresh interpreter running ``code`` with this checkout's sklstm.

    It mirrors this process's oneDNN setting (conftest.py may have switched
    it off): the same environment, in which bit equality is promised.
    """
    prelude = (
        "import torch\n"
        f"torch.backends.mkldnn.enabled = {torch.backends.mkldnn.enabled}\n"
    )
    return [sys.executable, "-c", prelude + textwrap.dedent(code), *args]


def run_python(code, *args):
    """Run :func:`python_command` from the repository root; its stdout."""
    command = python_command(code, *args)
    result = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class FakeMachine:
    """A clock, this process's CPU time and the busy time of 2 CPUs, all simulated.

    ``others`` cores are busy with other processes; a batch of this process
    takes ``batch_seconds[n_threads]`` and uses that many cores.
    """

    def __init__(self, others, batch_seconds):
        self.others = others
        self.batch_seconds = batch_seconds
        self.now = self.own = self.busy = 0.0

    def run_batch(self):
        seconds = self.batch_seconds[torch.get_num_threads()]
        self.now += seconds
        self.own += seconds * torch.get_num_threads()
        self.busy += seconds * (torch.get_num_threads() + self.others)


@pytest.fixture
def machine(monkeypatch):
    fake = FakeMachine(others=0.0, batch_seconds={1: 0.010, 2: 0.006})
    clock = types.SimpleNamespace(
        perf_counter=lambda: fake.now, process_time=lambda: fake.own
    )
    monkeypatch.setattr(_threads, "time", clock)
    monkeypatch.setattr(_threads, "_busy_seconds", lambda cpus: fake.busy)
    monkeypatch.setattr(_threads, "_allowed_cpus", lambda: [0, 1])
    monkeypatch.setattr(_threads.os.path, "exists", lambda path: True)
    monkeypatch.setattr(_threads.joblib, "cpu_count", lambda: 2)
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield fake
    torch.set_num_threads(previous)


def train(tuner, machine, n_epochs=3, n_batches=200):
    net = types.SimpleNamespace(history=types.SimpleNamespace(rows=[]))
    net.history.record = lambda key, value: net.history.rows.append(value)
    batch = (torch.zeros(32, 4, 1), None)
    tuner.on_train_begin(net)
    for _ in range(n_epochs):
        for _ in range(n_batches):
            tuner.on_batch_begin(net, batch=batch, training=True)
            machine.run_batch()
            tuner.on_batch_end(net, batch=batch, training=True)
        tuner.on_epoch_end(net)
    tuner.on_train_end(net)
    return net.history.rows


def test_a_quiet_machine_gets_every_core(machine):
    tuner = ThreadTuner()
    assert train(tuner, machine) == [2, 2, 2]
    assert tuner.n_threads_ == 2


def test_a_busy_core_leaves_one_thread(machine):
    machine.others = 1.0  # another process computes on one core of two
    assert train(ThreadTuner(), machine) == [1, 1, 1]


def test_threads_that_collapse_are_never_timed(machine):
    machine.others = 1.5
    machine.batch_seconds = {1: 0.010, 2: 2.0}  # spinning threads, 200x slower
    tuner = ThreadTuner()
    train(tuner, machine)
    assert tuner.n_threads_ == 1
    assert tuner.timings_ == {}, "no trial at two threads on a busy machine"


def test_more_threads_are_dropped_when_they_do_not_pay(machine):
    machine.batch_seconds = {1: 0.010, 2: 0.012}  # a tiny network
    tuner = ThreadTuner()
    assert train(tuner, machine) == [1, 1, 1]
    assert tuner.ceiling_ == 1
    # Timed once, then not again at the same load: 2 x trial_batches batches.
    assert len(tuner.timings_[2]) == tuner.trial_batches


def test_load_that_rises_during_training_takes_threads_back(machine):
    tuner = ThreadTuner()
    assert train(tuner, machine, n_epochs=1) == [2]
    machine.others = 1.0
    net = types.SimpleNamespace(history=types.SimpleNamespace(record=print))
    batch = (torch.zeros(32, 4, 1), None)
    for _ in range(200):
        tuner.on_batch_begin(net, batch=batch, training=True)
        machine.run_batch()
        tuner.on_batch_end(net, batch=batch, training=True)
    assert tuner.n_threads_ == 1


def test_one_allowed_thread_is_not_tuned(machine):
    torch.set_num_threads(1)  # as in joblib's and dask's workers
    tuner = ThreadTuner()
    assert train(tuner, machine) == [1, 1, 1]
    assert not tuner.enabled_


def test_the_default_network_does_not_depend_on_the_thread_count():
    X = np.random.RandomState(0).normal(size=(200, 12, 3)).astype(np.float32)
    predictions = [
        LSTMRegressor(hidden_size=32, max_epochs=2, random_state=0, n_threads=n)
        .fit(X, X[:, -1, 0])
        .predict(X)
        for n in (1, 2)
    ]
    # Kernels for 1 and 2 threads may round differently (CPU-dependent):
    # equal to float32 precision, through training and prediction.
    np.testing.assert_allclose(*predictions, rtol=1e-5, atol=1e-6)


def test_a_trial_stops_timing_threads_that_collapse(machine):
    """The load comes back just as two threads are tried: one slow batch, no more."""
    tuner = ThreadTuner()
    machine.batch_seconds = {1: 0.010, 2: 0.006}
    original = machine.run_batch

    def run_batch():
        if tuner.queue_ and torch.get_num_threads() == 2:
            machine.batch_seconds = {1: 0.010, 2: 2.0}
        original()

    machine.run_batch = run_batch
    train(tuner, machine, n_epochs=1)
    assert tuner.timings_[2] == [pytest.approx(2.0 / 32)]
    assert tuner.n_threads_ == 1


def test_fixed_thread_count_is_capped_at_the_usable_cpus(monkeypatch):
    """64 threads asked on fewer CPUs would start 127 threads that wait."""
    monkeypatch.setattr(_threads.joblib, "cpu_count", lambda: 2)
    assert fit_threads(64) == 2
    assert predict_threads(64, fitted=1) == 2
    assert fit_threads(1) == predict_threads(1) == 1


# -- the default: one count per call, scoped, remembered by the model ----------


class SeenThreads(Callback):
    """Records torch's thread count at every batch (in the fitted net's copy)."""

    def initialize(self):
        self.seen = set()
        return self

    def on_batch_begin(self, net, **kwargs):
        self.seen.add(torch.get_num_threads())


def test_the_default_count_is_torch_setting_within_the_usable_cpus(monkeypatch):
    torch.set_num_threads(2)  # conftest.py restores it
    monkeypatch.setattr(_threads.joblib, "cpu_count", lambda: 1)  # a 1-CPU quota
    assert fit_threads(None) == 1
    assert predict_threads(None, fitted=2) == 1
    monkeypatch.setattr(_threads.joblib, "cpu_count", lambda: 8)
    assert fit_threads(None) == 2
    assert fit_threads("auto") == 1
    assert fit_threads(3) == 3
    assert predict_threads(None, fitted=1) == 1
    assert predict_threads(None, fitted=None) == 2  # saved before 0.2
    assert predict_threads(None, fitted="damaged") == 2
    assert predict_threads(4, fitted=1) == 4


def test_a_default_fit_uses_one_count_and_restores_torch_setting():
    torch.set_num_threads(2)
    X, y = task()
    model = LSTMRegressor(**TINY, callbacks=[("seen", SeenThreads())]).fit(X, y)
    expected = min(2, joblib.cpu_count())
    assert model.n_threads_ == expected
    assert model.net_.callbacks_[-1][1].seen == {expected}
    assert "thread_tuner" not in dict(model.net_.callbacks_)
    assert "n_threads" not in model.history_
    assert torch.get_num_threads() == 2
    model.predict(X)
    assert torch.get_num_threads() == 2


BUSY = """
import sys, time
torch.set_num_threads(2)
a = torch.randn(512, 512)
print("ready", flush=True)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    a @ a
"""


def test_the_same_seed_gives_the_same_bits_while_another_process_is_busy():
    """What n_threads="auto" does not promise: its count follows the load."""
    torch.set_num_threads(2)
    X, y = task()
    model = LSTMRegressor(**TINY, callbacks=[("seen", SeenThreads())])
    quiet = model.fit(X, y).predict(X)
    busy = subprocess.Popen(
        python_command(BUSY, "60"), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert busy.stdout.readline().strip() == "ready"
        while_busy = model.fit(X, y).predict(X)
        assert busy.poll() is None, "the other process was busy during the fit"
    finally:
        busy.kill()
        busy.wait()
    np.testing.assert_array_equal(while_busy, quiet)
    assert model.net_.callbacks_[-1][1].seen == {model.n_threads_}


def test_a_model_loaded_in_a_fresh_process_predicts_the_same_bits(tmp_path):
    """The README's pipeline, saved with joblib and skops, reloaded elsewhere.

    Fitted at conftest.py's one thread; the fresh process starts torch with
    one thread per core, and predicts with the fit's count (``n_threads_``).
    """
    rng = np.random.RandomState(0)
    series = 30 + 9 * np.sin(np.arange(300) / 6) + rng.normal(size=300)
    X, y = series[:-1, None], series[1:]
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=12)),
            ("lstm", LSTMRegressor(hidden_size=16, max_epochs=3, random_state=0)),
        ]
    ).fit(X, y)
    assert pipe[-1].n_threads_ == 1
    joblib.dump(pipe, tmp_path / "model.joblib")
    sklstm.save(pipe[-1], tmp_path / "lstm.skops")
    np.save(tmp_path / "X.npy", X)
    windows = pipe[:-1].transform(X)
    np.save(tmp_path / "windows.npy", windows)
    out = run_python(
        f"""
        import joblib, numpy as np, sklstm
        from sklstm._estimators._threads import predict_threads
        folder = {str(tmp_path)!r}
        threads = torch.get_num_threads()
        pipe = joblib.load(folder + "/model.joblib")
        np.save(folder + "/joblib.npy", pipe.predict(np.load(folder + "/X.npy")))
        lstm = sklstm.load(folder + "/lstm.skops")
        np.save(folder + "/skops.npy", lstm.predict(np.load(folder + "/windows.npy")))
        used = predict_threads(lstm.n_threads, lstm.n_threads_)
        print(threads, torch.get_num_threads(), lstm.n_threads_, used)
        """
    )
    before, after, fitted, used = map(int, out.split())
    assert before == after, "predict restored torch's setting"
    assert fitted == used == 1
    np.testing.assert_array_equal(np.load(tmp_path / "joblib.npy"), pipe.predict(X))
    np.testing.assert_array_equal(
        np.load(tmp_path / "skops.npy"), pipe[-1].predict(windows)
    )


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs CPU affinity and at least 2 CPUs",
)
def test_the_default_uses_only_the_cpus_the_process_may_run_on():
    out = run_python(
        """
        import os
        import numpy as np
        from sklstm import LSTMRegressor
        torch.set_num_threads(2)
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        X = np.random.RandomState(0).normal(size=(64, 6, 2))
        model = LSTMRegressor(hidden_size=4, max_epochs=1, random_state=0)
        model.fit(X, X[:, -1, 0]).predict(X)
        print(model.n_threads_, torch.get_num_threads())
        """
    )
    assert out.split() == ["1", "2"]


# -- n_threads="auto" ----------------------------------------------------------


def test_auto_adapts_and_leaves_nothing_for_the_next_fit():
    torch.set_num_threads(2)
    X, y = task()
    default = LSTMRegressor(**TINY)
    first = default.fit(X, y).predict(X)
    auto = LSTMRegressor(**TINY, n_threads="auto").fit(X, y)
    assert torch.get_num_threads() == 2
    assert "thread_tuner" in dict(auto.net_.callbacks_)
    assert set(auto.history_["n_threads"]) <= {1, 2}
    assert auto.n_threads_ in {1, 2}
    np.testing.assert_allclose(auto.predict(X), first, rtol=1e-5, atol=1e-6)
    # The next default fit starts as the first did, not from auto's count.
    np.testing.assert_array_equal(default.fit(X, y).predict(X), first)
    assert default.n_threads_ == min(2, joblib.cpu_count())


def test_n_threads_rejects_other_strings_before_training():
    X, y = task()
    with pytest.raises(ValueError, match=r"n_threads.*'fast'"):
        LSTMRegressor(**TINY, n_threads="fast").fit(X, y)
