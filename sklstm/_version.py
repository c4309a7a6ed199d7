"""The version of sklstm, in a leaf module that any module may import."""

__version__ = "0.1.0"
