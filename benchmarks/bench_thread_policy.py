"""The README's pipeline under each thread policy: fit time, and a fresh process's bits.

Fits ``StandardScaler -> SlidingWindow(24) -> LSTMRegressor(hidden_size=64)``
on a small noisy seasonal series (level about 39) with ``n_threads`` None
(the default: torch's setting within the usable CPUs), 1 and ``"auto"``
(load-adaptive), alternating, and prints each one's median fit time and its
ratio to the default's. Then fits the default once, saves it with joblib,
loads it in a fresh Python process and compares the predictions bit for bit.
``--repo`` points the fresh process at another checkout (e.g. an older
sklstm) to compare.

    python benchmarks/bench_thread_policy.py --repeats 5 --epochs 30
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import joblib
import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindow

SETTINGS = {"default (None)": None, "n_threads=1": 1, '"auto"': "auto"}
RELOAD = """
import sys, joblib, numpy as np
pipe = joblib.load(sys.argv[1])
np.save(sys.argv[2], pipe.predict(np.load(sys.argv[3])))
"""


def series(n_rows=800, seed=0):
    """Rows ``(level, day of a 24-step cycle)`` and the next level."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_rows + 1)
    level = 39 + 3 * np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(0, 0.2, t.size))
    X = np.column_stack([level[:-1], np.cos(2 * np.pi * t[:-1] / 24)])
    return X, level[1:]


def pipeline(n_threads, epochs):
    lstm = LSTMRegressor(
        hidden_size=64, max_epochs=epochs, n_threads=n_threads, random_state=0
    )
    steps = [("scale", StandardScaler()), ("window", SlidingWindow(window=24))]
    return Pipeline([*steps, ("lstm", lstm)]).set_output(transform="pandas")


def reload_in_a_fresh_process(pipe, X, repo):
    """Predictions of ``pipe`` saved with joblib and loaded in a new interpreter."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        joblib.dump(pipe, folder / "model.joblib")
        np.save(folder / "X.npy", X)
        command = [sys.executable, "-c", RELOAD, str(folder / "model.joblib")]
        command += [str(folder / "pred.npy"), str(folder / "X.npy")]
        subprocess.run(command, check=True, cwd=repo)
        return np.load(folder / "pred.npy")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]))
    args = parser.parse_args()
    describe_machine()
    X, y = series()
    seconds = time_alternating(
        {
            name: lambda n=n: pipeline(n, args.epochs).fit(X, y)
            for name, n in SETTINGS.items()
        },
        args.repeats,
    )
    print_table(
        seconds,
        "default (None)",
        title=f"fit, {args.epochs} epochs, {len(X)} rows (median of {args.repeats})",
    )
    fitted = clone(pipeline(None, args.epochs)).fit(X, y)
    here = fitted.predict(X)
    there = reload_in_a_fresh_process(fitted, X, args.repo)
    print(
        f"fitted at {fitted[-1].n_threads_} threads (torch's setting "
        f"{torch.get_num_threads()}); reloaded in a fresh process from {args.repo}: "
        f"bit-identical {np.array_equal(here, there)}, max |difference| "
        f"{np.max(np.abs(here - there)):.3g} on predictions of scale "
        f"{np.max(np.abs(here)):.3g}"
    )
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
