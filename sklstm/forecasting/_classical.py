"""The classical anchors of a backtest: statsforecast's AutoETS and AutoARIMA."""

import warnings

import numpy as np

__all__ = ["CLASSICAL", "MIN_OBSERVATIONS", "classical_forecasts", "import_classical"]

CLASSICAL = ("ets", "arima")
# statsforecast 2.1's AutoETS raises on 6 points or fewer ("tiny datasets").
MIN_OBSERVATIONS = 7


def import_classical():
    """{name: model class} of statsforecast, or an ImportError naming the extra."""
    try:
        from statsforecast.models import AutoARIMA, AutoETS
    except ImportError as error:
        raise ImportError(
            "The 'ets' and 'arima' baselines of backtest need statsforecast, which "
            'is not installed; run pip install "sklstm[classical]", or leave them '
            "out of baselines."
        ) from error
    return {"ets": AutoETS, "arima": AutoARIMA}


def classical_forecasts(model_class, series, starts, stops, segments, horizon, season):
    """Forecasts of shape (n_origins, horizon) of one target series.

    At origin ``i`` the observed targets are ``series[:stops[i]]``. The model
    is fitted at the first origin of each refit segment on
    ``series[starts[i]:stops[i]]``; the later origins of the segment apply
    that fit, without refitting, to the targets observed since the same start
    (statsforecast's ``forward``), so each origin sees its true history.
    A segment whose first fit would have fewer than ``MIN_OBSERVATIONS``
    targets is left NaN (a short series of a panel).
    """
    forecasts = np.full((len(stops), horizon), np.nan)
    for segment in np.unique(segments):
        chosen = np.flatnonzero(segments == segment)
        first = chosen[0]
        start = starts[first]
        if stops[first] - start < MIN_OBSERVATIONS:
            continue
        model = model_class(season_length=season)
        with warnings.catch_warnings():
            # statsforecast warns when a short series drops the seasonal terms.
            warnings.simplefilter("ignore", UserWarning)
            if len(chosen) == 1:
                history = series[start : stops[first]]
                forecasts[first] = model.forecast(y=history, h=horizon)["mean"]
                continue
            model.fit(series[start : stops[first]])
            forecasts[first] = model.predict(h=horizon)["mean"]
            for i in chosen[1:]:
                history = series[start : stops[i]]
                forecasts[i] = model.forward(y=history, h=horizon)["mean"]
    return forecasts
