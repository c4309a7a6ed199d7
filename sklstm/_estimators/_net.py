"""The skorch nets the estimators train: a leaner training step, and mixed precision.

skorch's ``train_step`` hands the optimizer a closure, for optimizers such as
LBFGS that evaluate the loss several times, and puts every module back in
training mode before each batch. sklstm's optimizers (Adam, AdamW, SGD,
RMSprop) take one step per batch, and the modules keep their mode within an
epoch, so the nets here skip both; each saves some tens of microseconds a
batch, which is about 1 % of a CPU fit (``benchmarks/bench_fit.py``). The
callbacks see what they see in skorch: ``on_batch_begin``,
``on_grad_computed`` (gradient clipping) and ``on_batch_end``, and the same
history.

With sample weights, a batch's targets come as ``(y, weight)`` (see
``SequenceDataset.training_batch``) and ``get_loss`` weighs each row's loss:
``sum(w * l) / sum(w)`` per batch, as scikit-learn's MLP does.
"""

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator, to_tensor

from ..nn._losses import weighted_mean_loss
from ._distributed import DataParallelMixin

__all__ = [
    "AmpNeuralNetClassifier",
    "AmpNeuralNetRegressor",
    "SequenceNetClassifier",
    "SequenceNetRegressor",
    "autocast_dtype",
    "set_mode",
]


def set_mode(module, training):
    """``module.train(training)``, skipped when every submodule is in that mode.

    ``Module.train`` sets the flag on every submodule through
    ``Module.__setattr__``; reading the flags costs a fraction of that.
    """
    if any(part.training != training for part in module.modules()):
        module.train(training)


class TrainStepMixin:
    """One optimizer step per batch, without skorch's closure; weighted losses."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, tuple | list):  # (y, weight): see the module's doc
            y_true, weight = (to_tensor(part, device=self.device) for part in y_true)
            return weighted_mean_loss(self.criterion_, y_pred, y_true, weight)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def _set_training(self, training=True):
        # skorch calls this before every batch.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module):
                set_mode(module, training)

    def train_step(self, batch, **fit_params):
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        self._notify_grad_computed(batch)
        self._step_optimizer(None)
        return step

    def _notify_grad_computed(self, batch):
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )


AMP_DTYPES = {True: torch.float16, "float16": torch.float16, "bfloat16": torch.bfloat16}


def autocast_dtype(amp):
    """The autocast dtype of the estimators' ``amp`` parameter; None for False."""
    return AMP_DTYPES[amp] if amp else None


class AmpMixin(TrainStepMixin):
    """Run skorch's training step under CUDA ``torch.autocast``.

    The forward pass and loss run in ``amp_dtype`` (float16 or bfloat16)
    where safe. With float16 a ``GradScaler`` scales the loss before
    ``backward`` so that small gradients do not underflow, and unscales the
    gradients before ``on_grad_computed`` so that gradient clipping sees their
    true norm. bfloat16 has float32's exponent range: its gradients do not
    underflow, and the scaler is disabled (it passes the loss and the step
    through unchanged). Inference is unchanged (float32).
    """

    def __init__(self, *args, amp_dtype=torch.float16, **kwargs):
        super().__init__(*args, **kwargs)
        self.amp_dtype = amp_dtype

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        with torch.autocast(device_type="cuda", dtype=self.amp_dtype):
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.grad_scaler_.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        if not hasattr(self, "grad_scaler_"):
            self.grad_scaler_ = torch.amp.GradScaler(
                "cuda", enabled=self.amp_dtype == torch.float16
            )
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        self.grad_scaler_.unscale_(self.optimizer_)
        self._notify_grad_computed(batch)
        self.grad_scaler_.step(self.optimizer_)
        self.grad_scaler_.update()
        return step


class SequenceNetRegressor(DataParallelMixin, TrainStepMixin, NeuralNetRegressor):
    """skorch's NeuralNetRegressor with one optimizer step per batch."""


class SequenceNetClassifier(DataParallelMixin, TrainStepMixin, NeuralNetClassifier):
    """skorch's NeuralNetClassifier with one optimizer step per batch."""


class AmpNeuralNetRegressor(DataParallelMixin, AmpMixin, NeuralNetRegressor):
    """skorch's NeuralNetRegressor trained with CUDA mixed precision."""


class AmpNeuralNetClassifier(DataParallelMixin, AmpMixin, NeuralNetClassifier):
    """skorch's NeuralNetClassifier trained with CUDA mixed precision."""
