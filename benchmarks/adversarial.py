"""Adversarial inputs: does sklstm refuse bad input clearly, or go wrong silently?

Each case feeds one public entry point something a user (or a damaged or
crafted file) could pass: wrong types, empty or huge data, NaN and infinity,
rows in the wrong order or with a malformed index, crafted files, bad command
line arguments, bad helper parameters, and a fit interrupted from a callback.
Every outcome is classified automatically:

- ``clear``: a ValueError or TypeError whose message names what is wrong
  (the parameter, or the word the case lists);
- ``unclear``: a ValueError or TypeError that names none of them;
- ``crash``: any other exception (IndexError, KeyError, RecursionError, ...)
  or a case that runs past its time limit;
- ``silent``: bad input accepted without an error, a result that fails the
  case's check, or an input the call modified;
- ``correct``: valid (or recoverable) input giving the checked result.

Run from the repository root (about two minutes on two cores)::

    python benchmarks/adversarial.py [--family NAME] [--verbose]

It prints one line per case that is not ``clear`` or ``correct`` and a table
of counts per family and class; the exit status is 1 when any case is
``unclear``, ``crash`` or ``silent``.
"""

import argparse
import contextlib
import copy
import io
import json
import os
import pickle
import signal
import sys
import warnings
import zipfile
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import torch
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

import sklstm
from sklstm import (
    LSTMClassifier,
    LSTMRegressor,
    PanelTimeSeriesSplit,
    PerSeriesScaler,
    SlidingWindow,
    backtest,
    make_horizon_targets,
    pad_sequences,
    recursive_forecast,
)

TINY = {"hidden_size": 4, "max_epochs": 2, "n_threads": 1, "random_state": 0}
TIME_LIMIT = 30  # seconds per case
CLASSES = ("clear", "unclear", "crash", "silent", "correct")
CASES = []


class CaseTimeout(Exception):
    """A case ran past TIME_LIMIT."""


def case(family, names=(), check=None):
    """Register a case; ``names``: words a clear message contains (any one).

    Without ``check`` the input is bad and an error is expected; with it the
    input is valid and ``check(result)`` must be true.
    """

    def register(function):
        CASES.append((family, function.__name__, tuple(names), check, function))
        return function

    return register


# -- data ------------------------------------------------------------------------


def windows(n=40, steps=5, features=1, seed=0):
    X = np.random.RandomState(seed).normal(size=(n, steps, features))
    return X, X[:, -1, 0].copy()


def series(n=60):
    return np.sin(np.arange(n) / 3.0) + 0.1 * np.random.RandomState(0).normal(size=n)


def series_frame(n=60, index=None):
    index = pd.date_range("2020-01-01", periods=n, freq="D") if index is None else index
    return pd.DataFrame({"v": series(n)}, index=index)


def panel(n=12):
    times = pd.date_range("2020-01-01", periods=n, freq="D")
    index = pd.MultiIndex.from_product([["a", "b"], times], names=["id", "time"])
    return pd.DataFrame({"v": np.concatenate([series(n), 10 + series(n)])}, index)


def fitted(**params):
    X, y = windows()
    return LSTMRegressor(**{**TINY, **params}).fit(X, y)


def saved_bytes(obj):
    buffer = io.BytesIO()
    sklstm.save(obj, buffer)
    return buffer.getvalue()


def tampered(model, **changes):
    """``model`` whose saved state has ``changes`` applied (a crafted file)."""
    state = dict(model.__getstate__())  # BaseEstimator's is the live __dict__
    state.update(changes)
    model.__getstate__ = lambda: state
    return saved_bytes(model)


def load(data, **kwargs):
    return sklstm.load(io.BytesIO(data), **kwargs)


def raises_value_error_from(exit_code, stderr):
    """CLI cases: exit status 2 with a message reads as a ValueError."""
    if exit_code == 2 and stderr.strip():
        raise ValueError(stderr.strip().splitlines()[-1])
    return exit_code


def cli(*argv):
    from sklstm._cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return raises_value_error_from(code, err.getvalue())


# -- wrong types and values of parameters -----------------------------------------


def _param_case(name, value, estimator=LSTMRegressor, data=windows):
    def run(keep):
        X, y = data()
        keep(X), keep(y)
        return estimator(**{**TINY, name: value}).fit(X, y)

    run.__name__ = f"{estimator.__name__}({name}={value!r})"
    case("wrong types", names=(name,))(run)


