"""sklstm: LSTM models for sequences as ordinary scikit-learn estimators."""

from ._estimators._classifier import LSTMClassifier
from ._estimators._display import TrainingHistoryDisplay
from ._estimators._regressor import LSTMRegressor
from ._version import __version__
from .forecasting._backtest import backtest, backtest_summary
from .forecasting._backtest_display import BacktestDisplay
from .forecasting._model_selection import PanelTimeSeriesSplit
from .forecasting._multistep import direct_forecast, make_horizon_targets
from .forecasting._recursive import recursive_forecast
from .integrations._optuna import OptunaPruning
from .io._export import prediction_module
from .io._graphs import to_exported_program, to_onnx, to_torchscript
from .io._legacy import install as _install_legacy_modules
from .io._loading import load, save
from .preprocessing._calendar import CalendarFeatures
from .preprocessing._sequence_normalizer import SequenceNormalizer
from .preprocessing._sequences import pad_sequences
from .preprocessing._series_scaler import PerSeriesScaler
from .preprocessing._window import SlidingWindow

# Files saved before the subpackages name modules such as sklstm._estimators._regressor.
_install_legacy_modules()

__all__ = [
    "BacktestDisplay",
    "CalendarFeatures",
    "LSTMClassifier",
    "LSTMRegressor",
    "OptunaPruning",
    "PanelTimeSeriesSplit",
    "PerSeriesScaler",
    "SequenceNormalizer",
    "SlidingWindow",
    "TrainingHistoryDisplay",
    "__version__",
    "backtest",
    "backtest_summary",
    "direct_forecast",
    "load",
    "make_horizon_targets",
    "pad_sequences",
    "prediction_module",
    "recursive_forecast",
    "save",
    "to_exported_program",
    "to_onnx",
    "to_torchscript",
]
