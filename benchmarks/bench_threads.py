"""What the per-fit random state costs when fits run in threads.

Four clones of one estimator are fitted sequentially and in four threads,
without dropout (shuffles draw from each fit's own generator: no lock during
training) and with dropout (dropout draws from torch's global generator, so a
training run holds a process-wide lock). Every fit uses one torch thread.
Prints the wall times and checks that the threaded models equal the
sequential one bit for bit.

    python benchmarks/bench_threads.py
"""

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.base import clone

from sklstm import LSTMRegressor


def main(n_fits=4, repeats=3):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 24, 2)).astype(np.float32)
    y = X[:, -1, 0] - 0.5 * X[:, -3, 1]
    for dropout in (0.0, 0.2):
        estimator = LSTMRegressor(
            hidden_size=32, max_epochs=3, dropout=dropout, random_state=0, n_threads=1
        )

        def fit(_, estimator=estimator):
            return clone(estimator).fit(X, y).predict(X[:100])

        times = {"sequential": [], "threads": []}
        for _ in range(repeats):
            start = time.perf_counter()
            sequential = [fit(i) for i in range(n_fits)]
            times["sequential"].append(time.perf_counter() - start)
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n_fits) as pool:
                threaded = list(pool.map(fit, range(n_fits)))
            times["threads"].append(time.perf_counter() - start)
        identical = all(np.array_equal(a, sequential[0]) for a in sequential + threaded)
        seq, thr = np.median(times["sequential"]), np.median(times["threads"])
        print(
            f"dropout={dropout}: {n_fits} fits sequential {seq:.2f} s, "
            f"{n_fits} threads {thr:.2f} s (ratio {thr / seq:.2f}); "
            f"bit-identical: {identical}"
        )


if __name__ == "__main__":
    main()
