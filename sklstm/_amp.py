"""Mixed precision (float16 autocast with gradient scaling) for CUDA training."""

import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator

__all__ = ["AmpNeuralNetClassifier", "AmpNeuralNetRegressor"]


class AmpMixin:
    """Run skorch's training step under ``torch.autocast`` with a ``GradScaler``.

    The forward pass and loss run in float16 where safe; the loss is scaled
    before ``backward`` so small gradients do not underflow, and gradients are
    unscaled before ``on_grad_computed`` so that gradient clipping sees their
    true norm. Inference is unchanged (float32).
    """

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        with torch.autocast(device_type="cuda", dtype=torch.float16):
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.grad_scaler_.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        if not hasattr(self, "grad_scaler_"):
            self.grad_scaler_ = torch.amp.GradScaler("cuda")
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        self.grad_scaler_.unscale_(self.optimizer_)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        self.grad_scaler_.step(self.optimizer_)
        self.grad_scaler_.update()
        return step


class AmpNeuralNetRegressor(AmpMixin, NeuralNetRegressor):
    """skorch's NeuralNetRegressor trained with CUDA mixed precision."""


class AmpNeuralNetClassifier(AmpMixin, NeuralNetClassifier):
    """skorch's NeuralNetClassifier trained with CUDA mixed precision."""