for _name, _value in [
    ("hidden_size", "8"),
    ("hidden_size", 0),
    ("hidden_size", 2.5),
    ("lr", -1.0),
    ("max_epochs", 0),
    ("batch_size", 0),
    ("device", "gpu9"),
    ("loss", "foo"),
    ("n_threads", 0),
    ("random_state", "a"),
    ("validation_fraction", 1.5),
    ("dropout", 1.5),
    ("cell", "rnnx"),
    ("level", "bogus"),
    ("callbacks", "print"),
    ("module_params", [1, 2]),
]:
    _param_case(_name, _value)


def _window_case(name, value):
    def run(keep):
        X = keep(series_frame())
        return SlidingWindow(**{name: value}).fit_transform(X)

    run.__name__ = f"SlidingWindow({name}={value!r})"
    case("wrong types", names=(name,))(run)


for _name, _value in [
    ("window", 0),
    ("window", "3"),
    ("padding", "x"),
    ("history", "sometimes"),
]:
    _window_case(_name, _value)


@case("wrong types", names=("numeric y", "y must", "y holds", "of y"))
def regressor_string_y(keep):
    X, _ = windows()
    y = keep(np.array(["a", "b"] * 20))
    return LSTMRegressor(**TINY).fit(keep(X), y)


@case("wrong types", names=("numeric X", "X must", "X holds", "of X"))
def regressor_string_X(keep):
    X = keep(np.array([["a"] * 5] * 10))
    return LSTMRegressor(**TINY).fit(X, keep(np.arange(10.0)))


@case("wrong types", names=("X", "datetime", "date"))
def window_datetime_column(keep):
    X = keep(pd.DataFrame({"t": pd.date_range("2020", periods=10, freq="D")}))
    return SlidingWindow(3).fit_transform(X)


# -- empty --------------------------------------------------------------------------


@case("empty", names=("0 sample", "sample", "X"))
def fit_no_rows(keep):
    return LSTMRegressor(**TINY).fit(keep(np.empty((0, 5))), keep(np.empty(0)))


@case("empty", names=("0 feature", "feature", "step", "X"))
def fit_no_steps(keep):
    return LSTMRegressor(**TINY).fit(keep(np.empty((10, 0))), keep(np.zeros(10)))


@case("wrong types", names=("quantiles",))
def quantiles_without_a_median(keep):
    X, y = windows()
    model = LSTMRegressor(**TINY, loss="quantile", quantiles=(0.1, 0.9))
    return model.fit(keep(X), keep(y))


# As scikit-learn's estimators do, predict refuses 0 rows.
@case("empty", names=("0 sample",))
def predict_no_rows(keep):
    model = fitted()
    return model.predict(keep(np.empty((0, 5, 1))))


@case("empty", names=("sample", "X", "0"))
def window_no_rows(keep):
    return SlidingWindow(3).fit_transform(keep(series_frame().iloc[:0]))


@case("empty", names=("horizon", "0 sample"))
def horizon_targets_no_rows(keep):
    return make_horizon_targets(keep(np.empty(0)), horizon=1)


@case("empty", names=("sequences", "empty", "no sequence"))
def pad_no_sequences(keep):
    return pad_sequences(keep([]))


@case("empty", names=("steps",))
def recursive_zero_steps(keep):
    from sklearn.linear_model import LinearRegression

    data = keep(series()[:, None])
    model = LinearRegression().fit(data[:-1], data[1:, 0])
    return recursive_forecast(model, data, steps=0)


@case("empty", names=("sample", "X", "0"))
def scaler_no_rows(keep):
    return PerSeriesScaler().fit(keep(panel().iloc[:0]))


@case("empty", names=("initial_train_size", "rows", "X"))
def backtest_no_rows(keep):
    return backtest(
        LSTMRegressor(**TINY), keep(np.empty((0, 5))), keep(np.empty(0)),
        initial_train_size=1,
    )  # fmt: skip


# -- huge -----------------------------------------------------------------------------


@case("huge", names=("float32", "X"))
def fit_value_beyond_float32(keep):
    X, y = windows()
    X[0, 0, 0] = 1e39
    return LSTMRegressor(**TINY).fit(keep(X), keep(y))


