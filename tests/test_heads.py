"""One output head: predict, its intervals, probabilities and exports share it.

The reference functions below are the NumPy transforms that ``predict``,
``predict_proba`` and ``decision_function`` applied to the network's raw
outputs before the heads existed; the refactored estimators must agree with
them to float32 precision. The reference reruns the float32 network outside
``predict`` (another call, another thread count), whose kernels may round
the last bits differently on another CPU, so the comparison has a float32
tolerance; the head itself computes in float64.
"""

import copy

import numpy as np
import pytest
import torch
from scipy.special import log_softmax, softmax

from sklstm import LSTMClassifier, LSTMRegressor, prediction_module
from sklstm._estimators._base import BaseLSTM
from sklstm.nn._heads import REGRESSION_LOSSES
from sklstm.nn._losses import weighted_mean_loss
from sklstm.utils._sklearn_compat import StrOptions

TINY = {
    "hidden_size": 5,
    "max_epochs": 2,
    "batch_size": 16,
    "n_threads": 1,
    "random_state": 0,
}
# Float32 network outputs of order 1, mapped to y's units (up to ~60 here).
RTOL, ATOL = 1e-5, 1e-6


def windows(n_windows=40):
    return np.random.RandomState(0).normal(size=(n_windows, 6, 3))


def targets(X, n_targets=1):
    y = X[:, -1, 0] + X[:, -2, 1]
    return y if n_targets == 1 else np.column_stack([y, 10 * X[:, 0, 2] + 50])


def raw_outputs(model, X, **forward_params):
    """The float32 network's outputs in float64, as predict computes them."""
    network = copy.deepcopy(model.net_.module_).eval()
    with torch.inference_mode():
        out = network(torch.from_numpy(X.astype(np.float32)), **forward_params)
    if isinstance(out, tuple):
        return tuple(part.double().numpy() for part in out)
    return out.double().numpy()


# -- the transforms of the old predict, in NumPy -------------------------------


def softplus(x):
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))  # as torch's


def old_shape(model, values):
    return values.ravel() if model._y_ndim == 1 else values


def old_predict(model, raw):
    return old_shape(model, raw * model.y_scale_ + model.y_mean_)


def old_gaussian(model, raw):
    raw = raw.reshape(len(raw), model.n_outputs_, 2)
    mean, var = raw[..., 0], softplus(raw[..., 1]) + 1e-6
    y_pred = mean * model.y_scale_ + model.y_mean_
    y_std = np.sqrt(var) * model.y_scale_
    return old_shape(model, y_pred), old_shape(model, y_std)


def old_quantiles(model, raw):
    raw = raw.reshape(len(raw), model.n_outputs_, -1)
    steps = np.cumsum(softplus(raw[..., 1:]), axis=-1)
    levels = np.concatenate([raw[..., :1], raw[..., :1] + steps], axis=-1)
    levels = levels * model.y_scale_[:, None] + model.y_mean_[:, None]
    median = old_shape(model, levels[..., list(model.quantiles).index(0.5)])
    return median, levels[:, 0] if model._y_ndim == 1 else levels


def old_decision_function(logits):
    return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits


# -- the refactored outputs against them ---------------------------------------


def assert_close(actual, expected):
    assert actual.dtype == np.float64
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("n_targets", [1, 2])
def test_point_prediction_is_the_old_one(n_targets):
    X = windows()
    model = LSTMRegressor(**TINY).fit(X, targets(X, n_targets))
    assert_close(model.predict(X), old_predict(model, raw_outputs(model, X)))


@pytest.mark.parametrize("n_targets", [1, 2])
def test_gaussian_mean_and_std_are_the_old_ones(n_targets):
    X = windows()
    model = LSTMRegressor(loss="gaussian", **TINY).fit(X, targets(X, n_targets))
    y_pred, y_std = model.predict(X, return_std=True)
    expected_pred, expected_std = old_gaussian(model, raw_outputs(model, X))
    assert_close(y_pred, expected_pred)
    assert_close(y_std, expected_std)
    assert_close(model.predict(X), expected_pred)


@pytest.mark.parametrize("n_targets", [1, 2])
def test_quantiles_and_median_are_the_old_ones(n_targets):
    X = windows()
    model = LSTMRegressor(loss="quantile", quantiles=(0.05, 0.5, 0.8), **TINY)
    model.fit(X, targets(X, n_targets))
    median, quantiles = model.predict(X, return_quantiles=True)
    expected_median, expected_quantiles = old_quantiles(model, raw_outputs(model, X))
    assert_close(median, expected_median)
    assert_close(quantiles, expected_quantiles)
    assert_close(model.predict_quantiles(X), expected_quantiles)
    assert_close(model.predict(X), expected_median)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_probabilities_and_scores_are_the_old_ones(n_classes):
    X = windows()
    model = LSTMClassifier(**TINY).fit(X, np.arange(len(X)) % n_classes)
    logits = raw_outputs(model, X)
    assert_close(model.predict_proba(X), softmax(logits, axis=1))
    assert_close(model.predict_log_proba(X), log_softmax(logits, axis=1))
    assert_close(model.decision_function(X), old_decision_function(logits))
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[np.argmax(logits, axis=1)]
    )


