"""Exceptions raised by sklstm."""

__all__ = ["TrainingDivergedError", "UntrustedTypeError"]


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


class UntrustedTypeError(ValueError):
    """A file given to :func:`sklstm.load` names a type it does not trust.

    Raised before anything from the file is built or run. ``types`` lists
    the fully qualified names of the refused types.

    Parameters
    ----------
    message : str
        The error message.

    types : list of str, default=()
        The names of the types that are not trusted.

    Attributes
    ----------
    types : list of str
        The names of the types that are not trusted.

    Examples
    --------
    >>> from sklstm.exceptions import UntrustedTypeError
    >>> error = UntrustedTypeError("not trusted", types=["posix.system"])
    >>> error.types
    ['posix.system']
    """

    def __init__(self, message, types=()):
        super().__init__(message)
        self.types = list(types)
