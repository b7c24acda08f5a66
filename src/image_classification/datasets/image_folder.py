"""A read-only listing of an image folder laid out as ``<root>/<class>/<file>``.

kedro-datasets has no dataset that lists a folder without opening every file with one
reader (``PartitionedDataset`` would hand each file to ``pillow.ImageDataset``, which
raises on the first corrupt one). Validation must see every file, broken ones included,
so this dataset only lists; decoding is the validation node's job.
"""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)

LISTING_COLUMNS = ["relative_path", "path", "label", "outside_root", "invalid_name"]


class ImageFolderDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """Lists every file under ``path``, hidden ones included, sorted by relative path.

    The label is the name of the top-level folder a file is in, or ``""`` for files
    lying directly in the root. Linked folders are followed, and a file is listed
    once, from its path inside the folder: a link to a class folder never becomes a
    class of its own (``_folder_rows``). ``outside_root`` marks files that resolve,
    through a link, outside the folder and outside every folder of
    ``allowed_link_targets``: validation refuses them. Names are compared as Unicode
    NFC (macOS writes names decomposed), and a name that is not valid UTF-8 is shown
    with ``\\x`` escapes and marked ``invalid_name`` (it cannot be stored in the index
    as it is; validation quarantines the file). A top-level folder without any file is
    listed as ``<folder>/`` so that validation can report it rather than skip it in
    silence. Saving is refused: raw data is never modified.

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
        return _listing(_folder_rows(self._root, self._allowed))

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


def _folder_rows(root: Path, allowed_targets: list[str]) -> list[tuple]:
    """Rows for every file under a local folder, each file once, labelled from the
    path that lies in the folder itself.

    A link that leads back into the folder is an alias of something listed anyway
    (``0_link -> cafe`` beside ``cafe/``), so it is skipped, whatever the names sort
    as: its files keep their own folder's class and the link is never a class. Two
    links to one folder outside are refused: which class would its files be?
    os.walk reads each folder once and knows from the listing which entries are
    folders: no call per file. Only a link, or a file in a linked folder, needs its
    real path checked.
    """
    real_root = os.path.realpath(root)
    allowed = [real_root, *allowed_targets]
    rows, reached_by = [], {}
    for folder, subfolders, files in os.walk(root, followlinks=True):
        relative_folder = os.path.relpath(folder, root)
        real_folder = os.path.realpath(folder)
        if relative_folder != "." and _is_alias(folder, real_root):
            subfolders.clear()
            continue
        if real_folder in reached_by:  # a cycle, or two links to one folder outside
            first = reached_by[real_folder]
            if _label_of(first) != _label_of(relative_folder):
                raise InputError(
                    f"{first} and {relative_folder} both lead to {real_folder}: one "
                    "folder can hold one class only; remove one of the links"
                )
            subfolders.clear()
            continue
        reached_by[real_folder] = relative_folder
        subfolders.sort()
        parts = [] if relative_folder == "." else relative_folder.split(os.sep)
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path) and _is_alias(path, real_root):
                continue
            real = os.path.join(real_folder, name)
            if os.path.islink(path):
                real = os.path.realpath(path)
            rows.append(_row([*parts, name], path, not _within(real, allowed)))
    labels = {row[2] for row in rows}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if _is_alias(str(folder), real_root):
            target = os.path.relpath(os.path.realpath(folder), real_root)
            logger.warning(
                "%s is a link to %s inside the image folder: its files are listed "
                "once, under %s, and %s is not a class",
                folder.name,
                target,
                target,
                folder.name,
            )
            continue
        row = _row([folder.name, ""], str(folder), outside=False)
        if row[2] not in labels:
            rows.append(row)
    return rows


def _label_of(relative_folder: str) -> str:
    return "" if relative_folder == "." else relative_folder.split(os.sep, maxsplit=1)[0]


def _is_alias(path: str, real_root: str) -> bool:
    """A link to an existing file or folder inside the image folder: what it leads to
    is listed under its own path."""
    return (
        os.path.islink(path)
        and os.path.exists(path)
        and _within(os.path.realpath(path), [real_root])
    )


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
