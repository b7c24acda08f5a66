"""One retraining at a time: a lock on a local file, or an object in a bucket where
the runs start on different machines."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from image_classification.core.storage import filesystem, is_local, storage_errors

LOCK_FILE = "06_models/retraining.lock"
# A lock object outlives a killed run (no process holds it): after this long the next
# run takes it over. Longer than any retraining; delete the object to clear it sooner.
LOCK_OBJECT_LIFETIME = timedelta(hours=12)
_LOCK_POLL_SECONDS = 10


class LockHeld(RuntimeError):
    """Another retraining is running."""


def _owner() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


@contextlib.contextmanager
def retraining_lock(path: str, *, wait: bool) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the duration of a run.

    Locally the operating system releases it when the process ends, however it ends, so
    a killed run never leaves a stale lock behind. On object storage see
    ``_lock_object``.

    Raises:
        LockHeld: Another process holds it and ``wait`` is false.
    """
    if not is_local(path):
        with _lock_object(path, wait=wait):
            yield
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown process"
            raise LockHeld(f"another retraining holds the lock ({holder})") from None
        file.seek(0)
        file.truncate()
        file.write(f"{_owner()}, started {datetime.now(UTC).isoformat()}")
        file.flush()
        yield


@contextlib.contextmanager
def _lock_object(url: str, *, wait: bool) -> Iterator[None]:
    """A lock for runs on different machines: an object created only where none exists
    (a conditional put: of two runs, one gets it), holding its owner and expiry. A run
    that finds an expired lock (its holder was killed) deletes it and tries again;
    the lock is deleted at the end only if it is still this run's."""
    fs, key = filesystem(url)
    while True:
        now = datetime.now(UTC)
        mine = json.dumps(
            {
                "owner": _owner(),
                "started": now.isoformat(),
                "expires": (now + LOCK_OBJECT_LIFETIME).isoformat(),
            }
        ).encode()
        with storage_errors(url):
            try:
                fs.pipe_file(key, mine, mode="create")
                break
            except FileExistsError:
                held = _held_lock(fs, key)
        if held is None or datetime.fromisoformat(held["expires"]) < now:
            with contextlib.suppress(FileNotFoundError), storage_errors(url):
                fs.rm_file(key)  # expired, or unreadable: its holder is gone
            continue
        if not wait:
            raise LockHeld(
                f"another retraining holds the lock ({held['owner']}, started "
                f"{held['started']}, expires {held['expires']}; {url})"
            )
        time.sleep(_LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        with storage_errors(url):
            if fs.exists(key) and fs.cat_file(key) == mine:
                fs.rm_file(key)


def _held_lock(fs, key: str) -> dict | None:
    try:
        record = json.loads(fs.cat_file(key))
        datetime.fromisoformat(record["expires"])
        return record
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None  # released meanwhile, or not a lock this job wrote
