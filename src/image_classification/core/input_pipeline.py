"""tf.data pipelines over packed images: shuffle, batch, augment.

The images are uint8 arrays (a quarter of what float32 would take): the pack's shards,
in memory or mapped from disk, holding the very pixels validation checked. Batches
gather their images by position, so an epoch can take the whole split in a fresh
random order without holding images in a shuffle buffer. Scaling and augmentation run
once per batch, not per image, and batches are augmented in parallel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from image_classification.core.image_pack import ShardedImages
from image_classification.core.params.augmentation import AugmentationLayers

AUTOTUNE = tf.data.AUTOTUNE
_HORIZONTAL = ("horizontal", "horizontal_and_vertical")
_VERTICAL = ("vertical", "horizontal_and_vertical")


# Random resized crops keep an aspect ratio between these (Inception's, torchvision's
# and fastai's range): a garment stretched by a third is still that garment.
_CROP_ASPECT = (3 / 4, 4 / 3)


def is_augmenting(layers: AugmentationLayers) -> bool:
    """Whether any transform is switched on."""
    return layers.geometric or layers.photometric


def augmented(images: tf.Tensor, seed: tf.Tensor, layers: AugmentationLayers) -> tf.Tensor:
    """The switched-on transforms of a batch at its image size (crops and colour
    changes for photos only, see ``AugmentationLayers.at_side``): ``random_affine``,
    then ``random_colour``, each from its own stream of ``seed``."""
    layers = layers.at_side(min(images.shape[1:3]))
    if layers.geometric:
        images = random_affine(images, seed, layers)
    if layers.photometric:
        colour_seed = tf.random.experimental.stateless_fold_in(seed, 1)
        images = random_colour(images, colour_seed, layers)
    return images


def random_colour(
    images: tf.Tensor, seed: tf.Tensor, layers: AugmentationLayers
) -> tf.Tensor:
    """Change each image's saturation, contrast and brightness by a random factor.

    What Keras' ``RandomSaturation``, ``RandomContrast`` and ``RandomBrightness`` do,
    per image, from a stateless ``seed`` (Keras' layers draw from a stateful
    generator, which batches augmented in parallel would share in a varying order):
    saturation scales each pixel's distance from its grey, contrast the distance from
    the image's mean, brightness adds a constant; the result is clipped to [0, 1].

    Args:
        images: ``(batch, height, width, 3)`` floats in [0, 1].
        seed: Two integers; the same seed gives the same changes.
        layers: ``saturation``, ``contrast`` and ``brightness`` strengths.
    """
    saturation_seed, contrast_seed, brightness_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 3)
    )
    shape = tf.stack([tf.shape(images)[0], 1, 1, 1])

    def factor(strength: float, factor_seed: tf.Tensor) -> tf.Tensor:
        return tf.random.stateless_uniform(shape, factor_seed, -strength, strength)

    grey = tf.reduce_mean(images, axis=-1, keepdims=True)
    images = grey + (images - grey) * (1 + factor(layers.saturation, saturation_seed))
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    images = mean + (images - mean) * (1 + factor(layers.contrast, contrast_seed))
    images += factor(layers.brightness, brightness_seed)
    return tf.clip_by_value(images, 0.0, 1.0)


def _random_moves(
    batch: tf.Tensor,
    seed: tf.Tensor,
    layers: AugmentationLayers,
    width: tf.Tensor,
    height: tf.Tensor,
) -> tuple[tf.Tensor, ...]:
    """Each image's angle (radians), shift in pixels (x, y) and flips (x, y: -1
    mirrors, 1 keeps), drawn from ``seed``."""
    angle_seed, shift_seed, flip_seed = tf.unstack(
        tf.random.experimental.stateless_split(seed, 3)
    )
    limit = math.radians(layers.rotation_degrees)
    angle = tf.random.stateless_uniform([batch], angle_seed, -limit, limit)
    fraction = layers.translation_fraction
    shift = tf.random.stateless_uniform([batch, 2], shift_seed, -fraction, fraction)
    shift_x, shift_y = tf.unstack(shift * tf.stack([width, height]), axis=1)
    mirror = tf.where(tf.random.stateless_uniform([batch, 2], flip_seed) < 0.5, -1.0, 1.0)
    unchanged = tf.ones([batch])
    flip_x = mirror[:, 0] if layers.flip in _HORIZONTAL else unchanged
    flip_y = mirror[:, 1] if layers.flip in _VERTICAL else unchanged
    return angle, shift_x, shift_y, flip_x, flip_y


def random_affine(
    images: tf.Tensor, seed: tf.Tensor, layers: AugmentationLayers
) -> tf.Tensor:
    """Crop, flip, rotate and shift each image of a batch in one affine resampling.

    Draws what Keras' ``RandomFlip``, ``RandomRotation(degrees / 360)`` and
    ``RandomTranslation(fraction, fraction)`` draw (a flip with probability 1/2, an
    angle uniform in +-degrees, a shift uniform in +-fraction of the side) and, with
    ``crop_area_min`` below 1, a random resized crop as photo training uses it (a
    part of the image of uniform area share in [crop_area_min, 1] and aspect ratio in
    [3/4, 4/3], anywhere in it, stretched back to the whole), composes
    them into one matrix per image and resamples once with ``fill_mode="reflect"``
    (black borders would be a cue a model could learn). Against the three layers
    in a row this is one interpolation instead of two, and the randomness is
    stateless, drawn from ``seed``, so batches can be augmented in parallel and still
    come out the same on every run (figures: benchmarks/README.md).

    Args:
        images: ``(batch, height, width, channels)`` floats.
        seed: Two integers; the same seed gives the same transforms.
        layers: Which transforms, how strong.

    Returns:
        The transformed batch, same shape.
    """
    shape = tf.shape(images)
    batch = shape[0]
    height, width = tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
    angle, shift_x, shift_y, flip_x, flip_y = _random_moves(
        batch, seed, layers, width, height
    )
    # The matrix maps output pixels to input pixels: undo the shift, the rotation
    # about the centre, then the flip.
    cos, sin = tf.cos(angle), tf.sin(angle)
    centre_x, centre_y = (width - 1) / 2, (height - 1) / 2
    from_x, from_y = centre_x + shift_x, centre_y + shift_y
    crop_x, crop_y, crop_width, crop_height = _random_crops(batch, seed, layers)
    a0, a1 = crop_width * flip_x * cos, crop_width * flip_x * sin
    b0, b1 = -crop_height * flip_y * sin, crop_height * flip_y * cos
    zeros = tf.zeros([batch])
    transform = tf.stack(
        [
            a0,
            a1,
            centre_x + crop_x * width - a0 * from_x - a1 * from_y,
            b0,
            b1,
            centre_y + crop_y * height - b0 * from_x - b1 * from_y,
            zeros,
            zeros,
        ],
        axis=1,
    )
    return keras.ops.image.affine_transform(
        images, transform, interpolation="bilinear", fill_mode="reflect"
    )


def _random_crops(
    batch: tf.Tensor, seed: tf.Tensor, layers: AugmentationLayers
) -> tuple[tf.Tensor, ...]:
    """Centre offset (x, y) and width and height of each image's crop, as fractions of
    its sides: no crop (0, 0, 1, 1) when ``crop_area_min`` is 1. Drawn from a stream of
    ``seed`` of its own, so the other transforms stay as they were without crops."""
    if layers.crop_area_min >= 1:
        return tf.zeros([batch]), tf.zeros([batch]), tf.ones([batch]), tf.ones([batch])
    area_seed, aspect_seed, place_seed = tf.unstack(
        tf.random.experimental.stateless_split(
            tf.random.experimental.stateless_fold_in(seed, 2), 3
        )
    )
    area = tf.random.stateless_uniform([batch], area_seed, layers.crop_area_min, 1.0)
    low, high = (math.log(ratio) for ratio in _CROP_ASPECT)
    aspect = tf.exp(tf.random.stateless_uniform([batch], aspect_seed, low, high))
    width = tf.minimum(tf.sqrt(area * aspect), 1.0)
    height = tf.minimum(tf.sqrt(area / aspect), 1.0)
    place = tf.random.stateless_uniform([batch, 2], place_seed, -0.5, 0.5)
    return place[:, 0] * (1 - width), place[:, 1] * (1 - height), width, height


def _epoch_order(count: int, shuffle: bool, seed: int) -> tf.data.Dataset:
    """Positions ``0 .. count - 1``: in order, or a new uniformly random permutation of
    all of them every epoch (the same sequence of permutations for the same seed).

    The buffer holds every position (8 bytes each), never images: a buffer of images
    smaller than the split only mixes neighbours, and files listed class by class then
    reach the model one or two classes at a time.
    """
    order = tf.data.Dataset.range(count)
    if shuffle:
        order = order.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    return order


def image_batches(
    images: np.ndarray | ShardedImages,
    labels: Sequence[int],
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int = 0,
    augmentation: AugmentationLayers | None = None,
) -> tf.data.Dataset:
    """Batches of ``(images in [0, 1], integer labels)`` gathered from ``images``.

    Args:
        images: uint8 ``(count, height, width, 3)``: an array, or a split of the pack
            (its shards in memory or mapped from disk).
        labels: Label index per image.
        batch_size: Images per batch.
        shuffle: False keeps the order (evaluation); True draws a new random order of
            all images every epoch (training).
        seed: Seeds shuffling and augmentation.
        augmentation: ``augmented`` applied to each batch, or None.

    Returns:
        A prefetched dataset.
    """
    label_table = tf.constant(np.asarray(labels, np.int64))
    image_shape = [None, *images.shape[1:]]

    def gather(positions: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        batch = tf.numpy_function(lambda at: images[at], [positions], tf.uint8)
        batch.set_shape(image_shape)
        return tf.cast(batch, tf.float32) / 255.0, tf.gather(label_table, positions)

    dataset = (
        _epoch_order(len(images), shuffle, seed)
        .batch(batch_size)
        .map(gather, num_parallel_calls=AUTOTUNE)
    )
    side = min(images.shape[1:3])
    if augmentation is not None and is_augmenting(augmentation.at_side(side)):
        # One seed per batch, a new sequence each epoch, the same sequences each run.
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        dataset = tf.data.Dataset.zip(dataset, seeds.batch(2)).map(
            lambda batch, batch_seed: (
                augmented(batch[0], batch_seed, augmentation),
                batch[1],
            ),
            num_parallel_calls=AUTOTUNE,
        )
    return dataset.prefetch(AUTOTUNE)
