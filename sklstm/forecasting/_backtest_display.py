"""BacktestDisplay: truth, forecasts, baselines and interval of one horizon step."""

from ..utils._sklearn_compat import check_matplotlib_support

__all__ = ["BacktestDisplay"]

_FIXED = ("origin", "step", "time", "y_true", "y_pred", "lower", "upper")


class BacktestDisplay:
    """Forecasts of one horizon step over a backtest, next to the truth.

    In scikit-learn's Display style: build it with :meth:`from_backtest`, or
    from the results of :func:`backtest` and call :meth:`plot`. Needs
    matplotlib (``pip install sklstm[plot]``).

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`backtest`.
    step : int, default=1
        Horizon step to draw.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the axes.
    lines_ : dict of str to matplotlib artist
        ``"y_true"``, ``"y_pred"``, one line per baseline, and ``"interval"``
        (the band) when the results have bounds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklstm import BacktestDisplay, backtest
    >>> series = np.sin(np.arange(60) / 3)
    >>> results = backtest(Ridge(), series[:-1], series[1:], initial_train_size=40,
    ...                    baselines=("naive",))
    >>> display = BacktestDisplay.from_backtest(results)
    >>> sorted(display.lines_)
    ['naive', 'y_pred', 'y_true']
    """

    def __init__(self, *, results, step=1):
        self.results = results
        self.step = step

    def plot(self, ax=None):
        """Draw the truth, the forecasts, the baselines and the interval band.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : BacktestDisplay
            This object, with ``ax_``, ``figure_`` and ``lines_``.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if "series" in self.results.columns:
            raise ValueError(
                "The results come from a panel backtest: one line per series would "
                "overlap. Plot one series, e.g. BacktestDisplay.from_backtest("
                "results[results['series'] == series_id].drop(columns='series'))."
            )
        rows = self.results[self.results["step"] == self.step]
        if rows.empty:
            steps = sorted(self.results["step"].unique())
            raise ValueError(f"step={self.step!r} is not in the results: {steps}.")
        if ax is None:
            _, ax = plt.subplots()
        time = rows["time"]
        self.lines_ = {}
        if {"lower", "upper"} <= set(rows.columns):
            self.lines_["interval"] = ax.fill_between(
                time,
                rows["lower"],
                rows["upper"],
                color="tab:blue",
                alpha=0.2,
                label="interval",
            )
        (self.lines_["y_true"],) = ax.plot(time, rows["y_true"], "k", label="truth")
        (self.lines_["y_pred"],) = ax.plot(
            time, rows["y_pred"], color="tab:blue", label="forecast"
        )
        for name in (column for column in rows.columns if column not in _FIXED):
            (self.lines_[name],) = ax.plot(
                time, rows[name], linestyle="--", linewidth=1, label=name
            )
        ax.set_xlabel("forecast time")
        ax.set_ylabel("target")
        ax.set_title(f"Backtest, {self.step} step(s) ahead")
        ax.legend(loc="best")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_backtest(cls, results, *, step=1, ax=None):
        """Plot one horizon step of the results of :func:`backtest`.

        Parameters
        ----------
        results : pandas.DataFrame
            Output of :func:`backtest`.
        step : int, default=1
            Horizon step to draw.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : BacktestDisplay
            The display, drawn.
        """
        return cls(results=results, step=step).plot(ax=ax)
