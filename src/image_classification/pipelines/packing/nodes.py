"""Nodes of the packing pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.image_pack import ImagePack, pack

from .params import PackingParams

logger = logging.getLogger(__name__)


def pack_images(
    image_index: pd.DataFrame,
    decoded_pixels: dict[str, np.ndarray],
    params: PackingParams,
) -> ImagePack:
    """Every usable image, as validation decoded it, in shards with its pixel hash.

    The pack holds the images validation left ``ok`` (those the split draws from), in
    the image index's order; the split manifest then names which of them form each
    split. Packing needs only validation's outputs, so it runs with validation (in one
    Airflow task) and the pixels never leave memory before they are written once.

    Args:
        image_index: Validation's index: ``relative_path``, ``pixel_hash``, ``status``.
        decoded_pixels: Output of ``inspect_images``: resized pixels by relative path.
        params: ``shard_size``.

    Returns:
        The pack the input pipelines, the label audit and the test predictions read.
    """
    usable = image_index[image_index["status"] == "ok"]
    shape = next(iter(decoded_pixels.values())).shape if decoded_pixels else (0, 0, 3)
    image_pack = pack(usable, decoded_pixels, params.shard_size, shape)
    logger.info(
        "Packed %d images of %s in shards of %d",
        len(image_pack.index),
        "x".join(map(str, shape)),
        params.shard_size,
    )
    return image_pack
