"""The one place sklstm reaches behind scikit-learn's public API.

Every other module imports these names from here, so that a scikit-learn
release that moves or changes one of them breaks this file alone. Where the
`sklearn-compat <https://github.com/sklearn-compat/sklearn-compat>`_ package
(as used by imbalanced-learn and skrub) provides a name, it comes from there:
that package keeps one signature working across scikit-learn releases.

Names sklearn-compat does not provide:

- ``Interval``, ``StrOptions``, ``HasMethods``: the parameter constraints read
  by ``_fit_context`` and ``validate_params``. They are in
  ``sklearn.utils._param_validation`` in every release sklstm supports, and
  scikit-learn-contrib projects import them from there; CI runs the suite on
  the oldest supported and the newest scikit-learn (``.ci/run``).
- ``check_feature_names_in``: written here on top of the public
  ``OneToOneFeatureMixin``.
- ``check_sample_weight``: ``sklearn.utils.validation._check_sample_weight``
  called with the keywords every supported release takes (``dtype``,
  ``ensure_non_negative``, both since 1.6), and the all-zero check that
  scikit-learn makes from 1.7 on made here for every release.
"""

import numpy as np
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight
from sklearn_compat.base import _fit_context
from sklearn_compat.utils._optional_dependencies import check_matplotlib_support
from sklearn_compat.utils._param_validation import validate_params
from sklearn_compat.utils.validation import _check_feature_names

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_check_feature_names",
    "_fit_context",
    "check_feature_names_in",
    "check_matplotlib_support",
    "check_sample_weight",
    "validate_params",
]


def check_feature_names_in(estimator, input_features=None):
    """Names of a fitted estimator's input features, as scikit-learn checks them.

    Parameters
    ----------
    estimator : estimator instance
        Fitted, with ``n_features_in_`` and, when fitted on a DataFrame with
        string column names, ``feature_names_in_``.

    input_features : array-like of str or None, default=None
        Names to check against ``feature_names_in_``; ``None`` gives
        ``feature_names_in_``, or ``["x0", ..., "x(n_features_in_ - 1)"]``
        when the estimator was fitted without names.

    Returns
    -------
    feature_names_in : ndarray of str objects
        One name per input feature.
    """
    # A one-to-one transformer's output names are its input names: the public
    # mixin method is exactly scikit-learn's check of ``input_features``.
    return OneToOneFeatureMixin.get_feature_names_out(estimator, input_features)


def check_sample_weight(sample_weight, X):
    """``sample_weight`` as a float64 array of one non-negative weight per row.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or float
        The weights given to ``fit``; a number weighs every row alike.

    X : array-like of shape (n_samples, ...)
        The validated input, which sets ``n_samples``.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,), dtype float64
        A new array: the caller's is never modified.

    Raises
    ------
    ValueError
        For weights of another length or dimension, negative, NaN or
        infinite weights, or weights that are all zero, with
        scikit-learn's message (which names ``sample_weight``).
    """
    weights = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True, copy=True
    )
    if not np.any(weights > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights
