"""SlidingWindow's panels: each series windowed after its own fit rows."""

import hashlib

import numpy as np

from ._labels import _next_label
from ._panel import series_rows, series_times

__all__ = ["PanelWindowsMixin", "fingerprint"]


def fingerprint(rows):
    """Shape and hash of ``rows``: tells the fit data when it comes back."""
    return rows.shape, hashlib.blake2b(rows.data, digest_size=16).hexdigest()


class PanelWindowsMixin:
    """Fit and transform of a panel (rows indexed by ``(series id, time)``).

    Mixed into :class:`~sklstm.SlidingWindow`, whose buffer methods
    (``_padded_copy``, ``_fill_before``, ``_windows`` of ``_window_buffer``) and
    ``_follows`` these use.
    """

    def _panel_fit(self, values, index):
        """Fit on a panel: last rows and next time label per series."""
        groups = series_rows(index)
        self._warn_if_short(max(len(positions) for _, positions in groups))
        self.last_rows_, self.next_index_ = {}, {}
        for series_id, positions in groups:
            times = series_times(index, positions, type(self).__name__)
            rows = np.asarray(values[positions], dtype=self._output_dtype())
            self.last_rows_[series_id] = self._last_rows(rows)
            self.next_index_[series_id] = _next_label(times)
        self._fit_fingerprint = fingerprint(np.ascontiguousarray(values, np.float32))

    def _panel_transform(self, values, index):
        """Windows of each series of a panel, each after its own fit rows.

        ``index`` is None when ``X`` is not a panel (after a panel fit): its
        rows are one series that follows none of the fit series.
        """
        fit_panel = isinstance(self.last_rows_, dict)
        if self.history == "always" and (index is None or not fit_panel):
            raise ValueError(
                "SlidingWindow(history='always') was fitted on "
                f"{'a panel' if fit_panel else 'a single series'} but X is "
                f"{'a panel' if index is not None else 'not a panel'}: it cannot "
                "tell which fit rows each row follows. Pass X of the same kind, "
                "indexed by (series id, time) for a panel, or use history='auto'."
            )
        if index is None:
            groups = [(None, np.arange(len(values)))]
            return self._panel_windows(values, groups, histories={})
        groups = series_rows(index)
        fit_data = self.history == "always" and self._is_fit_data(
            np.ascontiguousarray(values, np.float32)
        )
        histories = {}
        for series_id, positions in groups:
            times = series_times(index, positions, type(self).__name__)
            if fit_panel and series_id in self.last_rows_:
                next_label = self.next_index_[series_id]
                if self._follows(next_label, times, fit_data):
                    histories[series_id] = self.last_rows_[series_id]
        return self._panel_windows(values, groups, histories)

    def _panel_windows(self, values, groups, histories):
        """One window per row, each series windowed apart: none crosses series.

        Unlike one series' windows, these are a copy: the padding between
        series would break the single strided view.
        """
        shape = (len(values), self.window, values.shape[1])
        windows = np.empty(shape, self._output_dtype())
        for series_id, positions in groups:
            padded = self._padded_copy(values[positions])
            self._fill_before(padded, history=histories.get(series_id))
            windows[positions] = self._windows(padded)
        windows.flags.writeable = False  # read-only, as the strided view
        return windows
