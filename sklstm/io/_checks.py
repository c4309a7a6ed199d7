"""Checks of a loaded model's state: shapes, finite statistics, weights, sizes.

A file is data that anyone may have written: every fitted attribute and weight
is checked against the estimator's parameters before the network is built.
"""

import contextvars

import numpy as np
import torch

__all__ = [
    "MAX_PARAMETERS",
    "check_loaded_array",
    "check_loaded_params",
]

# The largest network a loaded file may describe, counted before anything is
# allocated: a file asking for more is refused (``sklstm.load(max_parameters=)``
# raises it). 1e8 float32 parameters are 400 MB.
MAX_PARAMETERS = 10**8
_max_parameters = contextvars.ContextVar("max_parameters", default=MAX_PARAMETERS)


def _checked_rng_state(array, key, name):
    if not (isinstance(array, np.ndarray) and array.dtype == np.uint8):
        raise ValueError(
            f"The saved random generator state {key} of this {name} is not a "
            "uint8 array: the file is damaged or was not written by sklstm."
        )
    return array.copy()


def _n_features(estimator):
    shape = estimator.input_shape_
    return shape[1] if len(shape) == 2 else 1


def _check_fitted_shapes(estimator):
    name = type(estimator).__name__
    shape = getattr(estimator, "input_shape_", None)
    valid = (
        isinstance(shape, tuple | list)
        and len(shape) in (1, 2)
        and all(isinstance(n, int) and not isinstance(n, bool) for n in shape)
        and all(n >= 1 for n in shape)
    )
    if not valid:
        raise ValueError(
            f"The saved input_shape_={shape!r} of this {name} is not "
            "(n_steps, n_features) or (n_steps,) in positive integers: the file "
            "is damaged."
        )
    estimator.input_shape_ = tuple(shape)
    # X's steps times features: a window larger than the network allows
    # would allocate that much on the first predict or export.
    if int(np.prod(shape)) > _max_parameters.get():
        raise ValueError(
            f"The saved input_shape_={shape!r} of this {name} describes windows "
            f"of more than max_parameters={_max_parameters.get():.3g} values: the "
            "file is damaged, or load it with a larger max_parameters if you "
            "trust it."
        )
    n_features_in = getattr(estimator, "n_features_in_", None)
    if n_features_in != shape[0]:
        raise ValueError(
            f"The saved n_features_in_={n_features_in!r} of this {name} does not "
            f"match its input_shape_={shape!r} (they are X.shape[1] and "
            "X.shape[1:] of the fit data): the file is damaged."
        )
    n_outputs = getattr(estimator, "n_outputs_", 1)
    if not isinstance(n_outputs, int) or isinstance(n_outputs, bool) or n_outputs < 1:
        raise ValueError(
            f"The saved n_outputs_={n_outputs!r} of this {name} is not a positive "
            "integer: the file is damaged."
        )
    for key in ("n_iter_", "best_epoch_"):
        value = getattr(estimator, key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(
                f"The saved {key}={value!r} of this {name} is not a non-negative "
                "integer: the file is damaged."
            )


def _damaged(estimator, what):
    return ValueError(
        f"The saved {what} of this {type(estimator).__name__} is not valid: the "
        "file is damaged or was not written by sklstm."
    )


def _finite_array(values, estimator, what, positive=False):
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _damaged(estimator, what) from None
    bad = array.ndim > 2 or not np.all(np.isfinite(array))
    if bad or (positive and not np.all(array > 0)):
        raise _damaged(estimator, f"{what}={values!r}")
    return array


def _check_fitted_values(estimator):
    """The target's scaling, frame and interval calibration: finite, in range.

    A NaN or zero scale would load and predict NaN or infinity silently.
    """
    for name in ("y_mean_", "y_scale_"):
        if hasattr(estimator, name):
            values = _finite_array(
                getattr(estimator, name), estimator, name, positive=name == "y_scale_"
            )
            if values.shape != (estimator.n_outputs_,):
                raise _damaged(estimator, f"{name} of shape {values.shape}")
    offset = getattr(estimator, "_input_offset", None)
    if offset is not None:
        values = _finite_array(offset, estimator, "input offset")
        if values.shape != (_n_features(estimator),):
            raise _damaged(estimator, f"input offset of shape {values.shape}")
        estimator._input_offset = values
    frame = getattr(estimator, "_target_frame", None)
    if frame is not None:
        _check_frame(estimator, frame)
    calibration = getattr(estimator, "_interval_calibration", None)
    if calibration is not None:
        if not isinstance(calibration, dict) or not set(calibration) <= {
            "std_factor",
            "quantile_factor",
        }:
            raise _damaged(estimator, "interval calibration")
        for name, values in calibration.items():
            array = _finite_array(values, estimator, name)
            if np.any(array < 0) or array.size > 10**6:
                raise _damaged(estimator, f"interval calibration {name}")


def _check_frame(estimator, frame):
    from .._estimators._frame import TargetFrame

    fields = TargetFrame._fields
    if isinstance(frame, dict):
        # Saved before seasonal phases or the absolute level existed: a
        # model without them.
        missing = {"phases": 0, "absolute_level": False}
        missing = {key: value for key, value in missing.items() if key not in frame}
        if missing:
            frame = estimator._target_frame = {**frame, **missing}
    if not isinstance(frame, dict) or set(frame) != set(fields):
        raise _damaged(estimator, "target frame")
    season, phases = frame["season"], frame["phases"]
    if not isinstance(season, int) or isinstance(season, bool) or season < 1:
        raise _damaged(estimator, f"target frame season {season!r}")
    if phases not in (0, season) or isinstance(phases, bool):
        raise _damaged(estimator, f"target frame phases {phases!r}")
    column, n_features = frame["column"], _n_features(estimator)
    numbers = [frame[key] for key in ("slope", "intercept", "scale", "floor")]
    valid = (
        isinstance(column, int)
        and not isinstance(column, bool)
        and 0 <= column < n_features
        and all(
            isinstance(frame[key], bool)
            for key in ("log", "per_window", "absolute_level")
        )
        and all(isinstance(x, int | float) and np.isfinite(x) for x in numbers)
        and frame["slope"] > 0
        and frame["scale"] > 0
        and frame["floor"] > 0
    )
    if not valid:
        raise _damaged(estimator, f"target frame {frame!r}")


def _expected_weights(estimator):
    """Names, shapes and dtypes of the weights, from a module built on ``meta``.

    The parameters are validated first; building on the ``meta`` device
    allocates no memory, so a file describing a huge network is refused
    before anything of that size exists.
    """
    name = type(estimator).__name__
    saved = vars(estimator)
    missing = [key for key in estimator._get_param_names() if key not in saved]
    if missing:
        raise ValueError(
            f"The saved {name} lacks the parameters {missing}: the file is damaged "
            "or was written by an incompatible sklstm version."
        )
    try:
        estimator._validate_params()
    except ValueError as error:
        raise ValueError(
            f"The saved {name} has an invalid parameter: {error} The file is "
            "damaged or was not written by sklstm."
        ) from error
    _check_fitted_shapes(estimator)
    _check_fitted_values(estimator)
    try:
        module, params = estimator._module_and_params(
            _n_features(estimator), estimator._module_output_size()
        )
        with torch.device("meta"):
            weights = module(**params).state_dict()
    except Exception as error:
        raise ValueError(
            f"The saved parameters of this {name} do not describe a network: "
            f"{type(error).__name__}: {error}. The file is damaged or was not "
            "written by sklstm."
        ) from error
    n_parameters = sum(tensor.numel() for tensor in weights.values())
    limit = _max_parameters.get()
    if n_parameters > limit:
        raise ValueError(
            f"The saved {name} describes a network of {n_parameters:.3g} "
            f"parameters ({_size_description(estimator)}), more than "
            f"max_parameters={limit:.3g}; it was not built. If you trust the "
            "file, load it with sklstm.load(file, max_parameters=...) set above "
            f"{n_parameters}."
        )
    return weights


def _size_description(estimator):
    if estimator.module is not None:
        arguments = estimator._routed_arguments("module__")
        return f"module={estimator.module.__name__}, arguments={arguments!r}"
    sizes = ["hidden_size", "num_layers", "bidirectional", "conv_channels"]
    if estimator.n_tokens is not None:
        sizes += ["n_tokens", "embedding_dim"]
    described = [f"{key}={getattr(estimator, key)!r}" for key in sizes]
    return ", ".join([*described, f"input_shape_={estimator.input_shape_!r}"])


def _checked_weights(net_state, expected, name):
    """The saved weights as tensors, if they match ``expected`` exactly."""
    if not (
        isinstance(net_state, dict)
        and isinstance(net_state.get("weights"), dict)
        and isinstance(net_state.get("history"), list)
        and all(isinstance(row, dict) for row in net_state["history"])
    ):
        raise ValueError(
            f"The saved network of this {name} is not a dict of 'weights' and "
            "'history' (a list of dicts): the file is damaged or was not written "
            "by sklstm."
        )
    weights = net_state["weights"]
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected), key=str)
    if missing or unexpected:
        raise ValueError(
            f"The saved weights of this {name} do not match its parameters: "
            f"missing {missing or 'none'}, unexpected {unexpected or 'none'}. The "
            "file is damaged or was not written by sklstm."
        )
    tensors = {}
    for key, meta in expected.items():
        array = weights[key]
        dtype = torch.empty(0, dtype=meta.dtype).numpy().dtype
        problem = None
        if not isinstance(array, np.ndarray):
            problem = f"is a {type(array).__name__}, not a numpy array"
        elif array.shape != tuple(meta.shape):
            problem = f"has shape {array.shape}, expected {tuple(meta.shape)}"
        elif array.dtype != dtype:
            problem = f"has dtype {array.dtype}, expected {dtype}"
        elif dtype.kind in "fc" and not np.isfinite(array).all():
            problem = "holds NaN or infinite values"
        if problem is not None:
            raise ValueError(
                f"The saved weight {key!r} of this {name} {problem}: the file is "
                "damaged or was not written by sklstm."
            )
        tensors[key] = torch.from_numpy(array.copy())
    return tensors


