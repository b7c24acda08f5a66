"""Epoch checkpoints that let an interrupted training resume where it stopped.

A scheduled retraining can be killed (a preempted machine, a deploy); starting over
wastes every epoch already run. Keras' ``BackupAndRestore`` saves the weights, the
optimizer state and the epoch after each epoch; the per-epoch log and the best weights
are kept beside it, so that the history and the restored best model cover the epochs
run before the interruption too. The directory is named by the data, parameters and
seed: a changed run never resumes from another's weights.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import keras
import pandas as pd
import tensorflow as tf

from .params import TrainingParams
from .train_evaluation import TrainSampleEvaluation

_HISTORY = "history.csv"
_BEST_WEIGHTS = "best.weights.h5"


def checkpoint_directory(
    split_manifest: pd.DataFrame, params: TrainingParams, seed: int
) -> Path:
    """Where this training's checkpoints live: one directory per data, parameters, seed."""
    digest = hashlib.sha256(params.model_dump_json(exclude={"verbose"}).encode())
    digest.update(str(seed).encode())
    columns = ["relative_path", "pixel_hash", "label_index", "split"]
    digest.update(split_manifest[columns].to_csv(index=False).encode())
    return Path(params.checkpoint_dir) / digest.hexdigest()[:24]


class EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_seconds`` (wall time of the epoch, validation included) to the logs,
    so the history tells what each epoch cost."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["epoch_seconds"] = round(time.perf_counter() - self._start, 3)


class WholeFileBackup(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` whose files are replaced whole: each is written beside its
    final name, then renamed over it.

    Keras writes them in place; a run killed during that write left a weights file the
    next run could not open ("bad object header"), and training could not resume at all.
    Killed between the two renames, the weights are one epoch ahead of the recorded
    epoch, so that epoch runs once more.
    """

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        partial_weights = f"{self._weights_path}.partial.weights.h5"
        self.model.save_weights(partial_weights, overwrite=True)
        os.replace(partial_weights, self._weights_path)
        partial_metadata = f"{self._training_metadata_path}.partial"
        with open(partial_metadata, "w") as file:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, file)
        os.replace(partial_metadata, self._training_metadata_path)


def training_callbacks(
    directory: Path, params: TrainingParams, train_sample: tf.data.Dataset
) -> list:
    """Early stopping on the plain validation cross-entropy, with resumable checkpoints,
    and the honest training metrics logged beside the validation ones.

    The backup is saved last each epoch, so an interruption in between re-runs that
    epoch rather than skipping its log line or its best weights. After a resume, early
    stopping counts its patience from the resumed epoch.
    """
    directory.mkdir(parents=True, exist_ok=True)
    history = directory / _HISTORY
    best_so_far = (
        pd.read_csv(history)["val_crossentropy"].min() if history.exists() else None
    )
    return [
        TrainSampleEvaluation(train_sample),  # before the timer: its time counts
        EpochTimer(),
        keras.callbacks.CSVLogger(str(history), append=True),
        keras.callbacks.ModelCheckpoint(
            str(directory / _BEST_WEIGHTS),
            monitor="val_crossentropy",
            mode="min",
            save_best_only=True,
            save_weights_only=True,
            initial_value_threshold=best_so_far,
        ),
        keras.callbacks.EarlyStopping(
            monitor="val_crossentropy", mode="min", patience=params.patience
        ),
        WholeFileBackup(str(directory / "backup")),
    ]


def finish_training(model: keras.Model, directory: Path) -> pd.DataFrame:
    """Load the best epoch's weights into ``model`` and return the whole history.

    An epoch re-run after an interruption keeps its last log line. The checkpoint
    directory is removed: the next run with the same inputs trains afresh.
    """
    best = directory / _BEST_WEIGHTS
    if best.exists():
        model.load_weights(str(best))
    history = pd.read_csv(directory / _HISTORY).drop_duplicates("epoch", keep="last")
    history["epoch"] += 1
    shutil.rmtree(directory)
    return history.reset_index(drop=True)
