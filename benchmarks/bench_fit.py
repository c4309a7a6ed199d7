"""Fit time: LSTMRegressor vs a hand-written PyTorch loop vs plain skorch.

Every contender trains the same ``RecurrentNet`` (built with the arguments
LSTMRegressor builds it with) with Adam, lr=1e-3, batch 128, 2 epochs,
reshuffling each epoch, without validation, on the same 3-D float32 array of
n windows x 48 steps x 4 features:

- hand-written loop: float32 tensors made once, ``torch.randperm`` order,
  batches indexed from the whole tensors: the floor to compare against;
- the same loop fed by sklstm's ``BatchIterator``: the cost of sklstm's data
  path alone;
- LSTMRegressor: ``fit`` as a user calls it, input validation included;
- LSTMRegressor on the read-only strided view that ``SlidingWindow`` returns
  (n rows x 4 features, window 48), from which batches are gathered;
- skorch NeuralNetRegressor with its default Dataset and DataLoader
  (``train_split=None``, ``iterator_train__shuffle=True`` for the same work).

The input validation that LSTMRegressor.fit runs is also timed on its own.
Contenders alternate inside each repeat; the table gives each one's median
and its ratio to the hand-written loop. Sizes (n, hidden) are (16000, 64)
and (32000, 128).

    python benchmarks/bench_fit.py                      # both sizes, 5 repeats
    python benchmarks/bench_fit.py --cases small --repeats 7
    python benchmarks/bench_fit.py --plot docs/bench_fit.png
    python benchmarks/bench_fit.py --n-samples 2000 --repeats 3   # a quick look
"""

import argparse
import inspect

import numpy as np
import torch
from _harness import describe_machine, load_average, print_table, time_alternating
from skorch import NeuralNetRegressor

from sklstm import LSTMRegressor, SlidingWindow
from sklstm._estimators._data import BatchIterator, SequenceDataset
from sklstm.nn._modules import RecurrentNet

N_FEATURES = 4
N_STEPS = 48
BATCH_SIZE = 128
EPOCHS = 2
LR = 1e-3
CASES = {"small": (16_000, 64), "large": (32_000, 128)}
REFERENCE = "hand-written loop"


def make_data(n_samples):
    """Rows of a random series, their windows (view and copy) and a target."""
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(n_samples, N_FEATURES)).astype(np.float32)
    view = SlidingWindow(window=N_STEPS).fit_transform(rows)
    y = (rows[:, 0] + 0.1 * rng.normal(size=n_samples)).astype(np.float32)
    return np.ascontiguousarray(view), view, y


def module_params(hidden_size):
    """The arguments LSTMRegressor(hidden_size=...) builds its RecurrentNet with."""
    estimator_params = LSTMRegressor(hidden_size=hidden_size).get_params()
    accepted = inspect.signature(RecurrentNet).parameters
    shared = {k: v for k, v in estimator_params.items() if k in accepted}
    return {**shared, "n_features": N_FEATURES, "n_outputs": 1}


