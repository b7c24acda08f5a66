"""A read-only listing of an image folder laid out as ``<root>/<class>/<file>``.

kedro-datasets has no dataset that lists a folder without opening every file with one
reader (``PartitionedDataset`` would hand each file to ``pillow.ImageDataset``, which
raises on the first corrupt one). Validation must see every file, broken ones included,
so this dataset only lists; decoding is the validation node's job.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import TablePreview

from image_classification.core.errors import InputError
from image_classification.core.storage import filesystem, is_local, storage_errors

from .table_preview import table_preview

LISTING_COLUMNS = ["relative_path", "path", "label", "outside_root", "invalid_name"]


class ImageFolderDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """Lists every file under ``path``, hidden ones included, sorted by relative path.

    The label is the name of the top-level folder a file is in, or ``""`` for files
    lying directly in the root. Linked folders are followed (each real folder listed
    once); ``outside_root`` marks files that resolve, through a link, outside the
    folder and outside every folder of ``allowed_link_targets``: validation refuses
    them. Names are compared as Unicode NFC (macOS writes names decomposed), and a name
    that is not valid UTF-8 is shown with ``\\x`` escapes and marked ``invalid_name``
    (it cannot be stored in the index as it is; validation quarantines the file). A
    top-level folder without any file is listed as ``<folder>/`` so that validation
    can report it rather than skip it in silence. Saving is refused: raw data is never
    modified.

    ``setting`` names the parameter that sets ``path``, for the messages.
    ``path`` may be a URL (``s3://bucket/images``): the objects under it are listed
    through fsspec, ``path`` holds each object's URL, and there are no links.
    """

    def __init__(
        self,
        *,
        path: str | None,
        allowed_link_targets: list[str] | None = None,
        setting: str = "raw_image_dir",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._setting = setting
        # None (no folder given) stays empty: "" would be made the project folder.
        self._url = "" if path is None else str(path)
        self._root = Path(self._url)
        self._allowed = [os.path.realpath(target) for target in allowed_link_targets or []]
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        fix = f"set `{self._setting}` (kedro run --params {self._setting}=PATH, README)"
        if not self._url:
            raise InputError(f"no image folder given: {fix}")
        if not is_local(self._url):
            with storage_errors(self._url):
                rows = _object_rows(self._url, fix)
            return _listing(rows)
        if not self._root.is_dir():
            raise InputError(
                f"image folder {self._root} does not exist or is not a folder: {fix}"
            )
        allowed = [os.path.realpath(self._root), *self._allowed]
        rows, listed = [], set()
        # os.walk reads each folder once and knows from the listing which entries are
        # folders: no call per file (pathlib's rglob and resolve made two). Only a file
        # that is a link, or lies in a linked folder, needs its real path checked.
        for folder, subfolders, files in os.walk(self._root, followlinks=True):
            real_folder = os.path.realpath(folder)
            if real_folder in listed:  # a link back to a folder listed already
                subfolders.clear()
                continue
            listed.add(real_folder)
            subfolders.sort()
            relative_folder = os.path.relpath(folder, self._root)
            parts = [] if relative_folder == "." else relative_folder.split(os.sep)
            for name in files:
                path = os.path.join(folder, name)
                real = (
                    os.path.realpath(path)
                    if os.path.islink(path)
                    else os.path.join(real_folder, name)
                )
                rows.append(_row([*parts, name], path, not _within(real, allowed)))
        labels = {row[2] for row in rows}
        for folder in sorted(p for p in self._root.iterdir() if p.is_dir()):
            row = _row([folder.name, ""], str(folder), outside=False)
            if row[2] not in labels:
                rows.append(row)
        return _listing(rows)

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{self._root} is raw data and is never written to")

    def preview(self, nrows: int = 20) -> TablePreview:
        """The first files of the listing, for kedro-viz."""
        return table_preview(self.load().head(nrows))

    def _exists(self) -> bool:
        if not self._url:
            return False
        if not is_local(self._url):
            fs, root = filesystem(self._url)
            return fs.isdir(root)
        return self._root.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": self._url}


def _listing(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=LISTING_COLUMNS).sort_values(
        "relative_path", ignore_index=True
    )


def _object_rows(url: str, fix: str) -> list[tuple]:
    """Rows for every object under a URL. An object store has no empty folders, but a
    folder marker object (``cat/``, as consoles create) with nothing beside it is
    listed as an empty class folder, like a local one."""
    fs, root = filesystem(url)
    root = root.rstrip("/")
    if not fs.isdir(root):
        raise InputError(f"image folder {url} does not exist or holds no objects: {fix}")
    rows = []
    for name in fs.find(root, withdirs=False):
        relative = name[len(root) + 1 :]
        if relative:
            rows.append(_row(relative.split("/"), fs.unstrip_protocol(name), False))
    labels = {row[2] for row in rows}
    for entry in fs.ls(root, detail=True):
        folder = entry["name"].rstrip("/").rsplit("/", 1)[-1]
        if (
            entry["type"] == "directory"
            and unicodedata.normalize("NFC", folder) not in labels
        ):
            rows.append(_row([folder, ""], fs.unstrip_protocol(entry["name"]), False))
    return rows


def _within(path: str, folders: list[str]) -> bool:
    return any(os.path.commonpath([path, folder]) == folder for folder in folders)


def _row(parts: list[str], path: str, outside: bool) -> tuple[str, str, str, bool, bool]:
    """A listing row: names as NFC, or escaped where they are not valid UTF-8."""
    invalid = any(_undecodable(part) for part in parts)
    if invalid:
        parts = [os.fsencode(part).decode("utf-8", "backslashreplace") for part in parts]
        path = os.fsencode(path).decode("utf-8", "backslashreplace")
    parts = [unicodedata.normalize("NFC", part) for part in parts]
    label = parts[0] if len(parts) > 1 else ""
    return "/".join(parts), path, label, outside, invalid


def _undecodable(name: str) -> bool:
    """Python keeps the bytes of a name that is not valid UTF-8 as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
