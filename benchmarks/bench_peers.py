"""sklstm against plain skorch, darts, neuralforecast and skforecast, one step ahead.

Each library fits an LSTM on the first 80 % of a real series and predicts
every later value from the real values before it (a rolling one-step
forecast that never refits); RMSE is compared with the naive forecast (the
last value). Two settings per library:

- ``equal``: one LSTM layer of 32 units, input window 24, 50 epochs (or the
  same number of gradient steps), batch 32, Adam at lr 1e-3, the target
  scaled by the library's usual scaler;
- ``defaults``: the library's own defaults for its LSTM, with only what it
  requires set (the input window is 24 everywhere); :data:`NOTES` says what.

Every fit runs in a fresh worker process of this script (``--worker LIB``,
reading its task as JSON on stdin and printing its result as JSON) with one
torch thread (``OMP_NUM_THREADS=1`` and ``torch.set_num_threads(1)``), so
that each library pays the same first-fit costs (the worker makes one torch
optimizer before timing anything: the first one imports ``torch._dynamo``,
which lightning and keras import anyway); sklstm and plain skorch run
with this interpreter, each peer with the interpreter of its own virtual
environment. Inside each repeat the libraries run in turn, each repeat
starting one library later; fit-time ratios are the median over repeats of
a library's fit time divided by sklstm's in the same repeat and setting.

The peers are not dependencies of sklstm: install each one into its own
virtual environment, the CPU build of torch first (a plain torch requirement
pulls the CUDA wheels)::

    python -m venv /work/venv-darts
    /work/venv-darts/bin/pip install torch==2.13.0
    /work/venv-darts/bin/pip install "darts[torch]"
    python -m venv /work/venv-nf
    /work/venv-nf/bin/pip install torch==2.13.0
    /work/venv-nf/bin/pip install neuralforecast
    python -m venv /work/venv-skf
    /work/venv-skf/bin/pip install torch==2.13.0
    /work/venv-skf/bin/pip install skforecast keras matplotlib

then, from the repository root with sklstm installed::

    python benchmarks/bench_peers.py \\
        --python darts=/work/venv-darts/bin/python \\
        --python neuralforecast=/work/venv-nf/bin/python \\
        --python skforecast=/work/venv-skf/bin/python \\
        --plot docs/bench_peers.png

``--quick`` runs the equal settings on one series, once, for 3 epochs (a
smoke test). A peer without ``--python`` is skipped with a note. The results
of a run are in docs/benchmarks.md.
"""

import argparse
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np

WINDOW = 24
TEST_FRACTION = 0.2
SETTINGS = ("equal", "defaults")
EQUAL = {"hidden_size": 32, "epochs": 50, "batch_size": 32, "lr": 1e-3}
LIBRARIES = ("sklstm", "skorch", "darts", "neuralforecast", "skforecast")
PEERS = ("darts", "neuralforecast", "skforecast")

# What each library's "defaults" run sets beyond the input window of 24.
NOTES = {
    "sklstm": "LSTMRegressor() behind SlidingWindow(24): hidden 64, 100 epochs, "
    "batch 32, Adam lr 1e-3, normalize_y, level='last'",
    "skorch": "NeuralNetRegressor defaults (SGD lr 0.01, 10 epochs, batch 128, "
    "20 % validation split, no shuffling) on the hand-written module (hidden 32) "
    "and StandardScaler",
    "darts": "BlockRNNModel(model='LSTM', input_chunk_length=24, "
    "output_chunk_length=1): hidden 25, 100 epochs, batch 32, Adam lr 1e-3; "
    "Scaler() (min-max)",
    "neuralforecast": "LSTM(h=1, input_size=24): encoder 2 x 128, MLP decoder "
    "2 x 128, MAE loss, max_steps 1000 of 128 sampled windows, lr 1e-3, "
    "scaler_type='robust'",
    "skforecast": "create_and_compile_model(lags=24, steps=1): LSTM 100, dense 64 "
    "(relu), Adam lr 1e-3, MSE; ForecasterRnn's MinMaxScaler; keras' batch 32 and "
    "50 epochs (keras' default is 1)",
}


def _n_steps(n_windows, epochs, batch_size):
    """Gradient steps of ``epochs`` epochs over ``n_windows`` windows."""
    return epochs * math.ceil(n_windows / batch_size)


