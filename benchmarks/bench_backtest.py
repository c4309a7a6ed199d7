"""Backtest overhead: 100 origins without refit vs one predict over the same rows.

With ``refit=False`` a backtest fits once and, since no refit happens between
origins, predicts every origin in one call over the rows they span (each
origin still sees its real history through the SlidingWindow). This times,
for a small LSTM pipeline (window 16, hidden 16, 1 epoch, CPU):

- fit: cloning and fitting the pipeline on the training rows;
- fit + one predict: the least any backtest can do, the fit plus one
  ``predict`` over the rows from ``window - 1`` before the first origin to
  the last one;
- backtest, refit=False: ``sklstm.backtest`` over 100 origins, no baselines;
- fit + 100 predicts: a per-origin loop, one ``predict`` of ``window`` rows
  per origin, what batching avoids.

Contenders alternate inside each repeat; the table gives the median over
repeats and the ratio to "fit + one predict"; the last line also divides
the backtest by one predict alone (a ratio that includes its one fit).

    python benchmarks/bench_backtest.py
    python benchmarks/bench_backtest.py --repeats 9 --threads 2
"""

import argparse
import statistics

import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from sklstm import LSTMRegressor, SlidingWindow, backtest

N_ORIGINS = 100
N_TRAIN = 200
WINDOW = 16
REFERENCE = "fit + one predict"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    describe_machine()
    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=N_TRAIN + N_ORIGINS + 1))
    X, y = series[:-1, None], series[1:]
    lstm = LSTMRegressor(
        hidden_size=16, max_epochs=1, random_state=0, n_threads=args.threads
    )
    pipe = Pipeline([("window", SlidingWindow(WINDOW)), ("lstm", lstm)])
    origins = np.arange(N_TRAIN, N_TRAIN + N_ORIGINS)
    span = X[origins[0] - WINDOW + 1 :]
    fitted = clone(pipe).fit(X[:N_TRAIN], y[:N_TRAIN])

    def per_origin_loop():
        model = clone(pipe).fit(X[:N_TRAIN], y[:N_TRAIN])
        return [model.predict(X[o - WINDOW + 1 : o + 1])[-1] for o in origins]

    contenders = {
        "fit": lambda: clone(pipe).fit(X[:N_TRAIN], y[:N_TRAIN]),
        REFERENCE: lambda: clone(pipe).fit(X[:N_TRAIN], y[:N_TRAIN]).predict(span),
        "backtest, refit=False": lambda: backtest(
            pipe, X, y, initial_train_size=N_TRAIN, refit=False, baselines=()
        ),
        f"fit + {N_ORIGINS} predicts": per_origin_loop,
        "one predict": lambda: fitted.predict(span),
    }
    time_alternating(contenders, repeats=1)  # warm-up
    seconds = time_alternating(contenders, args.repeats)
    ratios = print_table(
        seconds,
        REFERENCE,
        unit="ms",
        title=(
            f"{N_ORIGINS} origins after {N_TRAIN} training rows, window {WINDOW}: "
            f"median of {args.repeats} repeats (load after: {load_average()})"
        ),
    )
    over_predict = statistics.median(
        run / predict
        for run, predict in zip(
            seconds["backtest, refit=False"], seconds["one predict"], strict=True
        )
    )
    print(
        f"backtest / (fit + one predict): {ratios['backtest, refit=False']:.2f}; "
        f"backtest / one predict: {over_predict:.2f} (its one fit included); "
        f"per-origin loop / (fit + one predict): "
        f"{ratios[f'fit + {N_ORIGINS} predicts']:.2f}"
    )
    results = backtest(
        pipe, X, y, initial_train_size=N_TRAIN, refit=False, baselines=()
    )
    np.testing.assert_allclose(results["y_pred"], fitted.predict(span)[WINDOW - 1 :])


if __name__ == "__main__":
    main()
