"""Coverage of MAPIE's ACI intervals around an LSTM pipeline, with and without updates.

One-month-ahead El Niño forecasts (``y[t] = sst[t + 1]``) from a
``SlidingWindow(24)`` + ``LSTMRegressor`` pipeline fitted on the first 60 % of
the months; MAPIE's ``TimeSeriesRegressor(method="aci", cv="prefit")``
conformalizes on the next 20 %; the table gives the coverage and mean width
of the 90 % intervals on the last 20 %:

- "conformalize once": ``conformalize`` then one ``predict`` over the test
  rows, MAPIE wrapping the whole pipeline (the recipe of sklstm 0.1's docs);
- "online, every step": MAPIE wraps the LSTM step and reads the windows of
  the whole series, computed once (each holds past rows only), and at each
  step predicts the next ``step`` months, then, with their truth,
  ``adapt_conformal_inference`` (ACI's miss-driven alpha) and ``update``
  (the newest conformity scores replace the oldest).

    python benchmarks/bench_conformal.py
    python benchmarks/bench_conformal.py --gamma 0.01 --step 3
"""

import argparse
import warnings

import numpy as np
import pandas as pd
from mapie.regression import TimeSeriesRegressor
from sklearn.pipeline import Pipeline

from sklstm import LSTMRegressor, SlidingWindow
from sklstm.datasets import load_elnino

CONFIDENCE_LEVEL = 0.9


def online_intervals(mapie, windows, y, step, gamma):
    """Predict ``step`` rows at a time, then learn from their truth."""
    bounds = []
    for start in range(0, len(y), step):
        rows = slice(start, start + step)
        _, block = mapie.predict(
            windows[rows],
            confidence_level=CONFIDENCE_LEVEL,
            allow_infinite_bounds=True,
        )
        bounds.append(block[:, :, 0])
        mapie.adapt_conformal_inference(
            windows[rows], y[rows], gamma=gamma, confidence_level=CONFIDENCE_LEVEL
        )
        with warnings.catch_warnings():
            # MAPIE 1.6 warns at every update that it changed its behaviour.
            warnings.filterwarnings("ignore", message=r"\s*This function behavior")
            mapie.update(windows[rows], y[rows])
    return np.concatenate(bounds)


def summary(y, bounds):
    low, high = bounds[:, 0], bounds[:, 1]
    finite = np.isfinite(high - low)
    return {
        "coverage": np.mean((y >= low) & (y <= high)),
        "mean width (°C)": np.mean((high - low)[finite]),
        "infinite": int(np.sum(~finite)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gamma", type=float, default=0.05)
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--max-epochs", type=int, default=60)
    args = parser.parse_args()

    sst = load_elnino()
    X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
    n_train, n_calibration = int(0.6 * len(y)), int(0.2 * len(y))
    calibration = slice(n_train, n_train + n_calibration)
    test = slice(n_train + n_calibration, None)
    lstm = LSTMRegressor(
        hidden_size=32,
        max_epochs=args.max_epochs,
        random_state=0,
        n_threads=1,
        normalize_y=True,
    )
    pipe = Pipeline([("window", SlidingWindow(24)), ("lstm", lstm)])
    pipe.fit(X.iloc[:n_train], y[:n_train])

    once = TimeSeriesRegressor(estimator=pipe, method="aci", cv="prefit")
    once.fit(X.iloc[:n_train], y[:n_train])
    once.conformalize(X.iloc[calibration], y[calibration])
    _, bounds = once.predict(X.iloc[test], confidence_level=CONFIDENCE_LEVEL)
    rows = {"conformalize once": summary(y[test], bounds[:, :, 0])}

    windows = pipe[:-1].transform(X)
    online = TimeSeriesRegressor(estimator=pipe[-1], method="aci", cv="prefit")
    online.fit(windows[:n_train], y[:n_train])
    online.conformalize(windows[calibration], y[calibration])
    bounds = online_intervals(online, windows[test], y[test], args.step, args.gamma)
    name = f"online, every {args.step} month(s), gamma={args.gamma}"
    rows[name] = summary(y[test], bounds)

    print(f"{len(y[test])} test months, {CONFIDENCE_LEVEL:.0%} intervals")
    print(pd.DataFrame(rows).T.to_string(float_format=lambda value: f"{value:.3f}"))


if __name__ == "__main__":
    main()
