"""NOAA monthly El Niño sea-surface temperatures, 1950-2010."""

from importlib import resources

import pandas as pd

__all__ = ["load_elnino"]


def load_elnino() -> pd.Series:
    """Load the monthly El Niño sea-surface temperature series (732 months).

    Averaged monthly sea-surface temperature in degrees Celsius of the Pacific
    Ocean between 0-10 degrees South and 90-80 degrees West (the Niño 1+2
    region), January 1950 to December 2010.

    Source: NOAA National Weather Service, Climate Prediction Center, ERSST.V3B
    Niño 1+2 index, as shipped in statsmodels' ``elnino`` data set. Public
    domain.

    Returns
    -------
    sst : pandas.Series of shape (732,)
        Temperatures (float64) named ``"sst"`` with a monthly
        :class:`~pandas.DatetimeIndex`.

    Examples
    --------
    >>> from sklstm.datasets import load_elnino
    >>> sst = load_elnino()
    >>> sst.shape
    (732,)
    >>> str(sst.index[0].date()), round(float(sst.iloc[0]), 2)
    ('1950-01-01', 23.11)
    """
    with resources.files(__package__).joinpath("data/elnino.csv").open() as file:
        table = pd.read_csv(file, index_col="YEAR")
    values = table.to_numpy(dtype="float64").ravel()  # row = year, columns = months
    index = pd.date_range(f"{table.index[0]}-01-01", periods=values.size, freq="MS")
    return pd.Series(values, index=index, name="sst")
