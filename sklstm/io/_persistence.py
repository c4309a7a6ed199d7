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
import warnings

import numpy as np
import pandas as pd
import sklearn
import skorch
import torch
from skorch.history import History

from .._estimators._device import global_torch_seed
from ._checks import (
    MAX_PARAMETERS,
    _checked_rng_state,
    _checked_weights,
    _expected_weights,
    _max_parameters,
    _n_features,
)

__all__ = [
    "FORMAT_VERSION",
    "MAX_PARAMETERS",
    "parameter_limit",
    "plain_state",
    "restore_state",
]

# Bump when the saved state changes in a way older sklstm versions cannot read.
FORMAT_VERSION = 1

# Rebuilt on loading, never read from a file. Earlier versions could predict
# from a float64 copy of the network (``_predict_dtype``); a file that still
# names it loads and predicts in float32.
_REBUILT = ("_inference_module", "_predict_dtype")
# Torch generator states (uint8 tensors), saved as numpy arrays.
_RNG_STATES = ("_torch_rng_state", "_global_rng_state")
_VERSION_KEYS = ("format", "sklstm", "torch", "skorch", "sklearn")
# Parameters added since format 1, with the value that behaves as the
# versions before them did: a file saved without one loads with it.
_ADDED_PARAMETERS = {"distributed": False}


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
    for name in ("loss_curve_", "validation_loss_"):
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
    for key, default in _ADDED_PARAMETERS.items():
        state.setdefault(key, default)
    if isinstance(state.get("history_"), dict):
        state["history_"] = pd.DataFrame(state["history_"])
    if "validation_scores_" in state:  # its name before 0.2, now a deprecated alias
        state.setdefault("validation_loss_", state.pop("validation_scores_"))
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
    with warnings.catch_warnings():
        # The warning that amp has no effect here is about training, not loading.
        warnings.filterwarnings("ignore", message="amp=.* has no effect on device")
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
