"""Training-ready pixels of every clean image, packed in fixed-size shards.

Validation decodes each file once (``core.decoding``) and keeps its pixels resized to
the training size; the pack stores them with each image's relative path and pixel
hash, so every later stage (the input pipelines, the label audit, the test
predictions) reads the very pixels validation checked and never opens a raw file. The
split manifest says which images form a split; ``ImagePack.select`` turns its rows
into positions in the pack, and checks that the pixel hashes agree, so a pack and a
manifest of different runs are never mixed. Shards hold consecutive images (a fixed
number when packed here; as many as a Dask worker's chunk when the workers wrote them,
see ``StoredShard``): a batch can gather any images in any order, and a shard can be
mapped from disk instead of read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


class ShardedImages:
    """uint8 images ``(count, height, width, 3)`` kept as consecutive shards (of
    ``shard_size`` images, or of any sizes), indexed like one array."""

    def __init__(self, shards: Sequence[np.ndarray], shard_size: int, image_shape):
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
