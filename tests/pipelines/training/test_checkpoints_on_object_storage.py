"""Checkpoints in a bucket: an interrupted training resumes from them on another
machine, and a kill between an epoch's files and the pointer naming them costs one
epoch, never a half-written checkpoint."""

from __future__ import annotations

import fsspec
import keras
import pytest

from image_classification.pipelines.training import checkpoints, nodes
from tests.pipelines.training.test_nodes import _params, _toy_datasets, _trained


class _Killed(BaseException):
    """Like a signal, not an error: nothing catches it on the way out."""


@pytest.fixture
def epochs_started(monkeypatch) -> list[int]:
    started = []
    training_callbacks = checkpoints.training_callbacks

    class _RecordEpochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            started.append(epoch + 1)

    monkeypatch.setattr(
        nodes, "training_callbacks", lambda *a: [_RecordEpochs(), *training_callbacks(*a)]
    )
    return started


def _kill_at_epoch(monkeypatch, epoch: int, *, before_pointer: bool) -> None:
    """Kill the run once epoch ``epoch``'s files are uploaded: before or after the
    pointer naming them is written."""
    upload = checkpoints.CheckpointUpload.on_epoch_end
    write_pointer = checkpoints.write_object_whole

    def on_epoch_end(self, index, logs=None):
        if index + 1 == epoch and before_pointer:
            monkeypatch.setattr(checkpoints, "write_object_whole", _raise_killed)
        upload(self, index, logs)
        monkeypatch.setattr(checkpoints, "write_object_whole", write_pointer)
        if index + 1 == epoch:
            raise _Killed

    monkeypatch.setattr(checkpoints.CheckpointUpload, "on_epoch_end", on_epoch_end)


def _raise_killed(*_):
    raise _Killed


@pytest.mark.parametrize(("before_pointer", "resumed_at"), [(False, 3), (True, 2)])
def test_a_training_killed_resumes_from_the_bucket(
    bucket, monkeypatch, epochs_started, before_pointer, resumed_at
):
    params = _params(max_epochs=4, patience=10, checkpoint_dir=f"{bucket}/checkpoints")
    with monkeypatch.context() as killing:
        _kill_at_epoch(killing, 2, before_pointer=before_pointer)
        with pytest.raises(_Killed):
            _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    fs, key = fsspec.core.url_to_fs(f"{bucket}/checkpoints")
    assert fs.exists(key)
    _, history = _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    assert epochs_started == [1, 2, *range(resumed_at, 5)]
    assert list(history["epoch"]) == [1, 2, 3, 4]
    assert not fs.exists(key)  # finished: the next run with these inputs starts afresh
