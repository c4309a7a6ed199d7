"""Shared estimator machinery: validation, device, seeding and the skorch net."""

import contextlib
import copy
import re
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from skorch.callbacks import EarlyStopping

from ._data import BatchIterator, SequenceDataset, TailSplit
from ._modules import LSTMNet
from ._validation import check_float32_range

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
# Large batches at predict time: no gradients are kept, so memory is small.
_PREDICT_BATCH_SIZE = 4096


def resolve_device(device, estimator_name):
    """Check a ``device`` string against the machine and return the torch device.

    ``"auto"`` picks ``"cuda"`` when PyTorch sees a GPU and ``"cpu"`` otherwise.
    """
    if not isinstance(device, str) or not _DEVICE_PATTERN.match(device):
        raise ValueError(
            f"The 'device' parameter of {estimator_name} must be 'cpu', 'cuda', "
            f"'cuda:N', 'mps' or 'auto'. Got {device!r} instead."
        )
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"{estimator_name} got device={device!r}, but PyTorch sees no CUDA "
                "GPU on this machine (torch.cuda.is_available() is False). Use "
                "device='cpu', or device='auto' to take a GPU only when there is one."
            )
        index = torch.device(device).index
        if index is not None and index >= torch.cuda.device_count():
            raise ValueError(
                f"{estimator_name} got device={device!r}, but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), numbered from 0."
            )
    if device == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"{estimator_name} got device='mps', but the MPS backend is not "
            "available on this machine. Use device='cpu' or device='auto'."
        )
    return device


