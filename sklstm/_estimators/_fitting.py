"""BaseLSTM's training: the skorch net built from the parameters, trained, recorded."""

import contextlib
import copy
import inspect
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from skorch.history import History

from ..exceptions import TrainingDivergedError
from ..nn._modules import RecurrentNet
from ._data import BatchIterator, SequenceDataset
from ._device import global_torch_seed, torch_threads
from ._net import autocast_dtype
from ._splits import TailSplit
from ._threads import fit_threads
from ._training import (
    build_callbacks,
    history_frame,
    optimizer_settings,
)

# The parameters of RecurrentNet that the estimators expose under the same name.
_ARCHITECTURE = (
    "hidden_size",
    "num_layers",
    "dropout",
    "bidirectional",
    "cell",
    "proj_size",
    "pooling",
    "conv_channels",
    "conv_kernel_size",
    "conv_path",
    "layer_norm",
    "n_tokens",
    "embedding_dim",
)


def _conv_argument(value):
    """Lists (from a JSON or a grid) as tuples; a one-int list for an int channel."""
    return tuple(value) if isinstance(value, list) else value


def draw_seed(generator):
    """A seed for torch's global generator, drawn from a fit's own generator."""
    return int(torch.randint(2**62, (1,), generator=generator))


class NetTrainingMixin:
    """Building the skorch net, training it, continuing a fitted one, and its history.

    Mixed into :class:`~sklstm._estimators._base.BaseLSTM`, whose hooks
    (``_make_net``, ``_make_head``, ``_level_params``, ...) these call.
    """

    def _fit_network(self, dataset, net_params, device, partial, continuing, group):
        """Build the net, initialise it (or continue the fitted one) and train it."""
        generator = torch.Generator()
        if continuing:
            generator.set_state(self._torch_rng_state)
        else:
            generator.manual_seed(
                int(
                    check_random_state(self.random_state).randint(
                        np.iinfo(np.int32).max
                    )
                )
            )
        if group is not None:  # shuffle alike: random_state=None differs by process
            generator.set_state(group.from_rank_0(generator.get_state()))
        settings = self._training_settings(partial, n_samples=len(dataset))
        net = self._build_net(
            device=device,
            partial=partial,
            generator=generator,
            group=group,
            settings=settings,
            **net_params,
        )
        # One count for the whole fit, initialisation included, restored
        # afterwards ("auto" starts at one thread and its tuner changes it).
        n_threads = fit_threads(self.n_threads)
        with torch_threads(n_threads):
            # Weight initialisation draws from torch's global generator; a
            # continued fit overwrites the weights, so it draws nothing of its own.
            with global_torch_seed(0 if continuing else draw_seed(generator), device):
                net.initialize()
            if continuing:
                self._continue_from(net)
            else:
                self._init_module(net.module_, dataset)
            self._architecture_fitted = self._architecture()
            if group is not None:
                group.wrap(net, find_unused_parameters=self.module is not None)
            return self._train(
                net, dataset, generator, device, partial, continuing, n_threads, group
            )

    def _train(
        self, net, dataset, generator, device, partial, continuing, n_threads, group
    ):
        n_before = self.n_iter_ if continuing else 0
        epochs = 1 if partial else net.max_epochs
        diverged = None
        # Dropout draws from torch's global generator, which a fit may only
        # use under a lock (threads share it); the shuffle has its own.
        needs_global = self.module is not None or self.dropout > 0
        seeded = contextlib.nullcontext()
        if needs_global:
            # A continued fit picks up the global stream where the last one
            # left it: k partial_fit calls draw what one k-epoch fit draws.
            saved = getattr(self, "_global_rng_state", None) if continuing else None
            seeded = global_torch_seed(
                draw_seed(generator) if saved is None else saved, device
            )
        with seeded as global_generator:
            try:
                net.partial_fit(dataset, epochs=epochs)  # targets are in the dataset
            except TrainingDivergedError as error:
                diverged = error
        if group is not None:
            group.unwrap(net)
        self._torch_rng_state = generator.get_state()
        if needs_global:
            self._global_rng_state = global_generator.state
        self.net_, self.device_ = net, device
        tuner = dict(net.callbacks_).get("thread_tuner")
        # predict uses this count again, in this process or after loading.
        self.n_threads_ = n_threads if tuner is None else tuner.n_threads_
        self._record_history(net)
        self._after_training(net, dataset, partial)
        self._prepare_inference()
        if diverged is not None:
            raise diverged
        self._report_early_end(net, self.n_iter_ - n_before, epochs, partial)
        return self

    def _continue_from(self, net):
        """Carry the fitted weights, optimizer state and history into ``net``.

        ``net`` is built from the current parameters, so a continued fit uses
        the current learning rate, batch size, callbacks and validation rule;
        only the architecture must not change.
        """
        old = self.net_
        old_shapes = {k: v.shape for k, v in old.module_.state_dict().items()}
        new_shapes = {k: v.shape for k, v in net.module_.state_dict().items()}
        if old_shapes != new_shapes or type(old.module_) is not type(net.module_):
            fitted = getattr(self, "_architecture_fitted", {})
            current = self._architecture()
            changed = [
                f"{k} (fitted with {fitted[k]!r}, now {current[k]!r})"
                for k in sorted(current)
                if fitted.get(k, current[k]) != current[k]
            ]
            raise ValueError(
                f"{type(self).__name__} cannot continue training (warm_start=True "
                "or partial_fit) with another architecture: "
                f"{', '.join(changed) or 'the network'} changed since the last fit. "
                "Set them back, or fit from scratch (warm_start=False)."
            )
        net.module_.load_state_dict(old.module_.state_dict())
        if type(old.optimizer_) is type(net.optimizer_):
            state = copy.deepcopy(old.optimizer_.state_dict())
            current = net.optimizer_.state_dict()["param_groups"]
            for group, settings in zip(state["param_groups"], current, strict=True):
                group.update({k: v for k, v in settings.items() if k != "params"})
            net.optimizer_.load_state_dict(state)
        net.history = History(copy.deepcopy(list(old.history)))

    def _module_and_params(self, n_features, n_outputs):
        sizes = {"n_features": n_features, "n_outputs": n_outputs}
        if self.module is None:
            return RecurrentNet, {
                **sizes,
                **{k: getattr(self, k) for k in _ARCHITECTURE},
                **{
                    key: _conv_argument(getattr(self, key))
                    for key in ("conv_channels", "conv_kernel_size")
                },
                **self._level_params(),
            }
        params = self._routed_arguments("module__")
        accepted = inspect.signature(self.module).parameters
        sizes = {k: v for k, v in sizes.items() if k in accepted and k not in params}
        return self.module, {**sizes, **params}

    def _build_net(
        self,
        n_features,
        n_outputs,
        device,
        partial,
        generator=None,
        group=None,
        settings=None,
        **net_params,
    ):
        module, module_params = self._module_and_params(n_features, n_outputs)
        # Each process of a data-parallel fit serves its share of each batch;
        # only rank 0 shows progress.
        shards = (
            {} if group is None else {"rank": group.rank, "n_shards": group.world_size}
        )
        verbose = self.verbose if group is None or group.rank == 0 else 0
        on_cuda = torch.device(device).type == "cuda"
        if self.amp and not on_cuda:
            # CPU autocast is not used: in bfloat16 the LSTM fails or is 6-9
            # times slower than float32 without bfloat16 units (see
            # docs/gpu_and_persistence.md).
            warnings.warn(
                f"amp={self.amp!r} has no effect on device={device!r}: mixed "
                "precision is used on CUDA GPUs only. Training runs in float32.",
                UserWarning,
                stacklevel=5,
            )
        validation = self._stops_early() and not partial
        if settings is None:
            settings = self._training_settings(partial)
        return self._make_net(
            amp=autocast_dtype(self.amp) if on_cuda else None,
            module=module,
            **{f"module__{key}": value for key, value in module_params.items()},
            **optimizer_settings(self),
            lr=settings["lr"],
            max_epochs=settings["max_epochs"],
            batch_size=settings["batch_size"],
            iterator_train=BatchIterator,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            iterator_train__merge_small_last=self._has_batch_norm(),
            # CUDA batches go through pinned memory, copied without blocking.
            iterator_train__device=device,
            **{f"iterator_train__{key}": value for key, value in shards.items()},
            iterator_valid=BatchIterator,
            iterator_valid__device=device,
            **{f"iterator_valid__{key}": value for key, value in shards.items()},
            dataset=SequenceDataset,
            train_split=self._validation_split() if validation else None,
            callbacks=build_callbacks(self, partial, settings, device, verbose),
            device=device,
            # verbose=1 draws a progress bar; 2 prints skorch's table. Without
            # it, PrintLog would still format the table each epoch (0.5 ms).
            verbose=int(verbose >= 2),
            **({} if verbose >= 2 else {"callbacks__print_log": None}),
            **net_params,
        )

    def _has_batch_norm(self):
        """Whether the built-in network has batch-normalised convolutions."""
        return self.module is None and isinstance(self.conv_channels, tuple | list)

    def _architecture(self):
        """The parameters that shape the network, as set now."""
        keys = (
            *_ARCHITECTURE,
            "module",
            "module_params",
            *self._routed_params("module__"),
            *self._output_params,
            *self._level_params(),
        )
        return {key: getattr(self, key) for key in keys if hasattr(self, key)}

    def _validation_split(self):
        """The skorch ``train_split`` of early stopping: the last rows, in order."""
        return TailSplit(self.validation_fraction)

    def _record_history(self, net):
        rows = [row for row in net.history if "train_loss" in row]
        self.history_ = history_frame(rows)
        self.n_iter_ = len(rows)
        self.loss_curve_ = [row["train_loss"] for row in rows]
        self.validation_loss_ = None
        self.best_epoch_ = self.n_iter_
        if "valid_loss" in self.history_:
            self.validation_loss_ = self.history_["valid_loss"].tolist()
            stopper = dict(net.callbacks_).get("early_stopping")
            if stopper is not None and stopper.best_epoch_:
                self.best_epoch_ = int(stopper.best_epoch_)

    def _report_early_end(self, net, epochs_run, epochs_asked, partial):
        """Warn when training ended by an interruption, or before converging."""
        stopper = dict(net.callbacks_).get("early_stopping")
        stopped_early = stopper is not None and stopper.misses_ >= stopper.patience
        if epochs_run < epochs_asked and not stopped_early:
            warnings.warn(
                f"Training was interrupted after {epochs_run} of {epochs_asked} "
                f"epochs; the model keeps the weights of epoch {self.best_epoch_} "
                "(the best validation loss with early stopping, else the last "
                "completed epoch) and can predict.",
                UserWarning,
                stacklevel=5,
            )
        elif stopper is not None and not partial and self.best_epoch_ == self.n_iter_:
            warnings.warn(
                f"max_epochs={epochs_asked} ended while the validation loss was "
                "still improving (the last epoch was the best). Raise max_epochs, "
                "or lr, for a better fit.",
                ConvergenceWarning,
                stacklevel=5,
            )
