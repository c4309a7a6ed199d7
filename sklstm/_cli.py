"""Command line: ``sklstm demo`` (also ``python -m sklstm demo``)."""

import argparse

from ._version import __version__

__all__ = ["main"]


def _positive_int(text):
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="sklstm", description="LSTM models as scikit-learn estimators."
    )
    parser.add_argument("--version", action="version", version=f"sklstm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="forecast the bundled El Niño series and compare with baselines",
        description=(
            "Train StandardScaler -> SlidingWindow -> LSTMRegressor on the monthly "
            "El Niño sea-surface temperatures (1950-2010), score one-month-ahead "
            "forecasts on the last 20%% of the months against naive, seasonal-naive "
            "and linear AR baselines, and write forecast.png, scores.csv and "
            "model.skops (open it with sklstm.load) to --out."
        ),
    )
    demo.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    demo.add_argument(
        "--epochs", type=_positive_int, default=200, help="maximum epochs"
    )
    demo.add_argument("--out", default="sklstm-demo", help="output folder")
    demo.add_argument(
        "--window", type=_positive_int, default=24, help="months per window"
    )
    demo.add_argument("--seed", type=int, default=0, help="random_state of the LSTM")
    demo.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar (there is none when stderr is not a terminal)",
    )
    return parser


def _check_demo_args(parser, args):
    """Refuse what the demo would fail on, before it loads or trains anything.

    Errors go through ``parser.error``: one line on stderr, exit status 2.
    """
    from ._demo import longest_window
    from ._estimators._device import resolve_device

    try:
        resolve_device(args.device, "sklstm demo")
    except ValueError as error:
        parser.error(f"argument --device: {error}")
    longest = longest_window()
    if args.window > longest:
        parser.error(
            f"argument --window: {args.window} months is longer than the "
            f"{longest} training months of the shortest demo series; pass at "
            f"most {longest}."
        )


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    _check_demo_args(parser, args)
    # Imported here to keep `--help` fast.
    from ._demo import run_demo
    from ._estimators._callbacks import interactive_output

    # The progress bar is for a terminal; in a log even one line per epoch of
    # each of the demo's fits would bury its results.
    interactive = interactive_output()
    run_demo(
        args.out,
        device=args.device,
        epochs=args.epochs,
        window=args.window,
        random_state=args.seed,
        verbose=0 if args.quiet or not interactive else 1,
    )
    return 0
