"""Data preparation: sliding windows, ragged sequences and padding, scalers.

Also calendar features read from a time index, and panels of many series.
"""
