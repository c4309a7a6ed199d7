"""Per-batch overhead of the fit loop, with the network made nearly free.

``bench_fit.py`` compares whole fits, where the LSTM's arithmetic dominates
and a few microseconds a batch hide in the noise. Here the module is the same
``RecurrentNet`` at hidden size 1 on one torch thread (n=16000 windows of 48
steps x 4 features, batch 128, 2 epochs, so 250 batches), and what each
contender adds to the hand-written loop is its own per-batch bookkeeping:

- hand-written loop: batches indexed from whole tensors (the reference);
- numpy fancy-index batches: the same loop fed ``X[rows]`` from numpy, the
  gather sklstm used before it switched to ``index_select``;
- sklstm batches: the same loop fed by sklstm's ``BatchIterator``;
- LSTMRegressor: the estimator (skorch's loop, callbacks and history);
- skorch NeuralNetRegressor: skorch's default Dataset and DataLoader.

Contenders alternate inside each repeat; the table gives medians, ratios and
the time added per batch, (median - reference median) / batches.

    python benchmarks/bench_overhead.py
    python benchmarks/bench_overhead.py --steps 1 --repeats 11
"""

import argparse
import statistics

import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from bench_fit import (
    BATCH_SIZE,
    EPOCHS,
    LR,
    N_FEATURES,
    hand_written_loop,
    hand_written_loop_sklstm_batches,
    lstm_regressor,
    module_params,
    plain_skorch,
)

from sklstm.nn._modules import RecurrentNet

HIDDEN_SIZE = 1
REFERENCE = "hand-written loop"


def numpy_batches_loop(X, y, hidden_size):
    """The hand-written loop fed by numpy fancy indexing, one tensor per batch."""
    torch.manual_seed(0)
    y = torch.from_numpy(y).reshape(-1, 1)
    module = RecurrentNet(**module_params(hidden_size))
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    criterion = torch.nn.MSELoss()
    module.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(X))
        for start in range(0, len(X), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            optimizer.zero_grad()
            X_batch = torch.from_numpy(X[rows.numpy()])
            loss = criterion(module(X_batch), y[rows])
            loss.backward()
            optimizer.step()
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--n-samples", type=int, default=16_000)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    describe_machine()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.n_samples, args.steps, N_FEATURES)).astype(np.float32)
    y = X[:, -1, 0].copy()
    contenders = {
        REFERENCE: lambda: hand_written_loop(X, y, HIDDEN_SIZE),
        "numpy fancy-index batches": lambda: numpy_batches_loop(X, y, HIDDEN_SIZE),
        "sklstm batches": lambda: hand_written_loop_sklstm_batches(X, y, HIDDEN_SIZE),
        "LSTMRegressor": lambda: lstm_regressor(X, y, HIDDEN_SIZE),
        "skorch NeuralNetRegressor": lambda: plain_skorch(X, y, HIDDEN_SIZE),
    }
    time_alternating(contenders, repeats=1)  # warm-up, untimed
    seconds = time_alternating(contenders, args.repeats)
    n_batches = EPOCHS * -(-args.n_samples // BATCH_SIZE)
    print_table(
        seconds,
        REFERENCE,
        unit="ms",
        title=(
            f"n={args.n_samples}, steps={args.steps}, features={N_FEATURES}, "
            f"hidden={HIDDEN_SIZE}, batch={BATCH_SIZE}, epochs={EPOCHS} "
            f"({n_batches} batches), {args.threads} torch thread(s): median of "
            f"{args.repeats} (load after: {load_average()})"
        ),
    )
    reference = statistics.median(seconds[REFERENCE])
    print("  time added per batch (us)")
    for name, times in seconds.items():
        added = (statistics.median(times) - reference) / n_batches
        print(f"  {name:<27} {added * 1e6:>8.1f}")


if __name__ == "__main__":
    main()
