"""What scikit-learn's estimator checks cannot expect of sklstm's estimators."""

from .._estimators._base import BaseLSTM
from ..preprocessing._window import SlidingWindow

__all__ = ["expected_failed_checks"]

_WINDOW_DEPENDS_ON_EARLIER_ROWS = (
    "a window holds the rows before it, so transforming rows in another order "
    "or in separate blocks gives other windows by design"
)

_FLOAT32_ROUNDING = (
    "predictions are computed in float32 by kernels that the CPU, thread count "
    "and batch size pick: a row in another batch may differ in its last bits, "
    "beyond this check's tolerance of 1e-7 (sklstm tests it to float32 precision)"
)


_STOCHASTIC_TRAINING = (
    "training draws shuffled mini-batches: a row of weight 2 contributes to the "
    "gradient of one batch where its two copies fall into two, so the weighted "
    "and the repeated fits take other steps (the weighted loss itself equals the "
    "repeated one, and the closed-form parts are equivalent exactly: sklstm tests "
    "both), as with scikit-learn's MLPRegressor trained by SGD"
)
_ROUTED_KEYWORDS = (
    "__init__ takes **kwargs for the routed arguments of skorch "
    "(optimizer__<name>, module__<name>, lr_scheduler__<name>) and refuses any "
    "other keyword with a TypeError, as Python does; the check passes one "
    "named 'kwargs'"
)
_ROUTED_ATTRIBUTES = (
    "routed arguments are kept as attributes of their own name, as in skorch, "
    "which get_params reports and clone copies; the check knows only the names "
    "in the signature"
)
# The check's name up to scikit-learn 1.6, and from 1.7 on (dense data).
_SAMPLE_WEIGHT_EQUIVALENCE = (
    "check_sample_weight_equivalence",
    "check_sample_weight_equivalence_on_dense_data",
)


def expected_failed_checks(estimator) -> dict[str, str]:
    """Return ``{check_name: reason}`` for the checks ``estimator`` cannot pass.

    Pass the result as ``expected_failed_checks`` to
    :func:`~sklearn.utils.estimator_checks.check_estimator` or
    :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`.

    Parameters
    ----------
    estimator : estimator instance
        An sklstm estimator.

    Returns
    -------
    checks : dict of str to str
        The names of the checks expected to fail, each with its reason.

    Examples
    --------
    >>> from sklearn.utils.estimator_checks import check_estimator
    >>> from sklstm import SlidingWindow
    >>> from sklstm.utils.estimator_checks import expected_failed_checks
    >>> sorted(expected_failed_checks(SlidingWindow()))
    ['check_methods_sample_order_invariance', 'check_methods_subset_invariance']
    >>> sliding = SlidingWindow()
    >>> results = check_estimator(
    ...     sliding, expected_failed_checks=expected_failed_checks(sliding)
    ... )
    >>> from sklstm import LSTMRegressor
    >>> for check in sorted(expected_failed_checks(LSTMRegressor())):
    ...     print(check)
    check_do_not_raise_errors_in_init_or_set_params
    check_methods_sample_order_invariance
    check_methods_subset_invariance
    check_sample_weight_equivalence
    check_sample_weight_equivalence_on_dense_data
    """
    reason = None
    if isinstance(estimator, SlidingWindow) and estimator.window > 1:
        reason = _WINDOW_DEPENDS_ON_EARLIER_ROWS
    elif isinstance(estimator, BaseLSTM):
        reason = _FLOAT32_ROUNDING
    if reason is None:
        return {}
    checks = {
        "check_methods_sample_order_invariance": reason,
        "check_methods_subset_invariance": reason,
    }
    if isinstance(estimator, BaseLSTM):
        checks.update(dict.fromkeys(_SAMPLE_WEIGHT_EQUIVALENCE, _STOCHASTIC_TRAINING))
        checks["check_do_not_raise_errors_in_init_or_set_params"] = _ROUTED_KEYWORDS
        if estimator._routed_params():
            checks["check_no_attributes_set_in_init"] = _ROUTED_ATTRIBUTES
    return checks
