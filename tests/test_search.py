"""Searches at scale: worker threads, the same scores on every joblib backend,
dask.distributed, Optuna (OptunaSearchCV and pruning between epochs), GPUs."""

import copy
import subprocess
import sys

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, OptunaPruning, SlidingWindow

GRID = {"lstm__hidden_size": [8, 16], "window__window": [8, 16]}


def make_series(n_samples=200):
    """A noisy sine, one row per step, and its next value."""
    rng = np.random.RandomState(0)
    t = np.arange(n_samples + 1)
    signal = np.sin(2 * np.pi * t / 25) + 0.1 * rng.normal(size=t.size)
    return signal[:-1, np.newaxis], signal[1:]


def forecaster(**lstm_params):
    params = dict(hidden_size=8, max_epochs=3, lr=1e-2, random_state=0)
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window=8)),
            ("lstm", LSTMRegressor(**{**params, **lstm_params})),
        ]
    )


def grid_search(n_jobs=None, **lstm_params):
    return GridSearchCV(
        forecaster(**lstm_params), GRID, cv=TimeSeriesSplit(3), n_jobs=n_jobs
    )


@pytest.fixture(scope="module")
def sequential_scores():
    X, y = make_series()
    return grid_search().fit(X, y).cv_results_["mean_test_score"]


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


# -- threads and identical scores ---------------------------------------------


def test_loky_workers_start_torch_with_their_share_of_the_cores():
    # joblib sets OMP_NUM_THREADS=cpu_count // n_jobs in its workers (unless
    # it is set already), which torch reads when it starts: n_threads=None
    # does not oversubscribe.
    threads = joblib.Parallel(n_jobs=2)(
        joblib.delayed(torch.get_num_threads)() for _ in range(2)
    )
    assert max(threads) <= max(1, joblib.cpu_count() // 2)


def test_loky_search_matches_sequential_search(sequential_scores):
    X, y = make_series()
    search = grid_search(n_jobs=2).fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], sequential_scores, rtol=0, atol=1e-6
    )


def test_dask_workers_start_torch_with_one_thread(dask_client):
    # distributed's nanny sets OMP_NUM_THREADS=1 before starting a worker.
    assert set(dask_client.run(torch.get_num_threads).values()) == {1}


def test_dask_search_runs_on_the_cluster_and_matches_sequential_search(
    dask_client, sequential_scores
):
    from distributed import get_task_stream

    X, y = make_series()
    with get_task_stream(dask_client) as tasks, joblib.parallel_config("dask"):
        search = grid_search(n_jobs=-1).fit(X, y)
    assert len({task["worker"] for task in tasks.data}) == 2
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], sequential_scores, rtol=0, atol=1e-6
    )


# -- Optuna -------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_optuna_search_cv_tunes_the_pipeline():
    pytest.importorskip("optuna_integration")
    from optuna.distributions import FloatDistribution, IntDistribution
    from optuna_integration import OptunaSearchCV

    distributions = {
        "window__window": IntDistribution(4, 16),
        "lstm__hidden_size": IntDistribution(4, 16, log=True),
        "lstm__num_layers": IntDistribution(1, 2),
        "lstm__dropout": FloatDistribution(0.0, 0.5),
        "lstm__lr": FloatDistribution(1e-3, 1e-1, log=True),
    }
    X, y = make_series()
    search = OptunaSearchCV(
        forecaster(max_epochs=2, n_threads=1),
        distributions,
        cv=TimeSeriesSplit(2),
        n_trials=3,
        random_state=0,
    ).fit(X, y)
    assert len(search.trials_) == 3
    assert set(search.best_params_) == set(distributions)
    assert np.isfinite(search.best_score_)
    assert search.predict(X).shape == y.shape