@contextlib.contextmanager
def seeded_torch(seed, device):
    """Seed torch's global generators inside, restore them on exit."""
    if torch.device(device).type == "cuda" or torch.cuda.is_initialized():
        devices = list(range(torch.cuda.device_count()))
    else:
        devices = []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class BaseLSTM(BaseEstimator):
    """Parameters, validation, training and inference common to all estimators.

    Subclasses provide ``_make_net(module_params, **net_params)`` and the
    target handling of ``fit``/``predict``.
    """

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bidirectional": ["boolean"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        max_epochs: int = 100,
        batch_size: int = 32,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        device: str = "cpu",
        random_state=None,
        verbose: int = 0,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- validation ---------------------------------------------------------

    def _validate_input(self, X, y="no_validation", *, reset):
        """Validate ``X`` (and ``y``); return ``X`` as a 3-D float array.

        scikit-learn's ``n_features_in_`` is ``X.shape[1]``, which for
        sequences is the number of steps; the features per step (last axis)
        are checked here with messages that say which axis is wrong.
        """
        params = dict(
            reset=reset,
            ensure_2d=False,
            allow_nd=True,
            dtype=[np.float32, np.float64],
        )
        X_only = isinstance(y, str) and y == "no_validation"
        if X_only:
            X = validate_data(self, X, **params)
        else:
            X, y = validate_data(
                self, X, y, multi_output=True, y_numeric=True, **params
            )
            check_float32_range(y, "y")
        check_float32_range(X, "X")
        X = self._check_sequence_shape(X, reset)
        return X if X_only else (X, y)

    def _check_sequence_shape(self, X, reset):
        name = type(self).__name__
        if X.ndim not in (2, 3):
            raise ValueError(
                f"{name} expects X of shape (n_samples, n_steps) for univariate "
                "sequences or (n_samples, n_steps, n_features); got an array with "
                f"{X.ndim} dimension(s), shape {X.shape}. Reshape your data: a single "
                "sequence is X.reshape(1, -1), and a series of rows becomes "
                "sequences through SlidingWindow."
            )
        if X.ndim == 2:
            X = X[:, :, np.newaxis]
        n_steps, n_features = X.shape[1:]
        if n_steps == 0 or n_features == 0:
            raise ValueError(
                f"{name} needs at least 1 time step and 1 feature; got X of shape "
                f"{X.shape}."
            )
        if reset:
            self.n_features_in_ = n_steps
            self.input_shape_ = (n_steps, n_features)
            return X
        fitted_steps, fitted_features = self.input_shape_
        if n_steps != fitted_steps:
            raise ValueError(
                f"X has {n_steps} features, but {name} is expecting {fitted_steps} "
                f"features as input: X.shape[1] is the number of time steps, and "
                f"{name} was fitted on sequences of {fitted_steps} steps. Use the "
                f"same window length as in fit (e.g. SlidingWindow(window="
                f"{fitted_steps}))."
            )
        if n_features != fitted_features:
            raise ValueError(
                f"X has {n_features} feature(s) per time step (last axis), but "
                f"{name} was fitted with {fitted_features}. A 2-D X is read as "
                "univariate sequences (1 feature per step)."
            )
        return X

    def _check_enough_rows(self, n_samples):
        if not self.early_stopping:
            return
        n_valid = TailSplit(self.validation_fraction).n_valid(n_samples)
        if n_samples - n_valid < 1:
            raise ValueError(
                f"early_stopping=True holds out the last validation_fraction="
                f"{self.validation_fraction} of the rows for validation, which leaves "
                f"no training row out of n_samples={n_samples}. Pass at least 2 rows, "
                "lower validation_fraction, or set early_stopping=False."
            )

    # -- training -----------------------------------------------------------

    def _module_params(self, n_features, n_outputs):
        return {
            "n_features": n_features,
            "n_outputs": n_outputs,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
        }

    def _net_params(self, device):
        callbacks = []
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                    ),
                )
            )
        return {
            "module": LSTMNet,
            "optimizer": _OPTIMIZERS[self.optimizer],
            "optimizer__weight_decay": self.weight_decay,
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "batch_size": self.batch_size,
            "iterator_train": BatchIterator,
            "iterator_train__shuffle": True,
            "iterator_valid": BatchIterator,
            "dataset": SequenceDataset,
            "train_split": (
                TailSplit(self.validation_fraction) if self.early_stopping else None
            ),
            "callbacks": callbacks,
            "device": device,
            "verbose": int(self.verbose),
        }

    def _fit_net(self, X, y, n_outputs):
        """Build the skorch net in ``net_`` and train it on validated data."""
        self._check_enough_rows(len(X))
        device = resolve_device(self.device, type(self).__name__)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        module_params = self._module_params(X.shape[2], n_outputs)
        net = self._make_net(
            **{f"module__{key}": value for key, value in module_params.items()},
            **self._net_params(device),
        )
        with seeded_torch(seed, device):
            net.fit(SequenceDataset(X, y), y=None)
        self.net_ = net
        self.device_ = device
        self._record_history(net)

    def _record_history(self, net):
        history = net.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        if self.early_stopping:
            self.validation_scores_ = list(history[:, "valid_loss"])
            early_stopping = dict(net.callbacks_)["early_stopping"]
            self.best_epoch_ = int(early_stopping.best_epoch_)
        else:
            self.validation_scores_ = None
            self.best_epoch_ = self.n_iter_

    # -- inference ----------------------------------------------------------

    def _forward(self, X):
        """Run the fitted module over validated 3-D ``X``; return float64 outputs.

        On CPU the module runs in float64 (on a copy), so results do not
        depend on how rows are batched; on GPUs it runs in float32.
        """
        module = self.net_.module_
        if torch.device(self.device_).type == "cpu":
            module, dtype = copy.deepcopy(module).to(torch.float64), np.float64
        else:
            dtype = np.float32
        module.eval()
        outputs = []
        batches = BatchIterator(SequenceDataset(X, dtype=dtype), _PREDICT_BATCH_SIZE)
        with torch.inference_mode():
            for X_batch, _ in batches:
                outputs.append(module(X_batch.to(self.device_)).cpu().numpy())
        return np.concatenate(outputs).astype(np.float64, copy=False)

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps a CUDA-trained net to the CPU (with a DeviceWarning) when
        # no GPU is present; predict on the device the weights now live on.
        if "net_" in state:
            self.device_ = str(self.net_.device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
