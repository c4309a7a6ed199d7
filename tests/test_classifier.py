import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.class_weight import compute_class_weight
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from sklstm import LSTMClassifier
from sklstm._estimators._data import SequenceDataset

FAST = dict(hidden_size=16, max_epochs=15, lr=1e-2, random_state=0)


def trend_task(n_samples=240, labels=("down", "flat", "up")):
    """Label each sequence by its trend: falling, flat or rising."""
    rng = np.random.RandomState(0)
    slope = rng.choice([-1, 0, 1], size=n_samples)
    steps = np.arange(8)
    X = slope[:, None] * steps * 0.3 + 0.3 * rng.normal(size=(n_samples, 8))
    X = np.stack([X, rng.normal(size=X.shape)], axis=2)
    return X, np.asarray(labels)[slope + 1]


def test_string_labels_sorted_classes_and_probabilities():
    X, y = trend_task(labels=("up", "down", "flat"))  # given unsorted
    clf = LSTMClassifier(**FAST).fit(X[:200], y[:200])
    np.testing.assert_array_equal(clf.classes_, ["down", "flat", "up"])
    proba = clf.predict_proba(X[200:])
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[200:])), proba)
    np.testing.assert_array_equal(clf.predict(X[200:]), clf.classes_[proba.argmax(1)])
    assert clf.score(X[200:], y[200:]) > 0.8  # the majority class is ~1/3


def test_integer_and_categorical_labels():
    X, y = trend_task()
    codes = pd.Categorical(y).codes.astype(int) + 10
    by_int = LSTMClassifier(**FAST).fit(X, codes)
    np.testing.assert_array_equal(by_int.classes_, [10, 11, 12])
    by_category = LSTMClassifier(**FAST).fit(X, pd.Series(y, dtype="category"))
    np.testing.assert_array_equal(by_category.classes_, ["down", "flat", "up"])
    np.testing.assert_array_equal(by_category.predict_proba(X), by_int.predict_proba(X))


def test_binary_decision_function_is_one_score_per_row():
    X, y = trend_task()
    binary = y == "up"
    clf = LSTMClassifier(**FAST).fit(X, binary)
    scores = clf.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_array_equal(clf.predict(X), scores > 0)
    assert isinstance(clf.net_, NeuralNetClassifier)


def test_multiclass_decision_function_is_one_logit_per_class():
    X, y = trend_task()
    clf = LSTMClassifier(**FAST).fit(X, y)
    assert clf.decision_function(X).shape == (len(X), 3)


@pytest.mark.parametrize("class_weight", ["balanced", {"down": 3.0, "up": 0.5}])
def test_class_weight_reaches_the_loss(class_weight):
    X, y = trend_task()
    y = np.where(y == "flat", "up", y)
    clf = LSTMClassifier(**{**FAST, "max_epochs": 1}, class_weight=class_weight)
    clf.fit(X, y)
    expected = compute_class_weight(class_weight, classes=clf.classes_, y=y)
    np.testing.assert_allclose(clf.net_.criterion_.weight.numpy(), expected)


def test_balanced_class_weight_raises_minority_recall():
    X, y = trend_task(n_samples=400)
    y = np.where(y == "up", "up", "other")
    keep = (y == "other") | (np.arange(len(y)) % 5 == 0)  # up becomes rare
    X, y = X[keep], y[keep]
    recalls = {}
    for class_weight in (None, "balanced"):
        params = {**FAST, "max_epochs": 4, "lr": 3e-3}
        clf = LSTMClassifier(**params, class_weight=class_weight).fit(X, y)
        recalls[class_weight] = np.mean(clf.predict(X[y == "up"]) == "up")
    assert recalls["balanced"] > recalls[None]


def test_one_class_is_rejected():
    X, _ = trend_task(n_samples=20)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LSTMClassifier(**FAST).fit(X, np.full(20, "up"))


def test_continuous_target_is_rejected():
    X, _ = trend_task(n_samples=20)
    with pytest.raises(ValueError, match="Unknown label type"):
        LSTMClassifier(**FAST).fit(X, np.linspace(0, 1, 20))


