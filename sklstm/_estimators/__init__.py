"""The scikit-learn layer: the estimators and the machinery that trains and runs them.

Parameters and validation, the fit transaction (``_base``), skorch nets,
callbacks, devices and threads (training), inference, LSTMRegressor and
LSTMClassifier.
"""
