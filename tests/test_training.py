import importlib.util
import io
import math
import pickle
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback

import sklstm
from sklstm import LSTMClassifier, LSTMRegressor, TrainingHistoryDisplay
from sklstm.exceptions import TrainingDivergedError

FAST = dict(hidden_size=8, lr=1e-2, random_state=0)


def task(n_samples=120):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, 6, 2))
    return X, X[:, -1, 0] - 0.5 * X[:, -2, 1]


def learning_rates(model):
    return model.history_["lr"].to_numpy()


def test_cosine_schedule_anneals_to_zero_over_max_epochs():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=5, lr_scheduler="cosine").fit(X, y)
    expected = [0.01 * (1 + math.cos(math.pi * e / 5)) / 2 for e in range(5)]
    np.testing.assert_allclose(learning_rates(model), expected, rtol=1e-9)


def test_step_schedule_divides_by_ten_every_third_of_training():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=6, lr_scheduler="step").fit(X, y)
    np.testing.assert_allclose(
        learning_rates(model), [1e-2, 1e-2, 1e-3, 1e-3, 1e-4, 1e-4], rtol=1e-9
    )


def test_plateau_schedule_halves_when_the_loss_stalls():
    X, y = task()
    # A threshold no loss can beat makes every epoch a plateau.
    params = {"patience": 0, "threshold": 10.0}
    model = LSTMRegressor(
        **FAST,
        max_epochs=4,
        lr_scheduler="plateau",
        **{f"lr_scheduler__{key}": value for key, value in params.items()},
    ).fit(X, y)
    np.testing.assert_allclose(
        learning_rates(model), [1e-2, 5e-3, 2.5e-3, 1.25e-3], rtol=1e-9
    )


def test_torch_scheduler_class_with_routed_parameters():
    X, y = task()
    model = LSTMRegressor(
        **FAST, max_epochs=3, lr_scheduler=torch.optim.lr_scheduler.ExponentialLR
    )
    model.set_params(lr_scheduler__gamma=0.5)
    assert clone(model).lr_scheduler__gamma == 0.5
    model.fit(X, y)
    np.testing.assert_allclose(learning_rates(model), [1e-2, 5e-3, 2.5e-3], rtol=1e-9)


def test_lr_scheduler_params_still_works_with_a_future_warning():
    X, y = task()
    model = LSTMRegressor(
        **FAST,
        max_epochs=3,
        lr_scheduler=torch.optim.lr_scheduler.ExponentialLR,
        lr_scheduler_params={"gamma": 0.5},
    )
    with pytest.warns(FutureWarning, match="lr_scheduler__gamma=0.5"):
        model.fit(X, y)
    np.testing.assert_allclose(learning_rates(model), [1e-2, 5e-3, 2.5e-3], rtol=1e-9)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            dict(optimizer__momentun=0.9),
            "optimizer__momentun names no argument of Adam",
        ),
        (dict(optimizer="sgd", optimizer__lr=0.1), "set the learning rate with the lr"),
        (
            dict(weight_decay=0.1, optimizer__weight_decay=0.2),
            "optimizer__weight_decay=0.2 and weight_decay=0.1",
        ),
        (dict(lr_scheduler__gamma=0.5), "lr_scheduler is None"),
        (
            dict(lr_scheduler="step", lr_scheduler__gama=0.5),
            "lr_scheduler__gama names no argument of StepLR",
        ),
    ],
)
def test_routed_arguments_nothing_takes_are_refused_before_training(params, message):
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=1, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "net_")


def test_only_routed_keywords_are_accepted():
    with pytest.raises(TypeError, match="unexpected keyword argument 'momentum'"):
        LSTMRegressor(momentum=0.9)
    with pytest.raises(TypeError, match="unexpected keyword argument 'optimizer__'"):
        LSTMClassifier(optimizer__=0.9)


