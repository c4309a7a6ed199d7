"""The demo: one-month-ahead El Niño forecasts against honest baselines."""

import time
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._estimators._regressor import LSTMRegressor
from .datasets import load_co2, load_elnino
from .forecasting._backtest import backtest, backtest_summary
from .io._loading import save
from .preprocessing._window import SlidingWindow

__all__ = ["run_demo"]

SEASON = 12  # months
SERIES = {
    "El Nino sea-surface temperature (degC)": ("elnino", load_elnino),
    "Mauna Loa CO2 (ppm), a trending series": ("co2", load_co2),
}
MODELS = {
    "naive": "naive (last month)",
    "seasonal_naive": f"seasonal naive ({SEASON} months ago)",
    "linear": "linear AR on the same windows",
    "y_pred": "LSTM pipeline",
}


def build_pipeline(window, epochs, device, random_state, verbose):
    """The README's pipeline, with early stopping on the latest training rows."""
    lstm = LSTMRegressor(
        hidden_size=64,
        max_epochs=epochs,
        lr=3e-3,
        early_stopping=True,
        n_iter_no_change=25,
        device=device,
        random_state=random_state,
        verbose=verbose,
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("lstm", lstm),
        ]
    )
    return pipe.set_output(transform="pandas")  # the scaler keeps the index


def longest_window(test_fraction=0.2):
    """The most months a window may span: the shortest series' training months."""
    return min(
        round((len(load()) - 1) * (1 - test_fraction)) for _, load in SERIES.values()
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
    """Backtest the README's pipeline on two real series against baselines.

    The series are the monthly El Niño sea-surface temperature (1950-2010)
    and the monthly Mauna Loa CO2 concentration (1958-2001), whose last
    years lie above every earlier value. Row ``t`` of ``X`` is month ``t``
    and the target is month ``t + 1``. For each series the pipeline is
    fitted once on the first ``1 - test_fraction`` of the months, then
    :func:`~sklstm.backtest` forecasts every later month from its real
    history, next to the naive, seasonal naive and linear AR baselines, with
    90 % conformal intervals updated as the months pass.

    Parameters
    ----------
    out : str or Path, default="sklstm-demo"
        Folder for ``forecast_<series>.png``, ``backtest_<series>.csv``,
        ``scores.csv`` and ``model.skops`` (the El Niño pipeline, which
        :func:`sklstm.load` opens; written when skops is installed).
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
        RMSE, MAE and ratio to naive of each model on the held-out months,
        per series, and the coverage of the LSTM's intervals.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = []
    for title, (name, load) in SERIES.items():
        series = load()
        X, y = series.to_frame().iloc[:-1], series.to_numpy()[1:]
        n_train = round(len(y) * (1 - test_fraction))
        pipe = build_pipeline(window, epochs, device, random_state, verbose)
        start = time.perf_counter()
        results = backtest(
            pipe,
            X,
            y,
            initial_train_size=n_train,
            refit=False,
            season_length=SEASON,
            interval=0.9,
        )
        seconds = time.perf_counter() - start
        results.to_csv(out / f"backtest_{name}.csv", index=False)
        table = _scores(results, name)
        tables.append(table)
        _print_report(title, table, results, seconds, device)
        _plot(out / f"forecast_{name}.png", results, title)
        if name == "elnino":
            model = build_pipeline(window, epochs, device, random_state, verbose=0)
            _save_model(model.fit(X.iloc[:n_train], y[:n_train]), out / "model.skops")
    scores = pd.concat(tables)
    scores.to_csv(out / "scores.csv")
    return scores


def _save_model(model, path):
    """Write ``model`` where ``sklstm.load(path)`` opens it with its defaults."""
    try:
        import skops.io  # noqa: F401
    except ImportError:
        print('skops is not installed: no model written (pip install "sklstm[skops]").')
        return
    save(model, path)
    print(f"Model written to {path}; load it with sklstm.load({str(path)!r}).")


def _scores(results, name):
    summary = backtest_summary(results).loc[1]  # one month ahead
    table = pd.DataFrame(
        {
            "series": name,
            "RMSE": summary["rmse"],
            "MAE": summary["mae"],
            "ratio to naive": summary["rmse"] / summary.loc["naive", "rmse"],
        }
    ).rename(index=MODELS)
    table.index.name = "model"
    return table


def _print_report(title, table, results, seconds, device):
    months = pd.DatetimeIndex(results["time"])
    inside = results["y_true"].between(results["lower"], results["upper"])
    has_interval = results["lower"].notna()
    print(
        f"\n{title}: backtest of one-month-ahead forecasts, {months[0]:%Y-%m} to "
        f"{months[-1]:%Y-%m} ({len(results)} months), one fit on {device} and "
        f"the earlier months ({seconds:.1f} s with the baselines)."
    )
    print(table.drop(columns="series").to_string(float_format=lambda v: f"{v:.3f}"))
    print(
        f"90 % conformal interval of the LSTM: coverage "
        f"{inside[has_interval].mean():.1%} of {has_interval.sum()} months."
    )


def _plot(path, results, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "matplotlib is not installed: no plot written (pip install sklstm[plot])."
        )
        return
    from .forecasting._backtest_display import BacktestDisplay

    fig, ax = plt.subplots(figsize=(10, 4))
    BacktestDisplay.from_backtest(results, ax=ax)
    ax.set_title(f"{title}: one-month-ahead backtest")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"Plot written to {path}")
