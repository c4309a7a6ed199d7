"""Small real data sets bundled with sklstm."""

from ._co2 import load_co2
from ._elnino import load_elnino
from ._fertility import load_fertility
from ._japanese_vowels import load_japanese_vowels
from ._m1 import load_m1_yearly
from ._ucr import load_gunpoint, load_italy_power_demand

__all__ = [
    "load_co2",
    "load_elnino",
    "load_fertility",
    "load_gunpoint",
    "load_italy_power_demand",
    "load_japanese_vowels",
    "load_m1_yearly",
]
