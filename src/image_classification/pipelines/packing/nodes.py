"""Nodes of the packing pipeline."""

from __future__ import annotations

import logging

import pandas as pd

from image_classification.core.image_pack import (
    INDEX_COLUMNS,
    DecodedPixels,
    ImagePack,
    ShardedImages,
    StoredShard,
    pack,
)
from image_classification.core.inspection import OK
from image_classification.core.params.packing import PackingParams

logger = logging.getLogger(__name__)


def pack_images(
    inspected_images: pd.DataFrame,
    decoded_pixels: DecodedPixels,
    params: PackingParams,
) -> ImagePack:
    """Every image validation decoded, as it decoded it, in shards with its pixel hash.

    The pack holds every file that decoded (``ok`` after inspection), in the listing's
    order; quality flags may still quarantine some, and the split manifest names which
    of the rest form each split. Packing needs only the inspection, so it runs right
    after it (in the same Airflow task), and the decoded pixels are written once and
    freed before the near-duplicate search needs its memory.

    Args:
        inspected_images: ``relative_path``, ``pixel_hash`` and ``status`` per file.
        decoded_pixels: Output of ``inspect_images``: resized pixels by relative path,
            or the shards Dask workers wrote (packed as they are, one shard each; the
            files usable after inspection, before the conflicting-label check, which
            the split manifest applies).
        params: ``shard_size``.

    Returns:
        The pack the input pipelines, the label audit and the test predictions read.
    """
    if decoded_pixels.stored:
        return _pack_stored(inspected_images, decoded_pixels.stored)
    by_path = decoded_pixels.by_path
    usable = inspected_images[inspected_images["status"] == OK]
    shape = next(iter(by_path.values())).shape if by_path else (0, 0, 3)
    image_pack = pack(usable, by_path, params.shard_size, shape)
    logger.info(
        "Packed %d images of %s in shards of %d",
        len(image_pack.index),
        "x".join(map(str, shape)),
        params.shard_size,
    )
    return image_pack


def _pack_stored(inspected_images: pd.DataFrame, shards: list[StoredShard]) -> ImagePack:
    paths = [path for shard in shards for path in shard.relative_paths]
    index = inspected_images.set_index("relative_path").loc[paths].reset_index()
    shape = shards[0].image_shape if shards else (0, 0, 3)
    largest = max((len(shard) for shard in shards), default=1)
    images = ShardedImages(shards, largest, shape)
    logger.info(
        "Packed %d images from %d shards the workers wrote", len(paths), len(shards)
    )
    return ImagePack(index[INDEX_COLUMNS], images)
