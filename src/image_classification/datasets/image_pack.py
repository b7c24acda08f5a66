"""The packed, training-ready pixels of a run (``core.image_pack``) in the catalog.

A versioned folder, read and written through fsspec::

    <filepath>/<version>/<name>/pack.json           shard size, image shape, shards
    <filepath>/<version>/<name>/index.parquet       relative_path, pixel_hash
    <filepath>/<version>/<name>/images-00000.npy    uint8 (images, height, width, 3)

Shards are ``.npy``: numpy writes and reads them with no extra library, and on a local
disk batches read their images from them by position (``ShardFile``), so a pack larger
than the memory is never held whole (a bucket's shards are read whole). On a local
disk the folder is written under a ``.partial`` name and renamed when whole; the next
save removes what a crash left. An object store has no rename: there ``pack.json`` is
written last, and only versions holding it are versions. Either way Kedro only ever
finds complete versions, and a crash leaves the last good one readable.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any

import fsspec
import numpy as np
import pandas as pd
from fsspec.core import url_to_fs
from kedro.io.core import (
    AbstractVersionedDataset,
    DatasetError,
    Version,
    get_filepath_str,
    get_protocol_and_path,
)
from kedro_datasets._typing import TablePreview

from image_classification.core.image_pack import (
    ImagePack,
    ShardedImages,
    ShardFile,
    StoredShard,
)
from image_classification.core.progress import progress

from .table_preview import table_preview

_META = "pack.json"
_INDEX = "index.parquet"


class ImagePackDataset(AbstractVersionedDataset[ImagePack, ImagePack]):
    """An ``ImagePack`` stored as ``.npy`` shards and a Parquet index."""

    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        credentials: dict[str, Any] | None = None,
        fs_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        self._protocol = protocol
        self._fs = fsspec.filesystem(
            protocol, **deepcopy(credentials or {}), **deepcopy(fs_args or {})
        )
        self.metadata = metadata
        self._loaded: dict[str, ImagePack] = {}
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._complete_versions,
        )

    def _complete_versions(self, pattern: str) -> list[str]:
        """The version folders matching ``pattern`` that hold ``pack.json``: a write
        cut short on object storage is not a version."""
        self._fs.invalidate_cache()
        return [
            path for path in self._fs.glob(pattern) if self._fs.exists(f"{path}/{_META}")
        ]

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "protocol": self._protocol}

    def load(self) -> ImagePack:
        """The pack, read once per version: every node of a run that loads it shares
        one index and one set of shards (a bucket's shards are in memory, once)."""
        folder = get_filepath_str(self._get_load_path(), self._protocol)
        if folder not in self._loaded:
            self._loaded = {folder: self._read(folder)}
        return self._loaded[folder]

    def _read(self, folder: str) -> ImagePack:
        meta = json.loads(self._fs.cat_file(f"{folder}/{_META}"))
        index = self._read_index(folder)
        shards = [self._read_shard(f"{folder}/{name}") for name in meta["shards"]]
        images = ShardedImages(shards, meta["shard_size"], tuple(meta["image_shape"]))
        return ImagePack(index, images)

    def _read_index(self, folder: str) -> pd.DataFrame:
        with self._fs.open(f"{folder}/{_INDEX}", "rb") as file:
            return pd.read_parquet(file)

    def _read_shard(self, path: str) -> np.ndarray | ShardFile:
        if self._protocol == "file":
            return ShardFile(path)
        return np.load(io.BytesIO(self._fs.cat_file(path)))

    def save(self, data: ImagePack) -> None:
        self._loaded = {}
        folder = get_filepath_str(self._get_save_path(), self._protocol)
        local = self._protocol == "file"
        partial = f"{folder}.partial" if local else folder
        self._remove_partials()
        self._fs.mkdirs(partial, exist_ok=True)
        shards = []
        written = progress(data.images.shards, description="writing the pack", unit="shard")
        for number, shard in enumerate(written):
            shards.append(f"images-{number:05d}.npy")
            if isinstance(shard, StoredShard):
                self._copy_in(shard.url, f"{partial}/{shards[-1]}")
                continue
            with self._fs.open(f"{partial}/{shards[-1]}", "wb") as file:
                np.save(file, np.ascontiguousarray(shard), allow_pickle=False)
        with self._fs.open(f"{partial}/{_INDEX}", "wb") as file:
            data.index.to_parquet(file, index=False)
        meta = {
            "shard_size": data.images.shard_size,
            "image_shape": list(data.images.shape[1:]),
            "shards": shards,
        }
        self._fs.pipe_file(f"{partial}/{_META}", json.dumps(meta, indent=1).encode())
        if local:
            if self._fs.exists(folder):  # unversioned: the new pack replaces the old
                self._fs.rm(folder, recursive=True)
            self._fs.mv(partial, folder, recursive=True)
        self._fs.invalidate_cache()

    def _copy_in(self, url: str, target: str) -> None:
        """A shard a worker wrote, moved in as it is: by the store itself where it lies
        on the same filesystem (a rename on disk; an S3 copy moves no bytes through
        this process). It belongs to this run only."""
        source_fs, source = url_to_fs(url)
        if type(source_fs) is type(self._fs):
            self._fs.mv(source, target)
            if self._protocol == "file":  # the run's folder, once its last shard left
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.dirname(source))
        else:
            self._fs.pipe_file(target, source_fs.cat_file(source))
            source_fs.rm_file(source)

    def _remove_partials(self) -> None:
        """What a run killed while writing left: every version is a new folder, so
        nothing would ever write over it. Two runs writing one catalog at once are not
        supported (``kedro retrain`` holds a lock)."""
        if self._version is None:
            pattern = f"{get_filepath_str(self._filepath, self._protocol)}.partial"
        else:
            versions = get_filepath_str(self._get_versioned_path("*"), self._protocol)
            pattern = f"{versions}.partial"
        for stale in self._fs.glob(pattern):
            self._fs.rm(stale, recursive=True)

    def preview(self, nrows: int = 20) -> TablePreview:
        """The first rows of the pack's index, for kedro-viz (no pixels are read)."""
        folder = get_filepath_str(self._get_load_path(), self._protocol)
        return table_preview(self._read_index(folder).head(nrows))

    def _release(self) -> None:
        """Kedro releases the dataset after its last reader: the pack goes too."""
        super()._release()
        self._loaded = {}

    def _exists(self) -> bool:
        try:
            folder = get_filepath_str(self._get_load_path(), self._protocol)
        except DatasetError:
            return False
        return self._fs.exists(f"{folder}/{_META}")
