"""Persistence: plain-state pickling, safe skops loading, model export.

ONNX, TorchScript and torch.export graphs of a fitted model live in ``_export``.
"""
