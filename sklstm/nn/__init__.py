"""Torch modules only: recurrent and convolutional networks, output heads, losses.

Tensors in, tensors out: nothing here imports numpy data handling or scikit-learn.
"""
