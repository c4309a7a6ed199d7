"""SlidingWindow's buffer: one padded copy of the rows, and its windows as a view."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._estimators._validation import check_float32_range

__all__ = ["WindowBufferMixin"]


class WindowBufferMixin:
    """The padded buffer of :class:`~sklstm.SlidingWindow` and the windows over it.

    ``window - 1`` rows to fill (history, then padding), then the rows of
    ``X`` in the fitted dtype; the windows are a read-only strided view of it.
    """

    def _output_dtype(self):
        # Files saved before the float64 case existed hold float32 windows.
        return np.dtype(getattr(self, "_dtype", "float32"))

    def _padded_copy(self, X):
        """One buffer: ``window - 1`` rows to fill, then ``X``, in the fitted dtype."""
        check_float32_range(X, "X")
        n_samples, n_features = X.shape
        shape = (n_samples + self.window - 1, n_features)
        try:
            padded = np.empty(shape, dtype=self._output_dtype())
        except MemoryError:
            raise ValueError(
                f"window={self.window} needs a buffer of {shape[0]} rows of "
                f"{n_features} values for {n_samples} rows of X, more than this "
                "machine can allocate. Use a window of at most the rows of "
                "history a forecast needs."
            ) from None
        # Assigning casts in place: no float32 copy of X besides the padded one.
        padded[self.window - 1 :] = X
        return padded

    def _fill_before(self, padded, history):
        """Fill the rows before ``X``: the end of ``history``, then padding."""
        n_pad = self.window - 1
        first = padded[n_pad : n_pad + 1]
        if history is not None and len(history):
            padded[n_pad - len(history) : n_pad] = history
            n_pad -= len(history)
            first = history[:1]
        padded[:n_pad] = first if self.padding == "edge" else 0.0

    def _windows(self, padded):
        # sliding_window_view puts the window axis last: (n, features, window).
        return sliding_window_view(padded, self.window, axis=0).transpose(0, 2, 1)

    def _last_rows(self, rows):
        """A copy of the last ``window - 1`` of ``rows``: the history of the next."""
        return rows[len(rows) - min(self.window - 1, len(rows)) :].copy()
