"""World Bank total fertility rates of 192 countries and regions, 1960-2011."""

from importlib import resources

import pandas as pd

__all__ = ["load_fertility"]


def load_fertility() -> pd.Series:
    """Load yearly fertility rates of 192 series: a panel of short real series.

    Total fertility rate (births per woman) of every country or World Bank
    aggregate with a value in each year from 1960 to 2011: 192 series of 52
    years, from about 0.8 to 9.2 births per woman, most of them falling.

    Source: World Bank, World Development Indicators, indicator
    SP.DYN.TFRT.IN, as shipped in statsmodels' ``fertility`` data set; the
    rows with a missing year are left out. World Bank terms of use (CC BY 4.0).

    Returns
    -------
    fertility : pandas.Series of shape (9984,)
        Rates (float64) named ``"fertility"``, indexed by a two-level
        :class:`~pandas.MultiIndex` ``(country, year)`` (names ``"country"``,
        ``"year"``; years are ints), each country's years in order.

    Examples
    --------
    >>> from sklstm.datasets import load_fertility
    >>> fertility = load_fertility()
    >>> fertility.index.names
    FrozenList(['country', 'year'])
    >>> fertility.index.get_level_values("country").nunique()
    192
    >>> round(float(fertility.loc[("Japan", 2011)]), 2)
    1.39
    """
    with resources.files(__package__).joinpath("data/fertility.csv").open() as file:
        table = pd.read_csv(file, index_col="country")
    table.columns = table.columns.astype(int).rename("year")
    fertility = table.stack().astype("float64").rename("fertility")
    return fertility
