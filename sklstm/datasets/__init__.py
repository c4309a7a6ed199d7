"""Small real data sets bundled with sklstm."""

from ._elnino import load_elnino

__all__ = ["load_elnino"]
