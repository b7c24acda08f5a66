"""tf.data pipelines from the manifest; augmentation layers built from parameters."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from matplotlib.figure import Figure
from PIL import Image
from pydantic import ValidationError

from image_classification.core.errors import InputError
from image_classification.core.input_pipeline import (
    image_batches,
)
from image_classification.core.params.augmentation import (
    AugmentationParams,
)
from image_classification.core.params.packing import PackingParams
from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.augmentation.class_mix import class_mix_report
from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    build_train_sample_dataset,
    measure_batch_class_mix,
    preview_augmentation,
)
from image_classification.pipelines.data_validation.nodes import inspect_images
from image_classification.pipelines.packing.nodes import pack_images
from tests.conftest import (
    NO_AUGMENTATION,
    TINY_CLASSES,
    base_parameters,
    fixed_size,
    validation_params,
)
from tests.core.test_decoding import QUADRANTS, _bmp_4bit, _quadrant_rgb, _saved


def _params(layers: dict | None = None, **overrides) -> AugmentationParams:
    values = base_parameters("augmentation") | {"batch_size": 8} | overrides
    if layers is not None:
        values["layers"] = layers
    return AugmentationParams(**values)


def _all_batches(dataset: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


def test_datasets_hold_every_packed_image_scaled_to_the_unit_range(
    tiny_pack, tiny_manifest
):
    datasets = build_datasets(tiny_pack, tiny_manifest, _params(), seed=0)
    for split, dataset in zip(("train", "validation", "test"), datasets, strict=True):
        images, labels = _all_batches(dataset)
        rows = tiny_manifest[tiny_manifest["split"] == split]
        assert images.shape == (len(rows), 32, 32, 3)
        assert images.dtype == np.float32
        assert images.min() >= 0.0
        assert images.max() <= 1.0
        assert sorted(labels) == sorted(rows["label_index"])


def test_evaluation_splits_are_the_packed_pixels_in_pack_order(tiny_pack, tiny_manifest):
    _, validation, _ = build_datasets(tiny_pack, tiny_manifest, _params(), seed=0)
    first, labels = _all_batches(validation)
    second, _ = _all_batches(validation)
    rows = tiny_manifest[tiny_manifest["split"] == "validation"]
    assert list(labels) == list(rows["label_index"])
    packed = tiny_pack.select(rows)[np.arange(len(rows))]
    np.testing.assert_array_equal(np.rint(first * 255).astype(np.uint8), packed)
    np.testing.assert_array_equal(first, second)


def test_training_sample_is_a_fixed_stratified_unaugmented_draw(tiny_pack, tiny_manifest):
    train = tiny_manifest[tiny_manifest["split"] == "train"]
    params = _params(train_sample_size=len(train) // 2)
    sample = build_train_sample_dataset(tiny_pack, tiny_manifest, params, seed=0)
    images, labels = _all_batches(sample)
    assert len(labels) == len(train) // 2
    # Stratified: each class keeps its share of the training split, to one image.
    shares = pd.Series(labels).value_counts(normalize=True)
    expected = train["label_index"].value_counts(normalize=True)
    assert (shares - expected).abs().max() <= 1 / len(labels) + 1e-9
    again, _ = _all_batches(sample)
    np.testing.assert_array_equal(images, again)  # the same images, not augmented
    whole, _ = _all_batches(
        build_train_sample_dataset(tiny_pack, tiny_manifest, _params(), seed=0)
    )
    assert len(whole) == len(train)  # a sample size above the split takes it all


def _numbered_images(count: int) -> np.ndarray:
    """One-pixel images whose three channels spell their position in base 256."""
    positions = np.arange(count)
    digits = [positions // 65536, positions // 256 % 256, positions % 256]
    return np.stack(digits, axis=-1).astype(np.uint8).reshape(count, 1, 1, 3)


def _epoch(dataset: tf.data.Dataset) -> tuple[np.ndarray, list[np.ndarray]]:
    """The positions of an epoch's images, in order, and its label batches."""
    positions, label_batches = [], []
    for images, labels in dataset.as_numpy_iterator():
        digits = np.rint(images.reshape(-1, 3) * 255).astype(int)
        positions.append(digits @ np.array([65536, 256, 1]))
        label_batches.append(labels)
    return np.concatenate(positions), label_batches


