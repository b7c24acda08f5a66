"""Nodes of the augmentation pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import tensorflow as tf
from matplotlib.figure import Figure
from sklearn.utils import resample

from image_classification.core.errors import InputError
from image_classification.core.image_pack import ImagePack
from image_classification.core.input_pipeline import (
    augmented,
    image_batches,
    is_augmenting,
)
from image_classification.core.manifest import SPLITS
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.figures import image_grid

from .class_mix import class_mix_report


def build_datasets(
    image_pack: ImagePack,
    split_manifest: pd.DataFrame,
    params: AugmentationParams,
    seed: int,
) -> tuple[tf.data.Dataset, tf.data.Dataset, tf.data.Dataset]:
    """The three input pipelines; only training batches are shuffled and augmented.

    Each epoch of training takes the whole training split in a new random order,
    whatever the order of the manifest.

    Args:
        image_pack: The pixels validation decoded.
        split_manifest: ``relative_path``, ``pixel_hash``, ``label_index``, ``split``.
        params: Batch size and augmentation layers.
        seed: Seeds shuffling and augmentation.

    Returns:
        Train, validation and test datasets of ``(images, labels)`` batches.

    Raises:
        InputError: A split has no images.
    """
    datasets = []
    for split in SPLITS:
        rows = split_manifest[split_manifest["split"] == split]
        if rows.empty:
            raise InputError(
                f"the {split} split has no images ({len(split_manifest)} in all): add "
                "images or change data_split.fractions"
            )
        training = split == "train"
        datasets.append(
            image_batches(
                image_pack.select(rows),
                rows["label_index"],
                params.batch_size,
                shuffle=training,
                seed=seed,
                augmentation=params.layers if training else None,
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
    image_pack: ImagePack,
    split_manifest: pd.DataFrame,
    params: AugmentationParams,
    seed: int,
) -> tf.data.Dataset:
    """A fixed, stratified sample of training images, not augmented and not shuffled.

    Keras logs training accuracy on augmented batches with dropout on, and its loss
    includes the L2 penalty: the training curve looks worse than the model is, and the
    gap to validation looks smaller. Training evaluates this sample after every epoch
    in inference mode, as it evaluates the validation split, so the two compare.

    Args:
        image_pack: The pixels validation decoded.
        split_manifest: Files with ``relative_path``, ``pixel_hash``, ``label_index``
            and ``split``.
        params: ``train_sample_size`` caps the sample; batch size.
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
    return image_batches(image_pack.select(train), train["label_index"], params.batch_size)


def preview_augmentation(
    image_pack: ImagePack,
    split_manifest: pd.DataFrame,
    class_names: list[str],
    params: AugmentationParams,
    seed: int,
) -> Figure:
    """A few training images, each shown as loaded and then augmented several times.

    Args:
        image_pack: The pixels validation decoded.
        split_manifest: Files with ``relative_path``, ``pixel_hash``, ``label_index``
            and ``split``.
        class_names: To label each row.
        params: Augmentation layers and preview size.
        seed: Which images are shown and how they are transformed.

    Returns:
        The figure: one row per image, the original first.
    """
    train = split_manifest[split_manifest["split"] == "train"]
    picked = train.sample(n=min(params.preview_images, len(train)), random_state=seed)
    originals = image_pack.select(picked)[np.arange(len(picked))]
    originals = tf.constant(originals, tf.float32) / 255.0
    variants = [
        augmented(originals, tf.constant([seed, k]), params.layers)
        if is_augmenting(params.layers.at_side(min(originals.shape[1:3])))
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
