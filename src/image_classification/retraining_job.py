"""What makes `kedro retrain` safe to run unattended: a lock, and a fingerprint of its
inputs that lets an unchanged run end at once.

The fingerprint covers the raw files (their bytes, not their dates: a copy keeps the
content and changes the time), the parameters and the project's code. It is stored
only after a run completed, replaced whole (see ``core.storage.write_whole``), so a
killed run is never mistaken for a finished one.

Both live under ``data_root``: a local folder, or a bucket where the job runs on
whichever machine is free. There the lock is an object created only if absent (a
conditional put), naming its owner and when it expires.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import image_classification

from .core.storage import filesystem, is_local, join, storage_errors, write_whole

logger = logging.getLogger(__name__)

LOCK_FILE = "06_models/retraining.lock"
STATE_FILE = "06_models/retraining_state.json"
# A lock object outlives a killed run (no process holds it): after this long the next
# run takes it over. Longer than any retraining; delete the object to clear it sooner.
LOCK_OBJECT_LIFETIME = timedelta(hours=12)
_LOCK_POLL_SECONDS = 10
_CHUNK = 1 << 20


class LockHeld(RuntimeError):
    """Another retraining is running."""


def _digest_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def folder_fingerprint(folder: str, pattern: str = "*") -> str:
    """Every file below ``folder`` matching ``pattern`` (hidden ones too): relative path
    and content. On object storage the content is the object's ETag, which the store
    derives from the bytes (reading every object again would cost the whole folder)."""
    digest = hashlib.sha256()
    if not is_local(folder):
        fs, root = filesystem(folder)
        with storage_errors(folder):
            objects = fs.find(root, detail=True)
        for key, info in sorted(objects.items()):
            tag = info.get("ETag") or info.get("md5Hash") or f"{info.get('size')}"
            digest.update(f"{key[len(root) :]}\0{tag}\n".encode())
        return digest.hexdigest()
    root = Path(folder)
    for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
        digest.update(f"{path.relative_to(root)}\0{_digest_file(path)}\n".encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The project's Python source as installed."""
    return folder_fingerprint(str(Path(image_classification.__file__).parent), "*.py")


def inputs_fingerprint(
    raw_folder: str, labels_file: str | None, parameters: dict
) -> dict[str, str]:
    """Fingerprints of the data (images and labels file), parameters and code of a run."""
    settings = json.dumps(parameters, sort_keys=True, default=str).encode()
    labels = ""
    if labels_file:
        fs, key = filesystem(labels_file)
        with storage_errors(labels_file):
            labels = hashlib.sha256(fs.cat_file(key)).hexdigest()
    return {
        "data": folder_fingerprint(raw_folder),
        "labels_file": labels,
        "parameters": hashlib.sha256(settings).hexdigest(),
        "code": code_fingerprint(),
    }


def session_inputs(project: Path, context) -> tuple[dict[str, str], str]:
    """The fingerprint of what a Kedro session would train on (the image folder and
    labels file the catalog reads, ``--params`` included, and the parameters), and
    where the last completed run's fingerprint is kept. `kedro retrain` and the
    Airflow DAG both decide from this, so they agree on what is up to date."""
    catalog = context.config_loader["catalog"]
    labels_file = catalog["image_labels"]["labels_csv"]
    fingerprint = inputs_fingerprint(
        in_project(project, catalog["raw_images"]["path"]),
        in_project(project, labels_file) if labels_file else None,
        context.params,
    )
    data_root = in_project(project, context.config_loader["globals"]["data_root"])
    return fingerprint, join(data_root, STATE_FILE)


def inputs_to_retrain(project: Path, env: str | None) -> dict | None:
    """For a scheduler: the inputs' fingerprint and where to record it once the run
    completes, or None when they are those of the last completed run (whether `kedro
    retrain` or a scheduled run completed it)."""
    from kedro.framework.session import KedroSession  # noqa: PLC0415

    with KedroSession.create(project_path=project, env=env) as session:
        fingerprint, state_file = session_inputs(project, session.load_context())
    state = read_state(state_file)
    if state and state["fingerprint"] == fingerprint:
        logger.warning(
            "up to date: the raw images, parameters and code are those of the run "
            "completed at %s; nothing to do",
            state["completed_at"],
        )
        return None
    return {"fingerprint": fingerprint, "state_file": state_file}


def in_project(project: Path, path: str) -> str:
    """A configured path as the catalog reads it: relative ones from the project."""
    return str(project / path) if is_local(path) else path


def read_state(path: str) -> dict | None:
    """The state of the last completed run; None when there is none or it is unreadable."""
    fs, key = filesystem(path)
    with storage_errors(path):
        if not fs.exists(key):
            return None
        content = fs.cat_file(key)
    try:
        return json.loads(content)
    except ValueError:
        return None


def write_state(path: str, fingerprint: dict[str, str]) -> None:
    """Record a completed run, replacing the last record whole."""
    state = {"fingerprint": fingerprint, "completed_at": datetime.now(UTC).isoformat()}
    write_whole(path, json.dumps(state, indent=2).encode())


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
