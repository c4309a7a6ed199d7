"""Input checks shared by all estimators that scikit-learn's validation lacks."""

import numpy as np

__all__ = ["check_float32_range"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(array, input_name):
    """Raise if finite values of ``array`` overflow float32, which torch computes in.

    scikit-learn checks float64 input for NaN and infinity, but 1e39 is finite
    in float64 and becomes ``inf`` once cast to float32.
    """
    if array.dtype != np.float64 or array.size == 0:
        return
    # max() and min() make no temporary, unlike np.abs(array).max().
    if array.max() > _FLOAT32_MAX or array.min() < -_FLOAT32_MAX:
        raise ValueError(
            f"Input {input_name} contains a value too large for dtype('float32') "
            f"(absolute values up to {_FLOAT32_MAX:.3g} are supported). Rescale "
            f"{input_name}, e.g. with StandardScaler."
        )
