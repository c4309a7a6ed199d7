"""What the benchmark scripts share: alternating runs, medians, the machine.

Contenders run in turn inside each repeat (A, B, C, then B, C, A, ...), so
that a burst of load from another process slows all of them rather than one,
and no contender always follows the same other one; each is
reported by its median time and by its ratio to a reference: the median, over
repeats, of its time divided by the reference's time in the same repeat, which
cancels load that drifts from one repeat to the next.
"""

import gc
import os
import platform
import statistics
import subprocess
import time

import numpy as np
import sklearn
import skorch
import torch


def time_alternating(contenders, repeats):
    """Call each ``contenders`` function once per repeat, in turn; return times.

    Parameters
    ----------
    contenders : dict of str to callable
        Functions taking no argument.
    repeats : int
        Calls per contender.

    Returns
    -------
    seconds : dict of str to list of float
        Wall-clock seconds of each call, per contender.
    """
    seconds = {name: [] for name in contenders}
    names = list(contenders)
    for repeat in range(repeats):
        # Each repeat starts one contender later, so that none is always the
        # one that runs after (or first after) the same other one.
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            # The previous call's garbage is collected now, not during this
            # call; collections that this call's own objects trigger count.
            gc.collect()
            start = time.perf_counter()
            contenders[name]()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def time_per_call(contenders, calls, repeats):
    """Seconds per call of each contender: ``calls`` calls per timing, alternating.

    Each contender first runs once untimed (a warm-up); then, per repeat, it is
    called ``calls`` times in a row and the mean is kept.

    Parameters
    ----------
    contenders : dict of str to callable
        Functions taking no argument.
    calls : int
        Calls per timing: enough for a stable mean of a fast function.
    repeats : int
        Timings per contender.

    Returns
    -------
    seconds : dict of str to list of float
        Mean seconds per call, one per repeat, per contender.
    """

    def repeated(function):
        def run():
            for _ in range(calls):
                function()

        return run

    looped = {name: repeated(function) for name, function in contenders.items()}
    time_alternating(looped, repeats=1)
    seconds = time_alternating(looped, repeats)
    return {name: [t / calls for t in times] for name, times in seconds.items()}


def print_table(seconds, reference, unit="s", title=None):
    """Print each contender's median time, spread and ratio to ``reference``.

    Parameters
    ----------
    seconds : dict of str to list of float
        Times per contender, as returned by :func:`time_alternating`.
    reference : str
        The contender the ratios divide by, repeat by repeat.
    unit : {"s", "ms", "us"}, default="s"
        Unit of the printed times.
    title : str or None
        Printed above the table.

    Returns
    -------
    ratios : dict of str to float
        Median over repeats of each contender's time divided by the
        reference's time in the same repeat.
    """
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    width = max(len(name) for name in seconds)
    if title:
        print(title)
    print(
        f"  {'contender':<{width}}  {'median (' + unit + ')':>12}  "
        f"{'min-max (' + unit + ')':>19}  {'ratio':>6}"
    )
    ratios = {}
    for name, times in seconds.items():
        median = statistics.median(times)
        pairs = zip(times, seconds[reference], strict=True)
        ratios[name] = statistics.median(own / other for own, other in pairs)
        spread = f"{min(times) * scale:.4g}-{max(times) * scale:.4g}"
        print(
            f"  {name:<{width}}  {median * scale:>12.4g}  {spread:>19}  "
            f"{ratios[name]:>6.3f}"
        )
    print()
    return ratios


def cpu_model():
    """The ``lscpu`` model name, or the platform's processor string."""
    try:
        lscpu = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in lscpu.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def load_average():
    """The 1-, 5- and 15-minute load averages, as text."""
    try:
        return " ".join(f"{load:.2f}" for load in os.getloadavg())
    except OSError:
        return "unknown"


def describe_machine():
    """Print the CPU, versions and threads that the timings depend on."""
    print(
        f"CPU: {cpu_model()}, {os.cpu_count()} cores; "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"numpy {np.__version__}, skorch {skorch.__version__}, "
        f"scikit-learn {sklearn.__version__}, Python {platform.python_version()}"
    )
    if torch.cuda.is_available():
        print(f"GPU: {torch.cuda.get_device_name()}")
    print(f"load average at start: {load_average()}\n")
