"""Small real data sets bundled with sklstm."""

from ._co2 import load_co2
from ._elnino import load_elnino
from ._fertility import load_fertility

__all__ = ["load_co2", "load_elnino", "load_fertility"]
