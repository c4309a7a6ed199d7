"""How many threads torch uses on the CPU during ``fit`` and ``predict``.

``n_threads=None`` (the default) is a fixed count, chosen once per call:
torch's intra-op setting when the call starts, lowered to the CPUs this
process may really use (:func:`joblib.cpu_count`: its affinity, its cgroup
CPU quota, ``LOKY_MAX_CPU_COUNT``). joblib's worker processes
(``GridSearchCV(n_jobs=...)``) and dask's lower torch's setting to their
share of the cores, so the default follows them. The count is applied for
the whole call through :func:`sklstm._estimators._device.torch_threads`, which restores
torch's setting afterwards; the count a fit used is kept on the estimator
(``n_threads_``) and ``predict`` uses it again, lowered to what the
predicting process may use. The same seed therefore gives the same bits
whatever the machine's load, and a model saved and loaded in a fresh
process on the same machine predicts the same bits.

``n_threads="auto"`` opts into :class:`ThreadTuner`, which changes the
count during training as the machine's load changes. On a quiet machine two
threads train a hidden-64 LSTM about 1.6x faster than one; on a machine
whose cores are busy with other work, OpenMP threads that spin while
waiting for each other at every one of the hundreds of parallel regions of
a batch make two threads 10-170x slower than one: one training batch
measured 2.2 s at two threads against 13 ms at one
(``benchmarks/bench_shared_cpu.py``). The tuner:

- starts each fit at one thread;
- every half second of training reads, from ``/proc/stat``, how much of
  the CPUs this process may use other processes used meanwhile (their busy
  time minus this process's own CPU time), and takes at most as many
  threads as there are cores left free, rounded down (an other process
  busy on one core of two leaves one: one thread);
- before adding threads it times a few batches at each count, alternating,
  and keeps the faster (small networks gain nothing from a second thread);
  a count found slower is not tried again in that fit unless the load has
  fallen further, and a count whose batch is three times slower than the
  other's (the load came back) is dropped from the trial at once.

Its candidates never exceed the default's count. Fits with it are not
reproducible bit for bit when the load changes: the count, and with it the
float32 rounding of some kernels, depends on what else runs. It keeps no
state between fits. Where ``/proc/stat`` does not exist (macOS, Windows) it
stays at the default's count.
"""

import numbers
import os
import statistics
import time

import joblib
import torch
from skorch.callbacks import Callback

__all__ = ["ThreadTuner", "fit_threads", "predict_threads", "thread_cap"]

_PROC_STAT = "/proc/stat"