def test_column_vector_y_warns_and_is_used_as_1d():
    X, y = trend_task(n_samples=60)
    with pytest.warns(DataConversionWarning):
        clf = LSTMClassifier(**{**FAST, "max_epochs": 1}).fit(X, y[:, None])
    assert clf.predict(X).shape == (60,)


def test_early_stopping_on_the_last_rows():
    X, y = trend_task()
    clf = LSTMClassifier(
        **{**FAST, "max_epochs": 40},
        early_stopping=True,
        validation_split="last",
        n_iter_no_change=3,
    ).fit(X, y)
    assert len(clf.validation_loss_) == clf.n_iter_
    assert clf.best_epoch_ == int(np.argmin(clf.validation_loss_)) + 1


def held_out_labels(clf, X, y):
    """Labels of the rows the fitted classifier's early stopping validated on."""
    codes = torch.from_numpy(np.searchsorted(clf.classes_, y))
    _, valid = clf.net_.train_split(SequenceDataset(X, codes))
    return clf.classes_[valid.targets.numpy()]


def sorted_by_class(n_per_class=30):
    """Three classes of independent sequences, the rows sorted by class."""
    X, y = trend_task(n_samples=6 * n_per_class)
    rows = np.concatenate(
        [np.flatnonzero(y == label)[:n_per_class] for label in ("down", "flat", "up")]
    )
    return X[rows], y[rows]


def test_early_stopping_validates_every_class_when_rows_are_sorted_by_class():
    """Regression: the last rows of class-sorted data held one class only."""
    X, y = sorted_by_class()
    clf = LSTMClassifier(
        hidden_size=4,
        max_epochs=1,
        early_stopping=True,
        validation_fraction=0.2,
        n_threads=1,
        random_state=0,
    ).fit(X, y)
    labels, counts = np.unique(held_out_labels(clf, X, y), return_counts=True)
    np.testing.assert_array_equal(labels, ["down", "flat", "up"])
    np.testing.assert_array_equal(counts, [6, 6, 6])


