"""Univariate sets of the UCR time series classification archive."""

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_gunpoint", "load_italy_power_demand"]


def _load_ucr(file_name, split):
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    path = resources.files(__package__).joinpath(f"data/{file_name}")
    with path.open("rb") as file:
        table = pd.read_csv(file)
    table = table[table["split"] == split]
    X = table.filter(regex=r"^t\d+$").to_numpy(dtype=np.float64)
    return X, table["label"].to_numpy(dtype=np.int64)


def load_gunpoint(split: str = "train"):
    """Load GunPoint: 200 hand-motion series of 150 steps, two classes.

    An actor either draws a replica gun from a hip holster, points it at a
    target and returns it (class 1, "Gun-Draw"), or points with the index
    finger (class 2, "Point"); the series is the x coordinate of the hand's
    centroid over 150 video frames, z-normalised per series by the archive.
    The archive's split: 50 training and 150 test series. Published
    accuracies on this split: FCN 1.000 and ResNet 0.991 (Fawaz et al. 2019,
    "Deep learning for time series classification: a review").

    Source: C. A. Ratanamahatana and E. Keogh (2005), "Three myths about
    dynamic time warping data mining", SIAM International Conference on
    Data Mining; distributed by the UCR time series classification archive
    (Dau et al. 2019, "The UCR time series archive"), whose data are free to
    use with a citation of the archive. Copied from the ``.ts`` files
    bundled in aeon 1.6.0, values unchanged.

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        Which part of the archive's split.

    Returns
    -------
    X : ndarray of shape (n_series, 150), dtype float64
        One univariate series a row.
    y : ndarray of shape (n_series,), dtype int64
        The class, 1 or 2.

    Examples
    --------
    >>> from sklstm.datasets import load_gunpoint
    >>> X, y = load_gunpoint()
    >>> X.shape, sorted(set(y.tolist()))
    ((50, 150), [1, 2])
    >>> load_gunpoint(split="test")[0].shape
    (150, 150)
    """
    return _load_ucr("gunpoint.csv", split)


def load_italy_power_demand(split: str = "train"):
    """Load ItalyPowerDemand: 1096 days of Italian electricity demand, 24 hours.

    Each series is one day's hourly electrical power demand in Italy (from
    1997), z-normalised per series by the archive; the class tells the
    months October to March (class 1) from April to September (class 2).
    The archive's split: 67 training and 1029 test days. Published accuracy
    on this split: FCN 0.961 (Fawaz et al. 2019, "Deep learning for time
    series classification: a review").

    Source: donated by A. Bagnall to the UCR time series classification
    archive (Dau et al. 2019, "The UCR time series archive"), whose data are
    free to use with a citation of the archive. Copied from the ``.ts``
    files bundled in aeon 1.6.0, values unchanged.

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        Which part of the archive's split.

    Returns
    -------
    X : ndarray of shape (n_days, 24), dtype float64
        One day a row.
    y : ndarray of shape (n_days,), dtype int64
        The class, 1 or 2.

    Examples
    --------
    >>> from sklstm.datasets import load_italy_power_demand
    >>> X, y = load_italy_power_demand()
    >>> X.shape, sorted(set(y.tolist()))
    ((67, 24), [1, 2])
    >>> load_italy_power_demand(split="test")[0].shape
    (1029, 24)
    """
    return _load_ucr("italy_power_demand.csv", split)
