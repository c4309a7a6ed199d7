"""Seasonal phases of windows: the season's pattern, learned without a calendar.

A ridge autoregression on a window of two seasons sees two values of each
month; :class:`~sklstm.nn._modules.RecurrentNet` with ``n_phases`` also reads
each window's phase against the pattern learned over every training window
(``phase_templates``), fitted here.
"""

import torch

__all__ = ["fit_phase_templates"]

# Rows per chunk when the windows are read (memory stays a chunk's).
_CHUNK_ROWS = 4096

# Windows the phase templates are fitted on, at most (evenly spaced): enough
# for a season's pattern, and the cost stays that of a few passes over them.
_PHASE_ROWS = 20_000
_PHASE_PASSES = 10


@torch.no_grad()
def fit_phase_templates(module, dataset):
    """Set ``module.phase_templates`` from the training windows.

    The season's pattern ``p`` (``module.n_phases`` values, mean zero) is found
    without knowing any window's phase, by aligning the windows to it: each
    window's framed target, less its least-squares line, is matched to the
    pattern at each phase of its last step, and ``p`` becomes the mean of the
    windows' steps at the phases so found; it starts from the window with the
    most detrended energy. The template of phase ``k`` is ``p`` at the phases
    of the window's steps, projected off the line, so that a level or trend
    scores zero. At most ``_PHASE_ROWS`` windows, read a chunk at a time.
    """
    n_phases = module.n_phases
    n_steps = module.phase_templates.shape[0]
    rows = torch.arange(len(dataset))
    if len(rows) > _PHASE_ROWS:
        rows = torch.linspace(0, len(rows) - 1, _PHASE_ROWS).round().long()
    steps = torch.arange(n_steps, dtype=torch.float64)
    line = torch.stack([torch.ones_like(steps), steps], dim=1)
    detrend = torch.eye(n_steps, dtype=torch.float64) - line @ torch.linalg.pinv(line)
    # bins[i, k]: the phase of step i in a window whose last step has phase k.
    later = (n_steps - 1 - torch.arange(n_steps)).unsqueeze(1)
    bins = (torch.arange(n_phases).unsqueeze(0) - later) % n_phases

    def detrended_chunks():
        for start in range(0, len(rows), _CHUNK_ROWS):
            X, _ = dataset.batch(rows[start : start + _CHUNK_ROWS])
            X = X["X"] if isinstance(X, dict) else X
            framed = module.framed_inputs(X.to(torch.float64))
            yield framed[..., module.target_column] @ detrend  # (chunk, n_steps)

    start, most = None, -1.0
    for detrended in detrended_chunks():
        energy = (detrended * detrended).sum(dim=1)
        if float(energy.max()) > most:
            most, start = float(energy.max()), detrended[int(energy.argmax())]
    pattern = _bin_means(bins[:, :1].T, start.unsqueeze(0), n_phases)
    for _ in range(_PHASE_PASSES):
        pattern = pattern - pattern.mean()
        sums = torch.zeros(n_phases, dtype=torch.float64)
        counts = torch.zeros(n_phases, dtype=torch.float64)
        for detrended in detrended_chunks():
            phase = (detrended @ pattern[bins]).argmax(dim=1)
            at = bins[:, phase].T
            sums += _bin_sums(at, detrended, n_phases)
            counts += torch.bincount(at.reshape(-1), minlength=n_phases)
        pattern = sums / counts.clamp(min=1)
    pattern = pattern - pattern.mean()
    module.phase_templates.copy_(detrend @ pattern[bins])


def _bin_sums(bins, values, n_bins):
    """Sum of ``values`` per bin (``bins`` and ``values`` of one shape)."""
    return torch.zeros(n_bins, dtype=values.dtype).index_add_(
        0, bins.reshape(-1), values.reshape(-1)
    )


def _bin_means(bins, values, n_bins):
    """Mean of ``values`` per bin (``bins`` and ``values`` of one shape)."""
    counts = torch.bincount(bins.reshape(-1), minlength=n_bins).clamp(min=1)
    return _bin_sums(bins, values, n_bins) / counts
