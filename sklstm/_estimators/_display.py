"""TrainingHistoryDisplay: loss curves and learning rate of a fitted estimator."""

from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import check_matplotlib_support

__all__ = ["TrainingHistoryDisplay"]


class TrainingHistoryDisplay:
    """Training and validation loss per epoch, the learning rate, the best epoch.

    In scikit-learn's Display style: build it with :meth:`from_estimator`,
    or from a history table and call :meth:`plot`. Needs matplotlib
    (``pip install sklstm[plot]``).

    Parameters
    ----------
    history : pandas.DataFrame
        One row per epoch with columns ``epoch``, ``train_loss`` and
        optionally ``valid_loss`` and ``lr``, like an estimator's
        ``history_``.
    best_epoch : int or None, default=None
        Epoch to mark, e.g. the one whose weights the model kept.
    estimator_name : str or None, default=None
        Name used in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the loss curves.
    lr_ax_ : matplotlib Axes or None
        Twin axes with the learning rate, when plotted.
    figure_ : matplotlib Figure
        Figure containing the axes.
    lines_ : dict of str to matplotlib Line2D
        The drawn lines: ``"train_loss"``, ``"valid_loss"``, ``"lr"``,
        ``"best_epoch"`` where present.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor, TrainingHistoryDisplay
    >>> X = np.random.RandomState(0).normal(size=(60, 5, 1))
    >>> model = LSTMRegressor(hidden_size=4, max_epochs=3, random_state=0)
    >>> model = model.fit(X, X[:, -1, 0])
    >>> display = TrainingHistoryDisplay.from_estimator(model)
    >>> sorted(display.lines_)
    ['best_epoch', 'lr', 'train_loss']
    """

    def __init__(self, *, history, best_epoch=None, estimator_name=None):
        self.history = history
        self.best_epoch = best_epoch
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, show_lr=True, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        show_lr : bool, default=True
            Draw the learning rate on a second y axis.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : TrainingHistoryDisplay
            This object, with ``ax_``, ``lr_ax_``, ``figure_`` and ``lines_``.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        epochs = self.history["epoch"]
        self.lines_ = {}
        for column, label in (("train_loss", "training"), ("valid_loss", "validation")):
            if column in self.history:
                (self.lines_[column],) = ax.plot(
                    epochs, self.history[column], label=f"{label} loss"
                )
        if self.best_epoch is not None:
            self.lines_["best_epoch"] = ax.axvline(
                self.best_epoch,
                color="gray",
                linestyle=":",
                label=f"kept weights (epoch {self.best_epoch})",
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if log_scale:
            ax.set_yscale("log")
        self.lr_ax_ = None
        if show_lr and "lr" in self.history:
            self.lr_ax_ = ax.twinx()
            (self.lines_["lr"],) = self.lr_ax_.plot(
                epochs, self.history["lr"], color="tab:green", linestyle="--"
            )
            self.lr_ax_.set_ylabel("learning rate", color="tab:green")
        ax.legend(loc="upper right")
        if self.estimator_name:
            ax.set_title(f"{self.estimator_name} training history")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, show_lr=True, log_scale=False):
        """Plot the training history of a fitted sklstm estimator.

        Parameters
        ----------
        estimator : LSTMRegressor or LSTMClassifier
            A fitted estimator (the last step of a fitted Pipeline works too).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        show_lr : bool, default=True
            Draw the learning rate on a second y axis.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : TrainingHistoryDisplay
            The display, drawn.
        """
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        check_is_fitted(estimator, "history_")
        display = cls(
            history=estimator.history_,
            best_epoch=estimator.best_epoch_,
            estimator_name=type(estimator).__name__,
        )
        return display.plot(ax=ax, show_lr=show_lr, log_scale=log_scale)
