"""Saving fitted estimators as plain Python and numpy values, and loading them back.

The skorch net is not pickled: its module weights go in as numpy arrays and
its history as lists of dicts, and the net is rebuilt from the estimator's
parameters on loading. Files therefore load on any device, with any skorch
version that sklstm supports, and through ``sklstm.load`` (skops) without
trusting any type but sklstm's own estimators.

Unpickling runs ``restore_state``, which checks the file before building
anything; those checks catch damaged or incompatible files, not malicious
pickles, which run their code before sklstm sees them.
"""

import contextlib
import contextvars
import warnings

import numpy as np
import pandas as pd
import sklearn
import skorch
import torch
from skorch.history import History

from .._estimators._device import global_torch_seed

__all__ = [
    "FORMAT_VERSION",
    "MAX_PARAMETERS",
    "check_loaded_params",
    "parameter_limit",
    "plain_state",
    "restore_state",
]

# Bump when the saved state changes in a way older sklstm versions cannot read.
FORMAT_VERSION = 1

# The largest network a loaded file may describe, counted before anything is
# allocated: a file asking for more is refused (``sklstm.load(max_parameters=)``
# raises it). 1e8 float32 parameters are 400 MB.
MAX_PARAMETERS = 10**8
_max_parameters = contextvars.ContextVar("max_parameters", default=MAX_PARAMETERS)
# Rebuilt on loading, never read from a file. Earlier versions could predict
# from a float64 copy of the network (``_predict_dtype``); a file that still
# names it loads and predicts in float32.
_REBUILT = ("_inference_module", "_predict_dtype")
# Torch generator states (uint8 tensors), saved as numpy arrays.
_RNG_STATES = ("_torch_rng_state", "_global_rng_state")
_VERSION_KEYS = ("format", "sklstm", "torch", "skorch", "sklearn")


def _versions():
    from .._version import __version__

    return {
        "format": FORMAT_VERSION,
        "sklstm": __version__,
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "sklearn": sklearn.__version__,
    }


