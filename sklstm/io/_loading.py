"""``sklstm.load`` and ``sklstm.save``: the one documented way to persist models.

Files are written with skops, whose loader builds only the types it is told to
trust. ``load`` trusts a fixed list (sklstm's estimators, and the builtin,
numpy and scikit-learn types skops trusts by default), never the list a file
declares for itself, so a file naming any other type is refused before any of
its code runs. Each estimator then checks its parameters, network size and
weights before the network is built (see ``_persistence.restore_state``).
"""

import io
import json
import os
import pickle
import warnings
import zipfile
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import IO, Any

from ..exceptions import UntrustedTypeError
from ._persistence import MAX_PARAMETERS, parameter_limit

__all__ = ["TRUSTED_TYPES", "load", "save"]

# sklstm's estimators, by the module path skops records (the private module
# that defines each class), by the path that files saved before the
# subpackages record (resolved by ``_legacy``), and by their public name, so
# that files keep loading if the recorded path ever becomes the public one.
TRUSTED_TYPES = (
    "sklstm._classifier.LSTMClassifier",
    "sklstm._regressor.LSTMRegressor",
    "sklstm._sequence_normalizer.SequenceNormalizer",
    "sklstm._series_scaler.PerSeriesScaler",
    "sklstm._window.SlidingWindow",
    "sklstm._estimators._classifier.LSTMClassifier",
    "sklstm._estimators._regressor.LSTMRegressor",
    "sklstm.preprocessing._sequence_normalizer.SequenceNormalizer",
    "sklstm.preprocessing._series_scaler.PerSeriesScaler",
    "sklstm.preprocessing._window.SlidingWindow",
    "sklstm.LSTMClassifier",
    "sklstm.LSTMRegressor",
    "sklstm.PerSeriesScaler",
    "sklstm.SequenceNormalizer",
    "sklstm.SlidingWindow",
)
_ZIP_MAGIC = b"PK\x03\x04"
# A skops file is a zip archive: its members may be compressed, so a small
# file could unpack to gigabytes before any check runs. Unpacked sizes are
# bounded by what max_parameters allows (float64 at most, and the history,
# parameters and other steps of a pipeline in the slack). zipfile stops
# reading a member at its declared size, so checking declared sizes suffices.
_UNPACKED_BYTES_PER_PARAMETER = 8
_UNPACKED_SLACK = 256 * 2**20
# What a damaged (truncated, cut, overwritten) or crafted file raises while
# being read: a crafted file may nest containers deeper than Python recurses
# (RecursionError) or declare arrays larger than memory (MemoryError).
_DAMAGED = (
    json.JSONDecodeError,
    EOFError,
    pickle.UnpicklingError,
    zipfile.BadZipFile,
    KeyError,
    UnicodeDecodeError,
    RecursionError,
    MemoryError,
    OverflowError,
)
# Fitted statistics that scale inputs or targets, by attribute name: finite,
# and the scales positive (scikit-learn's scalers store 1, never 0, for a
# constant column), or a loaded model would predict NaN or inf silently.
_FINITE_STATISTICS = ("mean_", "pooled_mean_", "center_", "min_", "var_")
_SCALES = ("scale_", "pooled_scale_")
# How deep the loaded object's estimators are searched (a pipeline in a
# search in a pipeline is 3).
_MAX_DEPTH = 20


def _skops_io():
    try:
        import skops.io
    except ImportError as error:
        raise ImportError(
            "sklstm.save and sklstm.load write and read skops files, but skops is "
            'not installed. Install it with: pip install "sklstm[skops]".'
        ) from error
    return skops.io


def _type_name(kind):
    return kind if isinstance(kind, str) else f"{kind.__module__}.{kind.__qualname__}"


