"""GPU fit time: LSTMRegressor on CUDA (with and without amp) vs on CPU.

The fit of ``bench_fit.py`` (n=16000 windows of 48 steps x 4 features, batch
128, 2 epochs, Adam) at hidden size 256:

- hand-written loop on CUDA: data moved to the GPU once, batches indexed
  there: the floor to compare against;
- LSTMRegressor(device="cuda"), and with ``amp=True`` (float16 mixed
  precision);
- LSTMRegressor(device="cpu"), unless ``--no-cpu``.

Contenders alternate inside each repeat; the table gives medians and ratios
to the hand-written CUDA loop. Without a CUDA GPU the script says so and
exits with status 0.

    python benchmarks/bench_gpu.py
    python benchmarks/bench_gpu.py --no-cpu --repeats 5
"""

import argparse

import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from bench_fit import (
    BATCH_SIZE,
    EPOCHS,
    N_FEATURES,
    N_STEPS,
    hand_written_loop,
    lstm_regressor,
    make_data,
)

HIDDEN_SIZE = 256
REFERENCE = "hand-written loop, cuda"


def synchronized(function):
    """``function`` followed by a CUDA synchronisation, so that timings are whole."""

    def run():
        function()
        torch.cuda.synchronize()

    return run


def contenders_for(n_samples, with_cpu):
    X, _, y = make_data(n_samples)
    contenders = {
        REFERENCE: lambda: hand_written_loop(X, y, HIDDEN_SIZE, device="cuda"),
        "LSTMRegressor, cuda": lambda: lstm_regressor(X, y, HIDDEN_SIZE, device="cuda"),
    }
    contenders["LSTMRegressor, cuda, amp"] = lambda: lstm_regressor(
        X, y, HIDDEN_SIZE, device="cuda", amp=True
    )
    if with_cpu:
        contenders["LSTMRegressor, cpu"] = lambda: lstm_regressor(
            X, y, HIDDEN_SIZE, device="cpu"
        )
    return {name: synchronized(function) for name, function in contenders.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=16_000)
    parser.add_argument("--no-cpu", action="store_true", help="leave out the CPU fit")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("bench_gpu: PyTorch sees no CUDA GPU; nothing to measure.")
        return
    describe_machine()
    time_alternating(contenders_for(4 * BATCH_SIZE, not args.no_cpu), repeats=1)
    contenders = contenders_for(args.n_samples, not args.no_cpu)
    seconds = time_alternating(contenders, args.repeats)
    print_table(
        seconds,
        REFERENCE,
        unit="s",
        title=(
            f"n={args.n_samples}, steps={N_STEPS}, features={N_FEATURES}, "
            f"hidden={HIDDEN_SIZE}, batch={BATCH_SIZE}, epochs={EPOCHS}: median of "
            f"{args.repeats} (load after: {load_average()})"
        ),
    )


if __name__ == "__main__":
    main()
