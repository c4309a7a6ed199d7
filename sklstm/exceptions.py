"""Exceptions raised by sklstm."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite.

    Raised by ``fit`` and ``partial_fit`` after the estimator has been left
    fitted with the weights of the last epoch that completed with a finite
    loss, so it can still predict. ``epoch`` is the epoch (counted from 1) in
    which the loss diverged.

    Parameters
    ----------
    message : str
        The error message.

    epoch : int or None, default=None
        The epoch (counted from 1) in which the loss became NaN or infinite.

    Attributes
    ----------
    epoch : int or None
        The epoch (counted from 1) in which the loss became NaN or infinite.

    Examples
    --------
    >>> from sklstm.exceptions import TrainingDivergedError
    >>> error = TrainingDivergedError("loss became nan", epoch=3)
    >>> error.epoch
    3
    """

    def __init__(self, message, epoch=None):
        super().__init__(message)
        self.epoch = epoch
