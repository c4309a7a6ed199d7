"""Predict latency: LSTMRegressor.predict vs calling the module directly.

A LSTMRegressor (48 steps, 4 features, hidden 64, CPU) is fitted briefly on
random data; then, for one window and for batches of 1000 and 20,000 windows:

- LSTMRegressor.predict: input validation, the float32 forward pass, a
  float64 head, float64 numpy output;
- module, float32: the fitted torch module called on a float32 tensor under
  ``torch.inference_mode()``, the least a PyTorch user would write (on the
  20,000 windows at once);
- prediction_module: ``sklstm.prediction_module(model)``, the float32 module
  sklstm exports for deployment (it also scales the output back to y's
  units), called the same way;
- module, float64: the same module in float64, what predict ran on CPUs
  where an earlier version's probe found float32 batches not bit-invariant.

One torch thread (``--threads``). Each timing is the mean over a loop of
calls; contenders alternate inside each repeat and the table gives the median
over repeats and the ratio to the float32 module.

    python benchmarks/bench_predict.py
    python benchmarks/bench_predict.py --repeats 9 --hidden-size 128
"""

import argparse
import copy

import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_per_call

from sklstm import LSTMRegressor, prediction_module

N_FEATURES = 4
N_STEPS = 48
REFERENCE = "module, float32"
# Calls per timing: enough for a stable mean, few enough to alternate often.
CALLS = {1: 200, 1000: 5, 20_000: 1}


def fitted_regressor(hidden_size, n_threads):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, N_STEPS, N_FEATURES)).astype(np.float32)
    y = X[:, -1, 0]
    return LSTMRegressor(
        hidden_size=hidden_size, max_epochs=1, random_state=0, n_threads=n_threads
    ).fit(X, y)


def module_call(module, X):
    with torch.inference_mode():
        return module(torch.from_numpy(X)).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    describe_machine()
    model = fitted_regressor(args.hidden_size, args.threads)
    module32 = model.net_.module_.eval()
    module64 = copy.deepcopy(module32).to(torch.float64)
    exported = prediction_module(model)
    rng = np.random.default_rng(1)
    for n_windows, calls in CALLS.items():
        X = rng.normal(size=(n_windows, N_STEPS, N_FEATURES)).astype(np.float32)
        X64 = X.astype(np.float64)
        contenders = {
            "LSTMRegressor.predict": lambda X=X: model.predict(X),
            REFERENCE: lambda X=X: module_call(module32, X),
            "module, float64": lambda X=X64: module_call(module64, X),
            "prediction_module": lambda X=X: module_call(exported, X),
        }
        per_call = time_per_call(contenders, calls, args.repeats)
        print_table(
            per_call,
            REFERENCE,
            unit="ms",
            title=(
                f"{n_windows} window(s) of {N_STEPS} steps x {N_FEATURES} features, "
                f"hidden={args.hidden_size}: time per call, median of "
                f"{args.repeats} x {calls} calls (load after: {load_average()})"
            ),
        )
    one_window = model.predict(X[:1])
    assert one_window.dtype == np.float64
    # The estimator's output matches the float32 exported module (network and
    # output head, which maps the standardised target back) to float32 precision.
    np.testing.assert_allclose(
        model.predict(X), module_call(exported, X).ravel(), rtol=1e-4, atol=1e-5
    )


if __name__ == "__main__":
    main()
