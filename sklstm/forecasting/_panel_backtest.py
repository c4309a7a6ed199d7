"""Rolling-origin backtests of one global model over every series of a panel."""

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..preprocessing._labels import _next_label
from ..preprocessing._panel import series_rows, series_times, target_positions
from ._backtest_summary import mase_scale
from ._classical import classical_forecasts
from ._conformal import adaptive_conformal
from ._folds import refit_segments, rolling_folds
from ._multistep import _future_times, _time_labels
from ._recursive import recursive_forecast
from ._recursive_batch import _window_length

__all__ = ["panel_backtest"]


def panel_backtest(estimator, X, y, *, linear, options):
    """:func:`~sklstm.backtest` of a panel: origins in time, every series scored.

    The origins are positions among the distinct times of the panel
    (``initial_train_size``, then every ``step``); at origin ``o`` every row
    at a time ``<= o`` is observed, the model trains on the rows whose
    targets are all at times ``<= o`` (see :class:`_Panel`), and each series
    observed at ``o`` and at the ``horizon`` distinct times after it is
    forecast. ``linear`` is the linear
    baseline or None; ``options`` holds backtest's checked arguments, and
    ``classical`` (the statsforecast model of each such baseline), ``season``
    (their season, 1 when unknown) and ``calibration`` (the origins whose
    errors seed the intervals).
    """
    panel = _Panel(X, y, options["horizon"])
    origins = panel.origins(options["initial_train_size"], options["step"])
    if not len(origins):
        raise ValueError(
            f"initial_train_size={options['initial_train_size']} leaves no origin: "
            f"the panel has {len(panel.times)} distinct times, and a series is "
            f"forecast from an origin only when its next {options['horizon']} "
            "targets are in the data."
        )
    models = {"y_pred": estimator} | ({"linear": linear} if linear else {})
    forecasts = {
        name: panel.forecast(m, origins, options) for name, m in models.items()
    }
    for name, model_class in options["classical"].items():
        forecasts[name] = panel.classical(model_class, origins, options)
    if options["interval"] is not None:
        # Out-of-sample errors of the training tail seed each series' intervals.
        seeds = [
            origin
            for origin in options["calibration"]
            if any(k is not None for k in panel.origin_rows(origin))
        ]
        once = options | {"refit": False}
        forecasts["calibration"] = panel.forecast(estimator, np.array(seeds), once)
    frames = [
        panel.results(number, origins, forecasts, options)
        for number in range(len(panel.series))
    ]
    results = pd.concat([frame for frame in frames if len(frame)], ignore_index=True)
    results.attrs = {
        "season_length": options["season"],
        "mase_scale": panel.mase_scales(origins, options["season"]),
        "interval": options["interval"],
    }
    return results


