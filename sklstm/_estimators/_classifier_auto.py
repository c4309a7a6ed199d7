"""LSTMClassifier's "auto" training settings: what they become, and their docs."""

import math

from ..utils._sklearn_compat import StrOptions
from ._data import BatchIterator
from ._training import SCHEDULERS

__all__ = ["AUTO_SETTINGS", "AUTO_SETTINGS_DOC", "auto_constraints", "resolve_auto"]

# Networks with batch-normalised convolutions (conv_channels a tuple: FCN,
# LSTM-FCN) get a one-cycle schedule in small batches, long enough for
# UPDATES mini-batch updates (between MIN_EPOCHS and the max_epochs below),
# measured on small UCR sets (docs/benchmarks.md, "Defaults for small
# labelled sets"); every other network keeps the settings of earlier
# versions.
UPDATES, MIN_EPOCHS = 200, 20
AUTO_SETTINGS = {
    "plain": {"max_epochs": 100, "batch_size": 32, "lr": 1e-3, "lr_scheduler": None},
    "batch_norm": {
        "max_epochs": 100,
        "batch_size": 16,
        "lr": 3e-3,
        "lr_scheduler": "onecycle",
    },
}

_AUTO = StrOptions({"auto"})


def auto_constraints(constraints):
    """``constraints`` of the four settings, with ``"auto"`` allowed too."""
    return {
        "max_epochs": [*constraints["max_epochs"], _AUTO],
        "batch_size": [*constraints["batch_size"], _AUTO],
        "lr": [*constraints["lr"], _AUTO],
        "lr_scheduler": [StrOptions({*SCHEDULERS, "auto"}), type, None],
    }


def resolve_auto(settings, *, batch_norm, partial, n_samples=None):
    """``settings`` with each ``"auto"`` replaced by its value for this network.

    With batch norm, ``max_epochs="auto"`` depends on ``n_samples``, the rows
    passed to fit (None: the upper bound). ``partial_fit`` trains one epoch
    a call, so an ``"auto"`` schedule is None there: k calls still train as
    ``fit`` with ``max_epochs=k`` and ``lr_scheduler=None``.
    """
    auto = dict(AUTO_SETTINGS["batch_norm" if batch_norm else "plain"])
    if batch_norm and n_samples is not None:
        batch_size = settings["batch_size"]
        if batch_size == "auto":
            batch_size = auto["batch_size"]
        batches = BatchIterator(range(n_samples), batch_size, merge_small_last=True)
        epochs = math.ceil(UPDATES / len(batches))
        auto["max_epochs"] = min(auto["max_epochs"], max(MIN_EPOCHS, epochs))
    resolved = {
        key: auto[key] if isinstance(value, str) and value == "auto" else value
        for key, value in settings.items()
    }
    if partial and settings["lr_scheduler"] == "auto":
        resolved["lr_scheduler"] = None
    return resolved


AUTO_SETTINGS_DOC = {
    "max_epochs": """\
    max_epochs : int or "auto", default="auto"
        Maximum number of passes over the training rows. ``"auto"``: for a
        network with batch-normalised convolutions (``conv_channels`` a
        tuple, as in FCN and LSTM-FCN), enough epochs for 200 mini-batch
        updates, at least 20 and at most 100 (GunPoint's 50 rows in batches
        of 16: 67 epochs); 100 otherwise.

        .. versionchanged:: 0.2
           Default ``"auto"`` (was 100).
""",
    "batch_size": """\
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; rows are shuffled every epoch. ``"auto"``: 16
        with batch-normalised convolutions, 32 otherwise.

        .. versionchanged:: 0.2
           Default ``"auto"`` (was 32).
""",
    "lr": """\
    lr : float or "auto", default="auto"
        Learning rate of the optimizer (the peak rate of ``"onecycle"``).
        ``"auto"``: 3e-3 with batch-normalised convolutions, 1e-3 otherwise.

        .. versionchanged:: 0.2
           Default ``"auto"`` (was 1e-3).
""",
}
AUTO_SETTINGS_DOC["lr_scheduler"] = """\
    lr_scheduler : {"plateau", "cosine", "step", "onecycle", "auto"}, torch \
            scheduler class or None, default="auto"
        Learning-rate schedule, stepped once per epoch: ``"plateau"`` halves
        the rate when the loss has not improved for 5 epochs; ``"cosine"``
        anneals it to 0 over ``max_epochs``; ``"step"`` divides it by 10
        every third of ``max_epochs``; ``"onecycle"`` raises it from
        ``lr / 25`` to ``lr`` over the first 30 % of ``max_epochs`` and
        anneals it to ``lr / 1e4`` by the last (``OneCycleLR``). A class from
        ``torch.optim.lr_scheduler`` is built with its ``lr_scheduler__<name>``
        arguments, which also override the defaults of a named schedule.
        ``"auto"``: ``"onecycle"`` in :meth:`fit` of a network with
        batch-normalised convolutions, None (a constant rate) otherwise and
        in :meth:`partial_fit`.

        With the four ``"auto"`` settings an LSTM-FCN
        (``conv_channels=(128, 256, 128), conv_kernel_size=(8, 5, 3),
        conv_path="beside"``) reached test accuracy 0.987-1.000 on GunPoint
        and 0.794-0.817 on ArrowHead over seeds 0-4, in 67 and 100 epochs;
        with ``max_epochs=100, batch_size=32, lr=1e-3, lr_scheduler=None``
        (the defaults before 0.2) 0.493 on GunPoint, seed 0. Two threads
        fitted GunPoint in 12 s and ArrowHead in 17 s on a quiet machine
        (docs/benchmarks.md, "Defaults for small labelled sets").

        .. versionchanged:: 0.2
           Default ``"auto"`` (was None).
"""
