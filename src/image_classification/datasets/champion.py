"""The model in use, behind a pointer that changes atomically.

A scheduled retraining may be killed at any moment. The champion's model file is
written into a folder of its own first and made durable; only then is the small
pointer replaced: on local disk a synced file renamed over it (``os.replace``, atomic
on POSIX), on object storage one put of the pointer object (atomic per object; the
model object, under a new name, was complete before). A crash before the pointer's
write leaves the old pointer and the old model; after it, the new ones. Models of
former champions are kept: nothing a pointer once named is deleted.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from kedro.io import AbstractDataset

from image_classification.core.errors import InputError
from image_classification.core.storage import (
    filesystem,
    is_local,
    join,
    staged_folder,
    storage_errors,
    write_whole,
)

if TYPE_CHECKING:
    import keras

    from image_classification.core.serving import ServingModel

_POINTER = "champion.json"
_MODEL = "classifier.keras"
_PROFILE = "data_profile.parquet"
# Content hashes compress little: zstd keeps a 50,000-file profile near 5 MB.
_PARQUET = {"compression": "zstd", "index": False}


@dataclass(frozen=True)
class Champion:
    """A model and what is known of it: ``record`` holds at least ``champion_id``;
    ``profile`` the data it was trained on (``core.data_profile``), None for a
    champion crowned before profiles were kept."""

    model: keras.Model = field(repr=False)
    record: dict
    profile: pd.DataFrame | None = field(default=None, repr=False)

    def serving_model(self) -> ServingModel:
        """The champion as it serves: raw uint8 images of any size in, fitted to its
        training size as it was trained (champions crowned before
        ``image_sizing.fit`` existed were all squashed)."""
        from image_classification.core.serving import build_serving_model  # noqa: PLC0415

        fit = self.record.get("fit", "squash")
        return build_serving_model(self.model, self.record["class_names"], fit)


def read_champion_pointer(root: str) -> dict | None:
    """The record ``root/champion.json`` holds, checked: ``None`` before the first
    promotion. ``root`` is a folder or a URL.

    Raises:
        InputError: The pointer is not JSON, or its ``champion_id`` is not the name of
            a champion folder under ``root`` (a path, ``..``, or a folder that is not
            there): a pointer edited by hand must not lead the job to another model.
    """
    root = str(root)
    pointer = join(root, _POINTER)
    fs, pointer_key = filesystem(pointer)
    with storage_errors(pointer):
        if not fs.exists(pointer_key):
            return None
        content = fs.cat_file(pointer_key)
    fix = "restore it, or delete it to start without a champion"
    try:
        record = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(
            f"champion pointer {pointer} is not JSON ({error}): {fix}"
        ) from error
    champion_id = record.get("champion_id") if isinstance(record, dict) else None
    if (
        not isinstance(champion_id, str)
        or champion_id in {"", ".", ".."}
        or any(separator in champion_id for separator in ("/", "\\"))
        or not fs.isfile(filesystem(join(root, champion_id, _MODEL))[1])
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
        self._root = str(path)
        self.metadata = metadata

    def load(self) -> Champion | None:
        record = read_champion_pointer(self._root)
        if record is None:
            return None
        model_path = join(self._root, record["champion_id"], _MODEL)
        # Keras (and TensorFlow) only when a model is read: listing the catalog, or a
        # validation worker importing this package, should not pay for them.
        import keras  # noqa: PLC0415

        with tempfile.TemporaryDirectory() as scratch:
            local = model_path
            if not is_local(model_path):
                local = os.path.join(scratch, _MODEL)
                with storage_errors(model_path):
                    fs, key = filesystem(model_path)
                    fs.get_file(key, local)
            try:
                model = keras.models.load_model(local)
            except (OSError, ValueError) as error:
                raise InputError(
                    f"champion model {model_path} cannot be loaded ({error}): restore "
                    f"the file, or point {join(self._root, _POINTER)} at another "
                    "champion folder"
                ) from error
        return Champion(model=model, record=record, profile=self._profile(record))

    def _profile(self, record: dict) -> pd.DataFrame | None:
        path = join(self._root, record["champion_id"], _PROFILE)
        fs, key = filesystem(path)
        with storage_errors(path):
            if not fs.exists(key):
                return None
            with fs.open(key, "rb") as file:
                return pd.read_parquet(file)

    def save(self, data: Champion) -> None:
        current = read_champion_pointer(self._root)
        if current is not None and current["champion_id"] == data.record["champion_id"]:
            return
        if is_local(self._root):
            self._save_model_locally(data)
        else:
            self._upload_model(data)
        write_whole(join(self._root, _POINTER), json.dumps(data.record, indent=2).encode())

    def _save_model_locally(self, data: Champion) -> None:
        """Into a staged folder, synced, then renamed into place."""
        folder = Path(self._root) / data.record["champion_id"]
        if folder.exists():
            return
        with staged_folder(str(folder)) as staged:
            data.model.save(os.path.join(staged, _MODEL))
            if data.profile is not None:
                data.profile.to_parquet(os.path.join(staged, _PROFILE), **_PARQUET)

    def _upload_model(self, data: Champion) -> None:
        """One object under the champion's own name: it appears whole or not at all."""
        model_path = join(self._root, data.record["champion_id"], _MODEL)
        fs, key = filesystem(model_path)
        with storage_errors(model_path), tempfile.TemporaryDirectory() as scratch:
            if fs.exists(key):
                return
            local = os.path.join(scratch, _MODEL)
            data.model.save(local)
            if data.profile is not None:  # before the model: the folder is whole then
                profile = join(self._root, data.record["champion_id"], _PROFILE)
                fs.pipe_file(filesystem(profile)[1], data.profile.to_parquet(**_PARQUET))
            fs.put_file(local, key)

    def _describe(self) -> dict[str, Any]:
        return {"path": self._root}