def test_optimizer_arguments_are_parameters_of_their_own(tmp_path):
    X, y = task()
    model = LSTMRegressor(
        **FAST, max_epochs=2, optimizer="sgd", optimizer__momentum=0.9
    )
    assert model.get_params()["optimizer__momentum"] == 0.9
    assert "optimizer__momentum=0.9" in repr(model)
    model.fit(X, y)
    assert model.net_.optimizer_.param_groups[0]["momentum"] == 0.9
    # optimizer__weight_decay is weight_decay's other spelling.
    decayed = LSTMRegressor(**FAST, max_epochs=1, optimizer__weight_decay=0.1).fit(X, y)
    assert decayed.net_.optimizer_.param_groups[0]["weight_decay"] == 0.1
    # Set through a pipeline and a search, cloned, and saved.
    pipe = Pipeline([("lstm", clone(model))])
    pipe.set_params(lstm__optimizer__momentum=0.5)
    assert pipe.named_steps["lstm"].optimizer__momentum == 0.5
    search = GridSearchCV(pipe, {"lstm__optimizer__momentum": [0.0, 0.9]}, cv=2)
    search.fit(X, y)
    best = search.best_estimator_.named_steps["lstm"]
    assert best.net_.optimizer_.param_groups[0]["momentum"] == best.optimizer__momentum
    restored = pickle.loads(pickle.dumps(model))
    assert restored.optimizer__momentum == 0.9
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    if importlib.util.find_spec("skops") is not None:
        sklstm.save(model, tmp_path / "model.skops")
        loaded = sklstm.load(tmp_path / "model.skops")
        assert loaded.get_params()["optimizer__momentum"] == 0.9
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_onecycle_schedule_rises_to_lr_then_anneals():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=10, lr_scheduler="onecycle").fit(X, y)
    expected = [
        torch.optim.lr_scheduler.OneCycleLR(
            torch.optim.SGD([torch.zeros(1)], lr=1e-2), max_lr=1e-2, total_steps=10
        )
    ]
    rates = []
    for _ in range(10):
        rates.append(expected[0].optimizer.param_groups[0]["lr"])
        expected[0].optimizer.step()
        expected[0].step()
    np.testing.assert_allclose(learning_rates(model), rates, rtol=1e-9)
    assert learning_rates(model)[0] == pytest.approx(1e-2 / 25)
    assert learning_rates(model).max() == pytest.approx(1e-2)
    # warm_start runs a new cycle over the next max_epochs
    model.set_params(warm_start=True).fit(X, y)
    np.testing.assert_allclose(learning_rates(model)[10:], rates, rtol=1e-9)


def test_not_a_scheduler_is_rejected_before_training():
    X, y = task()
    with pytest.raises(TypeError, match="lr_scheduler must be"):
        LSTMRegressor(lr_scheduler=dict).fit(X, y)


class GradientNorms(Callback):
    """Record the total gradient norm the optimizer is about to use."""

    def initialize(self):
        self.norms = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad.norm() for _, p in named_parameters if p.grad is not None]
        self.norms.append(float(torch.linalg.vector_norm(torch.stack(grads))))


@pytest.mark.parametrize("clip", [None, 0.05])
def test_clip_grad_norm_bounds_the_gradient_norm(clip):
    X, y = task()
    model = LSTMRegressor(
        **FAST,
        max_epochs=2,
        clip_grad_norm=clip,
        callbacks=[("norms", GradientNorms())],
    ).fit(X, y)
    norms = dict(model.net_.callbacks_)["norms"].norms
    assert len(norms) == 8  # 2 epochs x 4 batches
    if clip is None:
        assert max(norms) > 0.05
    else:
        assert max(norms) <= clip * (1 + 1e-5)


def test_user_callbacks_are_copied_not_modified():
    X, y = task()
    recorder = GradientNorms()
    LSTMRegressor(**FAST, max_epochs=1, callbacks=[recorder]).fit(X, y)
    assert not hasattr(recorder, "norms")


