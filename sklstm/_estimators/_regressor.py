"""LSTMRegressor: a scikit-learn regressor around a skorch-trained LSTM."""

import warnings
from numbers import Real

from sklearn.base import RegressorMixin

from ..nn._heads import REGRESSION_LOSSES
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import BaseLSTM
from ._docstrings import fill_shared_doc
from ._forecasting import _DEPRECATED_LOSSES, LR_DOC, ForecastingMixin
from ._net import AmpNeuralNetRegressor, SequenceNetRegressor
from ._regression_outputs import RegressionOutputsMixin
from ._targets import RegressionTargetMixin

__all__ = ["LSTMRegressor"]


@fill_shared_doc
class LSTMRegressor(
    RegressorMixin,
    RegressionTargetMixin,
    RegressionOutputsMixin,
    ForecastingMixin,
    BaseLSTM,
):
    """LSTM regressor for sequences, trained with skorch.

    A recurrent network (LSTM by default; GRU, stacked, bidirectional,
    attention pooling, CNN front end or a custom module as parameters) reads
    each sequence, a linear layer maps the pooled state to the targets, and
    the ``loss`` (squared error by default) is minimised with mini-batches.
    The fitted skorch net is kept in ``net_``.

    Parameters
    ----------
    loss : {"squared_error", "absolute_error", "huber", "gaussian", \
            "quantile"}, default="squared_error"
        Training loss, named as in scikit-learn's regressors. ``"gaussian"``
        predicts a mean and a variance per target, trained by Gaussian
        negative log-likelihood; ``predict(X, return_std=True)`` returns both.
        ``"quantile"`` predicts the ``quantiles`` of each target with the
        pinball loss, non-crossing by construction; ``predict`` returns the
        median, and ``predict(X, return_quantiles=True)`` or
        ``predict_quantiles`` all of them. ``"huber"`` uses ``delta=1``, which
        assumes targets of unit scale (see ``normalize_y``).

        .. deprecated:: 0.2
           ``"mse"`` and ``"mae"`` are aliases of ``"squared_error"`` and
           ``"absolute_error"``; they will be removed in 0.3.

    quantiles : tuple of float, default=(0.05, 0.5, 0.95)
        Increasing quantile levels in (0, 1), including 0.5, for
        ``loss="quantile"``. The default pair around the median bounds a
        central 90 % prediction interval. When training holds out
        validation rows (early stopping, on by default for a forecast in its
        frame), the quantiles other than the median, and for
        ``loss="gaussian"`` the standard deviation, are calibrated on them
        afterwards by split conformal prediction, so that each quantile's
        level (for the Gaussian head, the central 90 % band
        ``mean ± 1.645 std``) holds on unseen rows.

        .. versionchanged:: 0.2
           The default was ``(0.1, 0.5, 0.9)``, an 80 % interval.

    normalize_y : bool, default=True
        Standardise each target with its training mean and standard
        deviation, and map predictions, standard deviations and quantiles
        back to the original units. On by default: a target in raw units
        (hundreds, thousands) otherwise trains poorly, and the Gaussian and
        quantile heads need it for calibrated intervals. Prefer it to
        :class:`~sklearn.compose.TransformedTargetRegressor`, which
        transforms the predicted values but not a standard deviation.

    level : {"auto", "last", "ar"} or None, default="auto"
        How the network follows the level of a series, so that forecasts
        extrapolate trends and level shifts instead of saturating at the
        training range (float sequences and the built-in network; ignored
        for token ids and a custom ``module``).

        - ``"auto"``: when ``y`` is the next value of one of the columns of
          ``X`` (or, for direct multi-step targets, the values 1, 2, ...
          steps ahead), found from the training rows that follow each other
          as :class:`SlidingWindow`'s do, possibly behind a per-column
          scaler, the target is modelled in its *frame*: relative to the
          window's last value, in units of the series' mean absolute step
          (of each window's own steps when the windows mix series of very
          different scales, as a panel of raw series does; in logarithms for
          one positive series growing over orders of magnitude). A ridge
          autoregression on the window,
          its penalty chosen by generalised cross-validation and fitted in
          closed form, carries level, trend and seasonality (when the series
          has a season, half of it also reads each window's seasonal phase,
          found from the window's steps: see docs/forecasting.md); the recurrent
          layers learn what it misses, with early stopping on the latest
          rows (``early_stopping="auto"``). Otherwise as ``"last"``.
        - ``"last"``: each window is standardised with the training
          statistics of its features, and the recurrent layers read it
          relative to its last step. A linear map of the last step of every
          feature (the *highway*, started at its least-squares fit) is added
          to the location of each prediction; the recurrent part predicts
          what it misses. No column has to be named as the target's own lag:
          the least-squares fit finds it among the features.
        - ``"ar"``: the same, with a linear autoregression on the whole
          window as the highway (LSTNet's); at worst close to a linear AR.
        - None: the windows are read as they are (no extrapolation).

        Measured one step ahead on the last 20 % of 29 real series (README
        pipeline, window of two seasons, seeds 0 and 1), geometric-mean RMSE
        relative to AutoETS / AutoARIMA / a linear AR on the same windows:
        0.89 / 1.01 / 0.95 with ``"auto"`` against 1.16-1.17 /
        1.31-1.32 / 1.24-1.25 with ``"last"``; M1 yearly, 181 raw series in
        one model: sMAPE 18.7-19.5 against 140-164. See
        ``benchmarks/bench_accuracy.py`` and docs/accuracy.md.

        .. versionchanged:: 0.2
           The default was ``"last"``.

    {shared_parameters}

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained skorch net; its ``module_`` is the torch module.

    n_features_in_ : int
        ``X.shape[1]`` seen during :term:`fit`, following scikit-learn: for
        sequences this is the number of time steps.

    input_shape_ : tuple of int
        ``(n_steps, n_features)`` of one sequence seen during fit
        (``(n_steps,)`` for token ids).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame ``X`` seen during fit.

    n_outputs_ : int
        Number of targets.

    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        Mean and standard deviation used to standardise each target when
        ``normalize_y=True`` (zeros and ones otherwise).

    n_iter_ : int
        Number of epochs completed, over all calls of a continued fit.

    history_ : pandas.DataFrame
        One row per completed epoch: ``epoch``, ``train_loss``,
        ``valid_loss`` (with early stopping), ``lr`` and ``dur`` (seconds).
        Plot it with :class:`TrainingHistoryDisplay`.

    loss_curve_ : list of float
        Training loss (the ``loss`` criterion) of each epoch.

    validation_loss_ : list of float or None
        Validation loss (the ``loss`` criterion, lower is better) of each epoch
        when training held out rows (early stopping), else None.

        .. versionadded:: 0.2
           It replaces ``validation_scores_``, which held the same losses
           (not :math:`R^2` scores as in
           :class:`~sklearn.neural_network.MLPRegressor`) and is deprecated:
           reading it warns, and it will be removed in 0.4.

    best_epoch_ : int
        The epoch (counted from 1) whose weights the model holds: the lowest
        validation loss with early stopping, else the last epoch.

    device_ : str
        Device the weights live on.

    n_threads_ : int
        Torch threads the fit used on the CPU (with ``n_threads="auto"``,
        the count it ended with); ``predict`` uses it when ``n_threads`` is
        None or ``"auto"``.

    See Also
    --------
    SlidingWindow : Turns a table of rows into the windows this model reads.

    Notes
    -----
    ``X`` of shape ``(n_samples, n_steps)`` is a batch of univariate
    sequences; ``(n_samples, n_steps, n_features)`` is multivariate. The
    network predicts in float32, as it trains, on every device, and the
    predictions come back as float64 in the units of ``y``. A window's
    prediction may differ by float32 rounding (about 1e-7 relative) with the
    batch it is in, the CPU and the thread count; compare predictions with a
    tolerance. The same seed, data and settings give the same numbers in the
    same environment.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 5, 2))
    >>> y = X[:, -1, 0] + X[:, -2, 1]
    >>> model = LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    """

    # loss="gaussian" adds a spread, "quantile" one output per level.
    _output_params = ("loss", "quantiles")

    _parameter_constraints: dict = {
        **BaseLSTM._parameter_constraints,
        "loss": [
            StrOptions(
                set(REGRESSION_LOSSES) | set(_DEPRECATED_LOSSES),
                deprecated=set(_DEPRECATED_LOSSES),
            )
        ],
        "quantiles": [tuple, list],
        "normalize_y": ["boolean"],
        "level": [StrOptions({"auto", "ar", "last"}), None],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    }
    _doc_overrides = {"lr": LR_DOC}

    def __init__(
        self,
        *,
        loss: str = "squared_error",
        quantiles: tuple = (0.05, 0.5, 0.95),
        normalize_y: bool = True,
        level: str | None = "auto",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        cell: str = "lstm",
        proj_size: int = 0,
        pooling: str = "last",
        conv_channels: int | tuple | None = None,
        conv_kernel_size: int | tuple = 3,
        conv_path: str = "before",
        layer_norm: bool = False,
        n_tokens: int | None = None,
        embedding_dim: int = 32,
        module: type | None = None,
        module_params: dict | None = None,
        max_epochs: int = 100,
        batch_size: int = 32,
        lr: float | str = "auto",
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        lr_scheduler: str | type | None = None,
        lr_scheduler_params: dict | None = None,
        clip_grad_norm: float | None = None,
        amp: bool | str = False,
        callbacks: list | None = None,
        warm_start: bool = False,
        device: str = "cpu",
        n_threads: int | str | None = None,
        random_state=None,
        verbose: int = 0,
        distributed: bool = False,
        **kwargs,
    ):
        super().__init__(
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            bidirectional=bidirectional,
            cell=cell,
            proj_size=proj_size,
            pooling=pooling,
            conv_channels=conv_channels,
            conv_kernel_size=conv_kernel_size,
            conv_path=conv_path,
            layer_norm=layer_norm,
            n_tokens=n_tokens,
            embedding_dim=embedding_dim,
            module=module,
            module_params=module_params,
            max_epochs=max_epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            weight_decay=weight_decay,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            lr_scheduler=lr_scheduler,
            lr_scheduler_params=lr_scheduler_params,
            clip_grad_norm=clip_grad_norm,
            amp=amp,
            callbacks=callbacks,
            warm_start=warm_start,
            device=device,
            n_threads=n_threads,
            random_state=random_state,
            verbose=verbose,
            distributed=distributed,
            **kwargs,
        )
        self.loss = loss
        self.quantiles = quantiles
        self.normalize_y = normalize_y
        self.level = level

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Training sequences; or a list of sequences of different lengths,
            arrays of shape ``(n_steps_i, n_features)`` (or ``(n_steps_i,)``),
            padded and masked inside.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss (see
            :ref:`sample-weights`); None weighs rows alike.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        return self._fit(X, y, partial=False, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``X, y``, continuing from the current weights.

        The first call builds the network. There is no validation split or
        early stopping. ``k`` calls on the same data give the same model as
        ``fit`` with ``max_epochs=k`` and ``early_stopping=False`` (bit for
        bit on CPU, same seed and settings; ``early_stopping="auto"`` holds
        out the latest rows in ``fit`` when it forecasts a series in its
        frame).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Training sequences; or a list of sequences of different lengths,
            arrays of shape ``(n_steps_i, n_features)`` (or ``(n_steps_i,)``),
            padded and masked inside.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss (see
            :ref:`sample-weights`); None weighs rows alike.

        Returns
        -------
        self : LSTMRegressor
            The updated estimator.
        """
        return self._fit(X, y, partial=True, sample_weight=sample_weight)

    def _check_params(self, n_samples, partial=False):
        super()._check_params(n_samples, partial)
        if self.loss in _DEPRECATED_LOSSES:
            warnings.warn(
                f"loss={self.loss!r} was deprecated in version 0.2 and will be "
                f"removed in 0.3. Use loss={_DEPRECATED_LOSSES[self.loss]!r}, "
                "which is equivalent.",
                FutureWarning,
                stacklevel=5,
            )

    def _check_ragged_params(self):
        super()._check_ragged_params()
        if self.level == "ar" and self.module is None and not self._tokens:
            raise ValueError(
                "LSTMRegressor with level='ar' needs windows of one length (its "
                "highway is a linear autoregression on every step), but X holds "
                "sequences of different lengths. Use level='last', which reads "
                "each sequence's last real step, or level=None; or pad the "
                "sequences to one length with sklstm.pad_sequences."
            )

    def _make_net(self, amp, **params):
        if amp is None:
            return SequenceNetRegressor(**params)
        return AmpNeuralNetRegressor(amp_dtype=amp, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
