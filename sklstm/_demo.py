"""The demo: one-month-ahead El Niño forecasts against honest baselines."""

import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ._regressor import LSTMRegressor
from ._window import SlidingWindow
from .datasets import load_elnino

__all__ = ["run_demo"]

SEASON = 12  # months


def _flatten_windows(windows):
    """(n, window, features) -> (n, window * features), for linear models."""
    return windows.reshape(len(windows), -1)


def build_pipelines(window, epochs, device, random_state, verbose):
    """The LSTM pipeline and the linear AR baseline, reading the same windows."""
    lstm = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            (
                "lstm",
                LSTMRegressor(
                    hidden_size=64,
                    max_epochs=epochs,
                    lr=3e-3,
                    batch_size=32,
                    early_stopping=True,
                    n_iter_no_change=25,
                    device=device,
                    random_state=random_state,
                    verbose=verbose,
                ),
            ),
        ]
    )
    linear_ar = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("flatten", FunctionTransformer(_flatten_windows)),
            ("ar", LinearRegression()),
        ]
    )
    # Targets in degrees Celsius are scaled for training and unscaled on predict.
    return (
        TransformedTargetRegressor(regressor=lstm, transformer=StandardScaler()),
        linear_ar,
    )


def run_demo(
    out="sklstm-demo",
    *,
    device="cpu",
    epochs=200,
    window=24,
    test_fraction=0.2,
    random_state=0,
    verbose=1,
):
    """Train the demo pipeline, compare it with baselines and save the results.

    The series is the monthly El Niño sea-surface temperature (1950-2010).
    Row ``t`` of ``X`` is the temperature of month ``t`` and the target is
    month ``t + 1``. Everything is fitted on the first ``1 - test_fraction``
    of the rows; the last rows are held out. Predictions for a held-out month
    use the observed history before it (windows reach back into the training
    period), as a forecaster running each month would.

    Parameters
    ----------
    out : str or Path, default="sklstm-demo"
        Folder for ``forecast.png``, ``model.joblib`` and ``scores.csv``.
    device : str, default="cpu"
        Device for the LSTM.
    epochs : int, default=200
        Maximum epochs (early stopping on the latest training rows may stop
        sooner).
    window : int, default=24
        Months of history in each window.
    test_fraction : float, default=0.2
        Fraction of the months held out at the end.
    random_state : int, default=0
        Seed of the LSTM.
    verbose : int, default=1
        Per-epoch progress when 1.

    Returns
    -------
    scores : pandas.DataFrame
        RMSE of each model on the held-out months.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sst = load_elnino()
    X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
    n_train = round(len(y) * (1 - test_fraction))
    lstm, linear_ar = build_pipelines(window, epochs, device, random_state, verbose)

    start = time.perf_counter()
    lstm.fit(X.iloc[:n_train], y[:n_train])
    fit_seconds = time.perf_counter() - start
    linear_ar.fit(X.iloc[:n_train], y[:n_train])

    last_value = X["sst"].to_numpy()
    forecasts = {
        "naive (last month)": last_value,
        f"seasonal naive ({SEASON} months ago)": np.r_[
            np.full(SEASON - 1, np.nan), last_value[: -(SEASON - 1)]
        ],
        f"linear AR({window}) on the same windows": linear_ar.predict(X),
        "LSTM pipeline": lstm.predict(X),
    }
    y_test = y[n_train:]
    rmse = {
        name: root_mean_squared_error(y_test, forecast[n_train:])
        for name, forecast in forecasts.items()
    }
    naive_rmse = rmse["naive (last month)"]
    scores = pd.DataFrame(
        {
            "RMSE (degC)": rmse,
            "ratio to naive": {k: v / naive_rmse for k, v in rmse.items()},
        }
    )
    scores.index.name = "model"

    test_index = X.index[n_train:] + pd.DateOffset(months=1)
    _print_report(scores, lstm, fit_seconds, test_index, device)
    scores.to_csv(out / "scores.csv")
    joblib.dump(lstm, out / "model.joblib")
    _plot(out / "forecast.png", test_index, y_test, forecasts, n_train)
    return scores


def _print_report(scores, lstm, fit_seconds, test_index, device):
    net = lstm.regressor_.named_steps["lstm"]
    print(
        f"\nLSTM trained for {net.n_iter_} epochs on {device} in {fit_seconds:.1f} s; "
        f"weights of epoch {net.best_epoch_} (lowest loss on the latest training "
        "rows) kept."
    )
    print(
        f"Held-out one-month-ahead forecasts, {test_index[0]:%Y-%m} to "
        f"{test_index[-1]:%Y-%m} ({len(test_index)} months):\n"
    )
    print(scores.to_string(float_format=lambda value: f"{value:.3f}"))
    best = scores["RMSE (degC)"].idxmin()
    print(f"\nLowest RMSE: {best}.")


def _plot(path, test_index, y_test, forecasts, n_train):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "matplotlib is not installed: no plot written (pip install sklstm[plot])."
        )
        return
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(test_index, y_test, color="black", linewidth=2, label="observed")
    for name in ("naive (last month)", "LSTM pipeline"):
        ax.plot(test_index, forecasts[name][n_train:], label=name)
    ar_name = next(name for name in forecasts if name.startswith("linear AR"))
    ax.plot(test_index, forecasts[ar_name][n_train:], linestyle="--", label=ar_name)
    ax.set_ylabel("sea-surface temperature (°C)")
    ax.set_title("El Niño 1+2: one-month-ahead forecasts on held-out months")
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"Plot written to {path}")
