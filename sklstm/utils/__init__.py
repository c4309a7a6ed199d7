"""Utilities for people who test or extend sklstm."""
