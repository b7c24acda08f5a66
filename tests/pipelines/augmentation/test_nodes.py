"""tf.data pipelines from the manifest; augmentation layers built from parameters."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from matplotlib.figure import Figure
from pydantic import ValidationError

from image_classification.pipelines.augmentation.input_pipeline import make_augmenter
from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    preview_augmentation,
)
from image_classification.pipelines.augmentation.params import (
    AugmentationLayers,
    AugmentationParams,
)
from tests.conftest import TINY_CLASSES, base_parameters


def _params(layers: dict | None = None, **overrides) -> AugmentationParams:
    values = base_parameters("augmentation") | {"batch_size": 8} | overrides
    if layers is not None:
        values["layers"] = layers
    return AugmentationParams(**values)


def _all_batches(dataset: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


def test_datasets_hold_every_split_image_resized_and_scaled(tiny_manifest):
    params = _params(image_size=(20, 24))
    datasets = build_datasets(tiny_manifest, params, seed=0)
    for split, dataset in zip(("train", "validation", "test"), datasets, strict=True):
        images, labels = _all_batches(dataset)
        rows = tiny_manifest[tiny_manifest["split"] == split]
        assert images.shape == (len(rows), 20, 24, 3)
        assert images.dtype == np.float32
        assert images.min() >= 0.0
        assert images.max() <= 1.0
        assert sorted(labels) == sorted(rows["label_index"])


def test_evaluation_splits_keep_manifest_order_and_are_not_augmented(tiny_manifest):
    _, validation, _ = build_datasets(tiny_manifest, _params(), seed=0)
    first, labels = _all_batches(validation)
    second, _ = _all_batches(validation)
    rows = tiny_manifest[tiny_manifest["split"] == "validation"]
    assert list(labels) == list(rows["label_index"])
    np.testing.assert_array_equal(first, second)


def test_training_batches_are_augmented_each_epoch(tiny_manifest):
    train, _, _ = build_datasets(tiny_manifest, _params(), seed=0)
    first, _ = _all_batches(train)
    second, _ = _all_batches(train)
    assert not np.array_equal(np.sort(first, axis=None), np.sort(second, axis=None))


def test_without_augmentation_training_images_are_unchanged(tiny_manifest):
    off = {"flip": None, "rotation_degrees": 0, "translation_fraction": 0}
    train, _, _ = build_datasets(tiny_manifest, _params(layers=off), seed=0)
    first, _ = _all_batches(train)
    second, _ = _all_batches(train)
    np.testing.assert_allclose(np.sort(first, axis=None), np.sort(second, axis=None))


def test_augmenter_has_exactly_the_configured_layers():
    layers = AugmentationLayers(
        flip="horizontal", rotation_degrees=15, translation_fraction=0
    )
    augmenter = make_augmenter(layers, seed=0)
    assert [layer.name for layer in augmenter.layers] == ["flip", "rotate"]
    assert augmenter.get_layer("rotate").factor == pytest.approx((-15 / 360, 15 / 360))
    off = AugmentationLayers(flip=None, rotation_degrees=0, translation_fraction=0)
    assert make_augmenter(off, seed=0) is None


def test_horizontal_flip_mirrors_left_and_right():
    layers = AugmentationLayers(
        flip="horizontal", rotation_degrees=0, translation_fraction=0
    )
    augmenter = make_augmenter(layers, seed=0)
    image = np.zeros((64, 4, 4, 3), np.float32)
    image[:, :, 0, :] = 1.0  # left column lit
    flipped = augmenter(image, training=True).numpy()
    mirrored = flipped[:, :, -1, :].max(axis=(1, 2)) == 1.0
    assert mirrored.any() and not mirrored.all()
    assert (flipped.sum(axis=(1, 2, 3)) == image.sum(axis=(1, 2, 3))).all()
    np.testing.assert_array_equal(flipped[:, 0, :, :], flipped[:, 3, :, :])


@pytest.mark.parametrize(
    "layers",
    [
        {
            "flip": "horizontal",
            "rotation_degrees": 15,
            "translation_fraction": 0.1,
            "zoom": 0.2,
        },
        {"flip": "diagonal", "rotation_degrees": 15, "translation_fraction": 0.1},
        {"flip": None, "rotation_degrees": -5, "translation_fraction": 0.1},
    ],
)
def test_unknown_or_out_of_range_augmentation_is_refused(layers):
    with pytest.raises(ValidationError, match=r"layers\.(zoom|flip|rotation_degrees)"):
        _params(layers=layers)


def test_empty_split_is_a_clear_error(tiny_manifest):
    no_test = tiny_manifest[tiny_manifest["split"] != "test"]
    with pytest.raises(ValueError, match="the test split has no images"):
        build_datasets(no_test, _params(), seed=0)


def test_preview_shows_each_image_with_its_variants(tiny_manifest):
    params = _params(preview_images=3, preview_variants=4)
    figure = preview_augmentation(tiny_manifest, list(TINY_CLASSES), params, seed=0)
    assert isinstance(figure, Figure)
    shown = [ax for ax in figure.axes if ax.images]
    assert len(shown) == 3 * (1 + 4)
    assert {ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()} <= set(TINY_CLASSES)
