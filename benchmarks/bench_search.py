"""Wall time of one GridSearchCV run sequentially, on joblib's processes, on dask.

The search is StandardScaler -> SlidingWindow -> LSTMRegressor over
``{"lstm__hidden_size": HIDDEN, "window__window": [8, 16]}`` with
TimeSeriesSplit(3), i.e. 12 fits and a refit, on a noisy sine of n rows.
Each backend runs with ``n_threads=None`` (torch's own setting: all cores in
the main process, the share joblib or dask gives each worker) and with
``n_threads=1``; with ``--oversubscribed``, one more contender gives each of
the ``n_jobs`` workers all the cores (``n_threads=os.cpu_count()``), the
oversubscription to avoid (it can be a hundred times slower: run it with one
repeat):

- ``n_jobs=1``: the search in this process;
- ``n_jobs=N``: joblib's default (loky) worker processes;
- ``dask``: a ``distributed.LocalCluster`` of N worker processes with one
  thread each, through ``joblib.parallel_config(backend="dask")``.

Every contender runs once untimed first, so that worker processes have
started and imported torch; then contenders alternate. The threads torch
starts with inside the workers, and the largest difference between any
contender's ``mean_test_score`` and the sequential one, are printed too.

    python benchmarks/bench_search.py                  # 400 rows, 20 epochs
    python benchmarks/bench_search.py --repeats 5
    python benchmarks/bench_search.py --n-samples 2000 --hidden-sizes 64 128
    python benchmarks/bench_search.py --oversubscribed --repeats 1
"""

import argparse
import os
import time
from contextlib import nullcontext

import joblib
import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindow

WINDOWS = [8, 16]
REFERENCE = "n_jobs=1, n_threads=None"


def make_series(n_samples):
    """A noisy sine, one row per step, and its next value."""
    rng = np.random.RandomState(0)
    t = np.arange(n_samples + 1)
    signal = np.sin(2 * np.pi * t / 25) + 0.1 * rng.normal(size=t.size)
    return signal[:-1, np.newaxis], signal[1:]


def make_search(hidden_sizes, epochs, n_jobs, n_threads):
    lstm = LSTMRegressor(
        max_epochs=epochs, lr=1e-2, n_threads=n_threads, random_state=0
    )
    pipe = Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow()), ("lstm", lstm)]
    )
    grid = {"lstm__hidden_size": hidden_sizes, "window__window": WINDOWS}
    return GridSearchCV(pipe, grid, cv=TimeSeriesSplit(3), n_jobs=n_jobs)


def contenders(X, y, args, scores):
    """Functions that each run one search and keep its scores in ``scores``."""

    def run(name, n_jobs, n_threads, backend=None):
        def search():
            model = make_search(args.hidden_sizes, args.epochs, n_jobs, n_threads)
            backend_config = (
                joblib.parallel_config(backend=backend) if backend else nullcontext()
            )
            start = time.perf_counter()
            with backend_config:
                model.fit(X, y)
            seconds = time.perf_counter() - start
            # Progress, with the load: one slow run is visible before the table.
            print(f"  {name}: {seconds:.2f} s (load {load_average()})", flush=True)
            scores[name] = model.cv_results_["mean_test_score"]

        return name, search

    n, cores = args.n_jobs, os.cpu_count()
    runs = [
        run(REFERENCE, 1, None),
        run(f"n_jobs={n}, n_threads=None", n, None),
        run(f"dask {n}x1, n_threads=None", -1, None, "dask"),
        run("n_jobs=1, n_threads=1", 1, 1),
        run(f"n_jobs={n}, n_threads=1", n, 1),
        run(f"dask {n}x1, n_threads=1", -1, 1, "dask"),
    ]
    if args.oversubscribed:
        runs.append(run(f"n_jobs={n}, n_threads={cores}", n, cores))
    return dict(runs)


def worker_threads(client, n_jobs):
    """torch.get_num_threads() in loky's and in dask's worker processes."""
    loky = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(torch.get_num_threads)() for _ in range(n_jobs)
    )
    return sorted(set(loky)), sorted(set(client.run(torch.get_num_threads).values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden-sizes", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--oversubscribed", action="store_true")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    describe_machine()
    X, y = make_series(args.n_samples)
    scores = {}
    with (
        LocalCluster(
            n_workers=args.n_jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        loky, dask = worker_threads(client, args.n_jobs)
        main_threads = torch.get_num_threads()
        wait_policy = os.environ.get("OMP_WAIT_POLICY", "unset")
        print(
            f"torch threads: main {main_threads}, loky {loky}, dask {dask}; "
            f"OMP_WAIT_POLICY {wait_policy}\n"
        )
        runs = contenders(X, y, args, scores)
        for search in runs.values():  # start the workers, import torch there
            search()
        seconds = time_alternating(runs, args.repeats)
    title = (
        f"GridSearchCV, {len(args.hidden_sizes) * len(WINDOWS)} candidates x "
        f"TimeSeriesSplit(3), {args.n_samples} rows, {args.epochs} epochs, "
        f"hidden sizes {args.hidden_sizes}"
    )
    print_table(seconds, REFERENCE, title=title)
    print("max |mean_test_score - sequential search's| with the same n_threads:")
    for name, values in scores.items():
        threads = name.split("n_threads=")[1]
        sequential = scores.get(f"n_jobs=1, n_threads={threads}", scores[REFERENCE])
        print(f"  {name}: {np.max(np.abs(values - sequential)):.3g}")
    gap = np.max(np.abs(scores[REFERENCE] - scores["n_jobs=1, n_threads=1"]))
    print(f"  sequential n_threads=None vs sequential n_threads=1: {gap:.3g}")
    print(f"\nload average at end: {load_average()}")


if __name__ == "__main__":
    main()
