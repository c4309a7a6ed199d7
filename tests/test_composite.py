import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    TimeSeriesSplit,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from sklstm import SlidingWindow
from sklstm.preprocessing._composite import find_window


def flatten(X):
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def windowed(window=4):
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("window", SlidingWindow(window)),
            ("flatten", FunctionTransformer(flatten)),
            ("linear", LinearRegression()),
        ]
    )


def series_rows(n=80):
    rng = np.random.RandomState(0)
    values = np.cumsum(rng.normal(size=n)) + 10.0
    return values[:-1, None], values[1:]


def wrapped_in_ttr(model):
    return TransformedTargetRegressor(regressor=model, transformer=MinMaxScaler())


def search(model, kind):
    cv = TimeSeriesSplit(3)
    if kind == "grid":
        return GridSearchCV(model, {"window__window": [3, 5]}, cv=cv)
    if kind == "random":
        return RandomizedSearchCV(
            model, {"window__window": [3, 5]}, n_iter=2, cv=cv, random_state=0
        )
    return HalvingGridSearchCV(
        model, {"window__window": [3, 5]}, cv=cv, min_resources=30, random_state=0
    )


def test_a_pipeline_splits_around_its_window_fitted_or_not():
    model = windowed()
    for fitted in (False, True):
        if fitted:
            model.fit(*series_rows())
        found = find_window(model)
        assert found.window is model.named_steps["window"]
        assert found.path == ("window",)
        assert [name for name, _ in found.before.steps] == ["scale"]
        assert found.before.steps[0][1] is model.named_steps["scale"]
        assert [name for name, _ in found.after.steps] == ["flatten", "linear"]
        assert found.target_transformers == ()


def test_nested_pipelines_join_the_step_names_outer_steps_first():
    inner = Pipeline(
        [
            ("minmax", MinMaxScaler()),
            ("window", SlidingWindow(3)),
            ("flatten", FunctionTransformer(flatten)),
        ]
    )
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            ("skip", "passthrough"),
            ("prep", inner),
            ("linear", LinearRegression()),
        ]
    )
    found = find_window(model)
    assert found.path == ("prep", "window")
    assert [name for name, _ in found.before.steps] == ["scale", "prep.minmax"]
    assert [name for name, _ in found.after.steps] == ["prep.flatten", "linear"]


@pytest.mark.parametrize(
    "fitted, attribute", [(False, "regressor"), (True, "regressor_")]
)
def test_a_transformed_target_regressor_is_looked_through(fitted, attribute):
    model = wrapped_in_ttr(windowed())
    if fitted:
        model.fit(*series_rows())
    found = find_window(model)
    assert found.path == (attribute, "window")
    assert found.window is getattr(model, attribute).named_steps["window"]
    assert found.target_transformers == (model,)


@pytest.mark.parametrize("kind", ["grid", "random", "halving"])
def test_a_search_is_looked_through_to_its_best_estimator(kind):
    model = search(windowed(window=4), kind)
    assert find_window(model).path == ("estimator", "window")
    assert find_window(model).window.window == 4
    model.fit(*series_rows())
    found = find_window(model)
    assert found.path == ("best_estimator_", "window")
    assert found.window is model.best_estimator_.named_steps["window"]
    assert found.window.window == model.best_params_["window__window"]


def test_the_parts_predict_as_the_model_does():
    """Rows through ``before``, windows, ``after``, then each inverse target
    transform: the model's own predictions, through a search and two TTRs."""
    X, y = series_rows()
    inner = TransformedTargetRegressor(
        regressor=windowed(), func=np.arcsinh, inverse_func=np.sinh
    )
    model = search(wrapped_in_ttr(inner), "grid")
    model.set_params(param_grid={"regressor__regressor__window__window": [3, 5]})
    model.fit(X, y)
    found = find_window(model)
    assert found.path == ("best_estimator_", "regressor_", "regressor_", "window")
    assert len(found.target_transformers) == 2
    parts = found.predict_windows(found.window.transform(found.transform_rows(X)))
    np.testing.assert_allclose(parts, model.predict(X), rtol=1e-12)
    assert not np.allclose(
        found.after.predict(found.window.transform(found.transform_rows(X))), parts
    )


@pytest.mark.parametrize(
    "model",
    [
        LinearRegression(),
        Pipeline([("scale", StandardScaler()), ("linear", LinearRegression())]),
        TransformedTargetRegressor(regressor=LinearRegression()),
        GridSearchCV(LinearRegression(), {"fit_intercept": [True, False]}),
    ],
    ids=["estimator", "pipeline", "ttr", "search"],
)
def test_no_window_raises_or_returns_none(model):
    with pytest.raises(ValueError, match="No SlidingWindow step was found in"):
        find_window(model)
    assert find_window(model, required=False) is None


def test_a_window_as_the_last_step_has_nothing_after():
    model = Pipeline([("scale", StandardScaler()), ("window", SlidingWindow(3))])
    found = find_window(model)
    assert found.after is None
    assert [name for name, _ in found.before.steps] == ["scale"]
