"""sklstm reaches private scikit-learn names through one shim module only."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

import sklstm
from sklstm.utils._sklearn_compat import check_feature_names_in, check_sample_weight

PACKAGE = Path(sklstm.__file__).parent
SHIM = PACKAGE / "utils" / "_sklearn_compat.py"


def private_sklearn_imports(path):
    """``module.name`` for each private scikit-learn module or name imported."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            names = []
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] not in {"sklearn", "sklearn_compat"}:
                continue
            private = [n for n in names if n.startswith("_")]
            if any(part.startswith("_") for part in parts) or private:
                found.append(f"{module}:{','.join(private)}")
    return found


def test_private_sklearn_names_are_imported_in_the_shim_only():
    offenders = {
        str(path.relative_to(PACKAGE)): private_sklearn_imports(path)
        for path in PACKAGE.rglob("*.py")
        if path != SHIM and private_sklearn_imports(path)
    }
    assert offenders == {}
    # The check sees what it looks for: the shim itself has some.
    assert private_sklearn_imports(SHIM)


def test_check_feature_names_in_names_fitted_columns_or_numbers_them():
    frame = pd.DataFrame({"price": [1.0, 2.0, 4.0], "volume": [3.0, 1.0, 2.0]})
    named = StandardScaler().fit(frame)
    np.testing.assert_array_equal(
        check_feature_names_in(named), np.array(["price", "volume"], dtype=object)
    )
    unnamed = StandardScaler().fit(frame.to_numpy())
    np.testing.assert_array_equal(check_feature_names_in(unnamed), ["x0", "x1"])
    with pytest.raises(ValueError, match="input_features is not equal to"):
        check_feature_names_in(named, ["volume", "price"])


def test_check_sample_weight_copies_and_refuses_what_fit_cannot_use():
    X = np.zeros((3, 2))
    given = np.array([1, 0, 2])
    weights = check_sample_weight(given, X)
    assert weights.dtype == np.float64
    weights[0] = 5.0
    assert given[0] == 1  # a copy
    np.testing.assert_array_equal(check_sample_weight(2.0, X), [2.0, 2.0, 2.0])
    for bad, message in [
        ([1.0, -1.0, 1.0], "Negative values"),
        ([1.0, np.nan, 1.0], "NaN"),
        ([1.0, np.inf, 1.0], "infinity"),
        ([1.0, 1.0], r"shape == \(2,\), expected \(3,\)"),
        ([0.0, 0.0, 0.0], "at least one non-zero"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_sample_weight(np.asarray(bad), X)