# --- contenders: each fits on values[:cut] and predicts values[cut:] -----------
#
# A runner takes (values, cut, seed, setting, epochs) and returns
# (fit seconds, predict seconds, predictions of values[cut:], each made from
# the values before it). The timed fit includes the library's scaler, the
# making of its training data and of its network (skforecast's keras model is
# built by create_and_compile_model, the others' inside fit); imports happen
# before.


def _run_sklstm(values, cut, seed, setting, epochs):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklstm import LSTMRegressor, SlidingWindow

    if setting == "equal":
        lstm = LSTMRegressor(
            hidden_size=EQUAL["hidden_size"],
            max_epochs=epochs,
            batch_size=EQUAL["batch_size"],
            lr=EQUAL["lr"],
            n_threads=1,
            random_state=seed,
        )
        model = make_pipeline(StandardScaler(), SlidingWindow(WINDOW), lstm)
    else:
        lstm = LSTMRegressor(n_threads=1, random_state=seed)
        model = make_pipeline(SlidingWindow(WINDOW), lstm)
    # Row t of X is the value at t, its target the value at t + 1.
    X, y = values[:-1, None], values[1:]
    start = time.perf_counter()
    model.fit(X[: cut - 1], y[: cut - 1])
    fitted = time.perf_counter()
    predictions = model.predict(X)[cut - 1 :]
    return fitted - start, time.perf_counter() - fitted, predictions


def _lstm_module():
    import torch

    class LastStepLSTM(torch.nn.Module):
        """An LSTM layer and a linear head on its last step.

        Input ``(batch, time)``, output ``(batch, 1)``.
        """

        def __init__(self, hidden_size=32):
            super().__init__()
            self.lstm = torch.nn.LSTM(1, hidden_size, batch_first=True)
            self.head = torch.nn.Linear(hidden_size, 1)

        def forward(self, X):
            output, _ = self.lstm(X.unsqueeze(-1))
            return self.head(output[:, -1])

    return LastStepLSTM


def _run_skorch(values, cut, seed, setting, epochs):
    import torch
    from numpy.lib.stride_tricks import sliding_window_view
    from sklearn.preprocessing import StandardScaler
    from skorch import NeuralNetRegressor

    torch.manual_seed(seed)
    if setting == "equal":
        net = NeuralNetRegressor(
            _lstm_module(),
            module__hidden_size=EQUAL["hidden_size"],
            max_epochs=epochs,
            batch_size=EQUAL["batch_size"],
            lr=EQUAL["lr"],
            optimizer=torch.optim.Adam,
            train_split=None,
            iterator_train__shuffle=True,
            verbose=0,
        )
    else:
        net = NeuralNetRegressor(
            _lstm_module(), module__hidden_size=EQUAL["hidden_size"], verbose=0
        )
    start = time.perf_counter()
    scaler = StandardScaler().fit(values[:cut, None])
    scaled = scaler.transform(values[:, None])[:, 0].astype(np.float32)
    # Window i holds values i .. i + 23, its target is value i + 24.
    X = sliding_window_view(scaled[: cut - 1], WINDOW)
    net.fit(np.ascontiguousarray(X), scaled[WINDOW:cut, None])
    fitted = time.perf_counter()
    X_test = sliding_window_view(scaled[cut - WINDOW : -1], WINDOW)
    scaled_predictions = net.predict(np.ascontiguousarray(X_test))
    predictions = scaler.inverse_transform(scaled_predictions)[:, 0]
    return fitted - start, time.perf_counter() - fitted, predictions


