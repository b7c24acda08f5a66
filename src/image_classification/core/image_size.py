"""The size images are trained at: set in ``image_size``, or measured from the images.

A folder of 32x32 thumbnails and one of 400x533 phone photos want different sizes:
shrunk to 32 pixels a garment loses its seams and collars, kept at 400 it costs a
hundred times the compute. ``auto`` takes the median short side of the images (read
from the headers of a seeded sample, without decoding) and caps it at
``image_sizing.max_side``, the largest size that trains in budget on a small machine.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
from PIL import Image
from pydantic import ValidationError

from image_classification.core.decoding import open_image
from image_classification.core.errors import InputError
from image_classification.core.params.image_sizing import (
    IMAGE_SIZE,
    MAX_SIDE,
    MIN_SIDE,
    ImageSizingParams,
)
from image_classification.core.storage import fetch_objects, is_local

_EXIF_ORIENTATION = 0x0112
# EXIF orientations that turn the stored image by 90 degrees.
_TRANSPOSED = {5, 6, 7, 8}


def header_size(content_or_path: bytes | str) -> tuple[int, int] | None:
    """``(height, width)`` of an image as it is shown (EXIF orientation applied), from
    its header alone; None when Pillow cannot read one (validation says why)."""
    try:
        image = (
            Image.open(content_or_path)
            if isinstance(content_or_path, str)
            else open_image(content_or_path)
        )
        with image:
            width, height = image.size
            if image.getexif().get(_EXIF_ORIENTATION) in _TRANSPOSED:
                width, height = height, width
    except Exception:
        return None
    return height, width


def sampled_sizes(paths: Sequence[str], sample_files: int, seed: int) -> np.ndarray:
    """``(height, width)`` of up to ``sample_files`` of ``paths``, drawn with ``seed``
    (all of them when there are fewer), skipping files without a readable header."""
    sample = sorted(paths)
    if len(sample) > sample_files:
        sample = random.Random(seed).sample(sample, sample_files)
    fetched = fetch_objects(sample)
    sizes = [
        header_size(path if is_local(path) else fetched[path])
        if is_local(path) or isinstance(fetched.get(path), bytes)
        else None
        for path in sample
    ]
    return np.array([size for size in sizes if size is not None], int).reshape(-1, 2)


def chosen_image_size(
    configured: str | Sequence[int], sizes: np.ndarray, params: ImageSizingParams
) -> dict:
    """The training image size and what it was chosen from.

    Args:
        configured: ``image_size``: ``auto`` or ``[height, width]``.
        sizes: ``(height, width)`` of sampled images (see ``sampled_sizes``).
        params: ``max_side`` caps ``auto``; ``fit`` is passed on.

    Returns:
        ``height``, ``width``, ``fit`` and ``chosen_from``, a phrase for the reports.

    Raises:
        InputError: ``image_size`` is neither ``auto`` nor two sides of 8 to 1024
            pixels, or ``auto`` found no readable image.
    """
    if configured == "auto":
        if not len(sizes):
            raise InputError(
                "image_size auto found no image with a readable header to measure: "
                "set image_size to [height, width]"
            )
        height, width = np.median(sizes, axis=0)
        short_side = int(np.median(sizes.min(axis=1)))
        side = max(MIN_SIDE, min(short_side, params.max_side))
        chosen_from = (
            f"from the images' median {height:.0f}x{width:.0f} (height x width, "
            f"{len(sizes):,} files)"
            + (
                f", capped at image_sizing.max_side {params.max_side}"
                if short_side > params.max_side
                else ""
            )
            + "; set image_size to override"
        )
        return {
            "height": side,
            "width": side,
            "fit": params.fit,
            "chosen_from": chosen_from,
        }
    try:
        height, width = IMAGE_SIZE.validate_python(configured)
    except ValidationError:
        raise InputError(
            f"image_size must be auto or [height, width], each {MIN_SIDE} to "
            f"{MAX_SIDE} pixels, got {configured}"
        ) from None
    return {
        "height": height,
        "width": width,
        "fit": params.fit,
        "chosen_from": "set in image_size",
    }
