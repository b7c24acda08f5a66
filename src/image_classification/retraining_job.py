"""What makes `kedro retrain` safe to run unattended: a lock, and a fingerprint of its
inputs that lets an unchanged run end at once.

The fingerprint covers the raw files (their bytes, not their dates: a copy keeps the
content and changes the time), the parameters and the project's code. It is stored
only after a run completed, written to a temporary file and renamed into place, so a
killed run is never mistaken for a finished one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import image_classification

LOCK_FILE = Path("data/06_models/retraining.lock")
STATE_FILE = Path("data/06_models/retraining_state.json")
_CHUNK = 1 << 20


class LockHeld(RuntimeError):
    """Another retraining is running."""


def _digest_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def folder_fingerprint(folder: Path, pattern: str = "*") -> str:
    """Every file below ``folder`` matching ``pattern`` (hidden ones too): relative path
    and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
        digest.update(f"{path.relative_to(folder)}\0{_digest_file(path)}\n".encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The project's Python source as installed."""
    return folder_fingerprint(Path(image_classification.__file__).parent, "*.py")


def inputs_fingerprint(
    raw_folder: Path, labels_file: Path | None, parameters: dict
) -> dict[str, str]:
    """Fingerprints of the data (images and labels file), parameters and code of a run."""
    settings = json.dumps(parameters, sort_keys=True, default=str).encode()
    return {
        "data": folder_fingerprint(raw_folder),
        "labels_file": _digest_file(labels_file) if labels_file else "",
        "parameters": hashlib.sha256(settings).hexdigest(),
        "code": code_fingerprint(),
    }


def read_state(path: Path) -> dict | None:
    """The state of the last completed run; None when there is none or it is unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_state(path: Path, fingerprint: dict[str, str]) -> None:
    """Record a completed run: temporary file, then an atomic rename."""
    state = {"fingerprint": fingerprint, "completed_at": datetime.now(UTC).isoformat()}
    staged = path.with_name(f".{path.name}.partial")
    staged.parent.mkdir(parents=True, exist_ok=True)
    with staged.open("w") as file:
        json.dump(state, file, indent=2)
        file.flush()
        os.fsync(file.fileno())
    staged.replace(path)


@contextlib.contextmanager
def retraining_lock(path: Path, *, wait: bool) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the duration of a run.

    The operating system releases it when the process ends, however it ends, so a
    killed run never leaves a stale lock behind.

    Raises:
        LockHeld: Another process holds it and ``wait`` is false.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown process"
            raise LockHeld(f"another retraining holds the lock ({holder})") from None
        file.seek(0)
        file.truncate()
        file.write(f"pid {os.getpid()}, started {datetime.now(UTC).isoformat()}")
        file.flush()
        yield
