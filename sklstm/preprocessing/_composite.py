"""Find the SlidingWindow inside a composite estimator, fitted or not."""

from typing import NamedTuple

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

from ._window import SlidingWindow

__all__ = ["WindowStep", "find_window"]


class WindowStep(NamedTuple):
    """Where a model's :class:`~sklstm.SlidingWindow` stands, and what surrounds it.

    ``model.predict(rows)`` equals ``predict_windows(window.transform(
    transform_rows(rows)))``: the batched recursive forecasts run these parts
    one after the other.

    Attributes
    ----------
    window : SlidingWindow
        The first SlidingWindow step found.
    path : tuple of str
        The names leading from the model to it: step names of Pipelines,
        ``"regressor_"``/``"regressor"`` of a TransformedTargetRegressor,
        ``"best_estimator_"``/``"estimator"`` of a search object.
    before : Pipeline or None
        The steps applied to the rows before the window, those of outer
        Pipelines first; step names below the top level are joined to
        ``path`` with dots (``"prep.scale"``). None when there are none.
    after : Pipeline or None
        The steps applied to the windows, through to the final estimator.
        None when the window is the last step.
    target_transformers : tuple of TransformedTargetRegressor
        The TransformedTargetRegressors around the window, outermost first:
        their inverse transforms map the predictions of ``after`` to the
        model's.
    """

    window: SlidingWindow
    path: tuple
    before: Pipeline | None
    after: Pipeline | None
    target_transformers: tuple

    def transform_rows(self, X):
        """The rows ``X`` through the steps before the window."""
        return X if self.before is None else self.before.transform(X)

    def predict_windows(self, windows):
        """The model's predictions from ``windows``: the steps after the
        window, then each target transformer's inverse, innermost first."""
        prediction = self.after.predict(windows)
        for wrapper in reversed(self.target_transformers):
            prediction = _inverse_target(wrapper, prediction)
        return prediction


def find_window(model, *, required=True):
    """The SlidingWindow inside ``model``, with the steps before and after it.

    Looks through Pipelines (nested ones too), TransformedTargetRegressors
    and search objects (GridSearchCV, RandomizedSearchCV, the halving
    searches, any object with ``best_estimator_``), fitted or not: a fitted
    wrapper's fitted estimator (``regressor_``, ``best_estimator_``), else
    the one it was given (``regressor``, ``estimator``).

    Parameters
    ----------
    model : estimator
        The model to search.
    required : bool, default=True
        Raise ValueError when there is no SlidingWindow; else return None.

    Returns
    -------
    found : WindowStep or None
        None when there is no SlidingWindow and ``required`` is False.
    """
    found = _find(model, ())
    if found is None and required:
        raise ValueError(
            f"No SlidingWindow step was found in {type(model).__name__}: looked "
            "through Pipelines, TransformedTargetRegressors and search objects. "
            "Put a SlidingWindow step in the pipeline, e.g. Pipeline([('scale', "
            "StandardScaler()), ('window', SlidingWindow(8)), ('lstm', "
            "LSTMRegressor())])."
        )
    return found


def _find(model, path):
    if isinstance(model, SlidingWindow):
        return WindowStep(model, path, None, None, ())
    if isinstance(model, Pipeline):
        return _find_in_pipeline(model, path)
    attribute, inner = _wrapped(model)
    if inner is None:
        return None
    found = _find(inner, (*path, attribute))
    if found is None or not isinstance(model, TransformedTargetRegressor):
        return found
    return found._replace(target_transformers=(model, *found.target_transformers))


def _wrapped(model):
    """The estimator a wrapper holds, and the attribute naming it."""
    if isinstance(model, TransformedTargetRegressor):
        fitted = hasattr(model, "regressor_")
        attribute = "regressor_" if fitted else "regressor"
    elif hasattr(model, "best_estimator_"):
        attribute = "best_estimator_"
    elif hasattr(model, "param_grid") or hasattr(model, "param_distributions"):
        attribute = "estimator"  # an unfitted search
    else:
        return None, None
    return attribute, getattr(model, attribute, None)


def _find_in_pipeline(pipeline, path):
    steps = [
        (name, step)
        for name, step in pipeline.steps
        if step is not None and not (isinstance(step, str) and step == "passthrough")
    ]
    for position, (name, step) in enumerate(steps):
        found = _find(step, (*path, name))
        if found is None:
            continue
        outer_before = [(_joined(path, label), s) for label, s in steps[:position]]
        outer_after = [(_joined(path, label), s) for label, s in steps[position + 1 :]]
        before = _pipeline(outer_before, found.before)
        after = _pipeline(_steps(found.after), outer_after)
        return found._replace(before=before, after=after)
    return None


def _joined(path, name):
    # Not "__", which Pipeline refuses in a name: it routes parameters.
    return ".".join((*path, name))


def _steps(steps):
    """The ``(name, step)`` pairs of a Pipeline, a list of them, or None."""
    if steps is None:
        return []
    return list(steps.steps if isinstance(steps, Pipeline) else steps)


def _pipeline(first, second):
    """A Pipeline of ``first``'s steps then ``second``'s, or None if none."""
    steps = _steps(first) + _steps(second)
    return Pipeline(steps) if steps else None


def _inverse_target(wrapper, prediction):
    """``prediction`` of ``wrapper.regressor_`` mapped back as ``wrapper.predict``
    maps it: through ``transformer_.inverse_transform`` (which also runs an
    ``inverse_func``), one column per output."""
    prediction = np.asarray(prediction)
    one_dimensional = prediction.ndim == 1
    inverse = wrapper.transformer_.inverse_transform(
        prediction.reshape(-1, 1) if one_dimensional else prediction
    )
    inverse = np.asarray(inverse)
    if one_dimensional and inverse.ndim == 2 and inverse.shape[1] == 1:
        inverse = inverse[:, 0]
    return inverse