def check_loaded_params(estimator):
    """Validate a loaded transformer's parameters; a ValueError names the file.

    For the estimators without a network (SlidingWindow, PerSeriesScaler),
    whose fitted arrays are then checked against these parameters.
    """
    try:
        estimator._validate_params()
    except ValueError as error:
        raise ValueError(
            f"The saved {type(estimator).__name__} has an invalid parameter: "
            f"{error} The file is damaged or was not written by sklstm."
        ) from error


def check_loaded_array(estimator, name, values, shape, positive=False):
    """A loaded fitted array: a finite float ndarray of ``shape`` (None: any).

    ``shape`` may hold None for an axis of any length.
    """
    valid = (
        isinstance(values, np.ndarray)
        and values.dtype.kind == "f"
        and values.ndim == len(shape)
        and all(n is None or n == m for n, m in zip(shape, values.shape, strict=True))
        and np.isfinite(values).all()
        and (not positive or (values > 0).all())
    )
    if not valid:
        described = getattr(values, "shape", type(values).__name__)
        raise ValueError(
            f"The saved {name} of this {type(estimator).__name__} ({described}) is "
            f"not a finite{' positive' if positive else ''} float array of shape "
            f"{tuple('any' if n is None else n for n in shape)}: the file is "
            "damaged or was not written by sklstm."
        )
