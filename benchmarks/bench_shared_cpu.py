"""Fit time when the CPU is shared: 1, 2 and 4 concurrent processes, searches, dask.

Every process fits the same LSTMRegressor (windows of 24 steps x 2 features,
hidden 64, batch 32) with ``n_threads`` set to 1, to 2, or to ``"auto"``
(sklstm's load-adaptive policy; the default before 0.2). For ``k`` concurrent
processes, ``k`` workers are started, load their data, wait for a common start
time, fit, and report their own fit time; the table gives the median over
workers and repeats, and the ratio to the best setting for that ``k``.
Settings alternate inside each repeat. Then the same fits inside
GridSearchCV(n_jobs=2) (joblib's worker processes) and on a dask LocalCluster
with 2 single-threaded workers (when dask.distributed is installed).

    python benchmarks/bench_shared_cpu.py
    python benchmarks/bench_shared_cpu.py --repeats 5 --processes 1 2 4
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

SETTINGS = {"1 thread": 1, "2 threads": 2, '"auto"': "auto"}


def data(n_windows=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_windows, 24, 2)).astype(np.float32)
    y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    return X, y


def model(n_threads, epochs):
    from sklstm import LSTMRegressor

    return LSTMRegressor(
        hidden_size=64,
        batch_size=32,
        max_epochs=epochs,
        n_threads=n_threads,
        random_state=0,
    )


def worker(args):
    X, y = data()
    setting = args.threads if args.threads == "auto" else int(args.threads)
    estimator = model(setting, args.epochs)
    time.sleep(max(0.0, args.start_at - time.time()))
    start = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - start
    threads = estimator.history_.get("n_threads")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "threads": None if threads is None else threads.tolist(),
            }
        )
    )


def concurrent(n_processes, threads, epochs):
    """Start ``n_processes`` workers together; their fit times in seconds."""
    start_at = time.time() + 3.0  # after every worker has imported and loaded
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--threads",
        str(threads),
        "--epochs",
        str(epochs),
        "--start-at",
        str(start_at),
    ]
    workers = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        for _ in range(n_processes)
    ]
    reports = [json.loads(w.communicate()[0].strip().splitlines()[-1]) for w in workers]
    return [r["seconds"] for r in reports], [r["threads"] for r in reports]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--threads", default="auto")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-search", action="store_true")
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    print(f"CPUs: {os.cpu_count()}, load average at start: {os.getloadavg()}")
    for k in args.processes:
        chosen = []

        def fit_together(n_threads, k=k, chosen=chosen):
            seconds, threads = concurrent(k, n_threads, args.epochs)
            if n_threads == "auto":
                chosen.append(threads)
            return statistics.median(seconds)

        report(
            f"{k} concurrent process(es), {args.epochs} epochs each: "
            "median fit time per process",
            alternate(fit_together, args.repeats),
        )
        print(f'  threads "auto" used per epoch: {chosen[-1]}')
    if not args.no_search:
        searches(args.repeats, args.epochs)


def alternate(run, repeats):
    """``run(n_threads)`` for every setting in turn, ``repeats`` times; the times."""
    times = {name: [] for name in SETTINGS}
    names = list(SETTINGS)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(run(SETTINGS[name]))
    return times


def report(title, times):
    """Median times, and each setting's median ratio to the best in the same repeat."""
    medians = {name: statistics.median(t) for name, t in times.items()}
    best_per_repeat = [min(run) for run in zip(*times.values(), strict=True)]
    print(f"\n{title} (load {os.getloadavg()[0]:.2f})")
    print(f"  {'n_threads':<16} {'median':>9}  ratio to the repeat's best  (times)")
    for name, median in medians.items():
        ratio = statistics.median(
            t / best for t, best in zip(times[name], best_per_repeat, strict=True)
        )
        print(
            f"  {name:<16} {median:8.2f} s  x{ratio:.2f}  "
            f"({', '.join(f'{t:.2f}' for t in times[name])})"
        )


def searches(repeats, epochs):
    """GridSearchCV(n_jobs=2) with loky and on dask: wall time per thread setting."""
    import joblib
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    X, y = data(n_windows=600)
    backends = {"loky, n_jobs=2": ("loky", None)}
    try:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
        client = Client(cluster)
        backends["dask, 2 workers x 1 thread"] = ("dask", client)
    except ImportError:
        client = None
        print("dask.distributed is not installed: no dask row")

    def search(backend, n_threads):
        grid = GridSearchCV(
            model(n_threads, epochs),
            {"hidden_size": [32, 64]},
            cv=TimeSeriesSplit(3),
            n_jobs=2,
        )
        with joblib.parallel_config(backend=backend):
            grid.fit(X, y)

    for label, (backend, _) in backends.items():
        search(backend, 1)  # warm-up: worker start-up and imports

        def timed(n_threads, backend=backend):
            start = time.perf_counter()
            search(backend, n_threads)
            return time.perf_counter() - start

        report(
            f"GridSearchCV, {label}: 2 sizes x TimeSeriesSplit(3) + refit, "
            f"{epochs} epochs",
            alternate(timed, repeats),
        )
    if client is not None:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
