"""Epoch checkpoints that let an interrupted training resume where it stopped.

A scheduled retraining can be killed (a preempted machine, a deploy); starting over
wastes every epoch already run. Keras' ``BackupAndRestore`` saves the weights, the
optimizer state and the epoch after each epoch; the per-epoch log and the best weights
are kept beside it, so that the history and the restored best model cover the epochs
run before the interruption too. The directory is named by the data, parameters and
seed: a changed run never resumes from another's weights.

Every checkpoint file is written beside its name and renamed over it (Keras' callbacks
write in place): a run killed mid-write leaves the previous version whole.

Where ``checkpoint_dir`` is a URL (object storage, so that another machine can resume),
training writes into a local folder as above, and after each epoch that folder is
copied to ``<dir>/epoch-<n>/`` (new objects) before ``<dir>/latest.json`` names it
(one object, written last): a run killed between the two resumes from the epoch
before. A resumed run first copies the epoch ``latest.json`` names back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import keras
import pandas as pd
import tensorflow as tf

from image_classification.core.manifest import manifest_fingerprint
from image_classification.core.params.training import TrainingParams
from image_classification.core.storage import (
    filesystem,
    is_local,
    join,
    replace_file,
    storage_errors,
)
from image_classification.core.storage import (
    write_whole as write_object_whole,
)

from .live_metrics import LiveMetrics
from .train_evaluation import TrainSampleEvaluation

_HISTORY = "history.csv"
_BEST_WEIGHTS = "best.weights.h5"
_LATEST = "latest.json"


def checkpoint_directory(
    split_manifest: pd.DataFrame, params: TrainingParams, seed: int
) -> str:
    """Where this training's checkpoints live: one directory per data, parameters, seed."""
    digest = hashlib.sha256(params.model_dump_json(exclude={"verbose"}).encode())
    digest.update(str(seed).encode())
    digest.update(manifest_fingerprint(split_manifest).encode())
    return join(params.checkpoint_dir, digest.hexdigest()[:24])


@contextlib.contextmanager
def checkpoint_folder(directory: str) -> Iterator[tuple[Path, list]]:
    """The local folder training checkpoints into, and the callbacks that copy it to
    ``directory`` when that is a URL (none for a local one). The copy is deleted when
    training ends without an error, like a local folder by ``finish_training``."""
    if is_local(directory):
        yield Path(directory), []
        return
    with tempfile.TemporaryDirectory(prefix="checkpoints-") as scratch:
        local = Path(scratch)
        restore_checkpoints(directory, local)
        yield local, [CheckpointUpload(local, directory)]
        fs, key = filesystem(directory)
        with storage_errors(directory):
            if fs.exists(key):
                fs.rm(key, recursive=True)


def restore_checkpoints(directory: str, local: Path) -> None:
    """Copy the epoch ``directory/latest.json`` names into ``local``, if any."""
    fs, key = filesystem(directory)
    with storage_errors(directory):
        epoch_folder = _latest_folder(fs, key)
        if epoch_folder is not None:
            fs.get(f"{key}/{epoch_folder}/", f"{local}/", recursive=True)


class CheckpointUpload(keras.callbacks.Callback):
    """After each epoch's checkpoints are written (place it last), copy the folder to
    object storage: the files under a new ``epoch-<n>/``, then ``latest.json`` naming
    it; the folder of the epoch before is deleted only after that."""

    def __init__(self, local: Path, directory: str):
        super().__init__()
        self._local = local
        self._directory = directory

    def on_epoch_end(self, epoch, logs=None):
        fs, key = filesystem(self._directory)
        folder = f"epoch-{epoch:05d}"
        with storage_errors(self._directory):
            before = _latest_folder(fs, key)
            fs.put(f"{self._local}/", f"{key}/{folder}/", recursive=True)
            write_object_whole(
                join(self._directory, _LATEST), json.dumps({"folder": folder}).encode()
            )
            if before is not None and before != folder:
                fs.rm(f"{key}/{before}", recursive=True)


def _latest_folder(fs, key: str) -> str | None:
    if not fs.exists(f"{key}/{_LATEST}"):
        return None
    return json.loads(fs.cat_file(f"{key}/{_LATEST}"))["folder"]


class EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_seconds`` (wall time of the epoch, validation included) to the logs,
    so the history tells what each epoch cost."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["epoch_seconds"] = round(time.perf_counter() - self._start, 3)