@case("huge", names=("float32", "y"))
def fit_target_beyond_float32(keep):
    X, y = windows()
    y[0] = 1e39
    return LSTMRegressor(**TINY).fit(keep(X), keep(y))


@case("huge", names=("dtype", "int8", "value"))
def pad_int8_overflow(keep):
    return pad_sequences(keep([np.array([300, 1])]), dtype=np.int8)


@case("huge", names=("horizon",))
def horizon_beyond_rows(keep):
    return make_horizon_targets(keep(series()), horizon=10**9)


@case("huge", check=lambda result: result)
def level_1e9_keeps_its_signal(keep):
    values = 1e9 + series(300)
    pipe = make_pipeline(SlidingWindow(8), LSTMRegressor(**{**TINY, "max_epochs": 5}))
    pipe.fit(keep(values[:239, None]), values[1:240])
    forecast = pipe.predict(values[:-1, None])[239:]
    error = np.sqrt(np.mean((forecast - values[240:]) ** 2))
    naive = np.sqrt(np.mean((values[239:-1] - values[240:]) ** 2))
    return error < naive


@case("huge", names=("max_parameters", "parameters"))
def load_network_beyond_limit(keep):
    return load(saved_bytes(fitted()), max_parameters=10)


@case("huge", names=("window", "rows"))
def window_longer_than_int32(keep):
    return SlidingWindow(window=2**40).fit_transform(keep(series_frame()))


# -- NaN and infinity ------------------------------------------------------------------


def _nan_case(where, value):
    def run(keep):
        X, y = windows()
        (X if where == "X" else y)[3] = value
        return LSTMRegressor(**TINY).fit(keep(X), keep(y))

    run.__name__ = f"fit_{where}_{value}"
    case("NaN/inf", names=(where, "NaN", "infinity"))(run)


for _where in ("X", "y"):
    for _value in (np.nan, np.inf):
        _nan_case(_where, _value)


@case("NaN/inf", names=("X", "NaN"))
def predict_nan(keep):
    X, _ = windows()
    X[0, 0, 0] = np.nan
    return fitted().predict(keep(X))


@case("NaN/inf", names=("X", "NaN"))
def window_nan(keep):
    X = series_frame()
    X.iloc[4, 0] = np.nan
    return SlidingWindow(3).fit_transform(keep(X))


@case("NaN/inf", names=("data contains NaN",))
def horizon_targets_nan(keep):
    data = series()
    data[5] = np.nan
    return make_horizon_targets(keep(data), horizon=2)


@case("NaN/inf", names=("history contains NaN",))
def recursive_history_nan(keep):
    from sklearn.linear_model import LinearRegression

    data = series()[:, None]
    model = LinearRegression().fit(data[:-1], data[1:, 0])
    data[-1, 0] = np.nan
    return recursive_forecast(model, keep(data), steps=2)


@case("NaN/inf", names=("future_exog", "NaN"))
def recursive_future_exog_nan(keep):
    from sklearn.linear_model import LinearRegression

    data = np.column_stack([series(), np.arange(60.0)])
    model = LinearRegression().fit(data[:-1], data[1:, 0])
    exog = np.array([[np.nan], [1.0]])
    return recursive_forecast(model, keep(data), steps=2, future_exog=keep(exog))


@case("NaN/inf", names=("X", "NaN"))
def scaler_nan(keep):
    X = panel()
    X.iloc[2, 0] = np.nan
    return PerSeriesScaler().fit(keep(X))


@case("NaN/inf", names=("y", "NaN"))
def backtest_y_nan(keep):
    X = series()[:, None]
    y = series()
    y[30] = np.nan
    return backtest(
        LSTMRegressor(**TINY), keep(X), keep(y), initial_train_size=40, refit=False
    )


# -- wrong order and malformed indexes -----------------------------------------------


@case("order/index", names=("history", "follow", "index"))
def window_always_not_following(keep):
    X = series_frame()
    window = SlidingWindow(3, history="always").fit(X.iloc[:30])
    return window.transform(keep(X.iloc[40:]))


@case("order/index", names=("sort", "increase", "order"))
def window_unsorted_panel(keep):
    return SlidingWindow(3).fit(keep(panel().iloc[::-1]))


@case("order/index", names=("series id", "missing"))
def window_nan_series_id(keep):
    X = panel()
    ids = np.where(X.index.get_level_values(0) == "b", None, "a")
    X.index = pd.MultiIndex.from_arrays([ids, X.index.get_level_values(1)])
    return SlidingWindow(3).fit(keep(X))


