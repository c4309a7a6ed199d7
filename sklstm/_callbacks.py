"""skorch callbacks behind the estimators' training options."""

import math

from skorch.callbacks import Callback

from .exceptions import TrainingDivergedError

__all__ = ["EpochProgressBar", "RecordLearningRate", "WeightGuard"]


class EpochProgressBar(Callback):
    """A tqdm bar over epochs showing the losses and the time left.

    ``tqdm.auto`` draws a widget in Jupyter and text in a terminal.
    """

    def __init__(self, total, desc=None):
        self.total = total
        self.desc = desc

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=self.total, unit="epoch", desc=self.desc)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        losses = {key: row[key] for key in ("train_loss", "valid_loss") if key in row}
        self.bar_.set_postfix({key: f"{value:.4g}" for key, value in losses.items()})
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
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