def _save_weights_whole(model: keras.Model, path: str) -> None:
    replace_file(
        path, lambda partial: model.save_weights(partial, overwrite=True), ".weights.h5"
    )


class WholeFileBackup(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` whose files are replaced whole.

    Keras writes them in place; a run killed during that write left a weights file the
    next run could not open ("bad object header"), and training could not resume at all.
    Killed between the two renames, the weights are one epoch ahead of the recorded
    epoch, so that epoch runs once more. Kept rather than Keras' ``double_checkpoint``:
    that still writes both files in place, and falls back to the previous pair only on
    an ``OSError`` from the weights, not on half a metadata file (a JSON error).
    """

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        _save_weights_whole(self.model, self._weights_path)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        replace_file(
            self._training_metadata_path,
            lambda path: Path(path).write_text(json.dumps(metadata)),
        )


class BestWeights(keras.callbacks.Callback):
    """Saves the weights whenever the validation cross-entropy reaches a new low.

    ``ModelCheckpoint(save_best_only=True)`` does this in place: a run killed while it
    wrote left a file the end of training could not load. ``best_so_far`` carries the
    low of the epochs run before an interruption.
    """

    def __init__(self, path: Path, best_so_far: float | None):
        super().__init__()
        self._path = str(path)
        unknown = best_so_far is None or math.isnan(best_so_far)
        self._best = math.inf if unknown else best_so_far

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_crossentropy"] < self._best:  # False for NaN
            self._best = logs["val_crossentropy"]
            _save_weights_whole(self.model, self._path)


class EpochLog(keras.callbacks.Callback):
    """The per-epoch logs as CSV (epoch, then the metrics by name), rewritten whole
    after each epoch, the rows ``earlier`` (of a run before an interruption) first.

    ``CSVLogger`` appends in place: a line cut by a kill ran into the resumed run's
    first line, and the history could not be read.
    """

    def __init__(self, path: Path, earlier: pd.DataFrame):
        super().__init__()
        self._path = path
        self._rows = earlier.to_dict("records")

    def on_epoch_end(self, epoch, logs=None):
        self._rows.append({"epoch": epoch} | {key: logs[key] for key in sorted(logs)})
        table = pd.DataFrame(self._rows)
        replace_file(str(self._path), lambda path: table.to_csv(path, index=False))


def _reduce_on_plateau(params: TrainingParams, batches_per_epoch: int) -> list:
    """The ``plateau`` schedule's callback, or none for the other schedules.

    Its patience is counted in batches, the updates the rate acts on: an epoch of a
    small dataset is a handful of updates, and a few epochs of patience would lower the
    rate before a model that starts slowly had learned anything.
    """
    if params.learning_rate_schedule != "plateau":
        return []
    patience = math.ceil(params.plateau_patience_batches / max(batches_per_epoch, 1))
    return [
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_crossentropy",
            mode="min",
            factor=params.plateau_factor,
            patience=patience,
        )
    ]


def training_callbacks(
    directory: Path,
    params: TrainingParams,
    train_sample: tf.data.Dataset,
    batches_per_epoch: int,
) -> list:
    """Early stopping on the plain validation cross-entropy, with resumable checkpoints,
    and the honest training metrics logged beside the validation ones (in MLflow too,
    as each epoch ends, within an MLflow run).

    With the ``plateau`` schedule the learning rate is multiplied by ``plateau_factor``
    when the validation cross-entropy has not improved for ``plateau_patience_batches``
    (in whole epochs of ``batches_per_epoch``); each epoch's rate is then logged
    (``learning_rate``).

    The backup is saved last each epoch, so an interruption in between re-runs that
    epoch rather than skipping its log line or its best weights. After a resume, early
    stopping counts its patience from the resumed epoch.
    """
    directory.mkdir(parents=True, exist_ok=True)
    history = directory / _HISTORY
    earlier = pd.read_csv(history) if history.exists() else pd.DataFrame()
    best_so_far = earlier["val_crossentropy"].min() if len(earlier) else None
    return [
        TrainSampleEvaluation(train_sample),  # before the timer: its time counts
        EpochTimer(),
        *_reduce_on_plateau(params, batches_per_epoch),
        EpochLog(history, earlier),
        LiveMetrics(),
        BestWeights(directory / _BEST_WEIGHTS, best_so_far),
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
