"""BaseLSTM: the parameters, fit transaction and training shared by the estimators.

Input checks are in ``_inputs`` (InputMixin), the network's building and
training in ``_fitting`` (NetTrainingMixin), prediction in ``_inference``
(InferenceMixin); the regressor and classifier add their targets and heads.
"""

import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator

from ..exceptions import TrainingDivergedError
from ..io._persistence import plain_state, restore_state
from ..utils._sklearn_compat import Interval, StrOptions, check_sample_weight
from ._data import SequenceDataset
from ._device import resolve_device
from ._distributed import data_parallel
from ._fitting import NetTrainingMixin
from ._inference import InferenceMixin
from ._inputs import InputMixin
from ._routing import RoutedParamsMixin
from ._training import (
    OPTIMIZERS,
    SCHEDULERS,
)

_MISSING = object()


def _positive_int():
    return [Interval(Integral, 1, None, closed="left")]


class BaseLSTM(
    RoutedParamsMixin,
    InputMixin,
    InferenceMixin,
    NetTrainingMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Parameters, validation, training and inference common to all estimators.

    Subclasses implement ``fit``/``partial_fit`` around ``_fit`` and their
    prediction methods around ``_head_outputs``, and provide these hooks:

    - ``_encode_target(y, continuing, **params)`` (abstract): check ``y``,
      set the fitted attributes that describe it unless ``continuing``, and
      return the targets (a tensor, or lazy targets that
      :class:`~sklstm._estimators._data.SequenceDataset` draws batch by
      batch), ``_module_output_size()`` and
      ``_criterion_params()``.
    - ``_module_output_size()`` (abstract): the network's raw outputs.
    - ``_criterion_params()`` (abstract): the skorch parameters of the
      criterion (``criterion``, ``criterion__<name>``); also used to rebuild
      a net on unpickling.
    - ``_make_net(amp, **params)`` (abstract): the skorch net, with its
      criterion, built from ``params`` (mixed precision in the autocast
      dtype ``amp``; None: float32).
    - ``_make_head(output_names=None)`` (abstract): the head of
      ``sklstm.nn._heads`` from raw outputs to predictions, which ``predict``
      and every exporter run.
    - ``_level_params()``: extra arguments of the built-in network
      (default: none).
    - ``_init_module(module, dataset)``: data-dependent starting values of
      a new module (default: none).

    Keyword arguments ``optimizer__<name>``, ``module__<name>`` and
    ``lr_scheduler__<name>`` are routed as in skorch (see ``_routing``).
    """

    _parameter_constraints: dict = {
        "hidden_size": _positive_int(),
        "num_layers": _positive_int(),
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bidirectional": ["boolean"],
        "cell": [StrOptions({"lstm", "gru"})],
        "proj_size": [Interval(Integral, 0, None, closed="left")],
        "pooling": [StrOptions({"last", "mean", "max", "attention"})],
        "conv_channels": [*_positive_int(), tuple, list, None],
        "conv_kernel_size": [*_positive_int(), tuple, list],
        "conv_path": [StrOptions({"before", "beside"})],
        "layer_norm": ["boolean"],
        "n_tokens": [Interval(Integral, 2, None, closed="left"), None],
        "embedding_dim": _positive_int(),
        "module": [type, None],
        "module_params": [dict, None],
        "max_epochs": _positive_int(),
        "batch_size": _positive_int(),
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": _positive_int(),
        "tol": [Interval(Real, 0, None, closed="left")],
        "lr_scheduler": [StrOptions(set(SCHEDULERS)), type, None],
        "lr_scheduler_params": [dict, None],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "amp": ["boolean", StrOptions({"float16", "bfloat16"})],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "device": [str],
        "n_threads": [*_positive_int(), StrOptions({"auto"}), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "distributed": ["boolean"],
    }

    def __init__(
        self,
        *,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        cell: str = "lstm",
        proj_size: int = 0,
        pooling: str = "last",
        conv_channels: int | tuple | None = None,
        conv_kernel_size: int | tuple = 3,
        conv_path: str = "before",
        layer_norm: bool = False,
        n_tokens: int | None = None,
        embedding_dim: int = 32,
        module: type | None = None,
        module_params: dict | None = None,
        max_epochs: int = 100,
        batch_size: int = 32,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        lr_scheduler: str | type | None = None,
        lr_scheduler_params: dict | None = None,
        clip_grad_norm: float | None = None,
        amp: bool | str = False,
        callbacks: list | None = None,
        warm_start: bool = False,
        device: str = "cpu",
        n_threads: int | None = None,
        random_state=None,
        verbose: int = 0,
        distributed: bool = False,
        **kwargs,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.cell = cell
        self.proj_size = proj_size
        self.pooling = pooling
        self.conv_channels = conv_channels
        self.conv_kernel_size = conv_kernel_size
        self.conv_path = conv_path
        self.layer_norm = layer_norm
        self.n_tokens = n_tokens
        self.embedding_dim = embedding_dim
        self.module = module
        self.module_params = module_params
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.lr_scheduler = lr_scheduler
        self.lr_scheduler_params = lr_scheduler_params
        self.clip_grad_norm = clip_grad_norm
        self.amp = amp
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.distributed = distributed
        self._set_routed_params(kwargs)

    # -- validation ---------------------------------------------------------

    # How y is checked by validate_data; the classifier keeps labels as they are.
    _y_checks = {"multi_output": True, "y_numeric": True}
    # Parameters that set how many outputs the network has per target.
    _output_params = ()

    # -- training -----------------------------------------------------------

    def _fit(self, X, y, *, partial, sample_weight=None, **target_params):
        """Validate, encode the target, and train: the body of fit and partial_fit.

        A fitted estimator continues from its weights, optimizer state and
        random state in ``partial_fit`` and, with ``warm_start=True``, in
        ``fit``, under the current parameters. The fit is a transaction: if
        anything raises (but a diverged loss, which keeps the last good
        weights and says so), the estimator is left exactly as it was.
        """
        before = dict(self.__dict__)
        try:
            return self._fit_transaction(X, y, partial, sample_weight, **target_params)
        except TrainingDivergedError:
            raise  # the fitted state is complete and consistent: see _train
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_transaction(self, X, y, partial, sample_weight, **target_params):
        continuing = hasattr(self, "net_") and (partial or self.warm_start)
        X, y = self._validate_input(X, y, reset=not continuing)
        X, lengths = X if isinstance(X, tuple) else (X, None)
        sample_weight = self._validate_sample_weight(sample_weight, X)
        y = self._frame_target(X, lengths, y, continuing)
        sample_weight = self._frame_weights(X, sample_weight)
        y, n_outputs, net_params = self._encode_target(
            y, continuing, sample_weight=sample_weight, **target_params
        )
        self._check_params(len(X), partial)
        name = type(self).__name__
        device = resolve_device(self.device, name)
        with data_parallel(self.distributed, device, name) as group:
            if group is not None:
                group.check_rows(len(X), name)
                device = group.device(device)
            dataset = SequenceDataset(
                X,
                y,
                dtype=self._input_dtype(),
                lengths=lengths,
                sample_weight=sample_weight,
            )
            n_features = 1 if X.ndim == 2 else X.shape[2]
            net_params = {
                **net_params,
                "n_features": n_features,
                "n_outputs": n_outputs,
            }
            return self._fit_network(
                dataset, net_params, device, partial, continuing, group
            )

    def _validate_sample_weight(self, sample_weight, X):
        """Checked float64 weights, or None for none (or all ones: the same fit).

        Weights are frequencies, as in scikit-learn: a weight of 2 counts a
        row twice, 0 leaves it out of the loss and the closed-form parts.
        """
        if sample_weight is None:
            return None
        try:
            weights = check_sample_weight(sample_weight, X)
        except ValueError as error:
            raise ValueError(
                f"{type(self).__name__} got an invalid sample_weight: {error} "
                f"Pass one finite, non-negative weight per row of X ({len(X)} "
                "rows), not all zero, or None."
            ) from None
        return None if np.all(weights == 1) else weights

    def _after_training(self, net, dataset, partial):
        """Use the held-out rows once trained (nothing here; see LSTMRegressor)."""

    def _frame(self):
        """The target frame of a forecasting regressor (see LSTMRegressor), or None."""
        return None

    def _training_settings(self, partial, n_samples=None):
        """``max_epochs``, ``batch_size``, ``lr`` and ``lr_scheduler`` for this fit.

        As set here; LSTMClassifier resolves its ``"auto"`` values, some
        from ``n_samples``, the rows passed to fit (None: not known, as when
        a saved model is loaded).
        """
        keys = ("max_epochs", "batch_size", "lr", "lr_scheduler")
        return {key: getattr(self, key) for key in keys}

    def _stops_early(self):
        """Whether training holds out rows for early stopping."""
        if isinstance(self.early_stopping, str):  # "auto": when forecasting a series
            return self._frame() is not None
        return bool(self.early_stopping)

    def _frame_target(self, X, lengths, y, continuing):
        """``y`` in the units the network learns (as it is here; see LSTMRegressor)."""
        return y

    def _frame_weights(self, X, sample_weight):
        """The row weights training uses (as passed here; see LSTMRegressor)."""
        return sample_weight

    @abstractmethod
    def _encode_target(self, y, continuing, **params):
        """Check and encode ``y``; return ``(targets, n_outputs, net_params)``."""

    @abstractmethod
    def _module_output_size(self):
        """Number of raw outputs of the network."""

    @abstractmethod
    def _criterion_params(self):
        """skorch parameters of the training criterion."""

    @abstractmethod
    def _make_net(self, amp, **params):
        """The skorch net, in mixed precision of autocast dtype ``amp`` (None: off)."""

    @abstractmethod
    def _make_head(self, output_names=None):
        """The head that maps raw outputs to the outputs in ``output_names``."""

    def _level_params(self):
        """Extra arguments of the built-in network (none here; see LSTMRegressor)."""
        return {}

    def _init_module(self, module, dataset):
        """Set data-dependent starting values of a new module (none here)."""

    @property
    def validation_scores_(self):
        """Deprecated alias of ``validation_loss_`` (losses, not scores).

        .. deprecated:: 0.2
           Will be removed in 0.4; use ``validation_loss_``.
        """
        # Read before warning: an unfitted estimator has neither attribute.
        losses = self.__dict__.get("validation_loss_", _MISSING)
        if losses is _MISSING:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'validation_scores_' "
                "before fit (it is deprecated: use validation_loss_)."
            )
        warnings.warn(
            "validation_scores_ was deprecated in version 0.2 and will be removed "
            "in 0.4; use validation_loss_, which holds the same validation "
            "losses (lower is better, unlike MLPRegressor's validation scores).",
            FutureWarning,
            stacklevel=2,
        )
        return losses

    # -- inference ----------------------------------------------------------

    def __getstate__(self):
        # Plain values only (weights as arrays): see _persistence. Copy first,
        # since BaseEstimator returns the live __dict__.
        return plain_state(dict(super().__getstate__()))

    def __setstate__(self, state):
        restore_state(self, state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
