"""
===========================================================
Serving a saved pipeline over HTTP with FastAPI
===========================================================

A small web service around a pipeline saved with ``joblib`` (scalers,
:class:`~sklstm.SlidingWindow` and an sklstm estimator): the model is loaded
once, at start-up, and each request sends the latest rows of the series and
gets back the forecast made from the last row's window.

- ``GET /health``: ``{"status": "ok", ...}`` with the window length and the
  columns the model expects.
- ``POST /predict``: ``{"rows": [[...], ...]}``, at least ``window`` rows in
  time order with the columns of ``fit`` in the same order; returns
  ``{"forecast": ...}``, a number (a list for several targets). Too few rows,
  or rows of the wrong width, are refused with status 422.

Run it with::

    pip install "sklstm[serve]"
    python examples/serve_fastapi.py --model model.joblib --port 8000
    curl -s localhost:8000/health
    curl -s localhost:8000/predict -H "Content-Type: application/json" \\
        -d '{"rows": [[24.3], [25.1], [25.8]]}'

Loading a pickle runs code from the file: serve only models you trust. This
script is not run by the documentation build; ``create_app`` is tested with
FastAPI's test client in ``tests/test_export.py``.
"""

import argparse
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import torch
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from sklstm import SlidingWindow


class Rows(BaseModel):
    """The request body: rows of the series, oldest first."""

    rows: list[list[float]]


def window_length(model):
    """The ``window`` of the SlidingWindow step of a (wrapped) pipeline."""
    pipeline = getattr(model, "regressor_", model)  # TransformedTargetRegressor
    for step in getattr(pipeline, "named_steps", {}).values():
        if isinstance(step, SlidingWindow):
            return step.window
    raise ValueError(f"Expected a pipeline with a SlidingWindow step; got {model!r}.")


def create_app(model_path: str | Path) -> FastAPI:
    """Load the pipeline saved at ``model_path`` and build the web application."""
    model = joblib.load(model_path)
    window = window_length(model)
    names = getattr(model, "feature_names_in_", None)
    columns = None if names is None else names.tolist()
    app = FastAPI(title="sklstm forecaster")

    @app.get("/health")
    def health():
        return {
            "status": "ok",
            "model": type(model).__name__,
            "window": window,
            "n_features": model.n_features_in_,
            "feature_names": columns,
        }

    @app.post("/predict")
    def predict(request: Rows):
        if len(request.rows) < window:
            raise HTTPException(
                status_code=422,
                detail=f"Send at least window={window} rows, oldest first; got "
                f"{len(request.rows)}. Fewer rows would be padded.",
            )
        try:
            # A model fitted on a DataFrame gets one with the same column names.
            rows = pd.DataFrame(request.rows, columns=columns, dtype=float)
            forecast = model.predict(rows if columns else rows.to_numpy())[-1]
        except ValueError as error:
            raise HTTPException(status_code=422, detail=str(error)) from error
        return {"forecast": np.asarray(forecast).tolist()}

    return app


def main():
    parser = argparse.ArgumentParser(description="Serve a saved sklstm pipeline.")
    parser.add_argument("--model", required=True, help="a file saved by joblib.dump")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch threads; one window takes milliseconds of one core",
    )
    args = parser.parse_args()
    import uvicorn  # only to run the server: the tests call create_app

    torch.set_num_threads(args.threads)
    uvicorn.run(create_app(args.model), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
