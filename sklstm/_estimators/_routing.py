"""Routed parameters, as in skorch: ``optimizer__<name>``, ``module__<name>``, ...

``LSTMRegressor(optimizer=torch.optim.SGD, optimizer__momentum=0.9)`` passes
``momentum=0.9`` to the optimizer, ``module__<name>`` to a custom ``module``
and ``lr_scheduler__<name>`` to the learning-rate scheduler. The estimators
take them as keyword arguments of ``__init__`` and keep each as an attribute
of its own name, which ``get_params`` reports and ``set_params`` sets, so
that ``clone``, pipelines (``lstm__optimizer__momentum``), searches and
persistence treat them as any other parameter. scikit-learn's
``_get_param_names`` leaves ``**kwargs`` out of the signature's parameters;
``get_params`` adds them back from the instance, as skorch's ``NeuralNet``
does.
"""

import inspect
import warnings

__all__ = [
    "ROUTED_PREFIXES",
    "RoutedParamsMixin",
    "check_routed_params",
    "warn_dict_parameters",
]

ROUTED_PREFIXES = ("optimizer__", "module__", "lr_scheduler__")
# The dict parameter that holds the same arguments as a prefix (before 0.2,
# the only way to pass them).
_DICT_PARAMETERS = {
    "module__": "module_params",
    "lr_scheduler__": "lr_scheduler_params",
}


def _prefix_of(key):
    """The routed prefix ``key`` starts with, or None (also for a bare prefix)."""
    for prefix in ROUTED_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return prefix
    return None


