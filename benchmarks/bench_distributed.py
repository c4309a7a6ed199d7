"""Data-parallel training (distributed=True) against one process: loss and fit time.

One process fits an LSTMRegressor with 1 or 2 threads; then two processes
started by ``torch.distributed.run`` (gloo, one thread each) fit the same
model with ``distributed=True`` and the same global ``batch_size``. Each fit
reports its final training loss and its fit time (the slowest rank's, which
is when the model is ready); settings alternate within each repeat and the
table gives medians.

    python benchmarks/bench_distributed.py
    python benchmarks/bench_distributed.py --repeats 5 --windows 4096 --epochs 5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import describe_machine, load_average

WORKER = """
import json, os, sys, time
import numpy as np
from sklstm import LSTMRegressor

windows, epochs, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4]
distributed = sys.argv[3] == "1"
rng = np.random.default_rng(0)
X = rng.normal(size=(windows, 24, 2)).astype(np.float32)
y = X[:, -1, 0] + 0.5 * X[:, -3, 1] + 0.1 * rng.normal(size=windows)
model = LSTMRegressor(hidden_size=32, batch_size=64, max_epochs=epochs, random_state=0,
                      early_stopping=False, distributed=distributed)
start = time.perf_counter()
model.fit(X, y)
seconds = time.perf_counter() - start
rank = os.environ.get("RANK", "0")
with open(f"{out}/result{rank}.json", "w") as file:
    json.dump({"seconds": seconds, "loss": model.loss_curve_[-1]}, file)
"""

SETTINGS = {
    "1 process, 1 thread": (1, 1),
    "1 process, 2 threads": (1, 2),
    "2 processes (gloo), 1 thread each": (2, 1),
}


def run(n_processes, n_threads, windows, epochs):
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "OMP_NUM_THREADS": str(n_threads), "PYTHONPATH": root}
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    with tempfile.TemporaryDirectory() as out:
        script = Path(out) / "worker.py"
        script.write_text(WORKER)
        arguments = [str(script), str(windows), str(epochs), str(int(n_processes > 1))]
        if n_processes > 1:
            launcher = ["-m", "torch.distributed.run", "--standalone"]
            command = [sys.executable, *launcher, f"--nproc_per_node={n_processes}"]
        else:
            command = [sys.executable]
        subprocess.run([*command, *arguments, out], env=env, check=True)
        results = [json.loads(path.read_text()) for path in Path(out).glob("*.json")]
    losses = {result["loss"] for result in results}
    assert len(losses) == 1, f"the ranks ended with different losses: {losses}"
    return max(result["seconds"] for result in results), losses.pop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--windows", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    describe_machine()
    times = {name: [] for name in SETTINGS}
    losses = {name: [] for name in SETTINGS}
    for _ in range(args.repeats):
        for name, (n_processes, n_threads) in SETTINGS.items():
            seconds, loss = run(n_processes, n_threads, args.windows, args.epochs)
            times[name].append(seconds)
            losses[name].append(loss)
    print(f"load average at the end: {load_average()}; {time.ctime()}")
    base = statistics.median(times["1 process, 1 thread"])
    reference = np.median(losses["1 process, 1 thread"])
    print("| setting | final train loss | relative to 1 process | fit time | ratio |")
    print("|---|---|---|---|---|")
    for name in SETTINGS:
        seconds = statistics.median(times[name])
        loss = float(np.median(losses[name]))
        print(
            f"| {name} | {loss:.6f} | {loss / reference - 1:+.1e} | {seconds:.2f} s "
            f"| {seconds / base:.2f}x |"
        )


if __name__ == "__main__":
    main()