@case("order/index", names=("swaplevel", "(time, series id)"))
def window_time_series_order(keep):
    return SlidingWindow(3).fit(keep(panel().swaplevel().sort_index()))


@case("order/index", names=("3-level", "levels"))
def window_three_levels(keep):
    X = panel()
    X.index = pd.MultiIndex.from_arrays(
        [["g"] * len(X), *(X.index.get_level_values(i) for i in (0, 1))]
    )
    return SlidingWindow(3).fit(keep(X))


@case("order/index", names=("index", "2**63", "does not exist", "range"))
def window_int64_max_index(keep):
    index = pd.Index(np.arange(2**63 - 10, 2**63, dtype=np.int64))
    return SlidingWindow(3).fit(keep(series_frame(10, index=index)))


@case("order/index", names=("index", "does not exist", "2262"))
def window_last_timestamp(keep):
    index = pd.DatetimeIndex([f"2262-04-{day:02d}" for day in range(2, 12)], freq="D")
    return SlidingWindow(3).fit(keep(series_frame(10, index=index)))


@case("order/index", names=("feature",))
def predict_other_features(keep):
    X, _ = windows(features=2)
    return fitted().predict(keep(X))


@case("order/index", names=("step", "n_steps", "shape", "length"))
def predict_other_steps(keep):
    X, _ = windows(steps=7)
    return fitted().predict(keep(X))


@case("order/index", names=("inconsistent", "samples", "y"))
def fit_y_length_mismatch(keep):
    X, y = windows()
    return LSTMRegressor(**TINY).fit(keep(X), keep(y[:-3]))


@case("order/index", names=("class",))
def classifier_one_class(keep):
    X, _ = windows()
    return LSTMClassifier(**TINY).fit(keep(X), keep(np.zeros(len(X), int)))


@case("order/index", names=("fit", "not fitted"))
def predict_before_fit(keep):
    X, _ = windows()
    return LSTMRegressor(**TINY).predict(keep(X))


@case("order/index", names=("target", "column"))
def horizon_targets_label_not_position(keep):
    data = keep(pd.DataFrame({5: np.arange(10.0), 7: -np.arange(10.0)}))
    return make_horizon_targets(data, horizon=1, target=0)


# -- crafted and damaged files -------------------------------------------------------


@case("files", names=("damaged", "truncated"))
def truncated_file(keep):
    return load(saved_bytes(fitted())[:-200])


@case("files", names=("skops", "pickle", "allow_pickle"))
def random_bytes(keep):
    return load(np.random.RandomState(0).bytes(1000))


@case("files", names=("skops", "pickle", "damaged"))
def empty_file(keep):
    return load(b"")


@case("files", names=("allow_pickle",))
def pickle_refused_by_default(keep):
    return load(pickle.dumps(fitted()))


@case("files", names=("trust", "posix.system", "builtins"))
def untrusted_function(keep):
    data = saved_bytes(fitted())
    source = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(source.read("schema.json"))
    schema["__module__"], schema["__class__"] = "posix", "system"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(
                name, json.dumps(schema) if name == "schema.json" else content
            )
    return load(buffer.getvalue())


@case("files", names=("damaged", "RecursionError"))
def deeply_nested_file(keep):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", "[" * 200_000 + "]" * 200_000)
    return load(buffer.getvalue())


@case("files", names=("unpacks", "max_parameters"))
def zip_declaring_huge_member(keep):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", b" " * (300 * 2**20))
    return load(buffer.getvalue(), max_parameters=1000)


@case("files", names=("damaged",))
def schema_not_json(keep):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", b"0 0")
    return load(buffer.getvalue())


@case("files", names=("y_scale_",))
def nan_target_scale(keep):
    return load(tampered(fitted(), y_scale_=np.array([np.nan])))


@case("files", names=("y_mean_",))
def infinite_target_mean(keep):
    return load(tampered(fitted(), y_mean_=np.array([np.inf])))


@case("files", names=("scale_",))
def zero_input_scale(keep):
    X = series_frame()
    pipe = Pipeline(
        [("scale", StandardScaler()), ("window", SlidingWindow(4)),
         ("lstm", LSTMRegressor(**TINY))]
    ).fit(X, X["v"].to_numpy())  # fmt: skip
    pipe["scale"].scale_ = np.zeros(1)
    return load(saved_bytes(pipe))


