"""tf.data pipelines from file paths: parallel decode, cache, shuffle, batch, augment.

Images stay uint8 until a batch is formed, so the cache holds a quarter of what
float32 would; scaling and augmentation run once per batch, not per image, which is
where Keras preprocessing layers are fast.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from .params import AugmentationLayers

AUTOTUNE = tf.data.AUTOTUNE


def make_augmenter(layers: AugmentationLayers, seed: int) -> keras.Sequential | None:
    """The configured random transforms as one Keras model, or None when all are off.

    ``fill_mode="reflect"`` avoids black borders that a model could learn as a cue.
    """
    transforms = []
    if layers.flip:
        transforms.append(keras.layers.RandomFlip(layers.flip, seed=seed, name="flip"))
    if layers.rotation_degrees:
        transforms.append(
            keras.layers.RandomRotation(
                layers.rotation_degrees / 360,
                fill_mode="reflect",
                seed=seed + 1,
                name="rotate",
            )
        )
    if layers.translation_fraction:
        fraction = layers.translation_fraction
        transforms.append(
            keras.layers.RandomTranslation(
                fraction, fraction, fill_mode="reflect", seed=seed + 2, name="translate"
            )
        )
    return keras.Sequential(transforms, name="augmentation") if transforms else None


def decode_image(path: tf.Tensor, image_size: Sequence[int]) -> tf.Tensor:
    """Read one file and return it as uint8 RGB of ``image_size``."""
    image = tf.io.decode_image(
        tf.io.read_file(path), channels=3, dtype=tf.uint8, expand_animations=False
    )
    image.set_shape([None, None, 3])
    resized = tf.image.resize(image, image_size, antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


def make_image_dataset(
    paths: Sequence[str],
    labels: Sequence[int],
    image_size: Sequence[int],
    batch_size: int,
    *,
    shuffle_buffer: int = 0,
    seed: int = 0,
    augmenter: keras.Model | None = None,
) -> tf.data.Dataset:
    """Batches of ``(images in [0, 1], integer labels)`` read from ``paths``.

    Args:
        paths: Image files, already validated as decodable.
        labels: Label index per file.
        image_size: ``(height, width)`` every image is resized to.
        batch_size: Images per batch.
        shuffle_buffer: 0 keeps file order (evaluation); otherwise reshuffled per epoch.
        seed: Shuffle seed.
        augmenter: Applied to each training batch, or None.

    Returns:
        A prefetched dataset.
    """
    size = tuple(image_size)
    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.constant(list(paths), tf.string), tf.constant(list(labels), tf.int64))
    )
    dataset = dataset.map(
        lambda path, label: (decode_image(path, size), label), num_parallel_calls=AUTOTUNE
    ).cache()
    if shuffle_buffer:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(
        lambda images, labels: (tf.cast(images, tf.float32) / 255.0, labels),
        num_parallel_calls=AUTOTUNE,
    )
    if augmenter is not None:
        dataset = dataset.map(
            lambda images, labels: (augmenter(images, training=True), labels)
        )
    return dataset.prefetch(AUTOTUNE)
