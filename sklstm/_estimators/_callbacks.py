"""skorch callbacks behind the estimators' training options."""

import math
import sys

from skorch.callbacks import Callback

from ..exceptions import TrainingDivergedError

__all__ = [
    "EpochProgressBar",
    "RecordLearningRate",
    "WeightGuard",
    "interactive_output",
]


def interactive_output(stream=None):
    """Whether ``stream`` (``sys.stderr`` by default) is watched live.

    True in a terminal and in a Jupyter kernel, where a progress bar redraws
    in place; False for a file, a pipe or a CI log, where each redraw would
    add to the log.
    """
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return True
    # As tqdm.auto decides on a notebook widget: an IPython kernel is running.
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class EpochProgressBar(Callback):
    """Progress over epochs showing the losses and the time left.

    Where stderr is watched live (:func:`interactive_output`), a tqdm bar:
    ``tqdm.auto`` draws a widget in Jupyter and text in a terminal. Elsewhere
    (a file, a pipe, a CI log) one line per epoch, which a log keeps readable.
    """

    def __init__(self, total, desc=None):
        self.total = total
        self.desc = desc

    def on_train_begin(self, net, **kwargs):
        self.epoch_ = 0
        self.bar_ = None
        if interactive_output():
            from tqdm.auto import tqdm

            self.bar_ = tqdm(total=self.total, unit="epoch", desc=self.desc)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        losses = {key: row[key] for key in ("train_loss", "valid_loss") if key in row}
        losses = {key: f"{value:.4g}" for key, value in losses.items()}
        self.epoch_ += 1
        if self.bar_ is not None:
            self.bar_.set_postfix(losses)
            self.bar_.update(1)
            return
        text = " ".join(f"{key}={value}" for key, value in losses.items())
        line = f"{self.desc}: epoch {self.epoch_}/{self.total} {text}"
        print(line.rstrip(), file=sys.stderr, flush=True)

    def on_train_end(self, net, **kwargs):
        if self.bar_ is not None:
            self.bar_.close()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("bar_", None)  # a live terminal widget does not pickle
        return state


class RecordLearningRate(Callback):
    """Record the learning rate each epoch trains with as ``lr`` in the history."""

    def on_epoch_begin(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


class WeightGuard(Callback):
    """Keep the weights of the last completed epoch and fall back on them.

    - A non-finite training loss restores them, re-initialises the optimizer
      (its moments hold the bad step) and raises
      :class:`~sklstm.exceptions.TrainingDivergedError`.
    - After an interruption mid-epoch (``KeyboardInterrupt``, which skorch
      turns into the end of training), they replace the half-trained weights
      when ``restore_on_interrupt`` is True (early stopping restores its own
      best weights otherwise).
    """

    def __init__(self, restore_on_interrupt=True):
        self.restore_on_interrupt = restore_on_interrupt

    def on_train_begin(self, net, **kwargs):
        self._snapshot(net)

    def on_epoch_end(self, net, **kwargs):
        self._snapshot(net)

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        # skorch has just read the loss with ``item()`` for the history, so
        # this reads a number that is ready, on a GPU too, and costs less
        # than a tensor op per batch.
        if not training or loss is None or math.isfinite(loss.item()):
            return
        net.module_.load_state_dict(self.weights_)
        net.initialize_optimizer()
        epoch = len(net.history)
        raise TrainingDivergedError(
            f"The training loss became {loss.item()} in epoch {epoch}, so training "
            f"stopped; the model keeps the weights of epoch {self.epoch_} (0 = "
            "initial weights). Lower lr, or bound the gradients with clip_grad_norm "
            "(e.g. clip_grad_norm=1.0), and check X and y for extreme values.",
            epoch=epoch,
        )

    def on_train_end(self, net, **kwargs):
        interrupted = "train_loss" not in net.history[-1]
        if interrupted and self.restore_on_interrupt:
            net.module_.load_state_dict(self.weights_)

    def _snapshot(self, net):
        # Cloning the tensors costs a tenth of deep-copying the state dict.
        self.weights_ = {
            name: tensor.detach().clone()
            for name, tensor in net.module_.state_dict().items()
        }
        complete = [row for row in net.history if "train_loss" in row]
        self.epoch_ = len(complete)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("weights_", None)  # the module already holds the weights
        return state