def test_warm_start_continues_from_the_fitted_weights():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=3, warm_start=True).fit(X, y)
    first_loss = model.loss_curve_[-1]
    model.fit(X, y)
    assert model.n_iter_ == 6
    assert model.history_["epoch"].tolist() == [1, 2, 3, 4, 5, 6]
    assert model.loss_curve_[-1] <= first_loss


def test_without_warm_start_fit_starts_anew():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=3).fit(X, y)
    first = model.predict(X)
    np.testing.assert_array_equal(model.fit(X, y).predict(X), first)
    assert model.n_iter_ == 3


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_partial_fit_k_times_equals_k_epochs(dropout):
    """Dropout draws from torch's global stream: it must continue across calls."""
    X, y = task()
    stepped = LSTMRegressor(**FAST, max_epochs=50, dropout=dropout)
    for _ in range(3):
        stepped.partial_fit(X, y)
    fitted = LSTMRegressor(**FAST, max_epochs=3, dropout=dropout).fit(X, y)
    assert stepped.n_iter_ == 3
    np.testing.assert_array_equal(stepped.predict(X), fitted.predict(X))


def test_classifier_partial_fit_needs_classes_up_front():
    X, y = task()
    labels = np.where(y > 0, "up", "down")
    clf = LSTMClassifier(**FAST)
    clf.partial_fit(X[:10], np.full(10, "up"), classes=["down", "up"])
    clf.partial_fit(X, labels)
    assert clf.classes_.tolist() == ["down", "up"]
    with pytest.raises(ValueError, match=r"labels \['sideways'\]"):
        clf.partial_fit(X[:3], ["up", "sideways", "down"])


class Sabotage(Callback):
    """Misbehave at a chosen epoch and batch: poison the weights, or interrupt."""

    def __init__(self, action, epoch, batch=1):
        self.action, self.epoch, self.batch = action, epoch, batch

    def on_batch_end(self, net, training=False, **kwargs):
        if not training or len(net.history) != self.epoch:
            return
        if len(net.history[-1]["batches"]) == self.batch:
            if self.action == "nan":
                with torch.no_grad():
                    net.module_.head.weight.fill_(float("nan"))
            else:
                raise KeyboardInterrupt


def test_nan_loss_raises_and_keeps_the_last_finite_weights():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=5, callbacks=[Sabotage("nan", epoch=3)])
    with pytest.raises(TrainingDivergedError, match=r"epoch 3.*clip_grad_norm") as info:
        model.fit(X, y)
    assert info.value.epoch == 3
    assert model.n_iter_ == 2
    two_epochs = LSTMRegressor(**FAST, max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), two_epochs.predict(X))


def test_real_divergence_leaves_a_finite_model():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=20, optimizer="sgd")
    model.set_params(lr=1e12)
    with pytest.raises(TrainingDivergedError):
        model.fit(X, 1e6 * y)
    assert np.isfinite(model.predict(X)).all()


def test_interrupt_keeps_the_last_completed_epoch_and_says_so():
    X, y = task()
    model = LSTMRegressor(
        **FAST, max_epochs=5, callbacks=[Sabotage("interrupt", epoch=3)]
    )
    with pytest.warns(UserWarning, match="interrupted after 2 of 5 epochs"):
        model.fit(X, y)
    assert model.n_iter_ == 2
    two_epochs = LSTMRegressor(**FAST, max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), two_epochs.predict(X))


def test_interrupt_with_early_stopping_keeps_the_best_epoch():
    X, y = task()
    model = LSTMRegressor(
        **FAST,
        max_epochs=10,
        early_stopping=True,
        callbacks=[Sabotage("interrupt", epoch=6)],
        normalize_y=False,  # validation losses in the units of y
    )
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(X, y)
    best = int(np.argmin(model.validation_loss_)) + 1
    assert model.best_epoch_ == best
    valid_mse = np.mean((model.predict(X[-12:]) - y[-12:]) ** 2)
    np.testing.assert_allclose(valid_mse, model.validation_loss_[best - 1], rtol=1e-4)