@case("files", names=("input_shape_", "n_features_in_"))
def crafted_input_shape(keep):
    return load(tampered(fitted(), input_shape_=(400_000, 1)))


@case("files", names=("n_iter_",))
def negative_epoch_count(keep):
    return load(tampered(fitted(), n_iter_=-1))


def _crafted_window(**changes):
    """A SlidingWindow file with ``changes`` to its state, loaded and used."""
    X = series_frame()
    window = SlidingWindow(4).fit(X.iloc[:40])
    return load(tampered(window, **changes)).transform(X.iloc[40:])


@case("files", names=("last_rows_",))
def window_last_rows_of_other_shape(keep):
    return _crafted_window(last_rows_=np.ones((3, 5), np.float32))


@case("files", names=("last_rows_",))
def window_last_rows_nan(keep):
    return _crafted_window(last_rows_=np.full((3, 1), np.nan, np.float32))


@case("files", names=("window",))
def window_negative_size(keep):
    return _crafted_window(window=-3)


@case("files", names=("mean_", "scale_", "series_ids_"))
def scaler_statistics_of_other_shape(keep):
    scaler = PerSeriesScaler().fit(panel())
    return load(tampered(scaler, mean_=np.zeros((5, 3)))).transform(panel())


@case("files", check=lambda threads: threads <= len(os.sched_getaffinity(0)))
def crafted_thread_count_is_capped(keep):
    from sklstm._estimators._threads import fit_threads, predict_threads

    model = load(tampered(fitted(), n_threads=64))
    return max(fit_threads(model.n_threads), predict_threads(model.n_threads))


@case("files", check=lambda same: same)
def time_zone_aware_index_round_trips(keep):
    import dateutil.tz

    index = pd.date_range("2021-03-01", periods=40, freq="D", tz="UTC")
    X = series_frame(40, index=index.tz_convert(dateutil.tz.tzoffset(None, 3600)))
    window = SlidingWindow(3).fit(X.iloc[:30])
    loaded = load(saved_bytes(window))
    return bool(
        loaded.next_index_ == window.next_index_
        and np.array_equal(loaded.transform(X.iloc[30:]), window.transform(X.iloc[30:]))
    )


@case("files", check=lambda model: hasattr(model, "predict"))
def demo_model_loads_with_defaults(keep):
    import tempfile

    from sklstm._demo import run_demo

    with tempfile.TemporaryDirectory() as out:
        with contextlib.redirect_stdout(io.StringIO()):
            run_demo(out, epochs=1, window=6, verbose=0)
        names = [name for name in os.listdir(out) if name.startswith("model.")]
        return sklstm.load(os.path.join(out, names[0]))


# -- command line ---------------------------------------------------------------------


for _argv, _names in [
    (("demo", "--epochs", "0"), ("--epochs",)),
    (("demo", "--epochs", "abc"), ("--epochs",)),
    (("demo", "--window", "-1"), ("--window",)),
    (("demo", "--device", "tpu"), ("--device",)),
    (("bogus",), ("bogus", "choose")),
    (("demo", "--unknown"), ("--unknown", "unrecognized")),
]:

    def _cli_case(keep, argv=_argv):
        return cli(*argv)

    _cli_case.__name__ = "sklstm " + " ".join(_argv)
    case("CLI", names=_names)(_cli_case)


# -- bad parameters of the helpers -----------------------------------------------------


def _backtest_case(**options):
    def run(keep):
        X, y = keep(series()[:-1, None]), keep(series()[1:])
        return backtest(LSTMRegressor(**TINY), X, y, **{"refit": False, **options})

    run.__name__ = (
        "backtest(" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"
    )
    case("helpers", names=tuple(options))(run)


for _options in [
    {"initial_train_size": 0},
    {"initial_train_size": 1000},
    {"initial_train_size": 20.5},
    {"initial_train_size": 30, "step": 0},
    {"initial_train_size": 30, "interval": 1.5},
    {"initial_train_size": 30, "season_length": 0},
    {"initial_train_size": 30, "horizon": 0},
    {"initial_train_size": 30, "window": "sliding"},
    {"initial_train_size": 30, "baselines": ("oracle",)},
]:
    _backtest_case(**_options)


