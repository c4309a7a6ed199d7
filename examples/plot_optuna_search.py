"""
=====================================================
Tuning with Optuna, and pruning bad trials early
=====================================================

Two ways to tune the scaler + :class:`~sklstm.SlidingWindow` +
:class:`~sklstm.LSTMRegressor` pipeline on the monthly El Niño series with
`Optuna <https://optuna.org>`_ instead of a grid:

1. :class:`optuna_integration.OptunaSearchCV`, a drop-in for
   :class:`~sklearn.model_selection.GridSearchCV` that draws window length,
   hidden size, layers, dropout and learning rate from distributions and
   scores every draw with time-ordered cross-validation;
2. a plain Optuna study whose trials are *pruned* between epochs by
   :class:`~sklstm.OptunaPruning`: a trial whose validation loss is worse
   than the other trials' at the same epoch stops there, and the time goes to
   more promising settings.

Needs ``optuna`` and ``optuna-integration``. Set ``SKLSTM_EXAMPLES_SMOKE=1``
to run two trials of two epochs (as CI does); the scores then mean nothing.
"""

import os
import warnings

import matplotlib.pyplot as plt
import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from optuna_integration import OptunaSearchCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, OptunaPruning, SlidingWindow
from sklstm.datasets import load_elnino

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
N_TRIALS = 2 if SMOKE else 10
MAX_EPOCHS = 2 if SMOKE else 60

optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial
# OptunaSearchCV is marked experimental, and calls a deprecated optuna module.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
warnings.filterwarnings("ignore", message=".*optuna.terminator", category=FutureWarning)

# %%
# The data and the model
# ----------------------
# Row ``t`` of ``X`` is month ``t``; the target is month ``t + 1``. The last
# 20 % of the months are kept out of the search, to score the tuned model on.
sst = load_elnino()
X, y = sst.to_frame().iloc[:-1], sst.to_numpy()[1:]
n_train = int(len(X) * 0.8)
X_train, y_train = X.iloc[:n_train], y[:n_train]


def make_model(window=12, **lstm_params):
    """Scaler, windows and LSTM, with the target scaled in the same way."""
    lstm = LSTMRegressor(
        max_epochs=MAX_EPOCHS,
        early_stopping=True,
        n_iter_no_change=10,
        # One thread is as fast for networks this small, and keeps its speed
        # when other programs use the cores (see "Tuning and scaling out").
        n_threads=1,
        random_state=0,
        **lstm_params,
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=window)),
            ("lstm", lstm),
        ]
    )
    return TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())


# %%
# OptunaSearchCV
# --------------
# Each trial draws one setting from the distributions, and Optuna's default
# sampler (TPE) draws later settings near the ones that scored well. Every
# setting is scored like in a grid search: three time-ordered splits, the
# scalers fitted inside each.
distributions = {
    "regressor__window__window": IntDistribution(6, 24),
    "regressor__lstm__hidden_size": IntDistribution(8, 32, log=True),
    "regressor__lstm__num_layers": IntDistribution(1, 2),
    "regressor__lstm__dropout": FloatDistribution(0.0, 0.5),
    "regressor__lstm__lr": FloatDistribution(1e-3, 3e-2, log=True),
}
search = OptunaSearchCV(
    make_model(),
    distributions,
    cv=TimeSeriesSplit(n_splits=3),
    scoring="neg_root_mean_squared_error",
    n_trials=N_TRIALS,
    random_state=0,
)
search.fit(X_train, y_train)

trials = search.trials_dataframe()
columns = {f"params_{name}": name.rsplit("__", 1)[1] for name in distributions}
table = trials.rename(columns=columns)[["number", *columns.values()]].assign(
    rmse=-trials["value"]
)
print(table.sort_values("rmse").head().round(4).to_string(index=False))
print(f"best cross-validated RMSE: {-search.best_score_:.3f} °C")

# %%
# The best setting is refitted on all training months; on the held-out months
# it is compared with the naive forecast "next month is like this month".
forecast = search.predict(X)[n_train:]
held_out_rmse = root_mean_squared_error(y[n_train:], forecast)
naive_rmse = root_mean_squared_error(y[n_train:], X["sst"].to_numpy()[n_train:])
print(f"held-out RMSE: {held_out_rmse:.3f} °C (naive: {naive_rmse:.3f} °C)")

# %%
# Pruning between epochs
# ----------------------
# :class:`~sklstm.OptunaPruning` reports the validation loss of every epoch
# (the loss on the latest 10 % of the training months, held out by
# ``early_stopping=True``) to the trial. The :class:`~optuna.pruners.MedianPruner`
# stops a trial, from its fifth epoch on, when its best loss so far is worse
# than the median of earlier trials at that epoch. ``fit`` then raises
# :class:`optuna.TrialPruned`, which ``study.optimize`` records.


def objective(trial):
    model = make_model(
        window=trial.suggest_int("window", 6, 24),
        hidden_size=trial.suggest_int("hidden_size", 8, 32, log=True),
        num_layers=trial.suggest_int("num_layers", 1, 2),
        dropout=trial.suggest_float("dropout", 0.0, 0.5),
        lr=trial.suggest_float("lr", 1e-3, 3e-2, log=True),
        callbacks=[OptunaPruning(trial)],
    )
    model.fit(X_train, y_train)
    return min(model.regressor_.named_steps["lstm"].validation_loss_)


study = optuna.create_study(
    sampler=optuna.samplers.TPESampler(seed=0),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
)
study.optimize(objective, n_trials=N_TRIALS)

pruned = study.get_trials(states=[optuna.trial.TrialState.PRUNED])
complete = study.get_trials(states=[optuna.trial.TrialState.COMPLETE])
epochs = {
    name: sum(len(trial.intermediate_values) for trial in group)
    for name, group in (("pruned", pruned), ("complete", complete))
}
print(
    f"{len(complete)} trials complete ({epochs['complete']} epochs), "
    f"{len(pruned)} pruned ({epochs['pruned']} epochs)"
)
print(f"best validation loss {study.best_value:.4f} with {study.best_params}")

# %%
# The validation loss of every trial, epoch by epoch: pruned trials end early.
fig, ax = plt.subplots()
for trial in study.trials:
    steps, losses = zip(*sorted(trial.intermediate_values.items()), strict=True)
    is_pruned = trial.state == optuna.trial.TrialState.PRUNED
    ax.plot(
        steps,
        losses,
        color="tab:red" if is_pruned else "tab:blue",
        alpha=0.5 if is_pruned else 0.8,
    )
ax.plot([], [], color="tab:blue", label="complete")
ax.plot([], [], color="tab:red", label="pruned")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("validation loss (scaled units)")
ax.set_title(f"{len(study.trials)} Optuna trials with a MedianPruner")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# This study lives in the memory of one process. To spread trials over several
# processes or machines, create the study with a ``storage`` that all of them
# reach (a database URL, or :class:`optuna.storages.JournalStorage` on a
# shared file system) and run ``study.optimize`` in each.
