"""Monthly Mauna Loa atmospheric CO2, 1958-2001."""

from importlib import resources

import pandas as pd

__all__ = ["load_co2"]


def load_co2() -> pd.Series:
    """Load the monthly Mauna Loa CO2 series (526 months), a trending series.

    Monthly mean atmospheric CO2 concentration in parts per million at Mauna
    Loa Observatory, Hawaii, March 1958 to December 2001: a seasonal cycle on
    a rising trend, so the last years lie above every earlier value.

    Source: Keeling and Whorf (2004), Scripps Institution of Oceanography,
    as shipped weekly in statsmodels' ``co2`` data set; weekly values are
    averaged per month and the few empty months linearly interpolated.
    Public domain.

    Returns
    -------
    co2 : pandas.Series of shape (526,)
        Concentrations (float64) named ``"co2"`` with a monthly
        :class:`~pandas.DatetimeIndex`.

    Examples
    --------
    >>> from sklstm.datasets import load_co2
    >>> co2 = load_co2()
    >>> co2.shape
    (526,)
    >>> str(co2.index[0].date()), str(co2.index.freqstr)
    ('1958-03-01', 'MS')
    """
    with resources.files(__package__).joinpath("data/co2.csv").open() as file:
        table = pd.read_csv(file)
    index = pd.date_range(table["month"].iloc[0], periods=len(table), freq="MS")
    return pd.Series(table["co2"].to_numpy(dtype="float64"), index=index, name="co2")
