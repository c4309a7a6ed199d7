"""Windowing: SlidingWindow vs the tutorials' Python loop vs numpy's view.

Times each contender (median of --repeats runs, contenders alternating within
each repeat), then measures its peak extra memory in a second call under
tracemalloc (which numpy reports its buffers to), on float32 input of n rows
x 4 features, window 128.

    python benchmarks/bench_window.py             # 1e4, 1e5, 1e6 rows
    python benchmarks/bench_window.py --loop-max 1000000   # the loop at 1e6 too (2 GB)
"""

import argparse
import statistics
import time
import tracemalloc

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sklstm import SlidingWindow

N_FEATURES = 4


def tutorial_loop(X, window):
    """The tutorials' ``create_sequences`` loop (unpadded: n - window + 1 rows)."""
    windows = []
    for t in range(len(X) - window + 1):
        windows.append(X[t : t + window])
    return np.array(windows)


def numpy_view(X, window):
    return sliding_window_view(X, window, axis=0).transpose(0, 2, 1)


def sliding_window(X, window):
    return SlidingWindow(window=window).fit_transform(X)


def measure(function, X, window):
    """Seconds of one call, then the peak extra memory of another.

    tracemalloc slows every Python allocation down, the tutorial loop's most
    of all, so the timed call runs without it.
    """
    start = time.perf_counter()
    result = function(X, window)
    seconds = time.perf_counter() - start
    assert result.shape[1:] == (window, N_FEATURES)
    del result
    tracemalloc.start()
    function(X, window)  # the peak counts its result
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop-max", type=int, default=100_000)
    args = parser.parse_args()
    contenders = {
        "SlidingWindow": sliding_window,
        "numpy sliding_window_view": numpy_view,
        "tutorial loop": tutorial_loop,
    }
    print(
        f"window={args.window}, {N_FEATURES} float32 features, "
        f"median time of {args.repeats} runs, largest peak\n"
    )
    print(f"{'rows':>9}  {'contender':<26} {'time (ms)':>10} {'peak extra (MB)':>16}")
    for n_rows in (10_000, 100_000, 1_000_000):
        X = np.random.default_rng(0).normal(size=(n_rows, N_FEATURES))
        X = X.astype(np.float32)
        runs = {name: [] for name in contenders}
        for _ in range(args.repeats):
            for name, function in contenders.items():
                if name == "tutorial loop" and n_rows > args.loop_max:
                    continue
                runs[name].append(measure(function, X, args.window))
        print(f"{n_rows:>9}  input: {X.nbytes / 1e6:.1f} MB")
        for name, results in runs.items():
            if not results:
                print(f"{'':>9}  {name:<26} {'skipped (--loop-max)':>27}")
                continue
            seconds = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            print(f"{'':>9}  {name:<26} {seconds * 1e3:>10.2f} {peak / 1e6:>16.1f}")


if __name__ == "__main__":
    main()
