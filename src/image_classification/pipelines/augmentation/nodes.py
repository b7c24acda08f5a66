"""Nodes of the augmentation pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf
from matplotlib.figure import Figure
from sklearn.utils import resample

from image_classification.core.decoding import decode_file
from image_classification.figures import image_grid

from .class_mix import class_mix_report
from .input_pipeline import (
    images_fingerprint,
    is_augmenting,
    make_image_dataset,
    random_affine,
)
from .params import AugmentationParams

SPLITS = ("train", "validation", "test")


def _fits_in_memory(split_manifest: pd.DataFrame, params: AugmentationParams) -> bool:
    height, width = params.image_size
    return len(split_manifest) * height * width * 3 <= params.cache_memory_mb * 2**20


def _split_dataset(
    rows: pd.DataFrame,
    params: AugmentationParams,
    seed: int,
    *,
    training: bool,
    cached_on_disk: bool,
) -> tf.data.Dataset:
    return make_image_dataset(
        rows["path"],
        rows["label_index"],
        params.image_size,
        params.batch_size,
        shuffle=training,
        seed=seed,
        augmentation=params.layers if training else None,
        disk_cache=Path(params.cache_dir)
        / f"{images_fingerprint(rows['pixel_hash'], params.image_size)}.npy"
        if cached_on_disk
        else None,
    )


def build_datasets(
    split_manifest: pd.DataFrame, params: AugmentationParams, seed: int
) -> tuple[tf.data.Dataset, tf.data.Dataset, tf.data.Dataset]:
    """The three input pipelines; only training batches are shuffled and augmented.

    Each epoch of training takes the whole training split in a new random order,
    whatever the order of the manifest. Decoded images are kept in memory when all
    splits fit ``cache_memory_mb``, in files under ``cache_dir`` otherwise.

    Args:
        split_manifest: Files with ``path``, ``label_index``, ``pixel_hash`` and
            ``split``.
        params: Image size, batch size, cache and augmentation layers.
        seed: Seeds shuffling and augmentation.

    Returns:
        Train, validation and test datasets of ``(images, labels)`` batches.

    Raises:
        ValueError: A split has no images.
    """
    on_disk = not _fits_in_memory(split_manifest, params)
    datasets = []
    for split in SPLITS:
        rows = split_manifest[split_manifest["split"] == split]
        if rows.empty:
            raise ValueError(
                f"the {split} split has no images ({len(split_manifest)} in all): add "
                "images or change data_split.fractions"
            )
        datasets.append(
            _split_dataset(
                rows, params, seed, training=split == "train", cached_on_disk=on_disk
            )
        )
    return tuple(datasets)


def measure_batch_class_mix(
    train_dataset: tf.data.Dataset,
    split_manifest: pd.DataFrame,
    params: AugmentationParams,
    seed: int,
) -> dict:
    """The class mix of the first ``class_mix_batches`` training batches, beside that
    of a random order of the training labels: the diagnosis refuses a confident verdict
    when batches are far less mixed than that.

    It reads one epoch's batches of the very dataset training fits, so training then
    starts at the next epoch's order (the same on every run).

    Args:
        train_dataset: Output of ``build_datasets``.
        split_manifest: Files with ``label_index`` and ``split``.
        params: ``class_mix_batches`` and ``batch_size``.
        seed: Seeds the random reference order.

    Returns:
        See ``class_mix_report``.
    """
    labels = split_manifest.loc[split_manifest["split"] == "train", "label_index"]
    full_batches = max(1, len(labels) // params.batch_size)
    observed = (
        batch_labels
        for _, batch_labels in train_dataset.take(
            min(params.class_mix_batches, full_batches)
        ).as_numpy_iterator()
    )
    return class_mix_report(observed, labels.to_numpy(), params.batch_size, seed)


def build_train_sample_dataset(
    split_manifest: pd.DataFrame, params: AugmentationParams, seed: int
) -> tf.data.Dataset:
    """A fixed, stratified sample of training images, not augmented and not shuffled.

    Keras logs training accuracy on augmented batches with dropout on, and its loss
    includes the L2 penalty: the training curve looks worse than the model is, and the
    gap to validation looks smaller. Training evaluates this sample after every epoch
    in inference mode, as it evaluates the validation split, so the two compare.

    Args:
        split_manifest: Files with ``path``, ``label_index``, ``pixel_hash`` and
            ``split``.
        params: ``train_sample_size`` caps the sample; image size, batch size, cache.
        seed: Which images are drawn.

    Returns:
        Batches of ``(images, labels)``.
    """
    train = split_manifest[split_manifest["split"] == "train"]
    if len(train) > params.train_sample_size:
        train = resample(
            train,
            replace=False,
            n_samples=params.train_sample_size,
            random_state=seed,
            stratify=train["label_index"],
        ).sort_index()
    on_disk = not _fits_in_memory(split_manifest, params)
    return _split_dataset(train, params, seed, training=False, cached_on_disk=on_disk)


def preview_augmentation(
    split_manifest: pd.DataFrame,
    class_names: list[str],
    params: AugmentationParams,
    seed: int,
) -> Figure:
    """A few training images, each shown as loaded and then augmented several times.

    Args:
        split_manifest: Files with ``path``, ``label_index`` and ``split``.
        class_names: To label each row.
        params: Augmentation layers and preview size.
        seed: Which images are shown and how they are transformed.

    Returns:
        The figure: one row per image, the original first.
    """
    train = split_manifest[split_manifest["split"] == "train"]
    picked = train.sample(n=min(params.preview_images, len(train)), random_state=seed)
    originals = np.stack([decode_file(path, params.image_size) for path in picked["path"]])
    originals = tf.constant(originals, tf.float32) / 255.0
    variants = [
        random_affine(originals, tf.constant([seed, k]), params.layers)
        if is_augmenting(params.layers)
        else originals
        for k in range(params.preview_variants)
    ]
    rows = [
        [originals[i].numpy()] + [np.clip(v[i].numpy(), 0, 1) for v in variants]
        for i in range(len(picked))
    ]
    titles = [["original"] + [f"#{k + 1}" for k in range(len(variants))] for _ in rows]
    labels = [class_names[index] for index in picked["label_index"]]
    return image_grid(rows, labels, "Augmentation preview", cell_titles=titles)
