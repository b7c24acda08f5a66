"""tf.data pipelines from file paths: parallel decode, cache, shuffle, batch, augment.

Images stay uint8 until a batch is formed, so the cache holds a quarter of what
float32 would; scaling and augmentation run once per batch, not per image, which is
where Keras preprocessing layers are fast. The cache is in memory, or on disk for
datasets larger than the memory budget: written once, complete, under a name derived
from the decoded pixels, so a later run with the same images skips decoding.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

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


def images_fingerprint(pixel_hashes: Iterable[str], image_size: Sequence[int]) -> str:
    """A name for the decoded images of a split: their pixel hashes, in order, and size."""
    digest = hashlib.sha256("x".join(map(str, image_size)).encode())
    for pixel_hash in pixel_hashes:
        digest.update(pixel_hash.encode())
    return digest.hexdigest()[:24]


def _disk_cached(decoded: tf.data.Dataset, directory: Path) -> tf.data.Dataset:
    """``decoded`` read from a file cache in ``directory``, written first if missing.

    tf.data finishes a file cache only when a pass reaches the end, and a killed run
    leaves a lock file that makes the next one fail. The cache is therefore written in
    a directory of its own and renamed into place when complete: ``directory`` either
    holds a whole cache or does not exist.
    """
    prefix = directory / "images"
    if not prefix.with_suffix(".index").exists():
        partial = directory.with_name(f"{directory.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for _ in decoded.cache(str(partial / "images")):
            pass
        try:
            partial.rename(directory)
        except OSError:  # another run finished the same cache first
            shutil.rmtree(partial)
    return decoded.cache(str(prefix))


def make_image_dataset(
    paths: Sequence[str],
    labels: Sequence[int],
    image_size: Sequence[int],
    batch_size: int,
    *,
    shuffle_buffer: int = 0,
    seed: int = 0,
    augmenter: keras.Model | None = None,
    disk_cache: Path | None = None,
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
        disk_cache: Directory of the decoded images' file cache (see
            ``images_fingerprint``); None caches them in memory.

    Returns:
        A prefetched dataset.
    """
    size = tuple(image_size)
    decoded = tf.data.Dataset.from_tensor_slices(tf.constant(list(paths), tf.string)).map(
        lambda path: decode_image(path, size), num_parallel_calls=AUTOTUNE
    )
    images = decoded.cache() if disk_cache is None else _disk_cached(decoded, disk_cache)
    dataset = tf.data.Dataset.zip(
        images, tf.data.Dataset.from_tensor_slices(tf.constant(list(labels), tf.int64))
    )
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
