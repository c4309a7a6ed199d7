"""Sequences of different lengths: recognised, checked, padded."""

from collections.abc import Sequence

import numpy as np
from numpy.typing import DTypeLike

__all__ = ["check_sequences", "is_ragged", "pad_sequences"]


def is_ragged(X) -> bool:
    """Whether ``X`` is a collection of separate sequences rather than one array.

    A list or tuple holding NumPy arrays, or lists of different lengths, and
    a 1-D object array are read as one sequence per element; anything else
    (3-D arrays, nested lists of equal lengths, DataFrames) as one array.
    """
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    if not isinstance(X, list | tuple) or not X:
        return False
    if any(isinstance(sequence, np.ndarray) for sequence in X):
        return True
    sized = [len(sequence) for sequence in X if hasattr(sequence, "__len__")]
    return len(sized) == len(X) and len(set(sized)) > 1


def pad_sequences(
    sequences: Sequence,
    *,
    length: int | None = None,
    padding: str = "pre",
    value: float = 0.0,
    dtype: DTypeLike = np.float32,
) -> np.ndarray:
    """Pad (or cut) sequences of different lengths to one 3-D array.

    The estimators read a list of sequences of different lengths as it is,
    masking the padding inside; this helper is for what reads fixed-length
    windows only, such as the exported modules (:func:`to_onnx`,
    :func:`to_torchscript`, :func:`prediction_module`), which do *not* mask
    padding.

    Parameters
    ----------
    sequences : sequence of array-like
        Each of shape ``(n_steps_i, n_features)``, or ``(n_steps_i,)`` for
        one feature.

    length : int or None, default=None
        Steps of the result; None for the longest sequence. Longer sequences
        keep their last ``length`` steps (the most recent ones).

    padding : {"pre", "post"}, default="pre"
        Pad before the first step or after the last one. ``"pre"`` keeps
        the real steps at the end of the window, where a forward network
        with ``pooling="last"`` reads its output.

    value : float, default=0.0
        Value of the padding steps.

    dtype : numpy dtype, default=np.float32
        The dtype of the result.

    Returns
    -------
    padded : ndarray of shape (n_sequences, length, n_features)
        A new array; the sequences are not modified.

    Examples
    --------
    >>> from sklstm import pad_sequences
    >>> pad_sequences([[1.0, 2.0], [3.0]])[:, :, 0]
    array([[1., 2.],
           [0., 3.]], dtype=float32)
    >>> pad_sequences([[1.0, 2.0], [3.0]], padding="post", length=3)[:, :, 0]
    array([[1., 2., 0.],
           [3., 0., 0.]], dtype=float32)
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post'; got {padding!r}.")
    if length is not None and (not isinstance(length, int | np.integer) or length < 1):
        raise ValueError(f"length must be a positive int or None; got {length!r}.")
    arrays = [_as_steps(np.asarray(sequence)) for sequence in sequences]
    if not arrays:
        raise ValueError("pad_sequences needs at least one sequence; got none.")
    n_features = _common_features(arrays, "pad_sequences")
    length = max(len(array) for array in arrays) if length is None else length
    _check_fits(arrays, value, np.dtype(dtype))
    padded = np.full((len(arrays), length, n_features), value, dtype=dtype)
    for row, array in zip(padded, arrays, strict=True):
        kept = array[len(array) - min(len(array), length) :]
        if padding == "pre":
            row[length - len(kept) :] = kept
        else:
            row[: len(kept)] = kept
    return padded


def _check_fits(arrays, value, dtype):
    """Raise unless every value and the padding ``value`` fit ``dtype`` as they are.

    numpy casts silently: 300 becomes 44 in int8, 1e39 becomes inf in float32.
    """
    if dtype.kind not in "iuf":
        return
    values = [np.asarray(value, dtype=np.float64).reshape(1)]
    values += [array.astype(np.float64).ravel() for array in arrays if array.size]
    values = np.concatenate(values)
    if dtype.kind == "f":
        limit = np.finfo(dtype).max
        wrong = values[np.isfinite(values) & (np.abs(values) > limit)]
    else:
        info = np.iinfo(dtype)
        wrong = values[(values < info.min) | (values > info.max) | (values % 1 != 0)]
    if wrong.size:
        first = float(wrong[0])
        raise ValueError(
            f"pad_sequences cannot hold the value {first!r} in dtype={dtype}: "
            "numpy would change it silently. Pass a dtype that holds every value "
            "and the padding value (e.g. dtype=np.int64 or np.float64)."
        )


def check_sequences(sequences, estimator_name, tokens=False):
    """Check sequences of different lengths; return them padded, and their lengths.

    Each must be a numeric 1-D ``(n_steps,)`` or 2-D ``(n_steps, n_features)``
    array (1-D token ids when ``tokens``), with at least one step, finite,
    and with as many features as the others. Errors name the index of the
    offending sequence. The padding (zeros) goes after each sequence's end.

    Returns
    -------
    X : ndarray of shape (n_samples, max_steps, n_features)
        Float32 if every sequence is float32, else float64; ``(n_samples,
        max_steps)`` int64 ids when ``tokens``.
    lengths : ndarray of shape (n_samples,), int64
    """
    arrays = []
    for index, sequence in enumerate(sequences):
        array = np.asarray(sequence)
        where = f"{estimator_name}: sequence {index} of X"
        if array.dtype.kind not in "biuf":
            raise ValueError(
                f"{where} has dtype {array.dtype}; sequences must hold numbers."
            )
        ndims = (1,) if tokens else (1, 2)
        if array.ndim not in ndims or 0 in array.shape:
            expected = (
                "1-D token ids (n_steps,)"
                if tokens
                else "(n_steps,) for one feature or (n_steps, n_features)"
            )
            raise ValueError(
                f"{where} has shape {array.shape}; each sequence must be {expected}, "
                "with at least 1 step."
            )
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(
                f"{where} contains NaN or infinity (at step "
                f"{np.argwhere(~np.isfinite(array))[0][0]}); impute or drop it first."
            )
        arrays.append(array if tokens else _as_steps(array))
    if not arrays:
        raise ValueError(f"{estimator_name} got an empty list of sequences as X.")
    lengths = np.array([len(array) for array in arrays], dtype=np.int64)
    if tokens:
        padded = np.zeros((len(arrays), lengths.max()), dtype=np.int64)
        for row, array in zip(padded, arrays, strict=True):
            row[: len(array)] = array
        return padded, lengths
    _common_features(arrays, estimator_name)
    single = all(array.dtype == np.float32 for array in arrays)
    dtype = np.float32 if single else np.float64
    return pad_sequences(arrays, padding="post", dtype=dtype), lengths


def _as_steps(array):
    """A 1-D sequence as ``(n_steps, 1)``; others as they are."""
    return array[:, np.newaxis] if array.ndim == 1 else array


def _common_features(arrays, who):
    """The features per step shared by ``arrays``; raise naming one that differs."""
    for index, array in enumerate(arrays):
        if array.ndim != 2 or array.shape[1] != arrays[0].shape[1]:
            raise ValueError(
                f"{who}: sequence {index} has shape {array.shape}, but sequence 0 has "
                f"{arrays[0].shape[1:]} feature(s) per step; every sequence needs "
                "the same features, as (n_steps, n_features)."
            )
    return arrays[0].shape[1]
