"""The thread policy of n_threads=None: as many threads as free cores, if they pay."""

import types

import numpy as np
import pytest
import torch

from sklstm import LSTMRegressor, _threads
from sklstm._threads import ThreadTuner, prediction_threads


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
    monkeypatch.setitem(_threads._last_choice, "n_threads", 1)
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
    assert train(ThreadTuner(), machine) == [2, 2, 2]
    assert _threads._last_choice["n_threads"] == 2
    assert prediction_threads(None) == 2
    assert prediction_threads(1) == 1


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


def test_fit_restores_torch_threads_and_records_them():
    X = np.random.RandomState(0).normal(size=(80, 6, 2))
    before = torch.get_num_threads()
    model = LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0).fit(
        X, X[:, -1, 0]
    )
    assert torch.get_num_threads() == before
    if before > 1:
        assert set(model.history_["n_threads"]) <= set(range(1, before + 1))
    fixed = LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0, n_threads=1)
    assert "n_threads" not in fixed.fit(X, X[:, -1, 0]).history_


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


def test_fixed_thread_count_is_capped_at_the_allowed_cpus():
    """64 threads asked on fewer CPUs would start 127 threads that wait."""
    assert prediction_threads(64) == min(64, len(_threads._allowed_cpus()))
    assert prediction_threads(1) == 1
