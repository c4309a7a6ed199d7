import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils.class_weight import compute_class_weight
from skorch import NeuralNetClassifier

from sklstm import LSTMClassifier

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
        **{**FAST, "max_epochs": 40}, early_stopping=True, n_iter_no_change=3
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_epoch_ == int(np.argmin(clf.validation_scores_)) + 1


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
