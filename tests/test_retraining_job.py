"""The lock and state of `kedro retrain` in a bucket: one run at a time across
machines, a lock left by a killed run expires, the state is replaced whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import fsspec
import pytest

from image_classification.retraining_job import (
    LockHeld,
    folder_fingerprint,
    read_state,
    retraining_lock,
    write_state,
)


def test_a_lock_object_admits_one_run_and_is_released_after(bucket):
    lock = f"{bucket}/06_models/retraining.lock"
    fs, key = fsspec.core.url_to_fs(lock)
    with retraining_lock(lock, wait=False):
        assert "owner" in json.loads(fs.cat_file(key))
        with (
            pytest.raises(LockHeld, match="another retraining holds the lock"),
            retraining_lock(lock, wait=False),
        ):
            pass
    assert not fs.exists(key)
    with retraining_lock(lock, wait=False):  # free again
        pass


def test_a_lock_left_by_a_killed_run_is_taken_over_once_expired(bucket, monkeypatch):
    lock = f"{bucket}/retraining.lock"
    fs, key = fsspec.core.url_to_fs(lock)
    started = datetime.now(UTC) - timedelta(hours=1)
    left = {"owner": "pid 1 on gone", "started": started.isoformat()}
    fs.pipe_file(key, json.dumps(left | {"expires": started.isoformat()}).encode())
    with retraining_lock(lock, wait=False):
        assert json.loads(fs.cat_file(key))["owner"] != "pid 1 on gone"
    alive = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    fs.pipe_file(key, json.dumps(left | {"expires": alive}).encode())
    with pytest.raises(LockHeld, match="pid 1 on gone"), retraining_lock(lock, wait=False):
        pass


def test_state_and_fingerprints_on_object_storage(bucket, object_storage, tmp_path):
    state = f"{bucket}/06_models/retraining_state.json"
    assert read_state(state) is None
    write_state(state, {"data": "abc"})
    assert read_state(state)["fingerprint"] == {"data": "abc"}
    images = tmp_path / "images"
    (images / "cat").mkdir(parents=True)
    (images / "cat" / "1.png").write_bytes(b"one")
    object_storage.upload(images, f"{bucket}/images")
    first = folder_fingerprint(f"{bucket}/images")
    assert folder_fingerprint(f"{bucket}/images") == first
    fs, key = fsspec.core.url_to_fs(f"{bucket}/images/cat/1.png")
    fs.pipe_file(key, b"two")
    assert folder_fingerprint(f"{bucket}/images") != first
