"""An optional CSV of ``file,label`` rows that cross-checks the class folders."""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from image_classification.core.errors import InputError
from image_classification.core.storage import filesystem, storage_errors

LABEL_COLUMNS = ["file", "label"]


class LabelsFileDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """Loads the labels CSV (a path or a URL), or an empty table when no file is
    configured.

    A labels file is optional, and Kedro has no optional dataset: an empty
    ``labels_csv`` means "none". A configured file that is missing or lacks the
    ``file`` and ``label`` columns is an error naming it. Saving is refused.
    """

    def __init__(self, *, labels_csv: str | None, metadata: dict[str, Any] | None = None):
        self._path = str(labels_csv) if labels_csv else None
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if self._path is None:
            return pd.DataFrame(columns=LABEL_COLUMNS)
        fs, key = filesystem(self._path)
        with storage_errors(self._path):
            if not fs.isfile(key):
                raise InputError(f"labels file {self._path} does not exist (labels_file)")
            with fs.open(key, "rb") as file:
                table = pd.read_csv(file, dtype=str, keep_default_na=False)
        missing = [column for column in LABEL_COLUMNS if column not in table.columns]
        if missing:
            raise InputError(f"labels file {self._path} lacks the column(s) {missing}")
        # Names as the folder listing gives them: a "café" typed on one system and a
        # folder named on another may be the same word in two Unicode forms.
        return table[LABEL_COLUMNS].map(lambda name: unicodedata.normalize("NFC", name))

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError("the labels file is an input and is never written to")

    def _describe(self) -> dict[str, Any]:
        return {"labels_csv": self._path}