def save(estimator: Any, file: str | os.PathLike | IO[bytes]) -> None:
    """Save a fitted estimator or pipeline to a skops file.

    The file holds plain values (parameters, weights as numpy arrays,
    training history as lists) and loads with :func:`load`, on any device.

    Parameters
    ----------
    estimator : estimator or Pipeline
        The object to save, usually a fitted sklstm estimator or a pipeline
        holding one.

    file : str, path-like or binary file object
        Where to write; ``.skops`` is the usual extension.

    Warns
    -----
    UserWarning
        When the file names a type that :func:`load` does not trust by
        default (a custom ``module`` class, say): loading it then needs
        ``trusted=[that type]``.

    See Also
    --------
    load : Load the file back, refusing foreign or damaged content.

    Examples
    --------
    >>> import numpy as np
    >>> import sklstm
    >>> X = np.random.RandomState(0).normal(size=(32, 5))
    >>> model = sklstm.LSTMRegressor(hidden_size=4, max_epochs=1, random_state=0)
    >>> model = model.fit(X, X[:, -1])
    >>> import io
    >>> buffer = io.BytesIO()
    >>> sklstm.save(model, buffer)
    >>> loaded = sklstm.load(io.BytesIO(buffer.getvalue()))
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    sio = _skops_io()
    data = sio.dumps(estimator)
    foreign = sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
    if foreign:
        warnings.warn(
            f"The saved file names types that sklstm.load does not trust by "
            f"default: {foreign}. Load it with sklstm.load(file, trusted=[...]) "
            "naming the ones you wrote yourself.",
            UserWarning,
            stacklevel=2,
        )
    if isinstance(file, str | os.PathLike):
        Path(file).write_bytes(data)
    else:
        file.write(data)


def load(
    file: str | os.PathLike | IO[bytes],
    *,
    trusted: Sequence[str | type] = (),
    max_parameters: int = MAX_PARAMETERS,
    allow_pickle: bool = False,
) -> Any:
    """Load an estimator or pipeline saved with :func:`save`, safely.

    A skops file is read without running code from it: only sklstm's
    estimators, the builtin and numpy types, and the scikit-learn estimators
    skops trusts can appear in it; any other type (a function such as
    ``os.system``, a callback class, an arbitrary module) is refused by name.
    Then, before any network is built, every estimator's parameters are
    validated, the size of its network is counted without allocating it, and
    its weights must have the expected names, shapes and dtype and be finite.

    Parameters
    ----------
    file : str, path-like or binary file object
        A file written by :func:`save` (or by ``skops.io.dump``); with
        ``allow_pickle=True``, also one written by ``joblib.dump`` or pickle.

    trusted : sequence of str or type, default=()
        Further types you vouch for, such as your own ``module`` class:
        ``trusted=[MyModule]`` or ``["mypackage.MyModule"]``. Name only types
        you wrote or know; never pass what the file says it contains.

    max_parameters : int, default=100_000_000
        The largest network (weights and buffers, counted on the ``meta``
        device) a file may describe; a larger one is refused before it is
        built. Raise it for a model you trust that is larger.

    allow_pickle : bool, default=False
        Also read pickle and joblib files. Unpickling runs code chosen by the
        file's author: pass True only for files you wrote yourself. The same
        checks then apply to sklstm's estimators, which protects against
        damaged or incompatible files, not against a malicious one.

    Returns
    -------
    estimator : object
        The loaded estimator or pipeline, ready to predict.

    Raises
    ------
    sklstm.exceptions.UntrustedTypeError
        If a skops file names a type outside the trusted list.

    ValueError
        If the file is damaged or truncated, describes an invalid or too
        large network, holds weights of the wrong names, shapes or dtype, or
        NaN or infinite weights, or is a pickle and ``allow_pickle=False``.

    See Also
    --------
    save : Write a skops file.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import sklstm
    >>> X = np.random.RandomState(0).normal(size=(32, 5))
    >>> model = sklstm.LSTMRegressor(hidden_size=4, max_epochs=1, random_state=0)
    >>> buffer = io.BytesIO()
    >>> sklstm.save(model.fit(X, X[:, -1]), buffer)
    >>> loaded = sklstm.load(io.BytesIO(buffer.getvalue()))
    >>> loaded.predict(X[:2]).shape
    (2,)
    """
    if trusted is True or isinstance(trusted, str):
        raise TypeError(
            f"trusted must be a list of types or their names; got {trusted!r}. "
            "Name each type you vouch for, e.g. trusted=[MyModule]."
        )
    if (
        not isinstance(max_parameters, Integral)
        or isinstance(max_parameters, bool)
        or max_parameters < 1
    ):
        raise ValueError(
            f"max_parameters must be a positive int; got {max_parameters!r}. It is "
            f"the largest network a file may describe (default {MAX_PARAMETERS})."
        )
    data = _read(file)
    with parameter_limit(max_parameters):
        if data.startswith(_ZIP_MAGIC):
            _check_unpacked_size(data, file, max_parameters)
            trusted = [*TRUSTED_TYPES, *map(_type_name, trusted)]
            loaded = _load_skops(data, file, trusted)
        elif not allow_pickle:
            raise ValueError(
                f"{_describe(file)} is not a skops file, and reading pickle or joblib "
                "files runs code from them. Pass allow_pickle=True only if you wrote "
                "the file yourself; otherwise ask for a file written by sklstm.save."
            )
        else:
            loaded = _load_pickle(data, file)
    _check_statistics(loaded, file)
    return loaded


def _read(file):
    if isinstance(file, str | os.PathLike):
        return Path(file).read_bytes()
    return file.read()


def _describe(file):
    if isinstance(file, str | os.PathLike):
        return f"The file {os.fspath(file)!r}"
    return "The file"


def _damaged(file, error):
    return ValueError(
        f"{_describe(file)} is truncated or damaged and could not be read "
        f"({type(error).__name__}: {error}). Save the model again, or copy the "
        "file again if it came from elsewhere."
    )


def _check_unpacked_size(data, file, max_parameters):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except _DAMAGED as error:
        raise _damaged(file, error) from error
    limit = _UNPACKED_BYTES_PER_PARAMETER * max_parameters + _UNPACKED_SLACK
    if unpacked > limit:
        raise ValueError(
            f"{_describe(file)} unpacks to {unpacked:.3g} bytes, more than the "
            f"{limit:.3g} that max_parameters={max_parameters:.3g} allows; nothing "
            "was unpacked. If you trust the file, load it with a larger "
            "max_parameters."
        )


def _load_skops(data, file, trusted):
    sio = _skops_io()
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return sio.loads(data, trusted=trusted)
    except UntrustedTypesFoundException as error:
        found = sorted(set(sio.get_untrusted_types(data=data)) - set(trusted))
        raise UntrustedTypeError(
            f"{_describe(file)} names types that sklstm.load does not trust: "
            f"{found}. Nothing from the file was run. If these are types you "
            "wrote yourself (a custom module, say), pass them in trusted=[...]; "
            "never trust a type you do not know.",
            types=found,
        ) from error
    except _DAMAGED as error:
        raise _damaged(file, error) from error


def _estimators(value, depth=0):
    """The scikit-learn estimators in ``value``, its steps and fitted parts."""
    from sklearn.base import BaseEstimator

    if depth > _MAX_DEPTH:
        return
    if isinstance(value, BaseEstimator):
        yield value
        value = list(vars(value).values())
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, BaseEstimator | list | tuple | dict):
                yield from _estimators(item, depth + 1)


def _check_statistics(loaded, file):
    """Refuse NaN or infinite fitted statistics, and scales that are not > 0."""
    import numpy as np

    for estimator in _estimators(loaded):
        for name in (*_FINITE_STATISTICS, *_SCALES):
            values = vars(estimator).get(name)
            if not (isinstance(values, np.ndarray) and values.dtype.kind == "f"):
                continue
            positive = name in _SCALES
            expected = "finite and positive" if positive else "finite"
            if not np.isfinite(values).all() or (positive and not (values > 0).all()):
                raise ValueError(
                    f"{_describe(file)} holds a {type(estimator).__name__} whose "
                    f"fitted {name} is not {expected} "
                    f"({values.ravel()[:5]!r}...): it would predict NaN or infinity. "
                    "The file is damaged; save the model again."
                )


def _load_pickle(data, file):
    import joblib

    try:
        return joblib.load(io.BytesIO(data))
    except _DAMAGED as error:
        raise _damaged(file, error) from error
