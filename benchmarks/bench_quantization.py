"""Dynamic int8 quantisation: size, CPU latency and accuracy against float32.

``prediction_module(model)`` (float32) against ``prediction_module(model,
quantize=True)`` (LSTM and linear weights in int8, activations quantised per
call), on the CPU:

- size: bytes of the serialized ``state_dict``;
- latency: one window and a batch of 1000 windows (48 steps x 4 features),
  hidden sizes 64 and 128, under ``torch.inference_mode()``; the model is
  fitted for one epoch on random data (latency does not depend on the
  weights). Each timing is the mean over a loop of calls; contenders alternate
  inside each repeat; the table gives the median over repeats;
- accuracy: RMSE on the held-out last 20 % of the El Niño series of a
  StandardScaler + SlidingWindow(24) + LSTMRegressor pipeline, for
  ``predict`` (float64), the float32 module and the int8 module (the test
  windows as one batch, and one window at a time: the int8 activations'
  scale depends on the batch).

    python benchmarks/bench_quantization.py
    python benchmarks/bench_quantization.py --repeats 9 --threads 2
    python benchmarks/bench_quantization.py --skip-accuracy
"""

import argparse
import io

import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindow, prediction_module
from sklstm.datasets import load_elnino

N_FEATURES = 4
N_STEPS = 48
HIDDEN_SIZES = (64, 128)
REFERENCE = "float32"
# Calls per timing: enough for a stable mean, few enough to alternate often.
CALLS = {1: 200, 1000: 3}
WINDOW = 24  # months, for the El Niño pipeline


def state_dict_bytes(module):
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.tell()


def modules(model):
    return {
        REFERENCE: prediction_module(model),
        "int8 dynamic": prediction_module(model, quantize=True),
    }


def repeated(module, X, calls):
    """``calls`` forward passes of ``module`` on ``X``, as a function of no argument."""

    def run():
        with torch.inference_mode():
            for _ in range(calls):
                module(X)

    return run


def size_and_latency(hidden_size, repeats):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, N_STEPS, N_FEATURES)).astype(np.float32)
    model = LSTMRegressor(hidden_size=hidden_size, max_epochs=1, random_state=0)
    contenders = modules(model.fit(X, X[:, -1, 0]))
    sizes = {name: state_dict_bytes(module) for name, module in contenders.items()}
    print(
        f"hidden={hidden_size}: state_dict "
        + ", ".join(f"{name} {size / 1024:.1f} KiB" for name, size in sizes.items())
        + f" (ratio {sizes['int8 dynamic'] / sizes[REFERENCE]:.3f})"
    )
    for n_windows, calls in CALLS.items():
        windows = torch.from_numpy(
            rng.normal(size=(n_windows, N_STEPS, N_FEATURES)).astype(np.float32)
        )
        runs = {
            name: repeated(module, windows, calls)
            for name, module in contenders.items()
        }
        time_alternating(runs, repeats=1)  # warm-up, untimed
        seconds = time_alternating(runs, repeats)
        per_call = {name: [t / calls for t in times] for name, times in seconds.items()}
        print_table(
            per_call,
            REFERENCE,
            unit="ms",
            title=(
                f"{n_windows} window(s), hidden={hidden_size}: time per call, median "
                f"of {repeats} x {calls} calls (load after: {load_average()})"
            ),
        )


def elnino_accuracy(hidden_size, max_epochs):
    sst = load_elnino()
    X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
    n_train = int(len(X) * 0.8)
    lstm = LSTMRegressor(
        hidden_size=hidden_size,
        normalize_y=True,
        max_epochs=max_epochs,
        lr=3e-3,
        early_stopping=True,
        n_iter_no_change=20,
        random_state=0,
    )
    pipe = Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow(WINDOW)), ("lstm", lstm)]
    ).fit(X.iloc[:n_train], y[:n_train])
    # Windows of raw rows ending at each test row (all have a full history).
    rows = sliding_window_view(X.to_numpy(np.float32), WINDOW, axis=0)
    test_windows = torch.from_numpy(
        rows.transpose(0, 2, 1)[n_train - WINDOW + 1 :].copy()
    )
    y_test = y[n_train:]
    predictions = {"predict (float64)": pipe.predict(X)[n_train:]}
    with torch.inference_mode():
        for name, module in modules(pipe).items():
            predictions[f"{name}, one batch"] = module(test_windows).numpy()
            if name != REFERENCE:
                predictions[f"{name}, one window a call"] = np.concatenate(
                    [module(window[None]).numpy() for window in test_windows]
                )
    print(
        f"El Niño, hidden={hidden_size}, {lstm.n_iter_} epochs (kept "
        f"{lstm.best_epoch_}): RMSE on the last {len(y_test)} months (°C); "
        "max |difference| to predict"
    )
    reference = predictions["predict (float64)"]
    for name, values in predictions.items():
        rmse = root_mean_squared_error(y_test, values)
        difference = np.abs(values - reference).max()
        print(f"  {name:<32} {rmse:.5f}  {difference:.2e}")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads")
    parser.add_argument("--max-epochs", type=int, default=200)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    describe_machine()
    print(f"quantized engine: {torch.backends.quantized.engine}\n")
    if not args.skip_latency:
        for hidden_size in HIDDEN_SIZES:
            size_and_latency(hidden_size, args.repeats)
    if not args.skip_accuracy:
        for hidden_size in HIDDEN_SIZES:
            elnino_accuracy(hidden_size, args.max_epochs)


if __name__ == "__main__":
    main()
