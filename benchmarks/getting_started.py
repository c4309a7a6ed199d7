"""The numbers of docs/getting_started.md, from the page's own code.

Runs the page's pipeline as written (El Niño: one fit on the first 80 % of
the months, scored on the rest against the naive forecast; CO2: the
``backtest`` of section 5, ``refit=False``, 90 % intervals) and the same
CO2 backtest with ``level=None``, which the page quotes as the control, and
prints every number the page states. One torch thread, seed 0.

    python benchmarks/getting_started.py
"""

import pandas as pd
import torch
from sklearn.base import clone
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, SlidingWindow, backtest, backtest_summary
from sklstm.datasets import load_co2, load_elnino


def page_model():
    """Section 3's pipeline, unchanged."""
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=24)),
            (
                "lstm",
                LSTMRegressor(
                    hidden_size=32,
                    max_epochs=200,
                    lr=3e-3,
                    early_stopping=True,
                    n_iter_no_change=20,
                    random_state=0,
                ),
            ),
        ]
    ).set_output(transform="pandas")


def elnino_scores():
    """Section 4: the LSTM's and the naive forecast's test RMSE (°C)."""
    sst = load_elnino()
    X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
    n_train = int(len(X) * 0.8)
    model = page_model().fit(X.iloc[:n_train], y[:n_train])
    forecast = model.predict(X)[n_train:]
    naive = X["sst"].to_numpy()[n_train:]
    return (
        root_mean_squared_error(y[n_train:], forecast),
        root_mean_squared_error(y[n_train:], naive),
    )


def co2_backtest(**lstm_params):
    """Section 5: the CO2 backtest's summary, with the LSTM's parameters set."""
    co2 = load_co2()
    X, y = co2.to_frame().iloc[:-1], co2.to_numpy()[1:]
    model = clone(page_model()).set_params(
        **{f"lstm__{key}": value for key, value in lstm_params.items()}
    )
    results = backtest(
        model, X, y, initial_train_size=int(len(y) * 0.8), refit=False, interval=0.9
    )
    return backtest_summary(results)


def main():
    torch.set_num_threads(1)
    lstm, naive = elnino_scores()
    print(f"El Niño test RMSE: LSTM {lstm:.3f} °C, naive {naive:.3f} °C")
    summary = co2_backtest()
    print("CO2 backtest, level='auto' (the page's table):")
    with pd.option_context("display.width", 120, "display.max_columns", None):
        print(summary)
    rmse = summary["rmse"].droplevel("step")
    print(
        f"LSTM / linear AR: {rmse['y_pred'] / rmse['linear']:.3f}; "
        f"naive / LSTM: {rmse['naive'] / rmse['y_pred']:.2f}; "
        f"coverage {summary['coverage'].iloc[0]:.3f}"
    )
    without_level = co2_backtest(level=None)["rmse"].droplevel("step")
    print(f"CO2 backtest, level=None: LSTM RMSE {without_level['y_pred']:.2f} ppm")


if __name__ == "__main__":
    main()
