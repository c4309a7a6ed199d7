"""Time-ordered cross-validation over all the series of a panel at once."""

from numbers import Integral

import numpy as np
from sklearn.model_selection import BaseCrossValidator

from ..preprocessing._panel import is_panel, target_positions
from ..utils._sklearn_compat import Interval, validate_params
from ._folds import training_rows

__all__ = ["PanelTimeSeriesSplit"]


class PanelTimeSeriesSplit(BaseCrossValidator):
    """Time-ordered folds of a panel: every series split at the same times.

    The distinct time labels of a panel (level 1 of its
    ``(series id, time)`` index) are split as
    :class:`~sklearn.model_selection.TimeSeriesSplit` splits rows: the test
    fold ``k`` is the ``k``-th last block of ``test_size`` times, its
    training set every row of every series whose targets are all observed
    by the block's first time (less ``gap`` times). A row's targets are its
    series' next observations (``y.shape[1]`` of them for direct targets
    from :func:`~sklstm.make_horizon_targets`, else one): the row before a
    gap in a series trains only in folds that start after the gap, and the
    last ``y.shape[1] - 1`` rows before a fold, whose direct targets lie in
    it, do not train. No fold trains on a target at a time after its test
    fold's first time. Series may start and end at different times, and
    have gaps.

    In a :class:`~sklearn.pipeline.Pipeline` with a
    :class:`~sklstm.SlidingWindow` (``history="auto"``), each series' test
    rows that directly follow its training rows are windowed with those
    rows: a test fold is scored with its real history, as with
    :class:`~sklearn.model_selection.TimeSeriesSplit` on one series. With a
    ``gap`` the test windows are padded.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds; at least 2.

    test_size : int, default=None
        Distinct times in each test fold; None: ``n_times // (n_splits + 1)``.

    gap : int, default=0
        Distinct times left out between each training set and its test fold.

    max_train_size : int, default=None
        Most distinct times in a training set (the latest); None: all before.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import PanelTimeSeriesSplit
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(4)])
    >>> panel = pd.DataFrame({"value": np.arange(8.0)}, index=index)
    >>> for train, test in PanelTimeSeriesSplit(n_splits=2, test_size=1).split(panel):
    ...     print(train, test)
    [0 1 4 5] [2 6]
    [0 1 2 4 5 6] [3 7]
    """

    @validate_params(
        {
            "n_splits": [Interval(Integral, 2, None, closed="left")],
            "test_size": [Interval(Integral, 1, None, closed="left"), None],
            "gap": [Interval(Integral, 0, None, closed="left")],
            "max_train_size": [Interval(Integral, 1, None, closed="left"), None],
        },
        prefer_skip_nested_validation=True,
    )
    def __init__(
        self,
        n_splits: int = 5,
        *,
        test_size: int | None = None,
        gap: int = 0,
        max_train_size: int | None = None,
    ):
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.max_train_size = max_train_size

    def split(self, X, y=None, groups=None):
        """Yield the train and test row positions of each fold, in time order.

        Parameters
        ----------
        X : DataFrame or Series indexed by (series id, time)
            The panel.

        y : array-like of shape (n_rows,) or (n_rows, n_horizons), default=None
            The targets: their number of columns is the number of future
            observations each row's targets reach (one for 1-D ``y`` or
            None).

        groups : None
            Ignored.

        Yields
        ------
        train : ndarray
            Positions of the training rows, every series included.

        test : ndarray
            Positions of the test rows.
        """
        if not is_panel(X):
            raise ValueError(
                "PanelTimeSeriesSplit splits a panel by time: X must be a DataFrame "
                "or Series indexed by a two-level MultiIndex (series id, time), got "
                f"{type(X).__name__}"
                f"{' with a ' + type(X.index).__name__ if hasattr(X, 'index') else ''}"
                ". Use sklearn.model_selection.TimeSeriesSplit for one series."
            )
        times, time_codes = np.unique(X.index.get_level_values(1), return_inverse=True)
        width = 1 if y is None or np.ndim(y) < 2 else np.shape(y)[1]
        # When each row's last target is observed: the cut is by that time.
        last_target = target_positions(X.index, time_codes, width)[:, -1]
        n_times = len(times)
        test_size = self.test_size or n_times // (self.n_splits + 1)
        first_test = n_times - self.n_splits * test_size
        if test_size < 1 or first_test - self.gap < 1:
            raise ValueError(
                f"The panel has {n_times} distinct times: too few for n_splits="
                f"{self.n_splits} test folds of test_size={test_size} times after "
                f"gap={self.gap} and at least one training time."
            )
        for start in range(first_test, n_times, test_size):
            # Trained as a backtest's fit at the origin start - gap is.
            train = training_rows(
                start - self.gap, self.max_train_size, time_codes, last_target
            )
            test = (time_codes >= start) & (time_codes < start + test_size)
            yield train, np.flatnonzero(test)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of folds.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
            ``n_splits``.
        """
        return self.n_splits