def test_convergence_warning_while_validation_still_improves():
    X, y = task()
    with pytest.warns(ConvergenceWarning, match="max_epochs=2"):
        LSTMRegressor(**FAST, max_epochs=2, early_stopping=True).fit(X, y)


def test_no_convergence_warning_when_early_stopping_stopped():
    X, y = task()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LSTMRegressor(
            **{**FAST, "lr": 0.05},
            max_epochs=200,
            early_stopping=True,
            n_iter_no_change=2,
        ).fit(X, y)
    assert model.n_iter_ < 200


def test_history_frame():
    X, y = task()
    model = LSTMRegressor(**FAST, max_epochs=3, early_stopping=True, n_threads="auto")
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    history = model.history_
    assert isinstance(history, pd.DataFrame)
    assert history.columns.tolist() == [
        "epoch",
        "train_loss",
        "valid_loss",
        "lr",
        "dur",
        "n_threads",  # n_threads="auto": the count of each epoch
    ]
    assert history["epoch"].tolist() == [1, 2, 3]
    assert history["train_loss"].tolist() == model.loss_curve_
    assert history["valid_loss"].tolist() == model.validation_loss_
    assert (history["dur"] > 0).all()


def test_validation_scores_is_a_deprecated_alias_of_validation_loss(tmp_path):
    X, y = task()
    unfitted = LSTMRegressor(**FAST, max_epochs=2, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # no warning before fit
        assert not hasattr(unfitted, "validation_scores_")
    with pytest.warns(ConvergenceWarning):
        model = unfitted.fit(X, y)
    with pytest.warns(FutureWarning, match="removed in 0.4; use validation_loss_"):
        assert model.validation_scores_ == model.validation_loss_
    assert len(model.validation_loss_) == 2
    # A model saved today keeps the new name through pickle.
    restored = pickle.loads(pickle.dumps(model))
    assert restored.validation_loss_ == model.validation_loss_
    assert "validation_scores_" not in vars(restored)
    # A state saved before 0.2 (with losses) loads under the new name.
    state = model.__getstate__()
    state["validation_scores_"] = state.pop("validation_loss_")
    old = LSTMRegressor.__new__(LSTMRegressor)
    old.__setstate__(state)
    assert old.validation_loss_ == model.validation_loss_
    assert "validation_scores_" not in vars(old)


def test_verbose_levels(capsys):
    X, y = task()
    LSTMRegressor(**FAST, max_epochs=2, verbose=0).fit(X, y)
    silent = capsys.readouterr()
    assert silent.out == silent.err == ""
    LSTMRegressor(**FAST, max_epochs=2, verbose=1).fit(X, y)
    bar = capsys.readouterr()
    assert "2/2" in bar.err and "train_loss" in bar.err
    assert bar.out == ""
    LSTMRegressor(**FAST, max_epochs=2, verbose=2).fit(X, y)
    table = capsys.readouterr().out
    assert "epoch" in table and "train_loss" in table and "dur" in table


def test_verbose_progress_is_one_line_per_epoch_when_not_a_terminal(capsys):
    # capsys's stderr is not a terminal, as a CI log or a redirected file.
    X, y = task()
    LSTMRegressor(**FAST, max_epochs=3, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert "\r" not in err  # no bar redrawn in place
    lines = err.splitlines()
    assert [line.split(":")[1].split()[:2] for line in lines] == [
        ["epoch", "1/3"],
        ["epoch", "2/3"],
        ["epoch", "3/3"],
    ]
    assert all(line.startswith("LSTMRegressor:") for line in lines)
    assert all("train_loss=" in line for line in lines)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_progress_is_a_bar_in_a_terminal(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    X, y = task()
    LSTMRegressor(**FAST, max_epochs=3, verbose=1).fit(X, y)
    # tqdm redraws one line with carriage returns and ends at 3/3.
    assert "\r" in terminal.getvalue()
    assert "3/3" in terminal.getvalue()
    assert "epoch 1/3" not in terminal.getvalue()


@pytest.mark.parametrize("amp", [True, "float16", "bfloat16"])
def test_amp_on_cpu_warns_and_trains_in_float32(amp):
    X, y = task()
    with pytest.warns(UserWarning, match=f"amp={amp!r} has no effect on device='cpu'"):
        model = LSTMRegressor(**FAST, max_epochs=1, amp=amp).fit(X, y)
    assert isinstance(model.net_, NeuralNetRegressor)
    assert "Amp" not in type(model.net_).__name__
    reference = LSTMRegressor(**FAST, max_epochs=1).fit(X, y)
    np.testing.assert_allclose(model.predict(X), reference.predict(X), rtol=1e-6)


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier])
@pytest.mark.parametrize("amp", ["bf16", "float32", 1, None])
def test_bad_amp_is_refused_before_training_naming_the_parameter(Estimator, amp):
    X, y = task()
    if Estimator is LSTMClassifier:
        y = y > np.median(y)
    model = Estimator(**FAST, amp=amp)
    with pytest.raises(ValueError, match=r"'amp' parameter .*'bfloat16'") as error:
        model.fit(X, y)
    assert repr(amp) in str(error.value)
    assert not hasattr(model, "net_")


@pytest.mark.cuda
@pytest.mark.parametrize("amp", [True, "float16", "bfloat16"])
def test_amp_on_cuda_trains_and_predicts_close_to_float32(amp):
    X, y = task()
    params = {**FAST, "max_epochs": 3, "device": "cuda"}
    model = LSTMRegressor(**params, amp=amp).fit(X, y)
    reference = LSTMRegressor(**params).fit(X, y)
    assert type(model.net_).__name__ == "AmpNeuralNetRegressor"
    expected = torch.bfloat16 if amp == "bfloat16" else torch.float16
    assert model.net_.amp_dtype == expected
    assert model.net_.grad_scaler_.is_enabled() == (expected == torch.float16)
    assert np.isfinite(model.loss_curve_).all()
    y_pred = model.predict(X)
    assert np.isfinite(y_pred).all()
    # Three epochs in half precision: the same fit up to rounding, loosely.
    np.testing.assert_allclose(y_pred, reference.predict(X), atol=0.1 * np.std(y))


@pytest.mark.cuda
@pytest.mark.parametrize("amp", ["float16", "bfloat16"])
def test_amp_classifier_on_cuda_predicts_finite_probabilities(amp):
    X, y = task()
    y = y > np.median(y)
    params = {**FAST, "max_epochs": 3, "device": "cuda"}
    proba = LSTMClassifier(**params, amp=amp).fit(X, y).predict_proba(X)
    reference = LSTMClassifier(**params).fit(X, y).predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba, reference, atol=0.05)


