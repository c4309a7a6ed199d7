"""The 181 yearly series of the M1 forecasting competition, as a panel."""

from importlib import resources

import pandas as pd

__all__ = ["load_m1_yearly"]


def load_m1_yearly() -> pd.Series:
    """Load the M1 competition's 181 yearly series (15 to 58 years each).

    Macro- and microeconomic, industry and demographic yearly series of the
    M1 forecasting competition; the competition's horizon was 6 years.

    Source: S. Makridakis, A. Andersen, R. Carbone, R. Fildes, M. Hibon,
    R. Lewandowski, J. Newton, E. Parzen and R. Winkler (1982), "The accuracy
    of extrapolation (time series) methods: results of a forecasting
    competition", Journal of Forecasting 1, 111-153; as published by the
    Monash Time Series Forecasting Repository (R. Godahewa et al., 2021;
    ``m1_yearly_dataset``, CC BY 4.0), copied from the file bundled in aeon
    1.6.0, values unchanged. The Monash file replaced the unknown last two
    digits of series T51's first year by zeros.

    Returns
    -------
    values : pandas.Series of shape (4515,)
        Named ``"value"``, indexed by a two-level MultiIndex ``(series,
        year)``: series ``"T1"`` to ``"T181"``, integer years, each series'
        rows in time order.

    Examples
    --------
    >>> from sklstm.datasets import load_m1_yearly
    >>> m1 = load_m1_yearly()
    >>> m1.index.get_level_values("series").nunique(), m1.index.names
    (181, FrozenList(['series', 'year']))
    """
    with resources.files(__package__).joinpath("data/m1_yearly.csv").open() as file:
        table = pd.read_csv(file)
    return table.set_index(["series", "year"])["value"]
