"""Nodes of the packing pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.image_pack import ImagePack, pack_split

from .params import PackingParams

logger = logging.getLogger(__name__)


def pack_images(
    split_manifest: pd.DataFrame,
    decoded_pixels: dict[str, np.ndarray],
    params: PackingParams,
) -> ImagePack:
    """Every image of the split manifest, as validation decoded it, in shards by split.

    Args:
        split_manifest: ``relative_path``, ``pixel_hash``, ``label_index``, ``split``.
        decoded_pixels: Output of ``inspect_images``: resized pixels by relative path.
        params: ``shard_size``.

    Returns:
        The pack the input pipelines, the label audit and the test predictions read.

    Raises:
        ValueError: An image of the manifest was not decoded by this run's validation.
    """
    missing = sorted(set(split_manifest["relative_path"]) - set(decoded_pixels))
    if missing:
        raise ValueError(
            f"{len(missing)} image(s) of the split manifest have no decoded pixels, "
            f"e.g. {missing[:3]}: run data_validation and data_split together"
        )
    image_shape = next(iter(decoded_pixels.values())).shape
    pack = pack_split(split_manifest, decoded_pixels, params.shard_size, image_shape)
    logger.info(
        "Packed %d images of %s in shards of %d",
        len(pack.index),
        "x".join(map(str, image_shape)),
        params.shard_size,
    )
    return pack