def test_training_history_display_draws_headless():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = task()
    model = LSTMRegressor(
        **FAST, max_epochs=4, early_stopping=True, lr_scheduler="cosine"
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    display = TrainingHistoryDisplay.from_estimator(model)
    assert set(display.lines_) == {"train_loss", "valid_loss", "lr", "best_epoch"}
    np.testing.assert_array_equal(
        display.lines_["valid_loss"].get_ydata(), model.validation_loss_
    )
    assert display.lines_["best_epoch"].get_xdata()[0] == model.best_epoch_
    assert display.lr_ax_.get_ylabel() == "learning rate"
    display.figure_.savefig(pytest.importorskip("io").BytesIO(), format="png")


def test_n_threads_applies_during_fit_and_is_restored():
    X, y = task()
    seen = []

    class Threads(Callback):
        def on_epoch_begin(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    LSTMRegressor(**FAST, max_epochs=2, n_threads=1, callbacks=[Threads()]).fit(X, y)
    assert seen == [1, 1]
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"clip_grad_norm": 0.05, "dropout": 0.3, "num_layers": 2},
        {"early_stopping": True, "optimizer": "sgd", "lr_scheduler": "step"},
    ],
)
def test_lean_training_step_trains_as_skorch_does(monkeypatch, params):
    """sklstm's net skips skorch's optimizer closure and per-batch mode
    switches for speed; the weights it trains are the same, bit for bit."""
    X, y = task()
    params = {**FAST, "max_epochs": 3, "batch_size": 32, **params}
    lean = LSTMRegressor(**params).fit(X, y)
    for name in ("train_step", "_set_training"):
        monkeypatch.setattr(
            type(lean.net_), name, getattr(NeuralNetRegressor, name), raising=True
        )
    reference = LSTMRegressor(**params).fit(X, y)
    lean_state = lean.net_.module_.state_dict()
    for name, tensor in reference.net_.module_.state_dict().items():
        assert torch.equal(tensor, lean_state[name]), name
    assert lean.history_.equals(reference.history_.assign(dur=lean.history_["dur"]))


