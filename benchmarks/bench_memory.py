"""Peak memory of fit and predict beyond the input, from 10^5 to 10^7 rows.

Each case runs in a fresh subprocess: the rows (``n_rows x n_features``
float32, a random walk in column 0 and noise beside it) are made (or opened
with ``np.load(mmap_mode="r")`` from a ``.npy`` file), windowed by
``SlidingWindow`` into its read-only view, and then, after Linux's peak
resident size is reset (``/proc/self/clear_refs``), one call is measured:

- ``fit``: ``LSTMRegressor(hidden_size, max_epochs=1).fit(windows, y)``, with
  ``y`` the next value of column 0, so the forecasting frame, the level's
  ridge fit and early stopping on the last tenth of the rows all run;
- ``predict``: ``predict(windows)`` of a model fitted on 2 000 rows;
- ``pipeline fit`` / ``pipeline predict``: the same through
  ``Pipeline([SlidingWindow, LSTMRegressor])`` on the rows themselves (the
  window's padded float32 copy of the rows then counts as extra memory).

The table gives the peak resident memory beyond what the process held
before the call (the input included), and for a memory-mapped input also
beyond the input's own pages, which the call reads in and which the kernel
may drop again: ``extra = peak - before - (input bytes if mapped)``.

An epoch over 10^7 windows is long on a few CPU cores: ``--max-batches N``
cuts each training and validation pass to its first N batches (the rows are
still shuffled over all of them, and every check, frame and ridge fit still
reads every row). Predictions always cover every row.

    python benchmarks/bench_memory.py                       # 1e5 1e6 1e7 rows
    python benchmarks/bench_memory.py --rows 100000 1000000 --max-batches 50
    python benchmarks/bench_memory.py --cases fit predict --window 64
"""

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

# The sklstm of the working tree this script is in, not an installed one.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = ("fit", "predict", "pipeline fit", "pipeline predict")


def _resident_mb(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{key} not in /proc/self/status")


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # resets VmHWM to the current resident size


def _rows(n_rows, n_features, mapped, directory):
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(n_rows + 1, n_features)).astype(np.float32)
    rows[:, 0] = np.cumsum(rows[:, 0], dtype=np.float64).astype(np.float32)
    y = rows[1:, 0].astype(np.float64)
    rows = rows[:-1]
    if mapped:
        path = os.path.join(directory, "rows.npy")
        np.save(path, rows)
        del rows
        rows = np.load(path, mmap_mode="r")
    return rows, y


def _limit_batches(max_batches):
    """Cut every pass of BatchIterator to its first ``max_batches`` batches."""
    from sklstm._estimators._data import BatchIterator

    full_pass = BatchIterator.__iter__
    BatchIterator.__iter__ = lambda self: itertools.islice(full_pass(self), max_batches)


def child(args):
    """Run one case; print its numbers as JSON."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from sklstm import LSTMRegressor, SlidingWindow

    with tempfile.TemporaryDirectory() as directory:
        rows, y = _rows(args.rows, args.features, args.memmap, directory)
        params = dict(hidden_size=args.hidden, max_epochs=1, random_state=0)
        model = LSTMRegressor(**params)
        pipeline = args.case.startswith("pipeline")
        if pipeline:
            model = Pipeline([("window", SlidingWindow(args.window)), ("lstm", model)])
        data = rows if pipeline else SlidingWindow(args.window).fit_transform(rows)
        # A first fit on 2 000 rows imports what fit and predict import (torch
        # loads parts of itself lazily), so that the peak is the call's own.
        small = np.ascontiguousarray(rows[:2000])
        model.fit(small if pipeline else data[:2000], y[:2000])
        if args.case.endswith("fit"):
            model = clone(model)
            if args.max_batches:
                _limit_batches(args.max_batches)
        before = _resident_mb("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        if args.case.endswith("predict"):
            model.predict(data)
        else:
            model.fit(data, y)
        seconds = time.perf_counter() - start
        peak = _resident_mb("VmHWM")
    mapped_mb = rows.nbytes / 2**20 if args.memmap else 0.0
    print(json.dumps({"extra_mb": peak - before - mapped_mb, "seconds": seconds}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[1e5, 1e6, 1e7])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--window", type=int, default=128)
    parser.add_argument("--features", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--max-batches", type=int, default=None)
    parser.add_argument("--memmap", action="store_true", help="only mapped input")
    parser.add_argument("--both", action="store_true", help="in memory and mapped")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        args.rows = int(args.rows[0])
        return child(args)
    inputs = [False, True] if args.both else [args.memmap]
    print(
        f"window {args.window}, {args.features} features, hidden_size "
        f"{args.hidden}, max_batches {args.max_batches}; MB beyond the input\n"
    )
    print(f"{'case':<17}{'input':<8}{'rows':>10}{'extra MB':>10}{'seconds':>9}")
    for case, mapped, n_rows in itertools.product(args.cases, inputs, args.rows):
        command = [
            sys.executable,
            __file__,
            "--case",
            case,
            "--rows",
            str(int(n_rows)),
            "--window",
            str(args.window),
            "--features",
            str(args.features),
            "--hidden",
            str(args.hidden),
        ]
        command += ["--memmap"] if mapped else []
        if args.max_batches:
            command += ["--max-batches", str(args.max_batches)]
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        where = "memmap" if mapped else "array"
        if result.returncode:
            reason = (result.stderr.strip().splitlines() or ["killed"])[-1]
            print(f"{case:<17}{where:<8}{int(n_rows):>10}  failed: {reason[:60]}")
            continue
        numbers = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{case:<17}{where:<8}{int(n_rows):>10}"
            f"{numbers['extra_mb']:>10.0f}{numbers['seconds']:>9.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