def _recursive_case(names, **options):
    def run(keep):
        from sklearn.linear_model import LinearRegression

        data = np.column_stack([series(), np.arange(60.0)])
        model = LinearRegression().fit(data[:-1], data[1:, 0])
        return recursive_forecast(model, keep(data), **options)

    run.__name__ = (
        "recursive_forecast("
        + ", ".join(f"{k}={v!r}" for k, v in options.items())
        + ")"
    )
    case("helpers", names=names)(run)


_recursive_case(("steps",), steps=-1)
_recursive_case(("steps",), steps=2.5)
_recursive_case(("target",), steps=2, target="nope", future_exog=np.zeros((2, 1)))
_recursive_case(("target",), steps=2, target=5, future_exog=np.zeros((2, 1)))
_recursive_case(("future_exog",), steps=2, future_exog=np.zeros((3, 4)))
_recursive_case(("future_exog",), steps=2)


@case("helpers", names=("horizon",))
def horizon_zero(keep):
    return make_horizon_targets(keep(series()), horizon=0)


@case("helpers", names=("target",))
def horizon_target_out_of_range(keep):
    return make_horizon_targets(keep(series()[:, None]), horizon=1, target=3)


@case("helpers", names=("length",))
def pad_length_zero(keep):
    return pad_sequences(keep([np.ones(3)]), length=0)


@case("helpers", names=("padding",))
def pad_padding_bogus(keep):
    return pad_sequences(keep([np.ones(3)]), padding="middle")


@case("helpers", names=("n_splits",))
def panel_split_zero(keep):
    return list(PanelTimeSeriesSplit(n_splits=0).split(keep(panel())))


@case("helpers", names=("unknown_series",))
def scaler_bad_option(keep):
    return PerSeriesScaler(unknown_series="guess").fit(keep(panel()))


@case("helpers", names=("trusted",))
def load_trusting_everything(keep):
    return load(saved_bytes(fitted()), trusted=True)


# -- interrupted work ------------------------------------------------------------------


class Interrupt(Callback):
    """Raises KeyboardInterrupt in the first batch of an epoch, as Ctrl-C would."""

    def __init__(self, epoch=1):
        self.epoch = epoch

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            raise KeyboardInterrupt


