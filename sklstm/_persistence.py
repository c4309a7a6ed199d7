"""Saving fitted estimators as plain Python and numpy values, and loading them back.

The skorch net is not pickled: its module weights go in as numpy arrays and
its history as lists of dicts, and the net is rebuilt from the estimator's
parameters on loading. Files therefore load on any device, with any skorch
version that sklstm supports, and through ``skops.io`` without trusting any
type but sklstm's own estimators.
"""

import warnings

import numpy as np
import pandas as pd
import sklearn
import skorch
import torch
from skorch.history import History

from ._device import global_torch_seed

__all__ = ["FORMAT_VERSION", "plain_state", "restore_state"]

# Bump when the saved state changes in a way older sklstm versions cannot read.
FORMAT_VERSION = 1


def _versions():
    from ._version import __version__

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
    state.pop("_inference_module", None)  # rebuilt from the weights on loading
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
    for name in ("_torch_rng_state", "_global_rng_state"):
        if isinstance(state.get(name), torch.Tensor):
            state[name] = state[name].numpy()
    state["_sklstm_versions"] = _versions()
    return state


def _check_versions(saved, estimator_name):
    current = _versions()
    if not isinstance(saved, dict) or "format" not in saved:
        raise ValueError(
            f"This {estimator_name} was not saved by sklstm (no version record): it "
            "cannot be loaded. Was the file written by another program?"
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


def restore_state(estimator, state):
    """Set ``estimator.__dict__`` from ``plain_state`` output and rebuild the net."""
    state = dict(state)
    name = type(estimator).__name__
    versions = state.pop("_sklstm_versions", None)
    _check_versions(versions, name)
    net_state = state.pop("_net_state", None)
    if isinstance(state.get("history_"), dict):
        state["history_"] = pd.DataFrame(state["history_"])
    for name in ("_torch_rng_state", "_global_rng_state"):
        if isinstance(state.get(name), np.ndarray):
            state[name] = torch.from_numpy(state[name].copy())
    estimator.__dict__.update(state)
    if net_state is None:
        return
    try:
        _rebuild_net(estimator, net_state)
    except Exception as error:  # a damaged or foreign file: say so, not torch's words
        raise ValueError(
            f"Could not restore the network of this {name} (saved with sklstm "
            f"{versions['sklstm']}, torch {versions['torch']}, skorch "
            f"{versions['skorch']}): {type(error).__name__}: {error}. The file may "
            "be damaged, or incompatible with the installed versions."
        ) from error


def _rebuild_net(estimator, net_state):
    device = estimator.device_
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"This {type(estimator).__name__} was fitted on {device!r}, but PyTorch "
            "sees no CUDA GPU here: it is loaded on the CPU.",
            UserWarning,
            stacklevel=5,
        )
        device = "cpu"
    n_features = estimator.input_shape_[1] if len(estimator.input_shape_) == 2 else 1
    net = estimator._build_net(
        n_features,
        estimator._module_output_size(),
        device,
        partial=False,
        **estimator._criterion_params(),
    )
    # Initialising draws random weights: keep the caller's generator untouched.
    with global_torch_seed(0, device):
        net.initialize()
    weights = net_state["weights"]
    net.module_.load_state_dict(
        {k: torch.from_numpy(np.array(v)) for k, v in weights.items()}
    )
    net.history = History(net_state["history"])
    estimator.net_, estimator.device_ = net, device
    estimator._prepare_inference()