def _quiet_lightning():
    import logging
    import warnings

    for name in ("lightning", "lightning.pytorch", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


_TRAINER = {
    "accelerator": "cpu",
    "enable_progress_bar": False,
    "enable_model_summary": False,
    "logger": False,
    "enable_checkpointing": False,
}


def _run_darts(values, cut, seed, setting, epochs):
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel
    from sklearn.preprocessing import StandardScaler

    _quiet_lightning()
    window = {"input_chunk_length": WINDOW, "output_chunk_length": 1}
    if setting == "equal":
        model = BlockRNNModel(
            model="LSTM",
            **window,
            hidden_dim=EQUAL["hidden_size"],
            n_rnn_layers=1,
            n_epochs=epochs,
            batch_size=EQUAL["batch_size"],
            optimizer_kwargs={"lr": EQUAL["lr"]},
            random_state=seed,
            pl_trainer_kwargs=_TRAINER,
        )
        scaler = Scaler(StandardScaler())
    else:
        model = BlockRNNModel(
            model="LSTM", **window, random_state=seed, pl_trainer_kwargs=_TRAINER
        )
        scaler = Scaler()
    # float32, as darts' documentation recommends for its torch models.
    series = TimeSeries.from_values(values.astype(np.float32))
    start = time.perf_counter()
    train = scaler.fit_transform(series[:cut])
    model.fit(train, verbose=False)
    fitted = time.perf_counter()
    forecasts = model.historical_forecasts(
        scaler.transform(series),
        start=cut,
        start_format="position",
        forecast_horizon=1,
        stride=1,
        retrain=False,
        last_points_only=True,
        verbose=False,
    )
    predictions = scaler.inverse_transform(forecasts).values()[:, 0]
    return fitted - start, time.perf_counter() - fitted, predictions


def _run_neuralforecast(values, cut, seed, setting, epochs):
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MSE
    from neuralforecast.models import LSTM

    _quiet_lightning()
    if setting == "equal":
        # neuralforecast counts gradient steps, each on a sample of windows.
        steps = _n_steps(cut - WINDOW, epochs, EQUAL["batch_size"])
        model = LSTM(
            h=1,
            input_size=WINDOW,
            encoder_n_layers=1,
            encoder_hidden_size=EQUAL["hidden_size"],
            decoder_layers=1,
            loss=MSE(),
            max_steps=steps,
            batch_size=1,
            windows_batch_size=EQUAL["batch_size"],
            learning_rate=EQUAL["lr"],
            scaler_type="standard",
            random_seed=seed,
            **_TRAINER,
        )
    else:
        model = LSTM(h=1, input_size=WINDOW, random_seed=seed, **_TRAINER)
    frame = pd.DataFrame({"unique_id": "series", "ds": np.arange(len(values))})
    frame["y"] = values
    forecaster = NeuralForecast(models=[model], freq=1)
    start = time.perf_counter()
    forecaster.fit(frame.iloc[:cut], val_size=0)
    fitted = time.perf_counter()
    # use_fitted: predict every window of the test rows with the fitted
    # weights, each from the real values before it.
    forecasts = forecaster.cross_validation(
        frame,
        n_windows=None,
        test_size=len(values) - cut,
        step_size=1,
        refit=False,
        use_fitted=True,
    )
    predictions = forecasts["LSTM"].to_numpy()
    return fitted - start, time.perf_counter() - fitted, predictions


def _run_skforecast(values, cut, seed, setting, epochs):
    import keras
    import pandas as pd
    from skforecast.deep_learning import ForecasterRnn, create_and_compile_model
    from skforecast.model_selection import (
        TimeSeriesFold,
        backtesting_forecaster_multiseries,
    )
    from sklearn.preprocessing import StandardScaler

    keras.utils.set_random_seed(seed)
    series = pd.DataFrame({"y": values})
    train = series.iloc[:cut]
    start = time.perf_counter()
    if setting == "equal":
        model = create_and_compile_model(
            train,
            lags=WINDOW,
            steps=1,
            levels="y",
            recurrent_units=EQUAL["hidden_size"],
            dense_units=None,
            compile_kwargs={
                "optimizer": keras.optimizers.Adam(learning_rate=EQUAL["lr"]),
                "loss": "mse",
            },
        )
        forecaster = ForecasterRnn(
            model,
            levels="y",
            lags=WINDOW,
            transformer_series=StandardScaler(),
            fit_kwargs={
                "epochs": epochs,
                "batch_size": EQUAL["batch_size"],
                "verbose": 0,
            },
        )
    else:
        model = create_and_compile_model(train, lags=WINDOW, steps=1, levels="y")
        # keras trains 1 epoch unless told: as many as the equal settings.
        forecaster = ForecasterRnn(
            model,
            levels="y",
            lags=WINDOW,
            fit_kwargs={"epochs": EQUAL["epochs"], "verbose": 0},
        )
    forecaster.fit(train)
    fitted = time.perf_counter()
    # No initial_train_size: the fitted forecaster predicts each test value
    # from the 24 before it, never refitting.
    folds = TimeSeriesFold(steps=1, initial_train_size=None, refit=False, verbose=False)
    _, forecasts = backtesting_forecaster_multiseries(
        forecaster,
        series=series.iloc[cut - WINDOW :],
        cv=folds,
        metric="mean_squared_error",
        n_jobs=1,
        show_progress=False,
        suppress_warnings=True,
    )
    predictions = forecasts["pred"].to_numpy()
    return fitted - start, time.perf_counter() - fitted, predictions


RUNNERS = {
    "sklstm": _run_sklstm,
    "skorch": _run_skorch,
    "darts": _run_darts,
    "neuralforecast": _run_neuralforecast,
    "skforecast": _run_skforecast,
}

VERSION_OF = {
    "sklstm": ("sklstm", "skorch", "torch"),
    "skorch": ("skorch", "torch"),
    "darts": ("darts", "torch"),
    "neuralforecast": ("neuralforecast", "torch"),
    "skforecast": ("skforecast", "keras", "torch"),
}


def _versions(library):
    from importlib.metadata import version

    return " ".join(f"{name} {version(name)}" for name in VERSION_OF[library])


def worker(library):
    """Run one task read as JSON from stdin; print the result as JSON."""
    import torch

    torch.set_num_threads(1)
    # The first optimizer made in a process imports torch._dynamo (about
    # 1.5 s here), which lightning and keras import before their fit; pay it
    # outside the timings, for every library alike.
    torch.optim.Adam(torch.nn.Linear(1, 1).parameters())
    task = json.load(sys.stdin)
    values = np.asarray(task["values"], dtype=np.float64)
    results = {"versions": _versions(library)}
    # Libraries that print (lightning's banners) must not spoil the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        for setting in task["settings"]:
            fit_s, predict_s, predictions = RUNNERS[library](
                values, task["cut"], task["seed"], setting, task["epochs"]
            )
            results[setting] = {
                "fit_s": fit_s,
                "predict_s": predict_s,
                "predictions": np.asarray(predictions, dtype=float).tolist(),
            }
    print(json.dumps(results))


# --- driver --------------------------------------------------------------------


def load_series(name):
    """The values of one of ``bench_forecast.SERIES``, as float64."""
    from bench_forecast import SERIES

    return SERIES[name][0]().to_numpy(dtype=np.float64)


def run_worker(python, library, values, cut, seed, settings, epochs):
    """Fit and predict with ``library`` in a fresh process of ``python``."""
    task = {
        "values": values.tolist(),
        "cut": cut,
        "seed": seed,
        "settings": list(settings),
        "epochs": epochs,
    }
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    # Keras picks its backend when first imported.
    env["KERAS_BACKEND"] = "torch"
    # The sklstm of this checkout, whichever one is installed.
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    completed = subprocess.run(
        [python, os.path.abspath(__file__), "--worker", library],
        input=json.dumps(task),
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{library} worker failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def rmse(predictions, actual):
    return float(np.sqrt(np.mean((np.asarray(predictions) - actual) ** 2)))


def benchmark(series_names, pythons, repeats, epochs, settings):
    """Run every library on every series; return the rows of the table."""
    libraries = list(pythons)
    rows, versions = [], {}
    for name in series_names:
        values = load_series(name)
        # The split of bench_forecast.py: the last 20 % of the targets.
        cut = len(values) - round((len(values) - 1) * TEST_FRACTION)
        actual = values[cut:]
        naive = rmse(values[cut - 1 : -1], actual)
        runs = {(lib, s): [] for lib in libraries for s in settings}
        for repeat in range(repeats):
            shift = repeat % len(libraries)
            for library in libraries[shift:] + libraries[:shift]:
                result = run_worker(
                    pythons[library], library, values, cut, repeat, settings, epochs
                )
                versions[library] = result["versions"]
                for setting in settings:
                    runs[library, setting].append(result[setting])
                print(f"  {name} repeat {repeat}: {library} done", file=sys.stderr)
        for (library, setting), results in runs.items():
            reference = runs["sklstm", setting]
            ratios = [
                own["fit_s"] / ref["fit_s"]
                for own, ref in zip(results, reference, strict=True)
            ]
            errors = [rmse(run["predictions"], actual) for run in results]
            rows.append(
                {
                    "series": name,
                    "setting": setting,
                    "library": library,
                    "fit_s": statistics.median(r["fit_s"] for r in results),
                    "predict_s": statistics.median(r["predict_s"] for r in results),
                    "fit_ratio": statistics.median(ratios),
                    "rmse": statistics.median(errors),
                    "rmse_min": min(errors),
                    "rmse_max": max(errors),
                    "naive": naive,
                    "n_train": cut,
                    "n_test": len(actual),
                }
            )
    return rows, versions


def print_rows(rows):
    print(
        "| series | setting | library | fit (s) | fit / sklstm | predict (s) "
        "| RMSE (min..max) | RMSE / naive |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['series']} | {row['setting']} | {row['library']} "
            f"| {row['fit_s']:.3g} | {row['fit_ratio']:.2f} | {row['predict_s']:.3g} "
            f"| {row['rmse']:.4g} ({row['rmse_min']:.4g}..{row['rmse_max']:.4g}) "
            f"| {row['rmse'] / row['naive']:.3f} |"
        )


def plot(rows, path):
    """Bars of fit time / sklstm's and RMSE / naive, per series and library."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    series = list(dict.fromkeys(row["series"] for row in rows))
    libraries = list(dict.fromkeys(row["library"] for row in rows))
    settings = list(dict.fromkeys(row["setting"] for row in rows))
    by_key = {(row["setting"], row["library"], row["series"]): row for row in rows}
    measures = {
        "fit time / sklstm's": lambda row: row["fit_ratio"],
        "RMSE / naive (last value)": lambda row: row["rmse"] / row["naive"],
    }
    figure, axes = plt.subplots(
        len(settings), 2, figsize=(11, 3.4 * len(settings)), squeeze=False
    )
    width = 0.8 / len(libraries)
    for i, setting in enumerate(settings):
        for ax, (label, measure) in zip(axes[i], measures.items(), strict=True):
            for k, library in enumerate(libraries):
                heights = [measure(by_key[setting, library, name]) for name in series]
                offset = (k - (len(libraries) - 1) / 2) * width
                ax.bar(np.arange(len(series)) + offset, heights, width, label=library)
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_xticks(np.arange(len(series)), series)
            ax.set_title(f"{label}, {setting} settings (log scale)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="upper center", ncols=len(libraries))
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=LIBRARIES, help=argparse.SUPPRESS)
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="LIBRARY=PYTHON",
        help="the interpreter of a peer's virtual environment (repeatable)",
    )
    parser.add_argument("--series", nargs="+", default=["co2", "realgdp", "sunspots"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--epochs", type=int, default=EQUAL["epochs"], help="epochs of 'equal'"
    )
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--plot", help="save the bar chart to this file")
    parser.add_argument("--json", help="save the table's rows to this file")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if args.quick:
        args.series, args.repeats, args.epochs = args.series[:1], 1, 3
        args.settings = ["equal"]
    pythons = {"sklstm": sys.executable, "skorch": sys.executable}
    for item in args.python:
        library, _, python = item.partition("=")
        if library not in PEERS:
            parser.error(f"--python expects one of {PEERS}=PYTHON, got {item!r}")
        pythons[library] = python
    for library in PEERS:
        if library not in pythons:
            print(f"note: {library} skipped (no --python {library}=...)")

    from _harness import describe_machine

    describe_machine()
    start = time.perf_counter()
    rows, versions = benchmark(
        args.series, pythons, args.repeats, args.epochs, args.settings
    )
    for library, text in versions.items():
        print(f"{library}: {text}")
    print(
        f"\n{args.repeats} repeats, 'equal' at {args.epochs} epochs, "
        f"{time.perf_counter() - start:.0f} s in all\n"
    )
    print_rows(rows)
    print()
    if "defaults" in args.settings:
        for library in pythons:
            print(f"defaults of {library}: {NOTES[library]}")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"rows": rows, "versions": versions}, file, indent=1)
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