class RoutedParamsMixin:
    """``get_params``/``set_params`` over the routed keyword arguments too."""

    def _set_routed_params(self, kwargs):
        """Store ``__init__``'s ``**kwargs``: routed keys only, as attributes."""
        for key, value in kwargs.items():
            if _prefix_of(key) is None:
                raise TypeError(
                    f"{type(self).__name__}.__init__() got an unexpected keyword "
                    f"argument {key!r}; keyword arguments beyond the parameters "
                    f"must start with {', '.join(ROUTED_PREFIXES)}"
                )
            setattr(self, key, value)

    def _routed_params(self, prefix=None):
        """``{key: value}`` of the routed parameters set (of ``prefix`` only)."""
        return {
            key: value
            for key, value in vars(self).items()
            if _prefix_of(key) is not None
            and (prefix is None or _prefix_of(key) == prefix)
        }

    def _routed_arguments(self, prefix):
        """The arguments ``prefix`` routes, with those of its dict parameter."""
        target = _DICT_PARAMETERS.get(prefix)
        arguments = dict((getattr(self, target) if target else None) or {})
        routed = self._routed_params(prefix)
        arguments.update(
            {key.removeprefix(prefix): value for key, value in routed.items()}
        )
        return arguments

    def get_params(self, deep=True):
        """Get parameters for this estimator, the routed ones included.

        Parameters
        ----------
        deep : bool, default=True
            Whether to include the parameters of nested estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._routed_params()}

    def set_params(self, **params):
        """Set parameters, routed ones (``optimizer__momentum``...) included.

        A routed key takes over the entry of the same name in
        ``module_params`` or ``lr_scheduler_params``, as ``set_params`` has
        updated that entry since 0.1: a grid search over
        ``lstm__module__width`` tunes a custom module's ``width`` either way.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            The estimator.
        """
        routed = {key: params.pop(key) for key in list(params) if _prefix_of(key)}
        super().set_params(**params)
        for key, value in routed.items():
            prefix = _prefix_of(key)
            target = _DICT_PARAMETERS.get(prefix)
            name = key.removeprefix(prefix)
            entries = getattr(self, target) if target else None
            if entries and name in entries:  # a new dict: the user's is left alone
                setattr(self, target, {k: v for k, v in entries.items() if k != name})
            setattr(self, key, value)
        return self


def warn_dict_parameters(estimator):
    """FutureWarning for ``module_params`` and ``lr_scheduler_params`` when set.

    Routed arguments replace them (deprecated in 0.2, removed in 0.4); until
    then they work as before, merged with the routed arguments.
    """
    for prefix, target in _DICT_PARAMETERS.items():
        entries = getattr(estimator, target)
        if entries is None:
            continue
        routed = ", ".join(f"{prefix}{key}={value!r}" for key, value in entries.items())
        warnings.warn(
            f"{target} was deprecated in version 0.2 and will be removed in 0.4. "
            f"Pass its entries as keyword arguments, {routed or prefix + '<name>=...'}"
            f" (as in skorch), which is equivalent.",
            FutureWarning,
            stacklevel=6,
        )


def _accepted(function, skipped):
    """The keyword names ``function`` accepts, or None when it takes ``**kwargs``."""
    parameters = inspect.signature(function).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return None
    return sorted(name for name in parameters if name not in skipped)


def _refuse_unknown(name, prefix, keys, target, what, skipped=()):
    accepted = _accepted(target, skipped)
    unknown = [key for key in keys if accepted is not None and key not in accepted]
    if unknown:
        raise ValueError(
            f"{name}: {', '.join(prefix + key for key in unknown)} names no "
            f"argument of {target.__name__} (the {what}), which takes "
            f"{', '.join(accepted)}."
        )


def check_routed_params(estimator, optimizer, scheduler):
    """Refuse, before training, routed arguments that nothing would take.

    Parameters
    ----------
    estimator : BaseLSTM
        The estimator, whose parameters are read.
    optimizer : type
        The optimizer class that training builds.
    scheduler : type or None
        The learning-rate scheduler class, if any.

    Raises
    ------
    ValueError
        For an argument given twice with different values (``module__x``
        and ``module_params["x"]``; ``optimizer__weight_decay`` and
        ``weight_decay``), one the class does not take, an
        ``optimizer__lr`` (the ``lr`` parameter sets it), and routed
        arguments without their target (``module__*`` without ``module``,
        ``lr_scheduler__*`` without ``lr_scheduler``).
    """
    name = type(estimator).__name__
    for prefix, target in _DICT_PARAMETERS.items():
        entries = getattr(estimator, target) or {}
        for key, value in estimator._routed_params(prefix).items():
            short = key.removeprefix(prefix)
            if short in entries and entries[short] is not value:
                if not _equal(entries[short], value):
                    raise ValueError(
                        f"{name} got {key}={value!r} and {target}[{short!r}]="
                        f"{entries[short]!r}: the same argument twice. Pass one."
                    )
    module_keys = estimator._routed_arguments("module__")
    if estimator.module is None and estimator._routed_params("module__"):
        raise ValueError(
            f"{name} got {', '.join(estimator._routed_params('module__'))}, but "
            "module is None: module__<name> arguments are passed to a custom "
            "module only (the built-in network's are parameters of their own)."
        )
    if estimator.module is not None:
        _refuse_unknown(name, "module__", module_keys, estimator.module, "module")
    optimizer_keys = estimator._routed_arguments("optimizer__")
    if "lr" in optimizer_keys:
        raise ValueError(
            f"{name} got optimizer__lr={optimizer_keys['lr']!r}: set the learning "
            "rate with the lr parameter (the schedulers and continued fits read it)."
        )
    if "weight_decay" in optimizer_keys and estimator.weight_decay:
        if not _equal(optimizer_keys["weight_decay"], estimator.weight_decay):
            raise ValueError(
                f"{name} got optimizer__weight_decay="
                f"{optimizer_keys['weight_decay']!r} and weight_decay="
                f"{estimator.weight_decay!r}: the same argument twice. Pass one."
            )
    _refuse_unknown(
        name, "optimizer__", optimizer_keys, optimizer, "optimizer", ("params", "lr")
    )
    scheduler_keys = estimator._routed_params("lr_scheduler__")
    if scheduler is None and scheduler_keys:
        raise ValueError(
            f"{name} got {', '.join(scheduler_keys)}, but lr_scheduler is None: "
            "set lr_scheduler too."
        )
    if scheduler is not None:
        _refuse_unknown(
            name,
            "lr_scheduler__",
            estimator._routed_arguments("lr_scheduler__"),
            scheduler,
            "learning-rate scheduler",
            ("optimizer",),
        )


def _equal(first, second):
    try:
        return bool(first == second)
    except Exception:  # arrays and other values without one truth value
        return False
