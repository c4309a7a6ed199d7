"""The version of sklstm, in a leaf module that any module may import."""

__version__ = "0.2.0.dev0"
