"""kedro-datasets' ``TensorFlowModelDataset``, with a message a user can act on when a
saved version cannot be read.

The parent copies the file to a temporary folder before Keras reads it, so a version
cut short by a full disk or a killed copy fails with "File not found" naming that
temporary path: the wrong fault, and no version named.
"""

from __future__ import annotations

import zipfile
from typing import Any

from kedro.io.core import get_filepath_str
from kedro_datasets.tensorflow import TensorFlowModelDataset

from image_classification.core.errors import InputError


class KerasModelDataset(TensorFlowModelDataset):
    """Loads as the parent does; a version that cannot be loaded is an ``InputError``
    naming the version, its path and the fix."""

    def load(self) -> Any:
        try:
            return super().load()
        except Exception as error:
            path = get_filepath_str(self._get_load_path(), self._protocol)
            version = self.resolve_load_version() if self._version else None
            raise InputError(
                f"model version {version} at {path} cannot be loaded "
                f"({self._what_is_wrong(path, error)}): train again, or name another "
                "version with --load-versions"
            ) from error

    def _what_is_wrong(self, path: str, error: Exception) -> str:
        with self._fs.open(path, "rb") as file:
            if not zipfile.is_zipfile(file):
                return "the file is not a whole .keras archive: cut short or damaged"
        cause = error.__cause__ or error
        return str(cause).splitlines()[0] if str(cause) else type(cause).__name__
