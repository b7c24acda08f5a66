"""The test split predicted by a model: what diagnostics and the champion/challenger
decision both measure, the same way."""

from __future__ import annotations

import keras
import pandas as pd
import tensorflow as tf

from image_classification.core.image_pack import ImagePack
from image_classification.core.input_pipeline import image_batches


def predicted_test_split(
    model: keras.Model,
    image_pack: ImagePack,
    split_manifest: pd.DataFrame,
    batch_size: int,
) -> pd.DataFrame:
    """Every test image of ``split_manifest`` predicted by ``model``.

    A model trained at another image size (a champion from before ``image_size``
    changed) gets the packed images resized to its input, as ``tf.image.resize`` with
    antialiasing does.

    Returns:
        One row per test file: ``relative_path``, ``label_index``, ``predicted_index``
        and ``confidence``.
    """
    test = split_manifest[split_manifest["split"] == "test"]
    dataset = image_batches(image_pack.select(test), test["label_index"], batch_size)
    size = tuple(model.input_shape[1:3])
    if size != image_pack.images.shape[1:3]:
        dataset = dataset.map(
            lambda images, labels: (tf.image.resize(images, size, antialias=True), labels)
        )
    probabilities = model.predict(dataset, verbose=0)
    return pd.DataFrame(
        {
            "relative_path": test["relative_path"].to_numpy(),
            "label_index": test["label_index"].to_numpy(),
            "predicted_index": probabilities.argmax(axis=1),
            "confidence": probabilities.max(axis=1).round(4),
        }
    )
