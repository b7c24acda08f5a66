"""The serving model as one versioned folder, in the formats servers read.

``<version>/serving_model/`` holds ``classifier.keras`` (Keras 3), ``saved_model/``
(``model.export``: TF Serving, TensorFlow alone; signature ``serve`` takes
``image``, uint8 ``(batch, height, width, 3)``, and a ``class_names`` function) and
``class_names.json``. Loading needs Keras, nothing of this project. The folder is
written in a scratch folder first: on local disk it is renamed into place whole, on
object storage ``class_names.json`` goes last, and a folder without it is no version.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import PurePosixPath
from typing import Any

from kedro.io.core import AbstractVersionedDataset, DatasetError, Version, get_filepath_str

from image_classification.core.errors import InputError
from image_classification.core.serving import (
    CLASS_NAMES_FILE,
    KERAS_FILE,
    SAVED_MODEL_FOLDER,
    ServingModel,
    write_serving_folder,
)
from image_classification.core.storage import (
    filesystem,
    is_local,
    staged_folder,
    storage_errors,
)


class ServingModelDataset(AbstractVersionedDataset[ServingModel, ServingModel]):
    """A versioned folder holding the serving model in each format (module docstring)."""

    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        fs, key = filesystem(filepath)
        self._fs = fs
        self._protocol = (
            "file" if is_local(filepath) else filepath.split("://", maxsplit=1)[0]
        )
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(key),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._complete_versions,
        )

    def _complete_versions(self, pattern: str) -> list[str]:
        return [
            path
            for path in self._fs.glob(pattern)
            if self._fs.exists(f"{path}/{CLASS_NAMES_FILE}")
        ]

    def _path(self, path: PurePosixPath) -> str:
        return get_filepath_str(path, self._protocol)

    def load(self) -> ServingModel:
        import keras  # noqa: PLC0415

        folder = self._path(self._get_load_path())
        with tempfile.TemporaryDirectory() as scratch, storage_errors(folder):
            local = os.path.join(scratch, KERAS_FILE)
            self._fs.get_file(f"{folder}/{KERAS_FILE}", local)
            class_names = json.loads(self._fs.cat_file(f"{folder}/{CLASS_NAMES_FILE}"))
            try:
                model = keras.models.load_model(local)
            except (OSError, ValueError) as error:
                raise InputError(
                    f"serving model {folder} cannot be loaded ({error}): train again"
                ) from error
        return ServingModel(model=model, class_names=class_names)

    def save(self, data: ServingModel) -> None:
        folder = self._path(self._get_save_path())
        if self._protocol == "file":
            with staged_folder(folder) as staged:
                write_serving_folder(data, staged)
            return
        with tempfile.TemporaryDirectory() as scratch:
            local = os.path.join(scratch, "serving_model")
            write_serving_folder(data, local)
            with storage_errors(folder):
                for name in (KERAS_FILE, SAVED_MODEL_FOLDER):
                    self._fs.put(
                        os.path.join(local, name), f"{folder}/{name}", recursive=True
                    )
                self._fs.put_file(
                    os.path.join(local, CLASS_NAMES_FILE), f"{folder}/{CLASS_NAMES_FILE}"
                )

    def _exists(self) -> bool:
        try:
            folder = self._path(self._get_load_path())
        except DatasetError:
            return False
        return self._fs.exists(f"{folder}/{CLASS_NAMES_FILE}")

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": self._filepath,
            "protocol": self._protocol,
            "version": self._version,
        }
