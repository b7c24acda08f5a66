"""The model in use, behind a pointer that changes atomically.

A scheduled retraining may be killed at any moment. The champion's model file is
written into a folder of its own first and made durable; only then is the small
pointer file replaced, with ``os.replace`` (atomic on POSIX). A crash before the
replace leaves the old pointer and the old model; after it, the new ones. Models of
former champions are kept: nothing a pointer once named is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kedro.io import AbstractDataset

from image_classification.core.errors import InputError

if TYPE_CHECKING:
    import keras

_POINTER = "champion.json"
_MODEL = "classifier.keras"


@dataclass(frozen=True)
class Champion:
    """A model and what is known of it: ``record`` holds at least ``champion_id``."""

    model: keras.Model = field(repr=False)
    record: dict


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _sync_directory(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_champion_pointer(root: Path) -> dict | None:
    """The record ``root/champion.json`` holds, checked: ``None`` before the first
    promotion.

    Raises:
        InputError: The pointer is not JSON, or its ``champion_id`` is not the name of
            a champion folder under ``root`` (a path, ``..``, or a folder that is not
            there): a pointer edited by hand must not lead the job to another model.
    """
    pointer = root / _POINTER
    if not pointer.exists():
        return None
    fix = "restore it, or delete it to start without a champion"
    try:
        record = json.loads(pointer.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(
            f"champion pointer {pointer} is not JSON ({error}): {fix}"
        ) from error
    champion_id = record.get("champion_id") if isinstance(record, dict) else None
    if (
        not isinstance(champion_id, str)
        or champion_id in {"", ".", ".."}
        or any(separator in champion_id for separator in ("/", "\\"))
        or not (root / champion_id / _MODEL).is_file()
    ):
        raise InputError(
            f"champion pointer {pointer} names champion_id {champion_id!r}, which is not "
            f"a champion folder under {root}: {fix}"
        )
    return record


class ChampionDataset(AbstractDataset[Champion, Champion | None]):
    """``<path>/champion.json`` names the champion's folder ``<path>/<champion_id>/``.

    Loading gives ``None`` before the first promotion. Saving the champion that is
    already in place does nothing.
    """

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._root = Path(path)
        self.metadata = metadata

    def load(self) -> Champion | None:
        record = read_champion_pointer(self._root)
        if record is None:
            return None
        model_path = self._root / record["champion_id"] / _MODEL
        # Keras (and TensorFlow) only when a model is read: listing the catalog, or a
        # validation worker importing this package, should not pay for them.
        import keras  # noqa: PLC0415

        try:
            model = keras.models.load_model(model_path)
        except (OSError, ValueError) as error:
            raise InputError(
                f"champion model {model_path} cannot be loaded ({error}): restore the "
                f"file, or point {self._root / _POINTER} at another champion folder"
            ) from error
        return Champion(model=model, record=record)

    def save(self, data: Champion) -> None:
        pointer = self._root / _POINTER
        current = json.loads(pointer.read_text()) if pointer.exists() else None
        if current is not None and current["champion_id"] == data.record["champion_id"]:
            return
        folder = self._root / data.record["champion_id"]
        if not folder.exists():
            staged = self._root / f".partial-{folder.name}"
            shutil.rmtree(staged, ignore_errors=True)  # left by a killed save
            staged.mkdir(parents=True)
            data.model.save(staged / _MODEL)
            with (staged / _MODEL).open("rb") as file:
                os.fsync(file.fileno())
            staged.rename(folder)
            _sync_directory(self._root)
        staged_pointer = self._root / f".{_POINTER}.partial"
        _write_durably(staged_pointer, json.dumps(data.record, indent=2).encode())
        staged_pointer.replace(pointer)
        _sync_directory(self._root)

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
