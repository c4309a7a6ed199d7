"""Integrations with other libraries: an Optuna pruning callback."""
