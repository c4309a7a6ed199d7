"""A skorch callback that lets Optuna prune a trial between epochs.

Optuna is imported only when a trial is pruned, so sklstm works without it.
"""

import copy
from typing import TYPE_CHECKING

from skorch.callbacks import Callback

if TYPE_CHECKING:
    import optuna

__all__ = ["OptunaPruning"]


class OptunaPruning(Callback):
    """Report a loss to an Optuna trial each epoch and stop the fit if it is pruned.

    After each epoch the value of ``monitor`` in the net's history is passed
    to ``trial.report(value, step=epoch)``; when ``trial.should_prune()``
    then says so, :class:`optuna.TrialPruned` is raised. It propagates out of
    ``fit``, and :meth:`optuna.study.Study.optimize` records the trial as
    pruned. Pass it to an estimator through ``callbacks`` inside an Optuna
    objective, with ``early_stopping=True`` so that each epoch has a
    ``valid_loss`` (the loss on the most recent ``validation_fraction`` of
    the rows).

    Copies of the callback (the estimators deep-copy their ``callbacks`` into
    each fit, and :func:`sklearn.base.clone` copies parameters) keep the same
    ``trial``, so that the reports reach the study rather than a copy of it.
    A trial in an in-memory study cannot report from another process: use it
    with ``n_jobs=1``, or give the study a shared storage such as
    :class:`optuna.storages.JournalStorage`.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial that the current objective call evaluates.
    monitor : str, default="valid_loss"
        The history key whose value is reported; lower must be better if the
        study minimizes, higher if it maximizes. ``"valid_loss"`` needs
        ``early_stopping=True``.

    See Also
    --------
    optuna.pruners.MedianPruner : Prunes a trial whose value is worse than the
        median of earlier trials at the same epoch.

    Examples
    --------
    >>> import numpy as np
    >>> import optuna
    >>> from sklstm import LSTMRegressor, OptunaPruning
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 5, 1))
    >>> y = np.sin(X[:, :, 0].sum(axis=1))
    >>> def objective(trial):
    ...     model = LSTMRegressor(
    ...         hidden_size=4,
    ...         max_epochs=3,
    ...         lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True),
    ...         early_stopping=True,
    ...         random_state=0,
    ...         callbacks=[OptunaPruning(trial)],
    ...     )
    ...     return model.fit(X, y).validation_loss_[-1]
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(
    ...     sampler=optuna.samplers.RandomSampler(seed=0),
    ...     pruner=optuna.pruners.MedianPruner(n_startup_trials=1),
    ... )
    >>> study.optimize(objective, n_trials=4)
    >>> [trial.state.name for trial in study.trials]
    ['COMPLETE', 'COMPLETE', 'PRUNED', 'PRUNED']
    >>> study.trials[2].intermediate_values  # doctest: +ELLIPSIS
    {1: 1.13...}
    """

    def __init__(self, trial: "optuna.trial.Trial", monitor: str = "valid_loss"):
        self.trial = trial
        self.monitor = monitor

    def on_train_begin(self, net, **kwargs):
        """Check, before the first epoch, that the net can record ``monitor``.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net about to train.
        **kwargs : dict
            The other arguments skorch passes to callbacks; not used.
        """
        if self.monitor.startswith("valid_") and net.train_split is None:
            raise ValueError(
                f"OptunaPruning(monitor={self.monitor!r}) reports a validation "
                "score, but this fit holds out no validation rows. Set "
                "early_stopping=True on the estimator, or monitor='train_loss'."
            )

    def on_epoch_end(self, net, **kwargs):
        """Report the epoch's ``monitor`` value; raise ``TrialPruned`` if pruned.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net that completed an epoch.
        **kwargs : dict
            The other arguments skorch passes to callbacks; not used.
        """
        row = net.history[-1]
        if self.monitor not in row:
            raise ValueError(
                f"OptunaPruning(monitor={self.monitor!r}) found no such key in "
                f"the history of epoch {row['epoch']}; it has {sorted(row)}."
            )
        epoch = row["epoch"]
        self.trial.report(float(row[self.monitor]), step=epoch)
        if self.trial.should_prune():
            import optuna

            raise optuna.TrialPruned(
                f"Pruned at epoch {epoch} ({self.monitor}={row[self.monitor]:.6g})."
            )

    def __deepcopy__(self, memo):
        # The trial is a handle on the study's storage: a copy of it would
        # take reports that the study and its pruner never see.
        memo[id(self.trial)] = self.trial
        copied = type(self).__new__(type(self))
        copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return copied

    def __sklearn_clone__(self):
        return type(self)(**self.get_params(deep=False))
