"""Forecasting: multi-step forecasts, rolling-origin folds and backtests, intervals.

Backtests of one series and of panels share one fold generator (``_folds``);
conformal intervals, classical anchors and the backtest display sit beside them.
"""
