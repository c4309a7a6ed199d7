"""Command line: ``sklstm demo`` (also ``python -m sklstm demo``)."""

import argparse

from ._version import __version__

__all__ = ["main"]


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
            "model.joblib to --out."
        ),
    )
    demo.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    demo.add_argument("--epochs", type=int, default=200, help="maximum epochs")
    demo.add_argument("--out", default="sklstm-demo", help="output folder")
    demo.add_argument("--window", type=int, default=24, help="months per window")
    demo.add_argument("--seed", type=int, default=0, help="random_state of the LSTM")
    demo.add_argument("--quiet", action="store_true", help="no per-epoch table")
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    from ._demo import run_demo  # imported here to keep `--help` fast

    run_demo(
        args.out,
        device=args.device,
        epochs=args.epochs,
        window=args.window,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
    )
    return 0
