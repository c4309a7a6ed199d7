"""Input validation and cross-parameter checks of BaseLSTM, run before any training."""

import inspect
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import (
    check_X_y,
    validate_data,
)

from ..preprocessing._sequences import check_sequences, is_ragged
from ..utils._sklearn_compat import _check_feature_names
from ._routing import check_routed_params, warn_dict_parameters
from ._splits import TailSplit
from ._training import optimizer_class, scheduler_class
from ._validation import (
    check_float32_range,
    check_no_datetimes,
    check_sequence_shape,
    check_token_ids,
    float32_offsets,
)


def _is_positive_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def _check_convolutions(estimator, name):
    """Checks of conv_channels, conv_kernel_size and conv_path together."""
    channels, kernel_sizes = estimator.conv_channels, estimator.conv_kernel_size
    for key, value in (("conv_channels", channels), ("conv_kernel_size", kernel_sizes)):
        if isinstance(value, (tuple, list)) and not (
            value and all(_is_positive_int(item) for item in value)
        ):
            raise ValueError(
                f"{name}: {key}={value!r} must hold one or more positive ints."
            )
    if isinstance(kernel_sizes, (tuple, list)):
        n_blocks = len(channels) if isinstance(channels, (tuple, list)) else 1
        if len(kernel_sizes) != n_blocks:
            raise ValueError(
                f"{name}: conv_kernel_size={kernel_sizes!r} gives "
                f"{len(kernel_sizes)} kernel sizes but conv_channels={channels!r} "
                f"gives {n_blocks} convolution(s): pass one kernel size per "
                "convolution, or one int for all."
            )
    if channels is None and estimator.conv_path == "beside":
        raise ValueError(
            f"{name}: conv_path='beside' needs convolutions; set conv_channels, "
            "e.g. conv_channels=(128, 256, 128) for LSTM-FCN."
        )


