"""Each epoch's metrics in the MLflow run as soon as the epoch ends.

A run of an hour showed nothing in `mlflow ui` until it ended: the history reached
MLflow only when the training node saved it. Logged here as each epoch ends, the
curves grow while it trains; the hook that logs the saved history adds only the
epochs not logged yet (those of a run interrupted and resumed in another MLflow run).
Outside an MLflow run (tests, a notebook) nothing is logged.
"""

from __future__ import annotations

import numbers

import keras
import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient


class LiveMetrics(keras.callbacks.Callback):
    """Logs the epoch's metrics, as the history table names them, at step epoch + 1
    (the history's 1-based epoch)."""

    def on_epoch_end(self, epoch, logs=None):
        run = mlflow.active_run()
        if run is None or not logs:
            return
        metrics = [
            Metric(key=key, value=float(value), timestamp=0, step=epoch + 1)
            for key, value in sorted(logs.items())
            if isinstance(value, numbers.Number)
        ]
        MlflowClient().log_batch(run.info.run_id, metrics=metrics)
