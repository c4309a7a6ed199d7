"""GPU throughput and memory: LSTMRegressor on CUDA, in float32, float16 and bfloat16.

The fit of ``bench_fit.py`` (n=16000 windows of 48 steps x 4 features, batch
128, 2 epochs, Adam) at hidden size 256, then a prediction of the same
windows, for each contender:

- hand-written loop on CUDA: data moved to the GPU once, batches indexed
  there, predicted in batches of 4096 under ``torch.inference_mode``: the
  floor to compare against;
- LSTMRegressor(device="cuda"), and with ``amp="float16"`` (autocast and
  loss scaling) and ``amp="bfloat16"`` (autocast, no scaling);
- LSTMRegressor(device="cpu"), with ``--cpu``.

Each row gives training and prediction throughput (windows per second:
epochs x windows / fit time; windows / predict time), as medians over the
repeats with the training ratio to the hand-written loop, and the peak of
``torch.cuda.max_memory_allocated`` during fit and during predict (the peak
statistics are reset before each). Contenders alternate inside each repeat.
Without a CUDA GPU the script says so and exits with status 0.

    PYTHONPATH=$PWD python benchmarks/bench_gpu.py
    PYTHONPATH=$PWD python benchmarks/bench_gpu.py --repeats 5 --cpu
"""

import argparse
import statistics
import time

import numpy as np
import torch
from _harness import describe_machine, load_average
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
PREDICT_BATCH = 4096
REFERENCE = "hand-written loop, cuda"
MIB = 2**20


def hand_written_predict(module, X):
    """The module's predictions of ``X``, batches of PREDICT_BATCH moved to the GPU."""
    module.eval()
    parts = []
    with torch.inference_mode():
        for start in range(0, len(X), PREDICT_BATCH):
            batch = torch.from_numpy(X[start : start + PREDICT_BATCH]).to("cuda")
            parts.append(module(batch).cpu())
    return torch.cat(parts).numpy()


def contenders_for(X, y, with_cpu):
    """Name -> (fit function, predict function of what fit returned)."""
    contenders = {
        REFERENCE: (
            lambda: hand_written_loop(X, y, HIDDEN_SIZE, device="cuda"),
            lambda module: hand_written_predict(module, X),
        )
    }
    settings = {"cuda": {}, "cuda, amp='float16'": {"amp": "float16"}}
    settings["cuda, amp='bfloat16'"] = {"amp": "bfloat16"}
    for name, params in settings.items():
        contenders[f"LSTMRegressor, {name}"] = (
            lambda params=params: lstm_regressor(
                X, y, HIDDEN_SIZE, device="cuda", **params
            ),
            lambda model: model.predict(X),
        )
    if with_cpu:
        contenders["LSTMRegressor, cpu"] = (
            lambda: lstm_regressor(X, y, HIDDEN_SIZE, device="cpu"),
            lambda model: model.predict(X),
        )
    return contenders


def measured(function, *args):
    """``function(*args)``, its seconds (CUDA synchronised) and peak GPU bytes."""
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    result = function(*args)
    torch.cuda.synchronize()
    return result, time.perf_counter() - start, torch.cuda.max_memory_allocated()


def run(contenders, repeats):
    """Per contender: lists of fit seconds, predict seconds, fit and predict peaks."""
    results = {
        name: {"fit": [], "predict": [], "fit_peak": [], "predict_peak": []}
        for name in contenders
    }
    for _ in range(repeats):
        for name, (fit, predict) in contenders.items():
            fitted, fit_seconds, fit_peak = measured(fit)
            _, predict_seconds, predict_peak = measured(predict, fitted)
            del fitted
            result = results[name]
            result["fit"].append(fit_seconds)
            result["predict"].append(predict_seconds)
            result["fit_peak"].append(fit_peak)
            result["predict_peak"].append(predict_peak)
    return results


def print_results(results, n_samples):
    reference = results[REFERENCE]["fit"]
    print(
        "| contender | train windows/s | train time / hand loop | fit peak MiB "
        "| predict windows/s | predict peak MiB |\n|---|---|---|---|---|---|"
    )
    for name, result in results.items():
        ratio = statistics.median(np.asarray(result["fit"]) / np.asarray(reference))
        train = EPOCHS * n_samples / statistics.median(result["fit"])
        predict = n_samples / statistics.median(result["predict"])
        print(
            f"| {name} | {train:,.0f} | {ratio:.2f} "
            f"| {max(result['fit_peak']) / MIB:,.0f} | {predict:,.0f} "
            f"| {max(result['predict_peak']) / MIB:,.0f} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=16_000)
    parser.add_argument("--cpu", action="store_true", help="add the CPU fit")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("bench_gpu: PyTorch sees no CUDA GPU; nothing to measure.")
        return
    describe_machine()
    X, _, y = make_data(4 * BATCH_SIZE)
    run(contenders_for(X, y, args.cpu), repeats=1)  # warm-up: kernels, cuDNN plans
    X, _, y = make_data(args.n_samples)
    results = run(contenders_for(X, y, args.cpu), args.repeats)
    print(
        f"n={args.n_samples}, steps={N_STEPS}, features={N_FEATURES}, "
        f"hidden={HIDDEN_SIZE}, batch={BATCH_SIZE}, epochs={EPOCHS}: median of "
        f"{args.repeats} (load after: {load_average()})\n"
    )
    print_results(results, args.n_samples)


if __name__ == "__main__":
    main()
