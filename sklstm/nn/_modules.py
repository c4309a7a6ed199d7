"""The network behind the estimators, RecurrentNet. Tensors in, tensors out.

Its building blocks (convolutions, attention pooling, masks) are in ``_layers``;
how it reads a target series relative to its last value, in ``_framing``.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._framing import frame_series
from ._layers import (
    AttentionPooling,
    ConvBlocks,
    SameConv1d,
    pool_over_time,
    steps_mask,
)

__all__ = ["RecurrentNet"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNet(nn.Module):
    """Optional embedding and Conv1d front end, a recurrent encoder, pooling, a head.

    Parameters
    ----------
    n_features : int
        Features per time step (ignored when ``n_tokens`` is set).
    n_outputs : int, default=1
        Values predicted per sequence (regression targets or class logits).
    hidden_size : int, default=64
        Units in each recurrent layer, per direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the head.
    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.
    proj_size : int, default=0
        LSTM projection size (0 = none); see :class:`torch.nn.LSTM`.
    pooling : {"last", "mean", "max", "attention"}, default="last"
        How the outputs over time become one vector.
    conv_channels : int, tuple of int or None, default=None
        An int: channels of one Conv1d + ReLU layer (no batch norm). A
        tuple: the channels of :class:`ConvBlocks` (Conv1d + BatchNorm1d +
        ReLU each).
    conv_kernel_size : int or tuple of int, default=3
        Kernel size of each convolution (``"same"`` padding: the length is
        kept); a tuple gives one per block, as long as ``conv_channels``.
    conv_path : {"before", "beside"}, default="before"
        ``"before"``: the convolutions feed the recurrent layers (CNN-LSTM).
        ``"beside"``: they read the input in parallel with the recurrent
        layers, their outputs averaged over the (unmasked) steps and
        concatenated with the pooled recurrent outputs before the head
        (LSTM-FCN, Karim et al. 2017, without its dimension shuffle).
    layer_norm : bool, default=False
        Layer normalisation of the recurrent outputs.
    n_tokens : int or None, default=None
        Vocabulary size: inputs are token ids embedded with ``nn.Embedding``;
        id 0 is padding and masked from pooling.
    embedding_dim : int, default=32
        Embedding size when ``n_tokens`` is set.
    level : {"ar", "last"} or None, default=None
        How the network follows the level of a series. None reads the
        windows as they are. Otherwise each input is standardised with the
        buffers ``input_shift`` and ``input_scale``, the recurrent layers
        read every window relative to its last step (divided by
        ``relative_scale``), so that a series beyond its training range
        looks familiar, and a linear map of the standardised input
        (``highway``: the whole window for ``"ar"``, its last step for
        ``"last"``) is added to the location output of each target, as in
        LSTNet's autoregressive highway. The estimators set the buffers and
        the highway's starting weights from the training data.
    n_steps : int or None, default=None
        Steps per window; needed by ``level="ar"``.
    outputs_per_target : int, default=1
        Raw outputs per target when ``level`` is set (2 for a Gaussian head,
        the number of quantiles for a quantile head): the highway adds to the
        first of each target's outputs, its location.
    target_column : int or None, default=None
        The feature that holds the target series (see :mod:`sklstm._estimators._frame`):
        its values are read relative to each window's last one, divided by
        the window's scale (:func:`frame_series`), before everything else.
        The outputs are then in those units too.
    frame_slope, frame_intercept : float, default=1.0, 0.0
    log_frame, per_window_scale : bool, default=False
    series_scale, scale_floor : float, default=1.0
        How :func:`frame_series` reads the target column.
    n_phases : int, default=0
        Steps per season whose phase the highway also reads (``level="ar"``
        with ``target_column`` set): each window's framed target, scored
        against the buffer ``phase_templates`` ``(n_steps, n_phases)`` (the
        season's pattern, detrended, at each phase of the window's last
        step), gives its phase; the highway's extra inputs are that phase
        one-hot, times the window's amplitude of the pattern. A linear map
        of them adds the season's learned pattern at the next step, scaled
        as the window shows it. 0: none.
    absolute_level : bool, default=False
        With ``target_column`` set (and windows not scaled one by one): the
        highway reads the window's last target value, in units of the
        series' scale, standardised by the buffer ``level_moments``
        ``(mean, std)`` of the training windows', in place of the framed
        target's last value (always 0). A forecast can then revert towards
        the series' mean, as a stationary series' does.

    Shape
    -----
    - Input: ``(batch, time, n_features)`` floats, or ``(batch, time)`` token ids,
      and optionally ``lengths`` ``(batch,)``: the real steps of each row,
      padded after its end. Padding steps then change no output.
    - Output: ``(batch, n_outputs)``; with ``return_attention=True`` also the
      attention weights ``(batch, time)``.
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int = 1,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        cell: str = "lstm",
        proj_size: int = 0,
        pooling: str = "last",
        conv_channels: int | None = None,
        conv_kernel_size: int | tuple = 3,
        layer_norm: bool = False,
        n_tokens: int | None = None,
        embedding_dim: int = 32,
        level: str | None = None,
        n_steps: int | None = None,
        outputs_per_target: int = 1,
        conv_path: str = "before",
        target_column: int | None = None,
        frame_slope: float = 1.0,
        frame_intercept: float = 0.0,
        log_frame: bool = False,
        per_window_scale: bool = False,
        series_scale: float = 1.0,
        scale_floor: float = 1.0,
        n_phases: int = 0,
        absolute_level: bool = False,
    ):
        super().__init__()
        self.n_phases = n_phases
        self.absolute_level = absolute_level and target_column is not None
        self.pooling = pooling
        self.level = level
        self.target_column = target_column
        self.frame = (
            target_column,
            frame_slope,
            frame_intercept,
            log_frame,
            per_window_scale,
            series_scale,
            scale_floor,
        )
        if level is not None:
            n_lags = n_steps if level == "ar" else 1
            self.outputs_per_target = outputs_per_target
            for name in ("input_shift", "input_scale", "relative_scale"):
                initial = torch.zeros if name == "input_shift" else torch.ones
                self.register_buffer(name, initial(n_features))
            self.register_buffer("output_scale", torch.ones(n_outputs))
            if n_phases:
                self.register_buffer("phase_templates", torch.zeros(n_steps, n_phases))
            if self.absolute_level:
                self.register_buffer("level_moments", torch.tensor([0.0, 1.0]))
            self.highway = nn.Linear(
                n_lags * n_features + n_phases, n_outputs // outputs_per_target
            )
            if target_column is not None:
                # A ridge autoregression fitted in closed form
                # (sklstm._estimators._level): the recurrent layers learn what it
                # misses, without moving it.
                self.highway.requires_grad_(False)
        self.embedding = None
        if n_tokens is not None:
            self.embedding = nn.Embedding(n_tokens, embedding_dim, padding_idx=0)
            n_features = embedding_dim
        self.conv = self.conv_blocks = None
        n_beside = 0
        if isinstance(conv_channels, int):  # today's single block, kept as it was
            self.conv = SameConv1d(n_features, conv_channels, conv_kernel_size)
            n_convolved = conv_channels
        elif conv_channels is not None:
            kernel_sizes = conv_kernel_size
            if isinstance(kernel_sizes, int):
                kernel_sizes = (kernel_sizes,) * len(conv_channels)
            self.conv_blocks = ConvBlocks(n_features, conv_channels, kernel_sizes)
            n_convolved = conv_channels[-1]
        self.conv_beside = conv_channels is not None and conv_path == "beside"
        if self.conv_beside:
            n_beside = n_convolved
        elif conv_channels is not None:
            n_features = n_convolved
        extra = {"proj_size": proj_size} if cell == "lstm" else {}
        self.rnn = _CELLS[cell](
            n_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            # torch applies dropout only between layers and warns with one.
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            **extra,
        )
        self.n_directions = 2 if bidirectional else 1
        n_encoded = self.n_directions * (proj_size or hidden_size)
        self.norm = nn.LayerNorm(n_encoded) if layer_norm else None
        self.attention = (
            AttentionPooling(n_encoded, hidden_size) if pooling == "attention" else None
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(n_encoded + n_beside, n_outputs)

    def forward(self, X, return_attention=False, lengths=None):
        real = None if lengths is None else steps_mask(lengths, X.shape[1])
        if self.level is not None:
            lags, X = self.level_inputs(X, lengths)
        mask = real
        if self.embedding is not None:
            mask = X != 0
            # A row of padding only would leave nothing to pool: keep it all.
            mask = mask | ~mask.any(dim=1, keepdim=True)
            if real is not None:
                mask = mask & real
            X = self.embedding(X)
        beside = None
        if self.conv_beside:
            beside = pool_over_time(self._convolve(X, real), "mean", real)
        elif self.conv is not None or self.conv_blocks is not None:
            X = self._convolve(X, real)
        outputs = self._encode(X, lengths)
        if self.norm is not None:
            outputs = self.norm(outputs)
        weights = None
        if self.attention is not None:
            pooled, weights = self.attention(outputs, mask)
        else:
            pooled = pool_over_time(outputs, self.pooling, mask, self.n_directions)
        if beside is not None:
            pooled = torch.cat([pooled, beside], dim=1)
        prediction = self.head(self.dropout(pooled))
        if self.level is not None:
            level = self._at_locations(self.highway(lags))
            prediction = prediction * self.output_scale + level
        return (prediction, weights) if return_attention else prediction

    def _convolve(self, X, real):
        """The convolutions; padding steps are zero before and after each.

        Zero input past a row's end is what ``"same"`` padding would put
        there, so the last real steps see what they see alone; zero output
        keeps the padding steps out of the recurrent layers' way.
        """
        if self.conv_blocks is not None:
            return self.conv_blocks(X, real)
        if real is not None:
            X = X * real.unsqueeze(-1)
        X = torch.relu(self.conv(X.transpose(1, 2))).transpose(1, 2)
        return X if real is None else X * real.unsqueeze(-1)

    def _encode(self, X, lengths):
        """The recurrent layers' outputs ``(batch, time, size)``.

        A forward-only network reads padding after a row's real steps, which
        cannot reach them: it runs on the padded batch as it is, the masks
        then leave the padding out of the pooling. A bidirectional one would
        read the padding first backwards, so its rows are packed to their
        lengths. Measured (``benchmarks/bench_ragged.py``): packing a
        forward-only LSTM too made training 4x and prediction 1.5x slower,
        and its rows differed from those predicted alone by up to 6e-8,
        where the padded batch is bit-identical (but for attention
        pooling, within 2e-8).
        """
        if lengths is None or self.n_directions == 1:
            return self.rnn(X)[0]
        packed = pack_padded_sequence(
            X, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs = self.rnn(packed)[0]
        return pad_packed_sequence(outputs, batch_first=True, total_length=X.shape[1])[
            0
        ]

    def level_inputs(self, X, lengths=None):
        """The highway's input and the relative window the recurrent layers read.

        The highway reads the standardised last step and, for ``"ar"``, the
        other steps relative to it: the span of a linear autoregression on
        the window, but far better conditioned on a trending series, whose
        raw lags are nearly collinear. With ``lengths``, the last step is
        each row's last real step (``"ar"`` needs windows of equal length).
        """
        X, level = self._framed(X)
        Z = (X - self.input_shift) / self.input_scale
        if lengths is None:
            last = Z[:, -1:]
        else:
            rows = torch.arange(len(Z), device=Z.device)
            last = Z[rows, lengths - 1].unsqueeze(1)
        relative = (Z - last) / self.relative_scale
        lags = last[:, 0]
        if self.absolute_level:
            column = self.target_column
            standardised = (level - self.level_moments[0]) / self.level_moments[1]
            lags = torch.cat(
                [lags[:, :column], standardised.unsqueeze(1), lags[:, column + 1 :]],
                dim=1,
            )
        if self.level == "ar":
            lags = torch.cat([lags, relative[:, :-1].flatten(1)], dim=1)
        if self.n_phases:
            lags = torch.cat([lags, self.phase_inputs(X)], dim=1)
        return lags, relative

    def window_level(self, X):
        """Each window's last target value over the series' scale ``(batch,)``."""
        return self._framed(X)[1]

    def phase_inputs(self, framed):
        """Each window's seasonal phase, one-hot times its amplitude.

        ``framed``: windows ``(batch, n_steps, n_features)`` with the target
        framed. The phase is the template that the target's steps match best
        (the templates are detrended, so a level or trend scores zero); the
        amplitude is the least-squares multiple of that template in the
        window, so that a season growing with the series is followed.
        Returns ``(batch, n_phases)``.
        """
        templates = self.phase_templates.to(framed.dtype)
        scores = framed[..., self.target_column] @ templates
        best = scores.argmax(dim=1, keepdim=True)
        norms = (templates * templates).sum(dim=0).clamp(min=1e-12)
        amplitude = scores.gather(1, best) / norms[best]
        phases = torch.arange(self.n_phases, device=framed.device)
        return (phases == best).to(framed.dtype) * amplitude

    def target_location_scale(self, X):
        """Each window's last target value, scale and volatility ``(batch,)``."""
        return frame_series(X, *self.frame)[1:]

    def framed_inputs(self, X):
        """``X`` with the target column relative to its last value, scaled."""
        return self._framed(X)[0]

    def _framed(self, X):
        """:meth:`framed_inputs` and :meth:`window_level` from one framing.

        Without a target column: ``X`` as it is, and no level (None).
        """
        if self.target_column is None:
            return X, None
        column = self.target_column
        values, last, scale, _ = frame_series(X, *self.frame)
        relative = (values - last.unsqueeze(1)) / scale.unsqueeze(1)
        framed = torch.cat(
            [X[..., :column], relative.unsqueeze(-1), X[..., column + 1 :]], dim=-1
        )
        return framed, last / scale

    def _at_locations(self, level):
        """``(batch, n_targets)`` to raw outputs: each target's first output."""
        if self.outputs_per_target == 1:
            return level
        padding = (0, self.outputs_per_target - 1)
        return nn.functional.pad(level.unsqueeze(-1), padding).flatten(1)