def test_validation_split_last_holds_out_the_tail():
    X, y = sorted_by_class()
    clf = LSTMClassifier(
        hidden_size=4,
        max_epochs=1,
        early_stopping=True,
        validation_fraction=0.2,
        validation_split="last",
        n_threads=1,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(held_out_labels(clf, X, y), y[-18:])


def test_stratified_split_is_seeded_by_random_state():
    X, y = sorted_by_class()

    def valid_rows(random_state):
        clf = LSTMClassifier(
            hidden_size=4,
            max_epochs=1,
            early_stopping=True,
            n_threads=1,
            random_state=random_state,
        ).fit(X, y)
        codes = torch.from_numpy(np.searchsorted(clf.classes_, y))
        _, valid = clf.net_.train_split(SequenceDataset(X, codes))
        return valid._rows.numpy()

    np.testing.assert_array_equal(valid_rows(0), valid_rows(0))
    assert not np.array_equal(valid_rows(0), valid_rows(1))


def test_too_few_members_of_a_class_for_a_stratified_split_is_refused():
    X, y = sorted_by_class()
    y = y.copy()
    y[-1] = "rare"  # one member: it cannot be on both sides
    clf = LSTMClassifier(hidden_size=4, max_epochs=1, early_stopping=True)
    with pytest.raises(ValueError, match=r"validation_split='stratified'.*'rare': 1"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")
    # Without early stopping there is nothing to split.
    LSTMClassifier(hidden_size=4, max_epochs=1, n_threads=1).fit(X, y)


def test_pickle_round_trip_keeps_probabilities():
    X, y = trend_task()
    clf = LSTMClassifier(**FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)


def test_grid_search_over_class_weight_and_pooling():
    X, y = trend_task(n_samples=120)
    search = GridSearchCV(
        LSTMClassifier(**{**FAST, "max_epochs": 2}),
        {"class_weight": [None, "balanced"], "pooling": ["last", "mean"]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4


def test_sample_weight_multiplies_class_weight_in_the_loss():
    X, y = trend_task()
    clf = LSTMClassifier(**{**FAST, "max_epochs": 2}, class_weight="balanced")
    weight = np.random.RandomState(1).randint(0, 3, size=len(X)).astype(float)
    clf.fit(X, y, sample_weight=weight)
    codes = np.searchsorted(clf.classes_, y)
    dataset = SequenceDataset(X.astype(np.float32), codes, sample_weight=weight)
    with torch.no_grad():
        batch, target = dataset.training_batch(torch.arange(len(X)))
        loss = clf.net_.get_loss(clf.net_.module_(batch), target)
    log_proba = clf.predict_log_proba(X)[np.arange(len(X)), codes]
    w = weight * clf.class_weight_[codes]
    np.testing.assert_allclose(float(loss), -(w * log_proba).sum() / w.sum(), rtol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_classifier_unit_weights_fit_as_no_weights_and_partial_fit_takes_them():
    X, y = trend_task()
    params = {**FAST, "max_epochs": 2, "early_stopping": True}
    plain = LSTMClassifier(**params).fit(X, y)
    ones = LSTMClassifier(**params).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_array_equal(plain.predict_proba(X), ones.predict_proba(X))
    weight = np.r_[np.zeros(40), np.ones(len(X) - 40)]
    weighted = LSTMClassifier(**params).fit(X, y, sample_weight=weight)
    assert not np.allclose(weighted.predict_proba(X), plain.predict_proba(X))
    weighted.partial_fit(X, y, sample_weight=weight)
    assert weighted.n_iter_ == 3
    with pytest.raises(ValueError, match="invalid sample_weight"):
        weighted.partial_fit(X, y, sample_weight=-weight)


class StopAfterOneEpoch(Callback):
    def on_epoch_end(self, net, **kwargs):
        raise KeyboardInterrupt  # skorch ends training: the settings are what count


def test_auto_training_settings_are_the_old_ones_without_batch_norm():
    """A plain LSTM trains as before 0.2: 100 epochs, batches of 32, lr 1e-3."""
    X, y = trend_task(40)
    clf = LSTMClassifier(hidden_size=4, callbacks=[StopAfterOneEpoch()])
    with pytest.warns(UserWarning, match="interrupted after 1 of 100 epochs"):
        clf.fit(X, y)
    assert (clf.net_.max_epochs, clf.net_.batch_size, clf.net_.lr) == (100, 32, 1e-3)
    assert "lr_scheduler" not in dict(clf.net_.callbacks_)


def test_auto_training_settings_with_batch_normalised_convolutions():
    X, y = trend_task(40)
    fcn = dict(conv_channels=(4,), conv_path="beside", hidden_size=2, random_state=0)
    clf = LSTMClassifier(**fcn).fit(X, y)
    rates = clf.history_["lr"].to_numpy()
    # 40 rows in batches of 16, 16 and 8: 67 epochs make 200 updates
    assert clf.n_iter_ == 67 and clf.net_.batch_size == 16
    assert rates.max() == pytest.approx(3e-3, rel=1e-3)
    assert rates[0] == pytest.approx(3e-3 / 25)
    assert 18 <= rates.argmax() <= 20 and rates[-1] < 1e-4  # one cycle, peak at 30 %
    fewer = LSTMClassifier(**fcn, batch_size=4).fit(X[:, :2], y)
    assert fewer.n_iter_ == 20, "10 batches an epoch: at least 20 epochs"
    assert clf.get_params()["lr"] == "auto"
    # partial_fit has no schedule; the old settings stay reachable
    stepped = LSTMClassifier(**fcn).partial_fit(X, y).partial_fit(X, y)
    np.testing.assert_array_equal(stepped.history_["lr"], 3e-3)
    old = LSTMClassifier(**fcn, max_epochs=2, lr=1e-3, lr_scheduler=None).fit(X, y)
    np.testing.assert_array_equal(old.history_["lr"], 1e-3)


@pytest.mark.parametrize("name", ["max_epochs", "batch_size", "lr", "lr_scheduler"])
def test_auto_is_refused_where_it_means_nothing(name):
    X, y = trend_task(40)
    with pytest.raises(ValueError, match=name):
        LSTMClassifier(**{name: "fast"}).fit(X, y)
