"""The first fit in a process: what it pays once, and what of it is torch._dynamo.

torch.optim's optimizers wrap their methods with ``torch._disable_dynamo``,
which imports ``torch._dynamo`` (and with it much of torch's compiler stack)
the first time any optimizer is built. sklstm itself never imports it. Each
repeat starts a fresh Python process that imports sklstm, then times

- ``import torch._dynamo`` alone (first contender), or
- the first and the second identical fit (second contender: 200 windows of
  24 steps, hidden 32, 50 epochs, one thread),

so the one-off cost of the first fit is (first fit - second fit), and the
share of it that is the import is visible. Median of ``--repeats`` processes.

    python benchmarks/bench_first_fit.py
"""

import argparse
import json
import statistics
import subprocess
import sys

PROGRAM = """
import json, sys, time
import numpy as np
import sklstm
assert "torch._dynamo" not in sys.modules
if sys.argv[1] == "import":
    start = time.perf_counter()
    import torch._dynamo
    print(json.dumps({"import": time.perf_counter() - start}))
else:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 24, 1)).astype(np.float32)
    y = X[:, -1, 0]
    times = []
    for _ in range(2):
        model = sklstm.LSTMRegressor(hidden_size=32, max_epochs=50, n_threads=1,
                                     random_state=0)
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    print(json.dumps({"first": times[0], "second": times[1]}))
"""


def run(mode):
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    results = {"import": [], "first": [], "second": []}
    for _ in range(args.repeats):
        for mode in ("import", "fit"):
            results.update({k: results[k] + [v] for k, v in run(mode).items()})
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"import torch._dynamo in a fresh process: {med['import']:.2f} s")
    print(
        f"first fit: {med['first']:.2f} s, second fit: {med['second']:.2f} s, "
        f"one-off cost: {med['first'] - med['second']:.2f} s "
        f"(median of {args.repeats} processes)"
    )


if __name__ == "__main__":
    main()
