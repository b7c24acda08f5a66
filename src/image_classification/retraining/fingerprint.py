"""What lets a scheduled retraining end at once when nothing changed: a fingerprint
of its inputs, stored only after a run completed.

The fingerprint covers the raw files (their bytes, not their dates: a copy keeps the
content and changes the time), the parameters and the project's code. It is replaced
whole (see ``core.storage.write_whole``), so a killed run is never mistaken for a
finished one. It lives under ``data_root``: a local folder, or a bucket where the job
runs on whichever machine is free.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import image_classification
from image_classification.core.storage import (
    filesystem,
    is_local,
    join,
    storage_errors,
    write_whole,
)

logger = logging.getLogger(__name__)

STATE_FILE = "06_models/retraining_state.json"
_CHUNK = 1 << 20


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
    if up_to_date := up_to_date_since(state_file, fingerprint):
        logger.warning(up_to_date)
        return None
    return {"fingerprint": fingerprint, "state_file": state_file}


def up_to_date_since(state_file: str, fingerprint: dict[str, str]) -> str | None:
    """When the last completed run had these inputs, the words that say so (nothing
    to do); None when they changed or no run completed."""
    state = read_state(state_file)
    if not state or state["fingerprint"] != fingerprint:
        return None
    return (
        "up to date: the raw images, parameters and code are those of the run "
        f"completed at {state['completed_at']}; nothing to do"
    )


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
