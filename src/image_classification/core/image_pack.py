"""Training-ready pixels of every clean image, packed by split in fixed-size shards.

Validation decodes each file once (``core.decoding``) and keeps its pixels resized to
the training size; the pack stores them beside the split, label and pixel hash of each
image, so every later stage (the input pipelines, the label audit, the test
predictions) reads the very pixels validation checked and never opens a raw file.
Shards of a fixed number of images make position ``p`` of a split shard
``p // shard_size``, row ``p % shard_size``: a batch can gather any images in any
order, and a shard can be mapped from disk instead of read into memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

SPLITS = ("train", "validation", "test")
INDEX_COLUMNS = ["relative_path", "pixel_hash", "label_index", "split"]


class ShardedImages:
    """uint8 images ``(count, height, width, 3)`` kept as consecutive shards of
    ``shard_size`` images (the last may be shorter), indexed like one array."""

    def __init__(self, shards: Sequence[np.ndarray], shard_size: int, image_shape):
        self.shards = list(shards)
        self.shard_size = shard_size
        self.shape = (sum(len(shard) for shard in shards), *image_shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, positions) -> np.ndarray:
        """The images at ``positions`` (integers, any order), as a new array."""
        positions = np.asarray(positions, dtype=np.int64)
        if positions.size and (positions.min() < 0 or positions.max() >= len(self)):
            raise IndexError(f"positions outside 0..{len(self) - 1}")
        images = np.empty((len(positions), *self.shape[1:]), np.uint8)
        shard_of = positions // self.shard_size
        for shard in np.unique(shard_of):
            taken = shard_of == shard
            rows = positions[taken] - shard * self.shard_size
            images[taken] = self.shards[shard][rows]
        return images


@dataclass(frozen=True)
class ImagePack:
    """Pixels and index of every packed image.

    Attributes:
        index: ``INDEX_COLUMNS``; within each split, rows are in pack order.
        images: Per split, its images in the order of its index rows.
    """

    index: pd.DataFrame
    images: dict[str, ShardedImages]

    def rows(self, split: str) -> pd.DataFrame:
        """The index rows of one split, in pack order."""
        return self.index[self.index["split"] == split].reset_index(drop=True)

    def take(self, rows: Sequence[int]) -> np.ndarray:
        """The images at positions ``rows`` of ``index`` (any splits, any order)."""
        rows = np.asarray(rows, dtype=np.int64)
        split_of = self.index["split"].to_numpy()
        splits = split_of[rows]
        first_row = {split: int(np.argmax(split_of == split)) for split in SPLITS}
        images = np.empty((len(rows), *self.images[SPLITS[0]].shape[1:]), np.uint8)
        for split in SPLITS:
            taken = splits == split
            images[taken] = self.images[split][rows[taken] - first_row[split]]
        return images


def pack_split(
    split_manifest: pd.DataFrame,
    pixels_of: dict[str, np.ndarray],
    shard_size: int,
    image_shape: Sequence[int],
) -> ImagePack:
    """The pack of a split manifest, each split in manifest order.

    Args:
        split_manifest: ``INDEX_COLUMNS`` for every image to pack.
        pixels_of: The pixels of each ``relative_path``.
        shard_size: Images per shard.
        image_shape: ``(height, width, 3)`` of every image.
    """
    index = pd.concat(
        [split_manifest[split_manifest["split"] == split] for split in SPLITS]
    )[INDEX_COLUMNS].reset_index(drop=True)
    images = {}
    for split in SPLITS:
        paths = index.loc[index["split"] == split, "relative_path"].tolist()
        shards = [
            np.stack([pixels_of[path] for path in paths[start : start + shard_size]])
            .astype(np.uint8)
            .reshape(-1, *image_shape)
            for start in range(0, len(paths), shard_size)
        ]
        images[split] = ShardedImages(shards, shard_size, image_shape)
    return ImagePack(index, images)
