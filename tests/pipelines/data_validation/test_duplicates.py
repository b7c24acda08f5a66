"""Near duplicates: the candidate search on real variants of images, and the same-photo
test that tells a copy from a look-alike."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from image_classification.core.inspection import content_stats
from image_classification.pipelines.data_validation.duplicates import (
    near_duplicate_pairs,
)
from tests.conftest import TINY_CLASSES, ordinary_image, run_validation, validation_params
from tests.look_alikes import floor_photo, look_alike

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
        thumbnails, NEAR.max_thumbnail_distance, NEAR.neighbors, NEAR.candidate_radius
    )
    found = {(int(a), int(b)) for a, b, _ in pairs}
    expected = {(i, 60 + i) for i in range(10)}
    assert expected <= found
    assert all(distance <= NEAR.max_thumbnail_distance for *_, distance in pairs)


def test_different_images_are_not_near_duplicates(originals):
    thumbnails = np.stack([_thumbnail(image) for image in originals])
    pairs = near_duplicate_pairs(
        thumbnails, NEAR.max_thumbnail_distance, NEAR.neighbors, NEAR.candidate_radius
    )
    assert len(pairs) == 0


def test_fewer_than_two_images_have_no_pairs():
    assert near_duplicate_pairs(np.zeros((1, 32, 32), np.uint8), 0.3, 5, 0.5).shape == (
        0,
        3,
    )


@pytest.fixture(scope="module")
def look_alike_folder(tmp_path_factory):
    """30 photos of different garments on one floor in three class folders, one of
    them again re-encoded (same class) and cropped by a few percent (another class);
    the thumbnails of the look-alikes, and the paths of the photo and its copies."""
    rng = np.random.default_rng(5)
    floor = floor_photo(rng, 260)
    root = tmp_path_factory.mktemp("look_alikes") / "images"
    photos = {}
    for number in range(30):
        path = root / TINY_CLASSES[number % 3] / f"{number:02d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        photos[path] = look_alike(floor, rng, 160)
        photos[path].save(path, quality=92)
    source = next(iter(photos))
    width, height = photos[source].size
    copies = {
        root / "circle" / "again.jpg": (photos[source], 70),
        root / "square" / "cropped.jpg": (
            photos[source].crop((5, 4, width - 3, height - 4)),
            92,
        ),
    }
    for path, (image, quality) in copies.items():
        image.save(path, quality=quality)
    thumbnails = np.stack([_thumbnail(photo) for photo in photos.values()])
    same_photo = [str(path.relative_to(root)) for path in [source, *copies]]
    return root, thumbnails, same_photo


def test_look_alike_photos_form_no_group_and_their_copies_do(look_alike_folder):
    root, thumbnails, same_photo = look_alike_folder
    # At 32x32 the floor fills the thumbnail: many look-alikes are candidates, so the
    # same-photo test is what keeps them apart.
    candidates = near_duplicate_pairs(
        thumbnails, NEAR.max_thumbnail_distance, NEAR.neighbors, NEAR.candidate_radius
    )
    assert len(candidates) >= 5
    index, findings = run_validation(root, validation_params())
    flagged = findings.groupby("check")["relative_path"].agg(set)
    assert flagged["near_duplicate"] == set(same_photo)
    assert flagged["near_duplicate_label_conflict"] == set(same_photo)
    groups = index.set_index("relative_path")["duplicate_group"]
    assert groups[same_photo].nunique() == 1
    assert groups.drop(same_photo).is_unique
    detail = findings.loc[findings["check"] == "near_duplicate", "detail"]
    assert detail.str.contains("the same photo as .*fine detail").all()
