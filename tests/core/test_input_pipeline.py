"""The input pipeline's augmentation: each transform does what Keras' layer of that
name does, on a seed, in one resampling."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from image_classification.core.input_pipeline import augmented
from image_classification.core.params.augmentation import AugmentationLayers
from tests.conftest import NO_AUGMENTATION


def _affine(images: np.ndarray, seed: int, **layers) -> np.ndarray:
    transform = AugmentationLayers(**NO_AUGMENTATION | layers)
    return np.asarray(augmented(images, tf.constant([seed, 0]), transform))


def _lit_columns(count: int = 64, side: int = 9) -> np.ndarray:
    images = np.zeros((count, side, side, 3), np.float32)
    images[:, :, 0, :] = 1.0  # left column lit
    return images


def test_with_every_transform_off_images_are_unchanged():
    images = np.random.default_rng(0).uniform(size=(8, 9, 9, 3)).astype(np.float32)
    np.testing.assert_allclose(_affine(images, seed=1), images, atol=1e-6)


def test_horizontal_flip_mirrors_about_half_the_images_exactly():
    images = _lit_columns()
    flipped = _affine(images, seed=0, flip="horizontal")
    mirrored = np.array(
        [np.array_equal(f, i[:, ::-1]) for f, i in zip(flipped, images, strict=True)]
    )
    kept = np.array([np.array_equal(f, i) for f, i in zip(flipped, images, strict=True)])
    assert (mirrored | kept).all()
    assert 16 < mirrored.sum() < 48


def test_vertical_flip_mirrors_top_and_bottom():
    images = np.zeros((64, 9, 9, 3), np.float32)
    images[:, 0, :, :] = 1.0  # top row lit
    flipped = _affine(images, seed=0, flip="vertical")
    mirrored = (flipped[:, ::-1] == images).all(axis=(1, 2, 3))
    kept = (flipped == images).all(axis=(1, 2, 3))
    assert (mirrored | kept).all()
    assert 16 < mirrored.sum() < 48


def test_shifts_stay_within_the_fraction_and_differ_between_images():
    images = np.zeros((64, 21, 21, 3), np.float32)
    images[:, 10, 10, :] = 1.0  # one lit pixel in the centre
    moved = _affine(images, seed=0, translation_fraction=0.2)
    spots = np.array([np.unravel_index(m[..., 0].argmax(), (21, 21)) for m in moved])
    assert np.abs(spots - 10).max() <= 0.2 * 21 + 1
    assert len({tuple(spot) for spot in spots}) > 10


def test_rotation_turns_about_the_centre_within_the_angle():
    images = np.zeros((64, 21, 21, 3), np.float32)
    images[:, 10, 10:, :] = 1.0  # a ray from the centre to the right edge
    turned = _affine(images, seed=0, rotation_degrees=30)
    assert (turned[:, 10, 10, 0] > 0.9).all()  # the centre stays
    # The ray's end point lies at most 30 degrees away from the horizontal.
    for image in turned:
        ys, xs = np.nonzero(image[..., 0] > 0.5)
        far = np.argmax((ys - 10) ** 2 + (xs - 10) ** 2)
        angle = np.degrees(np.arctan2(abs(ys[far] - 10), xs[far] - 10))
        assert angle <= 30 + 6  # one pixel of rasterization at this radius
    assert len({image.tobytes() for image in turned}) > 32


def test_random_resized_crops_zoom_into_a_part_of_at_least_the_area_share():
    side = 33
    ramp = np.broadcast_to(np.linspace(0, 1, side)[None, :, None], (side, side, 3))
    images = np.repeat(ramp[None], 64, axis=0).astype(np.float32)
    cropped = _affine(images, seed=0, crop_area_min=0.5)
    # Each output row is a stretch of the ramp: its slope is the crop's width share,
    # which an area of at least half and an aspect ratio of at most 4/3 bound below.
    widths = (cropped[:, 16, -1, 0] - cropped[:, 16, 0, 0]) / 1.0
    assert widths.min() >= np.sqrt(0.5 * 3 / 4) - 0.02
    assert widths.max() <= 1 + 1e-5
    assert widths.std() > 0.05  # the crops differ
    # A crop stays inside the image: no reflected border turns the ramp back.
    assert (np.diff(cropped[:, 16, :, 0], axis=1) >= -1e-5).all()


def test_thumbnails_below_the_photo_side_are_neither_cropped_nor_recoloured():
    images = np.random.default_rng(0).uniform(size=(8, 33, 33, 3)).astype(np.float32)
    photo_only = {"crop_area_min": 0.5, "brightness": 0.2, "saturation": 0.4}
    kept = _affine(images, seed=0, photo_min_side=48, **photo_only)
    np.testing.assert_allclose(kept, images, atol=1e-6)
    changed = _affine(images, seed=0, photo_min_side=33, **photo_only)
    assert np.abs(changed - images).mean() > 0.05


def test_colour_changes_vary_per_image_and_keep_grey_images_grey():
    grey = np.full((64, 4, 4, 3), 0.5, np.float32)
    grey[:, :2] = 0.3
    changed = _affine(grey, seed=0, brightness=0.2, contrast=0.3, saturation=0.4)
    np.testing.assert_allclose(changed[..., 0], changed[..., 2], atol=1e-6)  # still grey
    means = changed.mean(axis=(1, 2, 3))
    assert means.min() >= 0.4 - 0.2 - 1e-6 and means.max() <= 0.4 + 0.2 + 1e-6
    assert means.std() > 0.03
    spreads = changed[:, 2, 0, 0] - changed[:, 0, 0, 0]
    assert spreads.min() >= 0.2 * 0.7 - 1e-5 and spreads.max() <= 0.2 * 1.3 + 1e-5
    colourful = np.zeros((64, 4, 4, 3), np.float32)
    colourful[..., 0] = 0.8
    desaturated = _affine(colourful, seed=0, saturation=0.4)
    red_over_grey = desaturated[:, 0, 0, 0] - desaturated[:, 0, 0].mean(axis=-1)
    assert red_over_grey.std() > 0.01  # each image its own saturation


def test_the_same_seed_gives_the_same_transforms():
    images = _lit_columns()
    layers = {
        "flip": "horizontal",
        "rotation_degrees": 15,
        "translation_fraction": 0.1,
        "crop_area_min": 0.5,
        "brightness": 0.1,
        "contrast": 0.2,
        "saturation": 0.3,
    }
    np.testing.assert_array_equal(
        _affine(images, seed=3, **layers), _affine(images, seed=3, **layers)
    )
    assert not np.array_equal(
        _affine(images, seed=3, **layers), _affine(images, seed=4, **layers)
    )
