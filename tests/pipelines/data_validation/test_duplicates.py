"""Near-duplicate search on real variants of images."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from image_classification.core.inspection import content_stats
from image_classification.pipelines.data_validation.duplicates import (
    near_duplicate_pairs,
)
from tests.conftest import ordinary_image, validation_params

NEAR = validation_params().flags.near_duplicate


def _thumbnail(image: Image.Image) -> np.ndarray:
    side = int(len(content_stats(image)["thumbnail"]) ** 0.5)
    return np.frombuffer(content_stats(image)["thumbnail"], np.uint8).reshape(side, side)


def _reencoded(image):
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return Image.open(buffer).convert("RGB")


def _shifted(image):
    pixels = np.asarray(image)
    moved = np.roll(pixels, 1, axis=1)
    moved[:, :1] = pixels[:, :1]
    return Image.fromarray(moved)


VARIANTS = {
    "jpeg re-encode": _reencoded,
    "resize": lambda image: image.resize((24, 24), Image.Resampling.BICUBIC),
    "brightness": lambda image: ImageEnhance.Brightness(image).enhance(1.15),
    "one-pixel shift": _shifted,
}


@pytest.fixture(scope="module")
def originals():
    rng = np.random.default_rng(3)
    return [ordinary_image(rng) for _ in range(60)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_kind_of_near_duplicate_is_found(originals, variant):
    copies = [VARIANTS[variant](image) for image in originals[:10]]
    thumbnails = np.stack([_thumbnail(image) for image in originals + copies])
    pairs = near_duplicate_pairs(
        thumbnails, NEAR.threshold, NEAR.neighbors, NEAR.candidate_radius
    )
    found = {(int(a), int(b)) for a, b, _ in pairs}
    expected = {(i, 60 + i) for i in range(10)}
    assert expected <= found
    assert all(distance <= NEAR.threshold for *_, distance in pairs)


def test_different_images_are_not_near_duplicates(originals):
    thumbnails = np.stack([_thumbnail(image) for image in originals])
    pairs = near_duplicate_pairs(
        thumbnails, NEAR.threshold, NEAR.neighbors, NEAR.candidate_radius
    )
    assert len(pairs) == 0


def test_fewer_than_two_images_have_no_pairs():
    assert near_duplicate_pairs(np.zeros((1, 32, 32), np.uint8), 0.3, 5, 0.5).shape == (
        0,
        3,
    )
