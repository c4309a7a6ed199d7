"""The validation splits of early stopping: the latest rows, or stratified.

skorch calls them as its ``train_split`` with the training dataset; each
returns the training and the validation part as views of it.
"""

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

__all__ = ["StratifiedSplit", "TailSplit"]


class TailSplit:
    """Hold out the last ``fraction`` of the rows, in the order given, for validation.

    skorch's ``ValidSplit`` draws validation rows at random (or stratified);
    for time series that validates on the past, so here the held-out rows are
    always the most recent ones.
    """

    def __init__(self, fraction):
        self.fraction = fraction

    def n_valid(self, n_samples):
        """Number of rows held out from ``n_samples``."""
        return int(np.ceil(self.fraction * n_samples))

    def __call__(self, dataset, y=None, groups=None):
        return dataset.split(len(dataset) - self.n_valid(len(dataset)))


class StratifiedSplit:
    """Hold out a stratified, shuffled ``fraction`` of the rows for validation.

    For independent sequences (classification), where the order of the rows
    says nothing about time: every class appears among the validation rows in
    proportion to its frequency, as in :class:`~sklearn.neural_network.MLPClassifier`.
    The rows are drawn once, with a seed taken from ``random_state`` when the
    split is made, so a continued fit validates on the same rows.

    Parameters
    ----------
    fraction : float
        Share of the rows held out, rounded up (as :class:`TailSplit`).
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle.
    """

    def __init__(self, fraction, random_state=None):
        self.fraction = fraction
        self.seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)

    def rows(self, y):
        """Return ``(train_rows, valid_rows)``, sorted int64 arrays, for labels ``y``.

        Raises a ValueError naming the class counts when a class has too few
        members for the fraction.
        """
        y = np.asarray(y)
        try:
            train, valid = train_test_split(
                np.arange(len(y)),
                test_size=self.fraction,
                stratify=y,
                random_state=self.seed,
            )
        except ValueError as error:
            labels, counts = np.unique(y, return_counts=True)
            raise ValueError(
                "early_stopping=True with validation_split='stratified' holds out "
                f"validation_fraction={self.fraction} of the rows with every class "
                "in both parts, which these labels cannot give (class counts "
                f"{dict(zip(labels.tolist(), counts.tolist(), strict=True))}; "
                f"scikit-learn says: {error}). Pass more rows of the rare classes, "
                "change validation_fraction, set validation_split='last', or set "
                "early_stopping=False."
            ) from None
        return np.sort(train), np.sort(valid)

    def __call__(self, dataset, y=None, groups=None):
        labels = dataset.targets if y is None else y
        train, valid = self.rows(np.asarray(labels))
        return (
            dataset.subset(torch.from_numpy(train)),
            dataset.subset(torch.from_numpy(valid)),
        )
