"""A read-only listing of an image folder laid out as ``<root>/<class>/<file>``.

kedro-datasets has no dataset that lists a folder without opening every file with one
reader (``PartitionedDataset`` would hand each file to ``pillow.ImageDataset``, which
raises on the first corrupt one). Validation must see every file, broken ones included,
so this dataset only lists; decoding is the validation node's job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

from image_classification.core.errors import InputError

from .table_preview import table_preview

LISTING_COLUMNS = ["relative_path", "path", "label", "outside_root"]


class ImageFolderDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """Lists every file under ``path``, hidden ones included, sorted by relative path.

    The label is the name of the top-level folder a file is in, or ``""`` for files
    lying directly in the root; ``outside_root`` marks links that resolve outside the
    folder, which validation refuses. A top-level folder without any file is listed
    as ``<folder>/`` so that validation can report it rather than skip it in silence.
    Saving is refused: raw data is never modified.
    """

    def __init__(self, *, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._root = Path(path)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if not self._root.is_dir():
            raise InputError(
                f"image folder {self._root} does not exist or is not a folder: set "
                "`raw_image_dir` (see README, 'Running on your own images')"
            )
        rows = []
        real_root = self._root.resolve()
        # os.walk reads each folder once and knows from the listing which entries are
        # folders and which are links: no call per file (pathlib's rglob and resolve
        # made two). Only a linked file can lead outside; linked folders are not
        # descended into.
        for folder, subfolders, files in os.walk(self._root):
            subfolders.sort()
            relative_folder = os.path.relpath(folder, self._root)
            parts = [] if relative_folder == "." else relative_folder.split(os.sep)
            label = parts[0] if parts else ""
            for name in files:
                path = os.path.join(folder, name)
                outside = os.path.islink(path) and not Path(path).resolve().is_relative_to(
                    real_root
                )
                rows.append(("/".join([*parts, name]), path, label, outside))
        labels = {row[2] for row in rows}
        for folder in sorted(p for p in self._root.iterdir() if p.is_dir()):
            if folder.name not in labels:
                rows.append((f"{folder.name}/", str(folder), folder.name, False))
        return pd.DataFrame(rows, columns=LISTING_COLUMNS).sort_values(
            "relative_path", ignore_index=True
        )

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{self._root} is raw data and is never written to")

    def preview(self, nrows: int = 20) -> TablePreview:
        """The first files of the listing, for kedro-viz."""
        return table_preview(self.load().head(nrows))

    def _exists(self) -> bool:
        return self._root.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._root)}
