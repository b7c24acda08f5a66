"""The training image size: set, or measured from the images' headers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from image_classification.core.errors import InputError
from image_classification.core.image_size import (
    chosen_image_size,
    header_size,
    sampled_sizes,
)
from image_classification.core.params.image_sizing import ImageSizingParams

SIZING = ImageSizingParams(max_side=64, sample_files=500, fit="crop")


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 30)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_auto_takes_the_median_short_side_up_to_the_cap():
    photos = np.array([[533, 400]] * 5 + [[400, 533]] * 4 + [[711, 400]])
    chosen = chosen_image_size("auto", photos, SIZING)
    assert (chosen["height"], chosen["width"], chosen["fit"]) == (64, 64, "crop")
    assert "median 533x400" in chosen["chosen_from"]
    assert "capped at image_sizing.max_side 64" in chosen["chosen_from"]
    thumbnails = np.array([[32, 32]] * 9 + [[500, 500]])
    small = chosen_image_size("auto", thumbnails, SIZING)
    assert (small["height"], small["width"]) == (32, 32)
    assert "capped" not in small["chosen_from"]


def test_a_set_size_is_kept_and_a_wrong_one_is_a_clear_error():
    chosen = chosen_image_size([48, 80], np.empty((0, 2)), SIZING)
    assert (chosen["height"], chosen["width"]) == (48, 80)
    assert chosen["chosen_from"] == "set in image_size"
    for wrong in ([4, 4], [32], "large", [32.5, 32]):
        with pytest.raises(InputError, match="image_size must be auto or"):
            chosen_image_size(wrong, np.empty((0, 2)), SIZING)
    with pytest.raises(InputError, match="found no image with a readable header"):
        chosen_image_size("auto", np.empty((0, 2), int), SIZING)


def test_headers_give_the_shown_size_and_unreadable_files_are_skipped(tmp_path):
    assert header_size(_jpeg(40, 30)) == (30, 40)
    assert header_size(_jpeg(40, 30, orientation=6)) == (40, 30)  # shown turned
    assert header_size(b"not an image") is None
    for name, content in {
        "a.jpg": _jpeg(40, 30),
        "b.jpg": b"",
        "c.jpg": _jpeg(8, 6),
    }.items():
        (tmp_path / name).write_bytes(content)
    paths = sorted(str(path) for path in tmp_path.iterdir())
    assert sampled_sizes(paths, 10, seed=0).tolist() == [[30, 40], [6, 8]]
    assert len(sampled_sizes(paths, 2, seed=0)) <= 2