def _interrupted(model, call, epoch):
    """Whether interrupting ``call`` in epoch ``epoch`` left ``model`` whole.

    skorch turns KeyboardInterrupt into the end of training; sklstm then keeps
    the last completed epoch and warns. Whole: either the interruption went
    through and ``model`` is unchanged, or the model says so, counts only
    the completed epochs and predicts as it did after them.
    """
    X, y = windows()
    before = copy.deepcopy(vars(model))
    predictions = model.predict(X) if hasattr(model, "net_") else None
    model.set_params(callbacks=[("stop", Interrupt(epoch))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call(model, X, y)
        except KeyboardInterrupt:
            if predictions is None:
                return not hasattr(model, "net_")
            return bool(np.array_equal(model.predict(X), predictions))
    said_so = any("interrupted" in str(w.message) for w in caught)
    completed = model.n_iter_ == epoch - 1
    if epoch - 1 == before.get("n_iter_", 0):  # no epoch completed in this call
        completed = completed and np.array_equal(model.predict(X), predictions)
    return bool(said_so and completed and np.isfinite(model.predict(X)).all())


@case("interrupted", check=lambda whole: whole)
def interrupted_first_fit(keep):
    model = LSTMRegressor(**{**TINY, "max_epochs": 5})
    return _interrupted(model, lambda m, X, y: m.fit(X, y), epoch=3)


@case("interrupted", check=lambda whole: whole)
def interrupted_warm_start(keep):
    model = fitted(max_epochs=5, warm_start=True)
    return _interrupted(model, lambda m, X, y: m.fit(X, y), epoch=7)


@case("interrupted", check=lambda whole: whole)
def interrupted_partial_fit(keep):
    model = fitted(max_epochs=5)
    return _interrupted(model, lambda m, X, y: m.partial_fit(X, y), epoch=6)


# -- more: layouts and dtypes that must work, or be refused by name ----------------


@case("order/index", names=("feature", "column"))
def window_other_columns(keep):
    window = SlidingWindow(3).fit(series_frame())
    return window.transform(keep(np.ones((5, 3))))


@case("order/index", names=("y has",))
def backtest_length_mismatch(keep):
    X, y = keep(series()[:, None]), keep(series()[:-5])
    return backtest(LSTMRegressor(**TINY), X, y, initial_train_size=30, refit=False)


@case("order/index", names=("fit", "not fitted"))
def recursive_with_unfitted_model(keep):
    data = keep(series()[:, None])
    return recursive_forecast(make_pipeline(SlidingWindow(4), LSTMRegressor()), data, 2)


@case("wrong types", names=("feature", "sequences", "features"))
def ragged_with_other_feature_counts(keep):
    X = keep([np.ones((4, 2)), np.ones((6, 3))])
    return LSTMRegressor(**TINY).fit(X, keep(np.zeros(2)))


@case("wrong types", names=("n_tokens", "token"))
def token_ids_beyond_vocabulary(keep):
    X = keep(np.array([[1, 2, 3], [4, 50, 6]] * 10))
    return LSTMClassifier(**TINY, n_tokens=10).fit(X, keep(np.array([0, 1] * 10)))


@case("files", names=("max_parameters must",))
def load_negative_limit(keep):
    return load(saved_bytes(fitted()), max_parameters=-1)


def _same_predictions(pair):
    first, second = pair
    return np.allclose(first, second, rtol=1e-5, atol=1e-6)


@case("layouts", check=_same_predictions)
def read_only_and_strided_inputs(keep):
    X, y = windows()
    model = LSTMRegressor(**TINY).fit(X, y)
    strided = np.asfortranarray(np.repeat(X, 2, axis=0)[::2])
    strided.flags.writeable = False
    return model.predict(keep(strided)), model.predict(X)


@case("layouts", check=_same_predictions)
def float32_and_float64_inputs(keep):
    X, y = windows()
    model = LSTMRegressor(**TINY).fit(X, y)
    return model.predict(keep(X.astype(np.float32))), model.predict(X)


@case("layouts", check=lambda labels: set(labels) <= {"cat", "dog"})
def classifier_string_labels(keep):
    X, _ = windows()
    y = keep(np.array(["cat", "dog"] * 20))
    return LSTMClassifier(**TINY).fit(keep(X), y).predict(X)


@case("layouts", check=_same_predictions)
def pandas_target_with_its_own_index(keep):
    X, y = windows()
    shifted = keep(pd.Series(y, index=np.arange(100, 140)))
    first = LSTMRegressor(**TINY).fit(X, shifted).predict(X)
    return first, LSTMRegressor(**TINY).fit(X, y).predict(X)


# -- new cases of the session that merged the thread policy and fold generator --


def readme_pipeline(window=4):
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window)),
            ("lstm", LSTMRegressor(**TINY)),
        ]
    ).set_output(transform="pandas")


@case("session", names=("n_threads",))
def n_threads_unknown_word(keep):
    X, y = windows()
    return LSTMRegressor(**{**TINY, "n_threads": "fast"}).fit(keep(X), keep(y))


@case("session", names=("n_threads",))
def n_threads_zero(keep):
    X, y = windows()
    return LSTMRegressor(**{**TINY, "n_threads": 0}).fit(keep(X), keep(y))


@case("session", names=("window",))
def sliding_window_fractional(keep):
    return SlidingWindow(window=2.5).fit(keep(series()[:, None]))


def _series_backtest(keep, **options):
    """The README pipeline backtested on one series with ``options``."""
    X = series_frame()
    return backtest(
        readme_pipeline(), keep(X.iloc[:-1]), keep(X["v"].to_numpy()[1:]), **options
    )


@case("session", names=("horizon",))
def backtest_horizon_zero(keep):
    return _series_backtest(keep, initial_train_size=40, horizon=0)


@case("session", names=("initial_train_size",))
def backtest_train_size_beyond_data(keep):
    return _series_backtest(keep, initial_train_size=500)


@case("session", names=("baselines",))
def backtest_unknown_baseline(keep):
    return _series_backtest(keep, initial_train_size=40, baselines=("oracle",))


@case("session", names=("steps",))
def recursive_negative_steps(keep):
    X = series_frame()
    model = readme_pipeline().fit(X.iloc[:-1], X["v"].to_numpy()[1:])
    return recursive_forecast(model, keep(X), steps=-1)


@case("session", names=("y", "NaN", "finite"))
def direct_targets_with_nan(keep):
    X, Y = make_horizon_targets(series_frame(), horizon=3)
    Y = np.array(Y, dtype=float)
    Y[5, 1] = np.nan
    return readme_pipeline().fit(keep(X), keep(Y))