class _Panel:
    """The rows of each series, and which of them are origins.

    Time is the panel's distinct times, in order: ``position`` is a row's
    place among them, and ``target_position[r, j]`` that of the time of its
    target ``j`` (``y[r]``, or ``Y[r, j]``): the series' ``j + 1``-th
    observation after row ``r``, across any gap. After a series' last row,
    the targets are taken one distinct time apart.
    """

    def __init__(self, X, y, horizon):
        self.X, self.y, self.horizon = X, y, horizon
        self.width = y.shape[1] if y.ndim == 2 else 1
        self.time_position, self.times = pd.factorize(
            X.index.get_level_values(1), sort=True
        )
        self.series = series_rows(X.index)
        self.target_position = target_positions(X.index, self.time_position, self.width)
        # Labels of the times after the panel's last, when its times are
        # evenly spaced; else after each series' last.
        self.panel_future = (
            _future_times(self.times, horizon)
            if _next_label(self.times) is not None
            else None
        )
        self.future = []
        for _, rows in self.series:
            times = series_times(X.index, rows, "backtest")
            self.future.append(_future_times(_time_labels(times), horizon))
        self._found = {}

    def origins(self, initial_train_size, step):
        candidates = np.arange(initial_train_size, len(self.times), step)
        scored = [
            o for o in candidates if any(k is not None for k in self.origin_rows(o))
        ]
        return np.array(scored, dtype=int)

    def origin_rows(self, origin):
        """Per series: its row at ``origin`` when it is observed at the next
        ``horizon`` distinct times (else None)."""
        if origin not in self._found:
            self._found[origin] = [
                self._origin_row(rows, origin) for _, rows in self.series
            ]
        return self._found[origin]

    def _origin_row(self, rows, origin):
        positions = self.time_position[rows]
        k = int(np.searchsorted(positions, origin))
        if k == len(rows) or positions[k] != origin:
            return None
        if self.y.ndim == 2:
            targets = self.target_position[rows[k], : self.horizon]
        elif k + self.horizon <= len(rows):
            targets = self.target_position[rows[k : k + self.horizon], 0]
        else:
            return None
        # Step h is the h-th distinct time after the origin, gap or not.
        expected = origin + np.arange(1, self.horizon + 1)
        return k if np.array_equal(targets, expected) else None

    def forecast(self, estimator, origins, options):
        """{(origin, series number): forecasts of shape (horizon,)}."""
        forecasts = {}
        # Rows whose every target is observed at the origin, by time: a row
        # before a gap has its target after it.
        for fold in rolling_folds(
            origins,
            refit=options["refit"],
            window=options["window"],
            row_times=self.time_position,
            last_target_times=self.target_position[:, -1],
        ):
            model = clone(estimator).fit(self.X.iloc[fold.train], self.y[fold.train])
            # The fitted model's window: a search may have chosen another.
            context = _window_length(model)
            for origin in origins[fold.origins]:
                forecasts |= self._predict(model, origin, context)
        return forecasts

    def _predict(self, model, origin, context):
        """Forecasts of every series with a row at ``origin``."""
        found = self.origin_rows(origin)
        numbers = [n for n, k in enumerate(found) if k is not None]
        # Each series' last ``context`` rows up to the origin: rows, not
        # times, as its SlidingWindow reads them (across a gap too).
        first = {
            n: 0 if context is None else max(0, found[n] - context + 1) for n in numbers
        }
        keep = np.concatenate(
            [self.series[n][1][first[n] : found[n] + 1] for n in numbers]
        )
        history = self.X.iloc[np.sort(keep)]
        if self.y.ndim == 2 or self.horizon == 1:
            predictions = np.asarray(model.predict(history), dtype=np.float64)
            predictions = predictions.reshape(len(history), -1)
            at = {row: i for i, row in enumerate(np.sort(keep))}
            return {
                (origin, n): predictions[
                    at[self.series[n][1][found[n]]], : self.horizon
                ]
                for n in numbers
            }
        if history.shape[1] != 1:
            raise ValueError(
                f"A recursive backtest of a panel (1-D y, horizon={self.horizon}) "
                "feeds the forecasts back as X's only column, but X has "
                f"{history.shape[1]} columns. Pass the target column alone, or "
                "direct targets Y from make_horizon_targets(X, horizon)."
            )
        forecast = recursive_forecast(model, history, self.horizon, context=context)
        values = forecast["forecast"].to_numpy().reshape(-1, self.horizon)
        # recursive_forecast orders the series by first appearance, as series_rows.
        return {(origin, n): values[i] for i, n in enumerate(numbers)}

    def observed(self, number):
        """The targets of a series: ``observed[j - 1]`` is the target at row j."""
        rows = self.series[number][1]
        return self.y[rows] if self.y.ndim == 1 else self.y[rows, 0]

    def classical(self, model_class, origins, options):
        """{(origin, series number): forecasts}, one statsforecast model a series.

        Each series is fitted at the first origin of a refit segment it is
        forecast from, on its targets observed by then (within the window),
        and rolled forward without refitting to the segment's later origins.
        """
        window = options["window"]
        segments = refit_segments(len(origins), options["refit"])
        found = np.array([self.origin_rows(o) for o in origins], dtype=object)
        forecasts = {}
        for number, (_, rows) in enumerate(self.series):
            chosen = np.flatnonzero(found[:, number] != None)  # noqa: E711
            if not len(chosen):
                continue
            stops = found[chosen, number].astype(int)
            times = self.time_position[rows]
            starts = np.zeros_like(stops)
            if window is not None:
                starts = np.searchsorted(times, origins[chosen] - window)
            values = classical_forecasts(
                model_class,
                self.observed(number),
                starts,
                stops,
                segments[chosen],
                self.horizon,
                options["season"],
            )
            forecasts |= {(origins[i], number): values[j] for j, i in enumerate(chosen)}
        return forecasts

    def mase_scales(self, origins, season):
        """{series id: MASE's scale from its targets observed by its first origin}."""
        found = [self.origin_rows(origin) for origin in origins]
        scales = {}
        for number, (series_id, _) in enumerate(self.series):
            first = next((at[number] for at in found if at[number] is not None), None)
            if first is not None:
                scales[series_id] = mase_scale(self.observed(number)[:first], season)
        return scales

    def results(self, number, origins, forecasts, options):
        """Result rows of one series: one per origin it is forecast from, per step."""
        series_id, rows = self.series[number]
        pairs = [(o, self.origin_rows(o)[number]) for o in origins]
        pairs = [(o, k) for o, k in pairs if k is not None]
        if not pairs:
            return pd.DataFrame()
        steps = np.arange(1, self.horizon + 1)
        at = np.array([o for o, _ in pairs])
        columns = {
            "y_true": np.array([self._truth(rows, k) for _, k in pairs]),
            "y_pred": np.array([forecasts["y_pred"][(o, number)] for o, _ in pairs]),
        }
        for name in options["baselines"]:
            if name in forecasts:  # "linear" and the statsforecast models
                model = forecasts[name]
                columns[name] = np.array([model[(o, number)] for o, _ in pairs])
            else:
                season = options["season_length"] if name != "naive" else None
                columns[name] = np.array(
                    [self._naive(number, o, season) for o, _ in pairs]
                )
        if options["interval"] is not None:
            columns["lower"], columns["upper"] = adaptive_conformal(
                columns["y_true"],
                columns["y_pred"],
                at,
                1 - options["interval"],
                calibration=self._seeds(number, forecasts["calibration"], options),
            )
        return pd.DataFrame(
            {
                "origin": np.repeat(at, self.horizon),
                "series": [series_id] * (len(pairs) * self.horizon),
                "step": np.tile(steps, len(pairs)),
                "time": [self._time(o + h, number) for o, _ in pairs for h in steps],
                **{name: values.ravel() for name, values in columns.items()},
            }
        )

    def _seeds(self, number, forecasts, options):
        """(origins, truths, forecasts) of the series' calibration origins."""
        rows = self.series[number][1]
        pairs = [(o, self.origin_rows(o)[number]) for o in options["calibration"]]
        pairs = [(o, k) for o, k in pairs if k is not None]
        truths = np.array([self._truth(rows, k) for _, k in pairs])
        predictions = np.array([forecasts[(o, number)] for o, _ in pairs])
        shape = (len(pairs), self.horizon)
        return (
            np.array([o for o, _ in pairs], dtype=int),
            truths.reshape(shape),
            predictions.reshape(shape),
        )

    def _value_at(self, number, position):
        """The target of a series at the distinct time ``position``, or NaN."""
        at = self.target_position[self.series[number][1], 0]
        j = np.searchsorted(at, position)
        if j < len(at) and at[j] == position:
            return self.observed(number)[j]
        return np.nan

    def _time(self, position, number):
        """The label of the distinct time ``position``, continued past the end."""
        if position < len(self.times):
            return self.times[position]
        if self.panel_future is not None:
            return self.panel_future[position - len(self.times)]
        last = self.time_position[self.series[number][1][-1]]
        return self.future[number][position - last - 1]

    def _truth(self, rows, k):
        if self.y.ndim == 2:
            return self.y[rows[k], : self.horizon]
        return self.y[rows[k : k + self.horizon]]

    def _naive(self, number, origin, season):
        """The target at the origin, or (with ``season``) one season before
        each forecast time, read by time: NaN where the series has none."""
        steps = np.arange(1, self.horizon + 1)
        if season is None:
            return np.full(self.horizon, self._value_at(number, origin))
        back = season * np.ceil(steps / season).astype(int)
        return np.array(
            [
                self._value_at(number, origin + h - b)
                for h, b in zip(steps, back, strict=True)
            ]
        )
