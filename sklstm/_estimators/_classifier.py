"""LSTMClassifier: a scikit-learn classifier around a skorch-trained LSTM."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin

from ..utils._sklearn_compat import StrOptions, _fit_context
from ._base import BaseLSTM
from ._classifier_auto import AUTO_SETTINGS_DOC, auto_constraints, resolve_auto
from ._classifier_targets import ClassificationTargetMixin
from ._docstrings import fill_shared_doc
from ._net import AmpNeuralNetClassifier, SequenceNetClassifier
from ._splits import StratifiedSplit

__all__ = ["LSTMClassifier"]


@fill_shared_doc
class LSTMClassifier(ClassifierMixin, ClassificationTargetMixin, BaseLSTM):
    """LSTM classifier for sequences, trained with skorch.

    The network of :class:`LSTMRegressor` with one output per class, trained
    with cross-entropy. Labels may be of any type (ints, strings, pandas
    categoricals); binary and multiclass problems are handled alike.

    Parameters
    ----------
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss: ``{label: weight}``,
        ``"balanced"`` for ``n_samples / (n_classes * np.bincount(y))``, or
        None for equal weights.

    validation_split : {"stratified", "last"}, default="stratified"
        Which rows ``early_stopping=True`` holds out. ``"stratified"``: a
        shuffled draw (seeded by ``random_state``) with every class in
        proportion, as in :class:`~sklearn.neural_network.MLPClassifier`; right
        for independent sequences, whatever their order. It needs at least 2
        rows of each class, and as many validation (and training) rows as
        classes. ``"last"``: the last rows in the order given, for sequences
        recorded over time, where the validation rows should follow the
        training rows.

    {shared_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.

    class_weight_ : ndarray of shape (n_classes,) or None
        Weight of each class in the loss, from ``class_weight``.

    net_ : skorch.NeuralNetClassifier
        The trained skorch net; its ``module_`` is the torch module, which
        returns one logit per class.

    n_features_in_ : int
        ``X.shape[1]`` seen during :term:`fit`: for sequences, the number of
        time steps.

    input_shape_ : tuple of int
        ``(n_steps, n_features)`` of one sequence seen during fit
        (``(n_steps,)`` for token ids).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a DataFrame ``X`` seen during fit.

    n_iter_ : int
        Number of epochs completed, over all calls of a continued fit.

    history_ : pandas.DataFrame
        One row per completed epoch: ``epoch``, ``train_loss``,
        ``valid_loss`` (with early stopping), ``lr`` and ``dur`` (seconds).
        Plot it with :class:`TrainingHistoryDisplay`.

    loss_curve_ : list of float
        Training loss (cross-entropy) of each epoch.

    validation_loss_ : list of float or None
        Validation loss (cross-entropy, lower is better) of each epoch when
        training held out rows (early stopping), else None.

        .. versionadded:: 0.2
           It replaces ``validation_scores_`` (the same losses), which is
           deprecated: reading it warns, and it will be removed in 0.4.

    best_epoch_ : int
        The epoch (counted from 1) whose weights the model holds.

    device_ : str
        Device the weights live on.

    n_threads_ : int
        Torch threads the fit used on the CPU (with ``n_threads="auto"``,
        the count it ended with); ``predict`` uses it when ``n_threads`` is
        None or ``"auto"``.

    See Also
    --------
    LSTMRegressor : The same network for regression.

    Notes
    -----
    Early stopping validates on a stratified sample of the rows by default,
    so rows sorted by class still give a validation set with every class.
    With ``validation_split="last"`` it validates on the last rows instead;
    then rows sorted by class would leave one class in the validation set.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(80, 6, 2))
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:2]).sum(axis=1)
    array([1., 1.])
    """

    _doc_overrides = AUTO_SETTINGS_DOC

    _parameter_constraints: dict = {
        **BaseLSTM._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "validation_split": [StrOptions({"stratified", "last"})],
        **auto_constraints(BaseLSTM._parameter_constraints),
    }
    _y_checks = {"multi_output": False}

    def __init__(
        self,
        *,
        class_weight: dict | str | None = None,
        validation_split: str = "stratified",
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
        max_epochs: int | str = "auto",
        batch_size: int | str = "auto",
        lr: float | str = "auto",
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        lr_scheduler: str | type | None = "auto",
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
        self.class_weight = class_weight
        self.validation_split = validation_split

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Training sequences (token ids of shape (n_samples, n_steps) when
            ``n_tokens`` is set); or a list of sequences of different
            lengths, arrays of shape ``(n_steps_i, n_features)`` (or
            ``(n_steps_i,)``), padded and masked inside.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss, multiplied by its
            class's weight from ``class_weight`` (see :ref:`sample-weights`);
            None weighs rows alike.

        Returns
        -------
        self : LSTMClassifier
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            partial=False,
            sample_weight=sample_weight,
            validation=self._stops_early(),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``X, y``, continuing from the current weights.

        The first call builds the network. There is no validation split or
        early stopping. ``k`` calls on the same data give the same model as
        ``fit`` with ``max_epochs=k`` (bit for bit on CPU, same seed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Training sequences; or a list of sequences of different lengths,
            arrays of shape ``(n_steps_i, n_features)`` (or ``(n_steps_i,)``),
            padded and masked inside.

        y : array-like of shape (n_samples,)
            Class labels.

        classes : array-like of shape (n_classes,), default=None
            Every class that any call will see. Needed in the first call
            when its ``y`` does not contain them all; ignored afterwards.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss, multiplied by its
            class's weight; None weighs rows alike.

        Returns
        -------
        self : LSTMClassifier
            The updated estimator.
        """
        return self._fit(
            X, y, partial=True, classes=classes, sample_weight=sample_weight
        )

    def _training_settings(self, partial, n_samples=None):
        return resolve_auto(
            super()._training_settings(partial),
            batch_norm=self._has_batch_norm(),
            partial=partial,
            n_samples=n_samples,
        )

    def _validation_split(self):
        if self.validation_split == "last":
            return super()._validation_split()
        return StratifiedSplit(self.validation_fraction, self.random_state)

    def decision_function(self, X):
        """Class scores of the network (logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the score of ``classes_[1]`` relative to
            ``classes_[0]`` (positive means ``classes_[1]``); otherwise one
            logit per class, in the order of ``classes_``.
        """
        return self._head_outputs(X)["decision_function"]

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), dtype float64
            Probabilities in the order of ``classes_``; each row sums to 1.
        """
        return self._head_outputs(X)["probabilities"]

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), dtype float64
            Log-probabilities in the order of ``classes_``.
        """
        return self._head_outputs(X)["log_probabilities"]

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps) or (n_samples, n_steps, n_features)
            Sequences shaped like those seen in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The most probable class of each sequence.
        """
        logits = self._head_outputs(X)["logits"]
        return self.classes_[np.argmax(logits, axis=1)]

    def _make_net(self, amp, **params):
        if amp is None:
            return SequenceNetClassifier(criterion=torch.nn.CrossEntropyLoss, **params)
        return AmpNeuralNetClassifier(
            criterion=torch.nn.CrossEntropyLoss, amp_dtype=amp, **params
        )