def test_training_mode_is_set_on_every_submodule():
    """A submodule left in eval mode (by a callback, say) is put back into
    training mode before the next batch, as skorch does."""

    class EvalHead(Callback):
        def on_batch_end(self, net, training=False, **kwargs):
            if training:
                self.modes += [m.training for m in net.module_.modules()]
                next(iter(net.module_.children())).eval()

        def initialize(self):
            self.modes = []
            return self

    X, y = task()
    spy = EvalHead()
    model = LSTMRegressor(**FAST, max_epochs=2, batch_size=40, callbacks=[spy]).fit(
        X, y
    )
    (recorded,) = [cb for _, cb in model.net_.callbacks_ if isinstance(cb, EvalHead)]
    assert len(recorded.modes) > 1 and all(recorded.modes)


def test_any_torch_optimizer_class_trains():
    X = np.random.RandomState(0).normal(size=(40, 6, 1))
    y = X[:, -1, 0]
    model = LSTMRegressor(
        hidden_size=4,
        max_epochs=2,
        optimizer=torch.optim.Adagrad,
        lr=0.05,
        weight_decay=1e-4,
        random_state=0,
        n_threads=1,
    ).fit(X, y)
    optimizer = model.net_.optimizer_
    assert type(optimizer) is torch.optim.Adagrad
    assert optimizer.param_groups[0]["weight_decay"] == 1e-4
    assert optimizer.param_groups[0]["lr"] == 0.05
    # The same class by name and by string train the same weights.
    by_name = LSTMRegressor(hidden_size=4, max_epochs=2, random_state=0, n_threads=1)
    by_class = clone(by_name).set_params(optimizer=torch.optim.Adam)
    np.testing.assert_array_equal(
        by_name.fit(X, y).predict(X), by_class.fit(X, y).predict(X)
    )


@pytest.mark.parametrize(
    "optimizer, weight_decay, error, match",
    [
        (torch.nn.Linear, 0.0, TypeError, "optimizer must be one of"),
        (torch.optim.LBFGS, 0.0, ValueError, "closure"),
        (torch.optim.SparseAdam, 1e-3, ValueError, "takes no weight_decay"),
        (dict, 0.0, TypeError, "torch.optim.Optimizer subclass"),
    ],
)
def test_an_optimizer_class_is_checked_before_training(
    optimizer, weight_decay, error, match
):
    X = np.zeros((20, 4, 1))
    model = LSTMRegressor(optimizer=optimizer, weight_decay=weight_decay)
    with pytest.raises(error, match=match):
        model.fit(X, X[:, -1, 0])
    assert not hasattr(model, "net_")