def _allowed_cpus():
    """The ids of the CPUs this process may run on (its affinity)."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return list(range(os.cpu_count() or 1))


def thread_cap():
    """Threads for ``n_threads=None``: torch's setting, at most the usable CPUs.

    :func:`joblib.cpu_count` counts the CPUs of the process's affinity and
    its cgroup CPU quota (containers), not the machine's.
    """
    return max(1, min(torch.get_num_threads(), joblib.cpu_count()))


def fit_threads(n_threads):
    """The count a fit starts with: ``n_threads``, the cap for None, 1 for "auto"."""
    if n_threads is None:
        return thread_cap()
    if n_threads == "auto":
        return 1  # ThreadTuner raises it when cores are free and it pays
    # Threads beyond the usable CPUs only wait for each other (64 asked on
    # 2 CPUs would start 127 threads).
    return min(n_threads, joblib.cpu_count())


def predict_threads(n_threads, fitted=None):
    """Threads for ``predict``: ``n_threads``, else the fit's count within the cap.

    ``fitted`` is the count the fit used (``n_threads_``); None, or anything
    but a positive int (a model saved before 0.2, a damaged file), gives the
    cap.
    """
    if isinstance(n_threads, numbers.Integral):
        return min(int(n_threads), joblib.cpu_count())
    cap = thread_cap()
    valid = isinstance(fitted, numbers.Integral) and not isinstance(fitted, bool)
    return min(int(fitted), cap) if valid and fitted >= 1 else cap


def _busy_seconds(cpus):
    """CPU seconds the given CPUs have spent busy since boot, from /proc/stat."""
    wanted = {f"cpu{cpu}" for cpu in cpus}
    ticks = 0
    with open(_PROC_STAT, "rb") as stat:
        for line in stat:
            fields = line.split()
            if fields and fields[0].decode() in wanted:
                # user nice system idle iowait irq softirq steal: not idle/iowait
                values = [int(value) for value in fields[1:9]]
                ticks += sum(values) - values[3] - values[4]
    return ticks / os.sysconf("SC_CLK_TCK")


class ThreadTuner(Callback):
    """Train with as many threads as there are free cores, if they pay.

    Used for ``n_threads="auto"``; see the module's docstring for the rule.
    Records the count used for most of each epoch's training batches as
    ``n_threads`` in the history; ``n_threads_`` is the count it ended with.

    Parameters
    ----------
    cap : int or None, default=None
        Most threads to use; None for :func:`thread_cap` when training
        starts. The estimators pass it from before the fit, which starts at
        one thread.
    window : float, default=0.5
        Seconds of training between readings of the load.
    trial_batches : int, default=3
        Timed batches per count when trying more threads.
    give_up : float, default=3.0
        A count whose batch takes this many times longer than a batch at the
        other count is not timed again in that trial.
    """

    def __init__(self, cap=None, window=0.5, trial_batches=3, give_up=3.0):
        self.cap = cap
        self.window = window
        self.trial_batches = trial_batches
        self.give_up = give_up

    def on_train_begin(self, net, **kwargs):
        self.cpus_ = _allowed_cpus()
        self.cap_ = thread_cap() if self.cap is None else self.cap
        self.enabled_ = os.path.exists(_PROC_STAT) and self.cap_ > 1
        self.queue_, self.timings_ = [], {}
        self.epoch_counts_ = {}
        self._start = None
        if not self.enabled_:
            self.n_threads_ = self.cap_
            return
        self.n_threads_ = 1
        # The most threads found to pay, and the free cores when it was found.
        self.ceiling_, self.ceiling_free_ = self.cap_, float("inf")
        self._mark()

    def _mark(self):
        self.window_start_ = (
            time.perf_counter(),
            time.process_time(),
            _busy_seconds(self.cpus_),
        )

    def _free_cores(self):
        """Cores of this process's CPUs that other processes left idle lately."""
        wall, own, busy = self.window_start_
        self._mark()
        elapsed = self.window_start_[0] - wall
        own = self.window_start_[1] - own
        others = max(0.0, self.window_start_[2] - busy - own) / elapsed
        return len(self.cpus_) - others

    def _reconsider(self):
        free = self._free_cores()
        # An other process busy on 0.7 cores of two leaves room for one thread.
        fits = max(1, min(self.cap_, int(free + 0.3)))
        if fits < self.n_threads_:
            self.n_threads_ = fits
        elif fits > self.n_threads_:
            if fits > self.ceiling_ and free <= self.ceiling_free_ + 0.5:
                fits = self.ceiling_  # found slower at this load already
            if fits > self.n_threads_:
                self.queue_ = [self.n_threads_, fits] * self.trial_batches
                self.timings_ = {self.n_threads_: [], fits: []}
                self._trial_free = free

    def _end_trial(self):
        medians = {k: statistics.median(v) for k, v in self.timings_.items()}
        choice = min(medians, key=medians.get)
        if choice != max(medians):  # more threads did not pay
            self.ceiling_, self.ceiling_free_ = choice, self._trial_free
        self.n_threads_ = choice

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        count = self.queue_[0] if self.enabled_ and self.queue_ else self.n_threads_
        if training and torch.get_num_threads() != count:
            torch.set_num_threads(count)
        elif not training and torch.get_num_threads() != self.n_threads_:
            torch.set_num_threads(self.n_threads_)
        self._start = time.perf_counter() if training else None

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if self._start is None:
            return
        count = torch.get_num_threads()
        self.epoch_counts_[count] = self.epoch_counts_.get(count, 0) + 1
        if not self.enabled_:
            return
        now = time.perf_counter()
        if self.queue_:
            # Seconds per row: the last batch of an epoch is smaller. Ragged
            # batches come as {"X": ..., "lengths": ...}.
            X = batch[0]["X"] if isinstance(batch[0], dict) else batch[0]
            seconds = (now - self._start) / max(1, len(X))
            self.timings_[count].append(seconds)
            self.queue_.pop(0)
            others = [t for k, v in self.timings_.items() if k != count for t in v]
            if others and seconds > self.give_up * min(others):
                # The load came back mid-trial: no more batches at this count.
                self.queue_ = [k for k in self.queue_ if k != count]
            if not self.queue_:
                self._end_trial()
                self._mark()
        elif now - self.window_start_[0] >= self.window:
            self._reconsider()

    def on_epoch_end(self, net, **kwargs):
        if self.epoch_counts_:
            used = max(self.epoch_counts_, key=self.epoch_counts_.get)
            net.history.record("n_threads", used)
        self.epoch_counts_ = {}
