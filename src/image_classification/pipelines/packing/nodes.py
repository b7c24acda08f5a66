"""Nodes of the packing pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.image_pack import ImagePack, pack

from .params import PackingParams

logger = logging.getLogger(__name__)


def pack_images(
    inspected_images: pd.DataFrame,
    decoded_pixels: dict[str, np.ndarray],
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
        decoded_pixels: Output of ``inspect_images``: resized pixels by relative path.
        params: ``shard_size``.

    Returns:
        The pack the input pipelines, the label audit and the test predictions read.
    """
    usable = inspected_images[inspected_images["status"] == "ok"]
    shape = next(iter(decoded_pixels.values())).shape if decoded_pixels else (0, 0, 3)
    image_pack = pack(usable, decoded_pixels, params.shard_size, shape)
    logger.info(
        "Packed %d images of %s in shards of %d",
        len(image_pack.index),
        "x".join(map(str, shape)),
        params.shard_size,
    )
    return image_pack
