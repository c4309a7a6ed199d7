"""The module paths of the flat layout, for files saved before sklstm/ had subpackages.

pickle, joblib and skops record a class by the private module that defined it
(``sklstm._regressor.LSTMRegressor``). Those modules now live in subpackages;
this finder answers an import of an old path with the module that holds the
class today, so that such files keep loading. Only the paths of the classes
that a saved model can contain are mapped, and nothing is imported until a
file asks for one.
"""

import functools
import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["LEGACY_MODULES", "install"]

# old module path -> the module that holds its classes now
LEGACY_MODULES = {
    "sklstm._classifier": "sklstm._estimators._classifier",
    "sklstm._regressor": "sklstm._estimators._regressor",
    "sklstm._sequence_normalizer": "sklstm.preprocessing._sequence_normalizer",
    "sklstm._series_scaler": "sklstm.preprocessing._series_scaler",
    "sklstm._window": "sklstm.preprocessing._window",
}


class _LegacyModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``sklstm._regressor`` and the like as the module that replaced it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in LEGACY_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        """A plain module, built by the import system (``None``)."""

    def exec_module(self, module):
        # An empty module that forwards every attribute to the module of
        # today: classes read through either name are the same objects, and
        # the real module's own ``__spec__`` and ``__name__`` stay untouched.
        current = importlib.import_module(LEGACY_MODULES[module.__name__])
        module.__getattr__ = functools.partial(getattr, current)


def install():
    """Put the finder first in ``sys.meta_path`` (once).

    First, because another finder could answer an old path with a stale copy
    of the flat layout (an older installation, an editable install of another
    checkout); the old paths are no module of sklstm's own anymore.
    """
    if not any(isinstance(finder, _LegacyModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LegacyModuleFinder())
