"""Japanese Vowels: speakers told apart by utterances of different lengths."""

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_japanese_vowels"]


def load_japanese_vowels(split: str = "train"):
    """Load the Japanese Vowels speaker set: 640 ragged 12-channel sequences.

    Nine male speakers each uttered the vowels /ae/ in succession; each
    utterance is a sequence of 7 to 29 frames of 12 LPC cepstrum coefficients.
    The task is to tell the speaker from the utterance. The archive's split:
    270 training sequences (30 per speaker) and 370 test sequences (24 to 88
    per speaker). The usual benchmark of variable-length multivariate series
    classification (the UEA archive's ``JapaneseVowels``).

    Source: M. Kudo, J. Toyama and M. Shimbo (1999), "Multidimensional curve
    classification using passing-through regions", Pattern Recognition
    Letters 20, 1103-1111; UCI Machine Learning Repository, CC BY 4.0. Copied
    from the UEA archive files bundled in aeon 1.6.0, values unchanged (7
    significant digits).

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        Which part of the archive's split.

    Returns
    -------
    X : list of ndarray of shape (n_steps_i, 12), dtype float32
        One array per utterance, 7 to 29 steps long.
    y : ndarray of shape (n_sequences,), dtype int64
        The speaker, 1 to 9.

    Examples
    --------
    >>> from sklstm.datasets import load_japanese_vowels
    >>> X, y = load_japanese_vowels()
    >>> len(X), X[0].shape, sorted(set(y.tolist()))[:3]
    (270, (20, 12), [1, 2, 3])
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    path = resources.files(__package__).joinpath("data/japanese_vowels.csv.gz")
    with path.open("rb") as file:
        table = pd.read_csv(file, compression="gzip")
    table = table[table["split"] == split]
    values = table.filter(like="lpc").to_numpy(dtype=np.float32)
    starts = np.flatnonzero(np.diff(table["sequence"].to_numpy(), prepend=-1))
    X = np.split(values, starts[1:])
    y = table["speaker"].to_numpy(dtype=np.int64)[starts]
    return X, y