def test_each_epoch_mixes_a_class_sorted_split_as_a_random_order_would():
    # 20,000 files listed class by class, as folders give them: a shuffle buffer of a
    # few thousand held one or two classes and batches were half one class.
    count, classes, batch = 20_000, 10, 64
    labels = np.repeat(np.arange(classes), count // classes)
    dataset = image_batches(_numbered_images(count), labels, batch, shuffle=True, seed=3)
    first, first_batches = _epoch(dataset)
    second, _ = _epoch(dataset)
    for order in (first, second):
        assert sorted(order) == list(range(count))  # every image once per epoch
    assert not np.array_equal(first, second)  # a fresh order each epoch
    # The images and labels stay paired.
    np.testing.assert_array_equal(np.concatenate(first_batches), labels[first])
    largest = [np.bincount(b).max() / len(b) for b in first_batches if len(b) == batch]
    assert np.median(largest) <= 2 * (1 / classes)
    report = class_mix_report(first_batches, labels, batch, seed=0)
    assert report["ratio"] <= 1.25
    # Late batches are as mixed as early ones: no drift through the classes.
    assert np.median(largest[-50:]) <= 2 * (1 / classes)
    again = image_batches(_numbered_images(count), labels, batch, shuffle=True, seed=3)
    np.testing.assert_array_equal(_epoch(again)[0], first)  # same seed, same orders
    np.testing.assert_array_equal(_epoch(again)[0], second)


def test_the_class_mix_report_tells_sorted_batches_from_random_ones():
    labels = np.repeat(np.arange(10), 2_000)
    sorted_batches = [labels[start : start + 64] for start in range(0, 64 * 200, 64)]
    report = class_mix_report(sorted_batches, labels, 64, seed=0)
    assert report["median_largest_class_share"] == 1.0
    assert report["split_largest_class_share"] == 0.1
    assert report["ratio"] > 4
    shuffled = np.random.default_rng(1).permutation(labels)
    random_batches = [shuffled[start : start + 64] for start in range(0, 64 * 200, 64)]
    assert class_mix_report(random_batches, labels, 64, seed=0)["ratio"] < 1.25


def test_the_batch_class_mix_is_measured_on_the_training_stream(tiny_pack, tiny_manifest):
    params = _params(batch_size=4, class_mix_batches=3)
    train, _, _ = build_datasets(tiny_pack, tiny_manifest, params, seed=0)
    report = measure_batch_class_mix(train, tiny_manifest, params, seed=0)
    assert report["batches"] == 3
    assert report["batch_size"] == 4
    assert 0.25 <= report["median_largest_class_share"] <= 1.0
    assert report["ratio"] == pytest.approx(
        report["median_largest_class_share"]
        / report["random_order_median_largest_class_share"],
        abs=1e-3,
    )


def test_training_batches_are_augmented_each_epoch(tiny_pack, tiny_manifest):
    train, _, _ = build_datasets(tiny_pack, tiny_manifest, _params(), seed=0)
    first, _ = _all_batches(train)
    second, _ = _all_batches(train)
    assert not np.array_equal(np.sort(first, axis=None), np.sort(second, axis=None))


def test_without_augmentation_training_images_are_unchanged(tiny_pack, tiny_manifest):
    train, _, _ = build_datasets(
        tiny_pack, tiny_manifest, _params(layers=NO_AUGMENTATION), seed=0
    )
    first, _ = _all_batches(train)
    second, _ = _all_batches(train)
    np.testing.assert_allclose(np.sort(first, axis=None), np.sort(second, axis=None))


def test_two_builds_with_the_same_seed_augment_every_epoch_alike(tiny_pack, tiny_manifest):
    first, _, _ = build_datasets(tiny_pack, tiny_manifest, _params(), seed=0)
    second, _, _ = build_datasets(tiny_pack, tiny_manifest, _params(), seed=0)
    for _ in range(2):
        np.testing.assert_array_equal(_all_batches(first)[0], _all_batches(second)[0])


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


def test_empty_split_is_a_clear_error(tiny_pack, tiny_manifest):
    no_test = tiny_manifest[tiny_manifest["split"] != "test"]
    with pytest.raises(InputError, match="the test split has no images"):
        build_datasets(tiny_pack, no_test, _params(), seed=0)


def test_preview_shows_each_image_with_its_variants(tiny_pack, tiny_manifest):
    params = _params(preview_images=3, preview_variants=4)
    figure = preview_augmentation(
        tiny_pack, tiny_manifest, list(TINY_CLASSES), params, seed=0
    )
    assert isinstance(figure, Figure)
    shown = [ax for ax in figure.axes if ax.images]
    assert len(shown) == 3 * (1 + 4)
    assert {ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()} <= set(TINY_CLASSES)


def test_training_learns_the_pixels_validation_checked(tmp_path):
    """Files whose pixels TensorFlow's decoder got wrong or could not read, through
    validation, packing and the input pipelines: every image training draws hashes to
    the very ``pixel_hash`` validation recorded."""
    quadrants = _quadrant_rgb()
    indices = np.zeros((8, 8), np.uint8)
    indices[:4, 4:], indices[4:, :4], indices[4:, 4:] = 1, 2, 3
    exif = Image.Exif()
    exif[0x0112] = 8
    alpha = np.dstack([quadrants, np.full((8, 8), 128, np.uint8)])
    contents = {
        "one_bit.bmp": _saved(Image.fromarray(indices > 1).convert("1"), "BMP"),
        "four_bit.bmp": _bmp_4bit(indices, QUADRANTS),
        "sixteen_bit.png": _saved(
            Image.fromarray(indices.astype(np.uint16) * 20000), "PNG"
        ),
        "rotated.jpg": _saved(Image.fromarray(quadrants), "JPEG", exif=exif.tobytes()),
        "translucent.png": _saved(Image.fromarray(alpha, "RGBA"), "PNG"),
    }
    for name, content in contents.items():
        (tmp_path / "shapes" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "shapes" / name).write_bytes(content)
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    params = validation_params(classes=["shapes", "other"])
    index, pixels = inspect_images(listing, ["shapes"], params, fixed_size(8, 8))
    assert set(index["status"]) == {"ok"}
    manifest = index.assign(
        label_index=0, split=["train", "train", "validation", "test", "test"]
    )
    off = NO_AUGMENTATION
    datasets = build_datasets(
        pack_images(index, pixels, PackingParams(shard_size=2)),
        manifest,
        _params(layers=off),
        seed=0,
    )
    trained_on = np.concatenate([_all_batches(dataset)[0] for dataset in datasets])
    hashes = {
        hashlib.sha256(b"8x8:" + pixels.tobytes()).hexdigest()
        for pixels in np.rint(trained_on * 255).astype(np.uint8)
    }
    assert hashes == set(index["pixel_hash"])
