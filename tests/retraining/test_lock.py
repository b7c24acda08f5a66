"""The lock of `kedro retrain` in a bucket: one run at a time across machines, and a
lock left by a killed run expires."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import fsspec
import pytest

from image_classification.retraining.lock import LockHeld, retraining_lock


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
