"""Docstring sections shared by the estimators, written once."""

__all__ = ["fill_shared_doc"]

_MARKER = "    {shared_parameters}\n"

SHARED_PARAMETERS = """\
    hidden_size : int, default=64
        Units in each recurrent layer (per direction).

    num_layers : int, default=1
        Number of stacked recurrent layers.

    dropout : float, default=0.0
        Dropout probability in ``[0, 1)`` between stacked layers and before
        the output layer.

    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.

    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell: ``torch.nn.LSTM`` or ``torch.nn.GRU``.

    proj_size : int, default=0
        Size of the LSTM's projection of its hidden state (0 = none); must be
        smaller than ``hidden_size``. LSTM only.

    pooling : {"last", "mean", "max", "attention"}, default="last"
        How the outputs over time become one vector: the final state (both
        directions' final states when bidirectional), their mean, their
        maximum, or a learned additive attention whose weights
        ``attention_weights(X)`` returns.

    conv_channels : int, tuple of int or None, default=None
        Convolutions over time. An int: one Conv1d layer with this many
        channels and a ReLU, without batch normalisation (as before tuples
        were accepted, so fitted models keep their results). A tuple: one
        block of Conv1d, BatchNorm1d and ReLU per entry, with that many
        channels, e.g. ``(128, 256, 128)`` for the FCN of Wang et al. (2017).

    conv_kernel_size : int or tuple of int, default=3
        Kernel size of each convolution (sequences keep their length): one
        int for all, or a tuple as long as ``conv_channels``, e.g.
        ``(8, 5, 3)``.

    conv_path : {"before", "beside"}, default="before"
        Where the convolutions sit. ``"before"``: they feed the recurrent
        layers (CNN-LSTM). ``"beside"``: they read the input in parallel
        with the recurrent layers, are averaged over time (global average
        pooling, padding steps excluded) and concatenated with the pooled
        recurrent outputs before the output layer: LSTM-FCN (Karim et al.,
        2017), the recipe for time-series classification in
        :doc:`/architectures`. Needs ``conv_channels``.

    layer_norm : bool, default=False
        Layer normalisation of the recurrent outputs.

    n_tokens : int or None, default=None
        When set, ``X`` holds integer token ids of shape
        ``(n_samples, n_steps)`` in ``[0, n_tokens)``, embedded with
        ``torch.nn.Embedding``; id 0 is padding, left out of pooling.

    embedding_dim : int, default=32
        Size of the token embeddings when ``n_tokens`` is set.

    module : torch.nn.Module subclass or None, default=None
        A custom network replacing the architecture above (whose parameters
        are then ignored). It is built with its ``module__<name>`` arguments
        (see ``**kwargs``), plus ``n_features`` and ``n_outputs`` when its
        ``__init__`` takes them,
        reads ``(batch, n_steps, n_features)`` and returns
        ``(batch, n_outputs)``.

    module_params : dict or None, default=None
        Keyword arguments of ``module``, as ``module__<name>`` passes them.

        .. deprecated:: 0.2
           Pass ``module__<name>=value`` instead; ``module_params`` will be
           removed in 0.4. Until then it works as before, with a
           FutureWarning; a ``module__<name>`` set by ``set_params`` takes
           over its entry of the same name.

    max_epochs : int, default=100
        Maximum number of passes over the training rows.

    batch_size : int, default=32
        Rows per mini-batch; rows are shuffled every epoch.

    lr : float, default=1e-3
        Learning rate of the optimizer.

    optimizer : str or torch.optim.Optimizer subclass, default="adam"
        The ``torch.optim`` optimizer: ``"adam"``, ``"adamw"``, ``"sgd"``,
        ``"rmsprop"`` or a class, with its defaults apart from ``lr`` and
        ``weight_decay`` (passed when the class takes it). A class, such
        as ``torch.optim.Adagrad``, is built on the network's parameters
        (``torch.optim.LBFGS``, which needs a closure, is refused).

        .. versionchanged:: 0.2
           Accepts any ``torch.optim.Optimizer`` subclass.

    weight_decay : float, default=0.0
        L2 penalty (decoupled for ``"adamw"``).

    early_stopping : bool or "auto", default="auto"
        Whether to hold out ``validation_fraction`` of the rows, stop when
        their loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. LSTMRegressor
        holds out the **last** rows, in the order given (shuffled rows would
        validate a forecast on the past); LSTMClassifier draws a stratified
        sample by default (see its ``validation_split``). ``"auto"``: on
        when LSTMRegressor forecasts a series in its frame (``level="auto"``
        found the target among the inputs), off otherwise; measured on 19
        real series, training the recurrent part for all ``max_epochs``
        instead made one-step forecasts 7 % worse in geometric mean
        (``benchmarks/bench_accuracy.py``).

        .. versionchanged:: 0.2
           The default was False.

    validation_fraction : float, default=0.1
        Fraction of the rows held out when ``early_stopping=True``; rounded
        up to whole rows.

    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.

    tol : float, default=1e-4
        Minimum decrease of the validation loss that counts as improvement.

    lr_scheduler : {"plateau", "cosine", "step", "onecycle"}, torch scheduler \
            class or None, default=None
        Learning-rate schedule, stepped once per epoch (skorch's
        ``LRScheduler``): ``"plateau"`` halves the rate when the loss (the
        validation loss with early stopping, else the training loss) has not
        improved for 5 epochs (``ReduceLROnPlateau(factor=0.5, patience=5)``);
        ``"cosine"`` anneals it to 0 over ``max_epochs``
        (``CosineAnnealingLR(T_max=max_epochs)``); ``"step"`` divides it by 10
        every third of ``max_epochs`` (``StepLR``); ``"onecycle"`` raises it
        from ``lr / 25`` to ``lr`` over the first 30 % of ``max_epochs`` and
        anneals it to ``lr / 1e4`` by the last (``OneCycleLR(max_lr=lr,
        total_steps=max_epochs)``; a continued fit runs a new cycle). A class
        from ``torch.optim.lr_scheduler`` is built with its
        ``lr_scheduler__<name>`` arguments, which also override the defaults
        of a named schedule.

        .. versionadded:: 0.2
           ``"onecycle"``.

    lr_scheduler_params : dict or None, default=None
        Keyword arguments of the scheduler, as ``lr_scheduler__<name>``.

        .. deprecated:: 0.2
           Pass ``lr_scheduler__<name>=value`` instead; it will be removed
           in 0.4 and works as before until then, with a FutureWarning.

    clip_grad_norm : float or None, default=None
        Clip the gradients' total norm to this value before each step.

    amp : bool, "float16" or "bfloat16", default=False
        Train with mixed precision on CUDA: the forward pass and loss run
        under ``torch.autocast`` in this dtype, weights and predictions stay
        float32. ``"float16"`` (or True) scales the loss (``GradScaler``) so
        that small gradients do not underflow; ``"bfloat16"`` has float32's
        exponent range and needs no scaling, on GPUs with bfloat16 units
        (Ampere or newer). On other devices it has no effect, with a warning.

    callbacks : list or None, default=None
        Extra skorch callbacks (instances or ``(name, callback)`` tuples),
        deep-copied into each fit, so one fit's callback state never leaks
        into the next (:class:`~sklstm.OptunaPruning` keeps its trial).

    warm_start : bool, default=False
        When fitted already, ``fit`` continues training the current network
        for ``max_epochs`` more epochs (keeping its optimizer state) instead
        of starting anew.

    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"`` (a GPU
        when PyTorch sees one, else the CPU).

    n_threads : int, "auto" or None, default=None
        Threads torch uses on the CPU during ``fit`` and ``predict``; torch's
        global setting is restored after each call. None: torch's setting
        when ``fit`` starts (one in joblib's workers of
        ``GridSearchCV(n_jobs=...)`` and in dask's), at most the CPUs this
        process may use (:func:`joblib.cpu_count`: affinity and cgroup
        quota), fixed for the whole fit; the count is kept in
        ``n_threads_``, and ``predict`` uses it again (at most what the
        predicting process may use), so the same seed gives the same bits
        whatever the machine's load, and a model loaded in a fresh process
        on the same machine predicts the same bits. An int fixes the count
        (at most the CPUs this process may run on: threads beyond them only
        wait for each other).
        ``"auto"`` adapts to the machine's load: each fit starts at one
        thread, reads every half second how many cores other processes
        leave free, and takes that many threads when timing a few batches
        shows they pay; the count per epoch is in ``history_["n_threads"]``.
        It avoids the collapse of threads that spin on cores other work
        needs (10-170x slower) but is not reproducible bit for bit when the
        load changes. LSTM and GRU networks without ``layer_norm``,
        attention or a convolution gave the same bits for 1 to 4 threads;
        others may differ in the last bits between counts.

        .. versionchanged:: 0.2
           None was the adaptive policy, now ``"auto"``; it started from
           the count the previous fit in the process ended with.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and shuffling. An int makes a
        CPU fit reproducible bit for bit. Torch's global random state is
        restored after ``fit``.

    verbose : int, default=0
        ``0`` is silent; ``1`` shows a progress bar over epochs with the
        losses and the time left (tqdm: text in a terminal, a widget in
        Jupyter) and, where stderr is neither (a file, a pipe, a CI log),
        prints one line per epoch to stderr instead; ``2`` prints skorch's
        table of losses after each epoch.

    distributed : bool, default=False
        Train data-parallel on the processes a launcher started
        (``torchrun --nproc_per_node=N script.py``): each process runs the
        script on the same data, trains on its share of every batch, and
        PyTorch's DistributedDataParallel averages the gradients (gloo on the
        CPU, NCCL on GPUs); ``device="cuda"`` takes GPU ``LOCAL_RANK``.
        ``batch_size`` is the batch of all processes together, so the fit
        follows the one-process fit of the same ``batch_size``; every process
        ends with the same estimator, to save from rank 0. Without a launcher
        it trains in this process alone, with a warning. See the user guide's
        "Several processes: data-parallel training".
    **kwargs : dict
        Routed arguments, as in skorch: ``optimizer__<name>`` of the
        optimizer (``optimizer=torch.optim.SGD, optimizer__momentum=0.9``),
        ``module__<name>`` of a custom ``module`` and ``lr_scheduler__<name>``
        of the learning-rate scheduler. Each is a parameter of its own:
        ``get_params`` reports it, ``set_params`` and searches set it
        (``{"lstm__optimizer__momentum": [0.0, 0.9]}``), and the model
        saves it. Before training, a ValueError names an argument that the
        class does not take, one given twice (also through ``weight_decay``,
        ``module_params`` or ``lr_scheduler_params``) and
        ``optimizer__lr`` (set ``lr``); another keyword is a TypeError, as
        for any function.

        .. versionadded:: 0.2
"""


def _replace_entry(text, name, entry):
    """``text`` with the parameter entry ``name`` (up to the next one) replaced."""
    start = text.index(f"    {name} : ")
    end = text.find("\n\n    ", start)
    end = len(text) if end == -1 else end
    while text[end + 6] == " ":  # a blank line inside the entry, not the next one
        end = text.find("\n\n    ", end + 2)
    return text[:start] + entry.rstrip("\n") + text[end:]


def fill_shared_doc(cls):
    """Class decorator: put the shared parameter descriptions in ``cls.__doc__``.

    Entries named in the class attribute ``_doc_overrides`` (parameter name
    -> its whole entry) replace the shared ones: an estimator whose default
    differs says so where its users read it.
    """
    if _MARKER not in cls.__doc__:
        raise ValueError(f"{cls.__name__}'s docstring lacks the shared marker.")
    shared = SHARED_PARAMETERS
    for name, entry in getattr(cls, "_doc_overrides", {}).items():
        shared = _replace_entry(shared, name, entry)
    cls.__doc__ = cls.__doc__.replace(_MARKER, shared)
    return cls
