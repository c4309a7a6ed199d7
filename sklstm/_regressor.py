"""LSTMRegressor: a scikit-learn regressor around a skorch-trained LSTM."""

import numpy as np
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetRegressor

from ._amp import AmpNeuralNetRegressor
from ._base import BaseLSTM
from ._docstrings import fill_shared_doc
from ._validation import check_float32_range

__all__ = ["LSTMRegressor"]


@fill_shared_doc
class LSTMRegressor(RegressorMixin, BaseLSTM):
    """LSTM regressor for sequences, trained with skorch.

    A recurrent network (LSTM by default; GRU, stacked, bidirectional,
    attention pooling, CNN front end or a custom module as parameters) reads
    each sequence, a linear layer maps the pooled state to the targets, and
    the mean squared error is minimised with mini-batches. The fitted skorch
    net is kept in ``net_``.

    Parameters
    ----------
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

    n_iter_ : int
        Number of epochs completed, over all calls of a continued fit.

    history_ : pandas.DataFrame
        One row per completed epoch: ``epoch``, ``train_loss``,
        ``valid_loss`` (with early stopping), ``lr`` and ``dur`` (seconds).
        Plot it with :class:`TrainingHistoryDisplay`.

    loss_curve_ : list of float
        Training loss (mean squared error) of each epoch.

    validation_scores_ : list of float or None
        Validation loss (mean squared error, lower is better) of each epoch
        when ``early_stopping=True``, else None. Unlike
        :class:`~sklearn.neural_network.MLPRegressor`, these are losses, not
        :math:`R^2` scores.

    best_epoch_ : int
        The epoch (counted from 1) whose weights the model holds: the lowest
        validation loss with early stopping, else the last epoch.

    device_ : str
        Device the weights live on.

    See Also
    --------
    SlidingWindow : Turns a table of rows into the windows this model reads.

    Notes
    -----
    ``X`` of shape ``(n_samples, n_steps)`` is a batch of univariate
    sequences; ``(n_samples, n_steps, n_features)`` is multivariate. On CPU,
    predictions are computed in float64 so that they do not depend on the
    batch they were computed in.

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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Training sequences.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        return self._fit(X, y, partial=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train for one epoch on ``X, y``, continuing from the current weights.

        The first call builds the network. There is no validation split or
        early stopping. ``k`` calls on the same data give the same model as
        ``fit`` with ``max_epochs=k`` (bit for bit on CPU, same seed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Training sequences.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        Returns
        -------
        self : LSTMRegressor
            The updated estimator.
        """
        return self._fit(X, y, partial=True)

    def _encode_target(self, y, continuing):
        check_float32_range(y, "y")
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"LSTMRegressor needs a numeric y; got dtype {y.dtype}. "
                "For labels, use LSTMClassifier."
            )
        Y = np.array(y, dtype=np.float32).reshape(len(y), -1)  # a copy torch may own
        if continuing and (y.ndim, Y.shape[1]) != (self._y_ndim, self.n_outputs_):
            raise ValueError(
                f"y has shape {y.shape}, but LSTMRegressor was fitted on "
                f"{self.n_outputs_} target(s) of {self._y_ndim} dimension(s); a "
                "continued fit (warm_start or partial_fit) needs the same targets."
            )
        self._y_ndim, self.n_outputs_ = y.ndim, Y.shape[1]
        return torch.from_numpy(Y), self.n_outputs_, {}

    def predict(self, X):
        """Predict targets for sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs), dtype float64
            Predicted values.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        y_pred = self._forward(X)
        return y_pred.ravel() if self._y_ndim == 1 else y_pred

    def _make_net(self, amp, **params):
        net_class = AmpNeuralNetRegressor if amp else NeuralNetRegressor
        return net_class(criterion=torch.nn.MSELoss, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