@pytest.mark.parametrize("estimator", [LSTMRegressor, LSTMClassifier])
def test_attention_weights_and_predictions_come_from_one_module(estimator):
    X = windows()
    y = np.arange(len(X)) % 2 if estimator is LSTMClassifier else targets(X)
    model = estimator(pooling="attention", **TINY).fit(X, y)
    logits, weights = raw_outputs(model, X, return_attention=True)
    # Computed in float32, renormalised in float64 to sum to 1.
    assert_close(model.attention_weights(X), weights / weights.sum(1, keepdims=True))
    if estimator is LSTMClassifier:
        assert_close(model.predict_proba(X), softmax(logits, axis=1))
    else:
        assert_close(model.predict(X), old_predict(model, logits))


# -- one edit adds a loss ------------------------------------------------------


def test_a_loss_added_to_the_table_trains_predicts_and_exports(monkeypatch):
    monkeypatch.setitem(REGRESSION_LOSSES, "normal", REGRESSION_LOSSES["gaussian"])
    # What the class statement reads from the table when the entry is in source.
    constraints = {**LSTMRegressor._parameter_constraints}
    constraints["loss"] = [StrOptions(set(REGRESSION_LOSSES))]
    monkeypatch.setattr(LSTMRegressor, "_parameter_constraints", constraints)
    X = windows()
    model = LSTMRegressor(loss="normal", **TINY).fit(X, targets(X))
    y_pred, y_std = model.predict(X, return_std=True)
    assert_close(y_std, old_gaussian(model, raw_outputs(model, X))[1])
    module = prediction_module(model)
    assert module.output_names == ("prediction", "std")
    with torch.inference_mode():
        exported = module(torch.as_tensor(X, dtype=torch.float32))
    for output, expected in zip(exported, (y_pred, y_std), strict=True):
        np.testing.assert_allclose(output.numpy(), expected, rtol=0, atol=1e-5)


def test_a_head_refuses_outputs_it_does_not_compute():
    X = windows()
    model = LSTMRegressor(**TINY).fit(X, targets(X))
    with pytest.raises(ValueError, match=r"unknown output names \['std'\]"):
        model._make_head(output_names=("std",))


def test_the_base_class_declares_the_hooks_subclasses_must_provide():
    assert BaseLSTM.__abstractmethods__ == {
        "_encode_target",
        "_module_output_size",
        "_criterion_params",
        "_make_net",
        "_make_head",
    }
    with pytest.raises(TypeError, match="abstract"):
        BaseLSTM()


def _criterion(loss, n_targets=2):
    criterion = REGRESSION_LOSSES[loss].criterion
    if loss == "quantile":
        return criterion(quantiles=(0.1, 0.5, 0.9), n_targets=n_targets)
    if loss == "gaussian":
        return criterion(n_targets=n_targets)
    return criterion()


@pytest.mark.parametrize("loss", sorted(REGRESSION_LOSSES))
def test_weight_two_is_a_repeated_row_in_every_regression_loss(loss):
    rng = np.random.RandomState(0)
    criterion = _criterion(loss)
    per_target = {"gaussian": 2, "quantile": 3}.get(loss, 1)
    raw = torch.from_numpy(rng.normal(size=(7, 2 * per_target)).astype(np.float32))
    if per_target == 1:
        raw = raw[:, :2]
    y = torch.from_numpy(rng.normal(size=(7, 2)).astype(np.float32))
    weight = torch.tensor([2.0, 1, 0, 1, 2, 0, 1])
    repeats = weight.to(torch.int64)
    weighted = weighted_mean_loss(criterion, raw, y, weight)
    repeated = criterion(
        raw.repeat_interleave(repeats, 0), y.repeat_interleave(repeats, 0)
    )
    np.testing.assert_allclose(float(weighted), float(repeated), rtol=1e-6)
    assert criterion.reduction == "mean"  # set back after the weighted call
    unit = weighted_mean_loss(criterion, raw, y, torch.ones(7))
    np.testing.assert_allclose(float(unit), float(criterion(raw, y)), rtol=1e-6)


def test_sample_weight_multiplies_class_weight_in_cross_entropy():
    rng = np.random.RandomState(0)
    logits = torch.from_numpy(rng.normal(size=(6, 3)).astype(np.float32))
    labels = torch.tensor([0, 1, 2, 2, 1, 0])
    class_weight = torch.tensor([1.0, 3.0, 0.5])
    sample_weight = torch.tensor([1.0, 2.0, 0.0, 1.0, 0.5, 3.0])
    criterion = torch.nn.CrossEntropyLoss(weight=class_weight)
    weighted = weighted_mean_loss(criterion, logits, labels, sample_weight)
    log_p = log_softmax(logits.numpy(), axis=1)[np.arange(6), labels.numpy()]
    w = sample_weight.numpy() * class_weight.numpy()[labels.numpy()]
    np.testing.assert_allclose(float(weighted), -(w * log_p).sum() / w.sum(), rtol=1e-6)
    # Unit sample weights: torch's own class-weighted mean.
    unit = weighted_mean_loss(criterion, logits, labels, torch.ones(6))
    np.testing.assert_allclose(float(unit), float(criterion(logits, labels)), rtol=1e-6)


def test_a_batch_of_zero_weights_has_zero_loss_and_no_nan():
    raw = torch.randn(4, 1, requires_grad=True)
    loss = weighted_mean_loss(
        torch.nn.MSELoss(), raw, torch.randn(4, 1), torch.zeros(4)
    )
    loss.backward()
    assert float(loss.detach()) == 0.0
    assert torch.all(raw.grad == 0)