def lstm_with_pruning(trial, **params):
    return LSTMRegressor(
        **{
            "hidden_size": 4,
            "max_epochs": 4,
            "early_stopping": True,
            "n_threads": 1,
            "random_state": 0,
            "callbacks": [OptunaPruning(trial)],
            **params,
        }
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pruning_in_study_optimize_prunes_some_trials(sequences):
    optuna = pytest.importorskip("optuna")
    X, y = sequences

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        return lstm_with_pruning(trial, lr=lr).fit(X, y).validation_loss_[-1]

    study = optuna.create_study(
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2),
    )
    study.optimize(objective, n_trials=8)
    states = [trial.state for trial in study.trials]
    assert optuna.trial.TrialState.PRUNED in states
    assert optuna.trial.TrialState.COMPLETE in states
    # Each fit reported to the study's trial, not to a copy of it.
    assert all(trial.intermediate_values for trial in study.trials)
    for trial in study.get_trials(states=[optuna.trial.TrialState.COMPLETE]):
        assert sorted(trial.intermediate_values) == [1, 2, 3, 4]


def test_trial_pruned_propagates_out_of_fit(sequences):
    optuna = pytest.importorskip("optuna")
    X, y = sequences
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))
    trial = study.ask()
    threads, rng_state = torch.get_num_threads(), torch.get_rng_state()
    model = lstm_with_pruning(trial)
    with pytest.raises(optuna.TrialPruned, match="epoch 1"):
        model.fit(X, y)
    assert list(study.trials[0].intermediate_values) == [1]
    assert not hasattr(model, "net_")
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), rng_state)


def test_copies_of_the_callback_report_to_the_same_trial():
    optuna = pytest.importorskip("optuna")
    trial = optuna.create_study().ask()
    model = lstm_with_pruning(trial)
    for copied in (clone(model), copy.deepcopy(model)):
        (callback,) = copied.callbacks
        assert callback is not model.callbacks[0]
        assert callback.trial is trial


def test_validation_score_without_validation_rows_is_an_error(sequences):
    optuna = pytest.importorskip("optuna")
    X, y = sequences
    trial = optuna.create_study().ask()
    model = lstm_with_pruning(trial, early_stopping=False)
    with pytest.raises(ValueError, match="early_stopping=True"):
        model.fit(X, y)
    model.set_params(callbacks=[OptunaPruning(trial, monitor="train_loss")]).fit(X, y)
    assert len(trial.study.trials[0].intermediate_values) == 4


def test_sklstm_works_without_optuna():
    script = (
        "import sys; sys.modules['optuna'] = None;"
        "from sklstm import OptunaPruning;"
        "OptunaPruning(trial=None)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# -- GPUs ---------------------------------------------------------------------


@pytest.mark.cuda
def test_cuda_search_workers_share_one_gpu():
    X, y = make_series()
    search = grid_search(n_jobs=2, device="cuda").fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.named_steps["lstm"].device_ == "cuda"


@pytest.mark.cuda
def test_cuda_device_index_in_workers():
    last = f"cuda:{torch.cuda.device_count() - 1}"
    X, y = make_series()
    result = cross_validate(
        forecaster(device=last),
        X,
        y,
        cv=TimeSeriesSplit(2),
        n_jobs=2,
        return_estimator=True,
    )
    for pipe in result["estimator"]:
        module = pipe.named_steps["lstm"].net_.module_
        assert next(module.parameters()).device == torch.device(last)


@pytest.mark.cuda
def test_cuda_models_fitted_on_dask_workers_come_back_to_the_client(
    dask_client, tmp_path
):
    X, y = make_series()
    with joblib.parallel_config("dask"):
        result = cross_validate(
            forecaster(device="cuda"),
            X,
            y,
            cv=TimeSeriesSplit(2),
            n_jobs=-1,
            return_estimator=True,
        )
    for pipe in result["estimator"]:
        assert pipe.named_steps["lstm"].device_ == "cuda"
        predicted = pipe.predict(X)
        joblib.dump(pipe, tmp_path / "model.joblib")
        loaded = joblib.load(tmp_path / "model.joblib")
        np.testing.assert_allclose(loaded.predict(X), predicted, atol=1e-6)