def _plain(value):
    """Numbers, strings, lists and dicts only: numpy scalars become Python ones."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain_state(state):
    """Replace the live torch and pandas objects in ``state`` by plain values."""
    state = dict(state)
    for key in _REBUILT:  # rebuilt from the weights on loading
        state.pop(key, None)
    net = state.pop("net_", None)
    if net is not None:
        weights = net.module_.state_dict()
        state["_net_state"] = {
            "weights": {name: t.detach().cpu().numpy() for name, t in weights.items()},
            "history": _plain(list(net.history)),
        }
    if isinstance(state.get("history_"), pd.DataFrame):
        state["history_"] = _plain(state["history_"].to_dict(orient="list"))
    for name in ("loss_curve_", "validation_scores_"):
        if state.get(name) is not None:
            state[name] = _plain(state[name])
    for name in _RNG_STATES:
        if isinstance(state.get(name), torch.Tensor):
            state[name] = state[name].numpy()
    state["_sklstm_versions"] = _versions()
    return state


def _check_versions(saved, estimator_name):
    current = _versions()
    if not isinstance(saved, dict):
        raise ValueError(
            f"This {estimator_name} was not saved by sklstm (no version record, "
            f"found {type(saved).__name__}): it cannot be loaded. Was the file "
            "written by another program?"
        )
    missing = [key for key in _VERSION_KEYS if key not in saved]
    wrong = [
        f"{key}={saved[key]!r}"
        for key in _VERSION_KEYS
        if key in saved
        and not (
            isinstance(saved[key], str)
            if key != "format"
            else isinstance(saved[key], int) and not isinstance(saved[key], bool)
        )
    ]
    if missing or wrong:
        raise ValueError(
            f"The version record of this {estimator_name} is damaged (missing: "
            f"{missing or 'none'}; of the wrong type: {wrong or 'none'}); it "
            "should hold an integer 'format' and the version strings of sklstm, "
            "torch, skorch and sklearn. The file is damaged or was not written "
            "by sklstm."
        )
    if saved["format"] > current["format"]:
        raise ValueError(
            f"This {estimator_name} was saved by sklstm {saved['sklstm']} in file "
            f"format {saved['format']}; sklstm {current['sklstm']} reads formats up "
            f"to {current['format']}. Upgrade sklstm to load it."
        )
    if saved["sklstm"] != current["sklstm"]:
        warnings.warn(
            f"This {estimator_name} was saved with sklstm {saved['sklstm']} and is "
            f"loaded with {current['sklstm']}; check its predictions.",
            UserWarning,
            stacklevel=4,
        )


@contextlib.contextmanager
def parameter_limit(max_parameters):
    """Within the block, loaded networks may have up to ``max_parameters``."""
    token = _max_parameters.set(max_parameters)
    try:
        yield
    finally:
        _max_parameters.reset(token)


def restore_state(estimator, state):
    """Set ``estimator.__dict__`` from ``plain_state`` output and rebuild the net.

    Everything is checked before the network is built: the version record,
    the parameters (against ``_parameter_constraints``), the size of the
    network they describe (at most ``MAX_PARAMETERS``, counted on the
    ``meta`` device, which allocates nothing) and the saved weights (names,
    shapes, dtypes, finite values). A file that fails raises ``ValueError``.
    """
    name = type(estimator).__name__
    if not isinstance(state, dict):
        raise ValueError(
            f"The saved state of this {name} is a {type(state).__name__}, not a "
            "dict: the file is damaged or was not written by sklstm."
        )
    state = dict(state)
    versions = state.pop("_sklstm_versions", None)
    _check_versions(versions, name)
    net_state = state.pop("_net_state", None)
    for key in _REBUILT:
        state.pop(key, None)
    if isinstance(state.get("history_"), dict):
        state["history_"] = pd.DataFrame(state["history_"])
    for key in _RNG_STATES:
        if state.get(key) is not None:
            state[key] = torch.from_numpy(_checked_rng_state(state[key], key, name))
    estimator.__dict__.update(state)
    if net_state is None:
        return
    expected = _expected_weights(estimator)
    weights = _checked_weights(net_state, expected, name)
    try:
        _rebuild_net(estimator, weights, net_state["history"])
    except Exception as error:  # a damaged or foreign file: say so, not torch's words
        raise ValueError(
            f"Could not restore the network of this {name} (saved with sklstm "
            f"{versions['sklstm']}, torch {versions['torch']}, skorch "
            f"{versions['skorch']}): {type(error).__name__}: {error}. The file may "
            "be damaged, or incompatible with the installed versions."
        ) from error


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
    if not isinstance(frame, dict) or set(frame) != set(fields):
        raise _damaged(estimator, "target frame")
    season = frame["season"]
    if not isinstance(season, int) or isinstance(season, bool) or season < 1:
        raise _damaged(estimator, f"target frame season {season!r}")
    column, n_features = frame["column"], _n_features(estimator)
    numbers = [frame[key] for key in ("slope", "intercept", "scale", "floor")]
    valid = (
        isinstance(column, int)
        and not isinstance(column, bool)
        and 0 <= column < n_features
        and all(isinstance(frame[key], bool) for key in ("log", "per_window"))
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
        return f"module={estimator.module.__name__}, module_params=" + repr(
            estimator.module_params
        )
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


def _rebuild_net(estimator, weights, history):
    device = estimator.device_
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"This {type(estimator).__name__} was fitted on {device!r}, but PyTorch "
            "sees no CUDA GPU here: it is loaded on the CPU.",
            UserWarning,
            stacklevel=5,
        )
        device = "cpu"
    net = estimator._build_net(
        _n_features(estimator),
        estimator._module_output_size(),
        device,
        partial=False,
        **estimator._criterion_params(),
    )
    # Initialising draws random weights: keep the caller's generator untouched.
    with global_torch_seed(0, device):
        net.initialize()
    net.module_.load_state_dict(weights)
    net.history = History(history)
    estimator.net_, estimator.device_ = net, device
    estimator._prepare_inference()


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