@case("session", names=("feature",))
def predict_with_other_feature_count(keep):
    X, y = windows()
    model = LSTMRegressor(**TINY).fit(X, y)
    return model.predict(keep(np.concatenate([X, X], axis=-1)))


@case("session", names=("damaged", "file", "sklstm.load"))
def truncated_saved_file(keep):
    data = saved_bytes(fitted())
    return sklstm.load(io.BytesIO(keep(data[: len(data) // 2])))


def _same_forecast(pair):
    return np.allclose(pair[0], pair[1], rtol=1e-5, atol=1e-6)


@case("session", check=_same_forecast)
def wrapped_pipeline_forecasts_like_the_pipeline(keep):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import FunctionTransformer

    X = series_frame()
    y = X["v"].to_numpy()[1:]
    plain = readme_pipeline().fit(X.iloc[:-1], y)
    identity = FunctionTransformer(check_inverse=False)
    wrapped = TransformedTargetRegressor(readme_pipeline(), transformer=identity)
    wrapped.fit(X.iloc[:-1], y)
    history = keep(X)
    return (
        np.asarray(recursive_forecast(plain, history, steps=5)),
        np.asarray(recursive_forecast(wrapped, history, steps=5)),
    )


@case("session", check=lambda same: same)
def same_seed_same_bits_after_another_estimator(keep):
    X, y = windows()
    first = LSTMRegressor(**{**TINY, "n_threads": None}).fit(X, y).predict(X)
    LSTMRegressor(**{**TINY, "n_threads": "auto"}).fit(X, y)
    again = LSTMRegressor(**{**TINY, "n_threads": None}).fit(keep(X), y).predict(X)
    return np.array_equal(first, again)


# -- running ---------------------------------------------------------------------------


def same(a, b):
    """Whether ``a`` (a snapshot) and ``b`` hold the same values."""
    if isinstance(a, pd.DataFrame | pd.Series):
        return a.equals(b) and a.index.equals(b.index)
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(
            a, b, equal_nan=a.dtype.kind in "fc"
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return True


def _alarm(signum, frame):
    raise CaseTimeout


def run_case(names, check, function):  # noqa: PLR0911 - one return per class
    """``(class, detail)`` for one case."""
    kept = []

    def keep(value):
        kept.append((value, copy.deepcopy(value)))
        return value

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = function(keep)
    except CaseTimeout:
        return "crash", f"ran past {TIME_LIMIT} s"
    except (ValueError, TypeError) as error:
        message = str(error)
        if check is not None:
            return "unclear", f"valid input refused: {type(error).__name__}: {message}"
        found = any(name.lower() in message.lower() for name in names)
        return ("clear" if found else "unclear"), f"{type(error).__name__}: {message}"
    except Exception as error:  # classifying any exception is the point
        return "crash", f"{type(error).__name__}: {error}"
    finally:
        signal.alarm(0)
    modified = [
        i for i, (value, snapshot) in enumerate(kept) if not same(snapshot, value)
    ]
    if modified:
        return "silent", f"modified input(s) {modified}"
    if check is None:
        return "silent", f"accepted: returned {type(result).__name__}"
    return ("correct", "") if check(result) else ("silent", f"check failed: {result!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", help="run only this family of cases")
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    table = defaultdict(Counter)
    for family, name, names, check, function in CASES:
        if args.family and family != args.family:
            continue
        outcome, detail = run_case(names, check, function)
        table[family][outcome] += 1
        if args.verbose or outcome not in ("clear", "correct"):
            print(f"[{outcome:7}] {family:12} {name}: {detail[:300]}")
    print()
    header = f"{'family':14}" + "".join(f"{c:>9}" for c in CLASSES) + f"{'total':>8}"
    print(header)
    total = Counter()
    for family, counts in table.items():
        total.update(counts)
        row = "".join(f"{counts[c]:>9}" for c in CLASSES)
        print(f"{family:14}{row}{sum(counts.values()):>8}")
    print(f"{'all':14}" + "".join(f"{total[c]:>9}" for c in CLASSES), end="")
    print(f"{sum(total.values()):>8}")
    return int(any(total[c] for c in ("unclear", "crash", "silent")))


if __name__ == "__main__":
    sys.exit(main())