def hand_written_loop(X, y, hidden_size, device="cpu"):
    torch.manual_seed(0)
    X = torch.from_numpy(X).to(device)
    y = torch.from_numpy(y).reshape(-1, 1).to(device)
    module = RecurrentNet(**module_params(hidden_size)).to(device)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    criterion = torch.nn.MSELoss()
    module.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(X)).to(device)
        for start in range(0, len(X), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = criterion(module(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
    return module


def hand_written_loop_sklstm_batches(X, y, hidden_size):
    """The hand-written loop fed by sklstm's BatchIterator instead of tensor indexing.

    Its distance to the hand-written loop is the cost of sklstm's data path;
    LSTMRegressor's distance to it is skorch's per-batch bookkeeping.
    """
    torch.manual_seed(0)
    dataset = SequenceDataset(X, torch.from_numpy(y).reshape(-1, 1))
    module = RecurrentNet(**module_params(hidden_size))
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    criterion = torch.nn.MSELoss()
    module.train()
    for _ in range(EPOCHS):
        for X_batch, y_batch in BatchIterator(dataset, BATCH_SIZE, shuffle=True):
            optimizer.zero_grad()
            loss = criterion(module(X_batch), y_batch)
            loss.backward()
            optimizer.step()
    return module


def lstm_regressor(X, y, hidden_size, **params):
    return LSTMRegressor(
        hidden_size=hidden_size,
        batch_size=BATCH_SIZE,
        max_epochs=EPOCHS,
        lr=LR,
        early_stopping=False,
        random_state=0,
        **params,
    ).fit(X, y)


def input_validation(X, y, hidden_size):
    """The checks LSTMRegressor.fit makes before training."""
    return LSTMRegressor(hidden_size=hidden_size)._validate_input(X, y, reset=True)


def plain_skorch(X, y, hidden_size):
    torch.manual_seed(0)
    net = NeuralNetRegressor(
        RecurrentNet,
        **{f"module__{k}": v for k, v in module_params(hidden_size).items()},
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=BATCH_SIZE,
        max_epochs=EPOCHS,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    return net.fit(X, y.reshape(-1, 1))


def contenders_for(n_samples, hidden_size):
    """The contenders, as functions of no argument, on data of ``n_samples``."""
    X, view, y = make_data(n_samples)
    return {
        REFERENCE: lambda: hand_written_loop(X, y, hidden_size),
        "hand-written loop, sklstm batches": lambda: hand_written_loop_sklstm_batches(
            X, y, hidden_size
        ),
        "LSTMRegressor": lambda: lstm_regressor(X, y, hidden_size),
        "LSTMRegressor, SlidingWindow view": lambda: lstm_regressor(
            view, y, hidden_size
        ),
        "skorch NeuralNetRegressor": lambda: plain_skorch(X, y, hidden_size),
        "  input validation (array)": lambda: input_validation(X, y, hidden_size),
        "  input validation (view)": lambda: input_validation(view, y, hidden_size),
    }


def run_case(n_samples, hidden_size, repeats):
    # One untimed round on little data: torch's first calls pay one-off costs
    # (thread pool, kernel selection) that would land on the first contender.
    time_alternating(contenders_for(4 * BATCH_SIZE, hidden_size), repeats=1)
    seconds = time_alternating(contenders_for(n_samples, hidden_size), repeats)
    title = (
        f"n={n_samples}, steps={N_STEPS}, features={N_FEATURES}, "
        f"hidden={hidden_size}, batch={BATCH_SIZE}, epochs={EPOCHS}: "
        f"median of {repeats} (load after: {load_average()})"
    )
    return print_table(seconds, REFERENCE, unit="s", title=title)


def plot(ratios_by_case, path):
    """Bar chart of the ratios to the hand-written loop, one group per size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in next(iter(ratios_by_case.values())) if name[0] != " "]
    fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        positions = [j + i * width for j in range(len(ratios_by_case))]
        values = [ratios[name] for ratios in ratios_by_case.values()]
        bars = ax.bar(positions, values, width, label=name)
        ax.bar_label(bars, fmt="%.3f", fontsize=7)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(
        [j + 0.4 - width / 2 for j in range(len(ratios_by_case))],
        list(ratios_by_case),
    )
    ax.set_ylabel("fit time / hand-written loop")
    ax.set_title("CPU fit time, median of repeats (lower is faster)", fontsize=10)
    lowest = min(ratios[name] for ratios in ratios_by_case.values() for name in names)
    ax.set_ylim(min(0.9, lowest - 0.05), None)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.savefig(path, dpi=120)
    print(f"plot saved to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--n-samples", type=int, default=None, help="override n in every case"
    )
    parser.add_argument("--plot", default=None, help="save a bar chart (PNG) here")
    args = parser.parse_args()
    describe_machine()
    ratios_by_case = {}
    for case in args.cases:
        n_samples, hidden_size = CASES[case]
        n_samples = args.n_samples or n_samples
        ratios = run_case(n_samples, hidden_size, args.repeats)
        ratios_by_case[f"n={n_samples}, hidden={hidden_size}"] = ratios
    if args.plot:
        plot(ratios_by_case, args.plot)


if __name__ == "__main__":
    main()