class InputMixin:
    """Validation of ``X`` and ``y``, and checks across parameters, for BaseLSTM.

    Everything here runs before any training: the first step of the fit
    transaction, and of every prediction (``reset=False``).
    """

    def _validate_input(self, X, y="no_validation", *, reset):
        """Validate ``X`` (and ``y``); return ``X`` 3-D float (2-D int for tokens).

        Sequences of different lengths (see
        :func:`~sklstm.preprocessing._sequences.is_ragged`) come back as a tuple
        ``(padded X, lengths)``. A float64 ``X`` whose
        features float32 would round by more than a thousandth of their step
        (a series at 1e9 with a unit signal) comes back with each such
        feature's fit mean removed, in float64: the network computes in
        float32 (see :func:`~sklstm._estimators._validation.float32_offsets`).
        """
        checked = self._checked_input(X, y, reset=reset)
        X_only = isinstance(y, str) and y == "no_validation"
        X, y = (checked, None) if X_only else checked
        if reset:
            self._input_offset = self._fitted_input_offset(X)
        offset = getattr(self, "_input_offset", None)
        if offset is not None and not isinstance(X, tuple):
            X = X - (offset if X.ndim == 3 else offset[0])
        return X if X_only else (X, y)

    def _fitted_input_offset(self, X):
        """Per-feature float64 offsets for ``_validate_input``, or None."""
        if isinstance(X, tuple) or self._tokens or X.dtype != np.float64:
            return None
        last_steps = X[:, -1, :] if X.ndim == 3 else X[:, -1:]
        return float32_offsets(last_steps)

    def _checked_input(self, X, y="no_validation", *, reset):
        """``_validate_input`` before any offset is removed."""
        X_only = isinstance(y, str) and y == "no_validation"
        if is_ragged(X):
            return self._validate_ragged(X, y, X_only, reset)
        if X_only and not reset and self._plain_float_array(X):
            # What validate_data checks of such an array, at a fifth of its
            # cost: a quarter of predicting one window (bench_predict.py).
            if len(X) == 0:
                validate_data(self, X, reset=False, ensure_2d=False, allow_nd=True)
            if not np.isfinite(X.sum()):  # NaN, infinity (or an overflowing sum)
                assert_all_finite(X, estimator_name=type(self).__name__, input_name="X")
            check_float32_range(X, "X")
            return check_sequence_shape(self, X, reset)
        check_no_datetimes(X, type(self).__name__)
        params = dict(reset=reset, ensure_2d=False, allow_nd=True)
        params["dtype"] = "numeric" if self._tokens else [np.float32, np.float64]
        try:
            if X_only:
                X = validate_data(self, X, **params)
            else:
                X, y = validate_data(self, X, y, **self._y_checks, **params)
        except ValueError as error:
            if "could not convert" not in str(error):
                raise
            raise self._not_numeric(X, y, X_only, error) from error
        check_float32_range(X, "X")
        X = check_sequence_shape(self, X, reset, tokens=self._tokens)
        if self._tokens:
            X = check_token_ids(X, self.n_tokens, type(self).__name__)
        return X if X_only else (X, y)

    def _not_numeric(self, X, y, X_only, error):
        """The ValueError for text in X (or in a regressor's y), naming which."""
        name = type(self).__name__
        culprit = "X"
        if not X_only and self._y_checks.get("y_numeric"):
            try:
                np.asarray(y, dtype=np.float64)
            except (TypeError, ValueError):
                culprit = "y"
        fix = "encode categories as numbers first (e.g. with OrdinalEncoder)"
        if culprit == "y":
            fix = "for class labels use LSTMClassifier"
        return ValueError(
            f"{name} needs numeric {culprit}, but {culprit} holds values that are "
            f"not numbers ({error}); {fix}."
        )

    def _validate_ragged(self, X, y, X_only, reset):
        """``_validate_input`` for a list (or object array) of sequences."""
        name = type(self).__name__
        self._check_ragged_params()
        X, lengths = check_sequences(X, name, tokens=self._tokens)
        check_float32_range(X, "X")
        if reset:
            _check_feature_names(self, X, reset=True)  # sequences have no names
        X = check_sequence_shape(self, X, reset, tokens=self._tokens, ragged=True)
        if self._tokens:
            X = check_token_ids(X, self.n_tokens, name)
        if X_only:
            return X, lengths
        y = check_X_y(
            X, y, **self._y_checks, dtype=None, ensure_2d=False, allow_nd=True
        )[1]
        return (X, lengths), y

    def _check_ragged_params(self):
        """Raise unless the network can read sequences of different lengths."""
        if self.module is None:
            return
        accepted = inspect.signature(self.module.forward).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
        if "lengths" not in accepted and not takes_any:
            raise ValueError(
                f"{type(self).__name__} got sequences of different lengths, which "
                f"reach a module's forward as forward(X, lengths=...), but "
                f"{self.module.__name__}.forward takes no lengths argument. Add "
                "one (the real steps of each padded row), or pad the sequences "
                "to one length yourself, e.g. with sklstm.pad_sequences."
            )

    def _plain_float_array(self, X):
        """Whether ``X`` is a float ndarray that validate_data would pass as is."""
        return (
            type(X) is np.ndarray
            and X.dtype in (np.float32, np.float64)
            and X.ndim in (2, 3)
            and not self._tokens
            and not hasattr(self, "feature_names_in_")
        )

    @property
    def _tokens(self):
        return self.module is None and self.n_tokens is not None

    def _check_params(self, n_samples, partial=False):
        """Checks across parameters and data that single constraints cannot make."""
        name = type(self).__name__
        if self.module is None:
            if self.proj_size and self.cell != "lstm":
                raise ValueError(
                    f"{name}: proj_size is only supported with cell='lstm'."
                )
            if self.proj_size >= self.hidden_size:
                raise ValueError(
                    f"{name}: proj_size={self.proj_size} must be smaller than "
                    f"hidden_size={self.hidden_size} (or 0 for no projection)."
                )
            if self.module_params:
                raise ValueError(
                    f"{name} got module_params={self.module_params!r}, but module is "
                    "None: module_params are passed to a custom module only."
                )
            _check_convolutions(self, name)
        elif not issubclass(self.module, torch.nn.Module):
            raise TypeError(
                f"{name}: module must be a torch.nn.Module subclass; got "
                f"{self.module!r}."
            )
        _check_optimizer(self, name)
        schedule = self._training_settings(partial, n_samples)["lr_scheduler"]
        check_routed_params(self, optimizer_class(self), scheduler_class(schedule))
        warn_dict_parameters(self)
        if self._stops_early() and not partial:
            n_valid = TailSplit(self.validation_fraction).n_valid(n_samples)
            if n_samples - n_valid < 1:
                raise ValueError(
                    "early_stopping=True holds out validation_fraction="
                    f"{self.validation_fraction} of the rows for validation, which "
                    f"leaves no training row out of n_samples={n_samples}. Pass at "
                    "least 2 rows, lower validation_fraction, or set "
                    "early_stopping=False."
                )


def _check_optimizer(estimator, name):
    """A class passed as ``optimizer`` is a torch optimizer that steps alone."""
    optimizer = estimator.optimizer
    if isinstance(optimizer, str):
        return
    if not issubclass(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"{name}: optimizer must be one of 'adam', 'adamw', 'sgd', 'rmsprop' "
            f"or a torch.optim.Optimizer subclass; got {optimizer!r}."
        )
    if issubclass(optimizer, torch.optim.LBFGS):
        raise ValueError(
            f"{name}: optimizer={optimizer.__name__} needs a closure that "
            "re-evaluates the loss at every step, which mini-batch training "
            "does not give; use a first-order optimizer such as torch.optim.Adam."
        )
    accepted = inspect.signature(optimizer).parameters
    if estimator.weight_decay and "weight_decay" not in accepted:
        raise ValueError(
            f"{name}: optimizer={optimizer.__name__} takes no weight_decay, but "
            f"weight_decay={estimator.weight_decay}; set weight_decay=0.0."
        )
