"""How an estimator's training options become a skorch net's callbacks and settings."""

import copy
import inspect

import numpy as np
import pandas as pd
import torch
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    LRScheduler,
)
from torch.optim import lr_scheduler

from ._callbacks import EpochProgressBar, RecordLearningRate, WeightGuard
from ._threads import ThreadTuner, thread_cap

__all__ = [
    "OPTIMIZERS",
    "SCHEDULERS",
    "build_callbacks",
    "history_frame",
    "optimizer_class",
    "optimizer_settings",
    "scheduler_class",
]

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def optimizer_settings(estimator):
    """The skorch optimizer settings of ``estimator``: its class and arguments.

    ``optimizer`` is one of ``OPTIMIZERS``' names or a ``torch.optim.Optimizer``
    subclass; ``weight_decay`` is passed when the class takes one (a nonzero
    one it does not take is refused by the estimator's checks), and the
    routed ``optimizer__<name>`` arguments as they are.
    """
    optimizer = optimizer_class(estimator)
    settings = {"optimizer": optimizer}
    if "weight_decay" in inspect.signature(optimizer).parameters:
        settings["optimizer__weight_decay"] = estimator.weight_decay
    routed = estimator._routed_arguments("optimizer__")
    settings.update({f"optimizer__{key}": value for key, value in routed.items()})
    return settings


def optimizer_class(estimator):
    """The ``torch.optim.Optimizer`` subclass ``estimator.optimizer`` names."""
    optimizer = estimator.optimizer
    return OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer


# Named schedules: the torch class and its defaults, given the training
# settings (``max_epochs``, ``lr``, ... as resolved for this fit).
SCHEDULERS = {
    "plateau": (
        lr_scheduler.ReduceLROnPlateau,
        lambda settings: {"factor": 0.5, "patience": 5},
    ),
    "cosine": (
        lr_scheduler.CosineAnnealingLR,
        lambda settings: {"T_max": settings["max_epochs"]},
    ),
    "step": (
        lr_scheduler.StepLR,
        lambda settings: {
            "step_size": max(1, settings["max_epochs"] // 3),
            "gamma": 0.1,
        },
    ),
    # One cycle per fit (Smith & Topin, 2019): up from lr / 25 to lr over the
    # first 30 % of the epochs, then down to lr / 1e4; a continued fit
    # (warm_start) runs a new cycle.
    "onecycle": (
        lr_scheduler.OneCycleLR,
        lambda settings: {
            "max_lr": settings["lr"],
            "total_steps": settings["max_epochs"],
            "last_epoch": -1,
        },
    ),
}
_SCHEDULER_BASES = (lr_scheduler.LRScheduler, lr_scheduler.ReduceLROnPlateau)


def _scheduler(estimator, settings):
    choice = settings["lr_scheduler"]
    policy = scheduler_class(choice)
    params = estimator._routed_arguments("lr_scheduler__")
    if isinstance(choice, str):
        params = {**SCHEDULERS[choice][1](settings), **params}
    # ReduceLROnPlateau watches a loss: the validation loss when there is one.
    monitor = "valid_loss" if estimator._stops_early() else "train_loss"
    return LRScheduler(policy=policy, monitor=monitor, **params)


def scheduler_class(choice):
    """The scheduler class that ``choice`` (an ``lr_scheduler`` value) names, or None.

    Raises a TypeError for a class that is not a torch learning-rate scheduler.
    """
    if choice is None:
        return None
    if isinstance(choice, str):
        return SCHEDULERS[choice][0]
    if not issubclass(choice, _SCHEDULER_BASES):
        raise TypeError(
            f"lr_scheduler must be 'plateau', 'cosine', 'step', 'onecycle', None "
            f"or a torch learning-rate scheduler class; got {choice!r}."
        )
    return choice


def _user_callbacks(callbacks):
    """Deep copies of the user's callbacks (skorch sets attributes on them), named."""
    named = []
    for index, item in enumerate(callbacks or []):
        name, callback = item if isinstance(item, tuple) else (f"user_{index}", item)
        if not isinstance(name, str) or not isinstance(callback, Callback):
            raise TypeError(
                "callbacks must be a list of skorch Callback instances or "
                f"(name, Callback) tuples; got {item!r}."
            )
        named.append((name, copy.deepcopy(callback)))
    return named


def build_callbacks(estimator, partial, settings, device="cpu", verbose=None):
    """The skorch callbacks for ``estimator``'s options, in the order they must run.

    ``settings`` are ``max_epochs``, ``lr`` and ``lr_scheduler`` as the
    estimator resolves them for this fit (``_training_settings``).

    The weight guard snapshots an epoch before early stopping may end it, and
    the progress bar updates before it too. ``verbose`` replaces the
    estimator's (0 on the processes of a data-parallel fit but rank 0).
    """
    verbose = estimator.verbose if verbose is None else verbose
    early = estimator._stops_early() and not partial
    callbacks = [
        ("weight_guard", WeightGuard(restore_on_interrupt=not early)),
        ("record_lr", RecordLearningRate()),
    ]
    if estimator.n_threads == "auto" and torch.device(device).type == "cpu":
        callbacks.append(("thread_tuner", ThreadTuner(cap=thread_cap())))
    if verbose == 1:
        total = 1 if partial else settings["max_epochs"]
        bar = EpochProgressBar(total, desc=type(estimator).__name__)
        callbacks.append(("progress_bar", bar))
    if estimator.clip_grad_norm is not None:
        clipping = GradientNormClipping(gradient_clip_value=estimator.clip_grad_norm)
        callbacks.append(("clip_grad_norm", clipping))
    if settings["lr_scheduler"] is not None:
        callbacks.append(("lr_scheduler", _scheduler(estimator, settings)))
    if early:
        stopper = EarlyStopping(
            monitor="valid_loss",
            patience=estimator.n_iter_no_change,
            threshold=estimator.tol,
            threshold_mode="abs",
            load_best=True,
        )
        callbacks.append(("early_stopping", stopper))
    return callbacks + _user_callbacks(estimator.callbacks)


def history_frame(rows):
    """skorch history rows of completed epochs as a DataFrame, one row an epoch."""
    # Built from columns: a frame made from a list of dicts costs a few
    # milliseconds more, once per fit.
    columns = {"epoch": np.array([row["epoch"] for row in rows], dtype=np.int64)}
    for key in ("train_loss", "valid_loss", "lr", "dur"):
        values = [row.get(key) for row in rows]
        if key == "valid_loss" and all(value is None for value in values):
            continue
        columns[key] = np.array(
            [np.nan if value is None else value for value in values], dtype=np.float64
        )
    threads = [row.get("n_threads") for row in rows]
    if rows and None not in threads:  # recorded by ThreadTuner (n_threads="auto")
        columns["n_threads"] = np.array(threads, dtype=np.int64)
    return pd.DataFrame(columns)
