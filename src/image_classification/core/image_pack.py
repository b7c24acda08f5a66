"""Training-ready pixels of every clean image, packed in fixed-size shards.

Validation decodes each file once (``core.decoding``) and keeps its pixels resized to
the training size; the pack stores them with each image's relative path and pixel
hash, so every later stage (the input pipelines, the label audit, the test
predictions) reads the very pixels validation checked and never opens a raw file. The
split manifest says which images form a split; ``ImagePack.select`` turns its rows
into positions in the pack, and checks that the pixel hashes agree, so a pack and a
manifest of different runs are never mixed. Shards hold consecutive images (a fixed
number when packed here; as many as a Dask worker's chunk when the workers wrote them,
see ``StoredShard``): a batch can gather any images in any order, and a shard on a
local disk is read image by image as batches ask (``ShardFile``), never whole.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError

INDEX_COLUMNS = ["relative_path", "pixel_hash"]


@dataclass(frozen=True)
class StoredShard:
    """Pixels a validation worker wrote itself, as one ``.npy`` file or object: uint8
    ``(len(relative_paths), height, width, 3)``. Packing names it; the pack dataset
    copies it into the pack without the pixels passing through this process."""

    url: str
    relative_paths: tuple[str, ...]
    image_shape: tuple[int, int, int]

    def __len__(self) -> int:
        return len(self.relative_paths)


@dataclass(frozen=True)
class DecodedPixels:
    """The pixels inspection decoded, on their way to the pack: by relative path in
    this process, or, where Dask workers decoded them, the shards the workers wrote
    (``by_path`` then stays empty: the pixels never pass through this process)."""

    by_path: dict[str, np.ndarray] = field(default_factory=dict)
    stored: list[StoredShard] = field(default_factory=list)


class ShardFile:
    """A ``.npy`` shard on a local disk whose images are read by position.

    Each image asked for is one positioned read (``os.pread``) copied into the batch:
    the file's pages stay in the operating system's page cache, shared and dropped
    under memory pressure, and the process holds only the batches in flight. A memory
    map would read the same pages but count every page touched in the process's
    resident memory until it is unmapped: at 50,000 CIFAR-10 images, the whole 150 MB
    pack by the end of the first epoch. Positioned reads share no file offset, so
    parallel batches read one file at once. The file is opened for each batch, not
    held open: a pack of thousands of shards stays within the limit on open files.
    """

    def __init__(self, path: str):
        self.path = path
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran_order, dtype = read_header(file)
            self._offset = file.tell()
        if dtype != np.uint8 or fortran_order or len(shape) != 4:
            raise InputError(
                f"{path} is not a shard of uint8 images (it holds {dtype} {shape})"
            )
        self.shape = shape
        self._image_bytes = int(np.prod(shape[1:]))
        size = os.path.getsize(path)
        if size != self._offset + shape[0] * self._image_bytes:
            raise InputError(
                f"{path} holds {size} bytes, not the {shape[0]} images its header "
                "promises: the pack is damaged; run packing again"
            )

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        """The images at ``rows`` (integers, any order), as a new array."""
        images = np.empty((len(rows), *self.shape[1:]), np.uint8)
        flat = images.reshape(len(images), self._image_bytes)
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            for image, row in zip(flat, np.asarray(rows, np.int64), strict=True):
                at = self._offset + int(row) * self._image_bytes
                pixels = os.pread(descriptor, self._image_bytes, at)
                if len(pixels) != self._image_bytes:
                    raise InputError(
                        f"{self.path} was cut short while in use: run packing again"
                    )
                image[:] = np.frombuffer(pixels, np.uint8)
        finally:
            os.close(descriptor)
        return images


class ShardedImages:
    """uint8 images ``(count, height, width, 3)`` kept as consecutive shards (of
    ``shard_size`` images, or of any sizes), indexed like one array."""

    def __init__(
        self, shards: Sequence[np.ndarray | ShardFile], shard_size: int, image_shape
    ):
        self.shards = list(shards)
        self.shard_size = shard_size
        # Where each shard starts: position p lies in the last shard starting at or
        # before it.
        self._starts = np.cumsum([0] + [len(shard) for shard in self.shards[:-1]])
        self.shape = (sum(len(shard) for shard in shards), *image_shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, positions) -> np.ndarray:
        """The images at ``positions`` (integers, any order), as a new array."""
        positions = np.asarray(positions, dtype=np.int64)
        if positions.size and (positions.min() < 0 or positions.max() >= len(self)):
            raise IndexError(f"positions outside 0..{len(self) - 1}")
        images = np.empty((len(positions), *self.shape[1:]), np.uint8)
        shard_of = np.searchsorted(self._starts, positions, side="right") - 1
        for shard in np.unique(shard_of):
            taken = shard_of == shard
            rows = positions[taken] - self._starts[shard]
            images[taken] = self.shards[shard][rows]
        return images


class ImageSelection:
    """Some images of a pack, in a given order, indexed like one array (no copy)."""

    def __init__(self, images: ShardedImages, positions: np.ndarray):
        self._images = images
        self._positions = positions
        self.shape = (len(positions), *images.shape[1:])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, at) -> np.ndarray:
        return self._images[self._positions[np.asarray(at, dtype=np.int64)]]


@dataclass(frozen=True)
class ImagePack:
    """Pixels and index of every packed image.

    Attributes:
        index: ``INDEX_COLUMNS``, one row per image, in pack order.
        images: The images in the order of ``index``.
    """

    index: pd.DataFrame
    images: ShardedImages

    def select(self, rows: pd.DataFrame) -> ImageSelection:
        """The images of ``rows`` (``relative_path`` and ``pixel_hash``), in their order.

        Raises:
            InputError: A row is not in the pack, or its pixel hash differs: the pack
                and the rows come from different runs.
        """
        position_of = pd.Series(
            np.arange(len(self.index)), index=self.index["relative_path"]
        )
        positions = position_of.reindex(rows["relative_path"]).to_numpy()
        paths = rows["relative_path"].to_numpy()
        absent = np.isnan(positions)
        if absent.any():
            raise _from_another_run(paths[absent], "are not in the image pack")
        positions = positions.astype(np.int64)
        packed_hashes = self.index["pixel_hash"].to_numpy()
        changed = packed_hashes[positions] != rows["pixel_hash"].to_numpy()
        if changed.any():
            raise _from_another_run(paths[changed], "have other pixels in the pack")
        return ImageSelection(self.images, positions)


def _from_another_run(paths: np.ndarray, fault: str) -> InputError:
    return InputError(
        f"{len(paths)} image(s) of the split manifest {fault}, e.g. {list(paths[:3])}: "
        "the pack and the manifest come from different runs; run data_validation, "
        "packing and data_split together"
    )


def pack(
    index: pd.DataFrame,
    pixels_of: dict[str, np.ndarray],
    shard_size: int,
    image_shape: Sequence[int],
) -> ImagePack:
    """The pack of the images of ``index``, in its order.

    Args:
        index: ``INDEX_COLUMNS`` of every image to pack.
        pixels_of: The pixels of each ``relative_path``.
        shard_size: Images per shard.
        image_shape: ``(height, width, 3)`` of every image.
    """
    index = index[INDEX_COLUMNS].reset_index(drop=True)
    paths = index["relative_path"].tolist()
    shards = [
        np.stack(
            [pixels_of[path] for path in paths[start : start + shard_size]],
            dtype=np.uint8,
        )
        for start in range(0, len(paths), shard_size)
    ]
    return ImagePack(index, ShardedImages(shards, shard_size, image_shape))
