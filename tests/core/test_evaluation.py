"""Test-split predictions: every packed test image, in the manifest's order, at the
model's own input size."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from image_classification.core.evaluation import predicted_test_split
from tests.conftest import TINY_CLASSES, small_model


def _expected(model, tiny_pack, test) -> np.ndarray:
    pixels = tiny_pack.select(test)[np.arange(len(test))] / 255.0
    size = tuple(model.input_shape[1:3])
    if size != pixels.shape[1:3]:
        pixels = tf.image.resize(pixels, size, antialias=True)
    return model.predict(pixels, verbose=0)


def test_test_predictions_cover_every_packed_test_image(tiny_pack, tiny_manifest):
    model = small_model(32, len(TINY_CLASSES))
    predictions = predicted_test_split(model, tiny_pack, tiny_manifest, batch_size=16)
    test = tiny_manifest[tiny_manifest["split"] == "test"]
    assert list(predictions["relative_path"]) == list(test["relative_path"])
    assert list(predictions["label_index"]) == list(test["label_index"])
    expected = _expected(model, tiny_pack, test)
    assert list(predictions["predicted_index"]) == list(expected.argmax(axis=1))
    np.testing.assert_allclose(predictions["confidence"], expected.max(axis=1), atol=1e-4)


def test_a_model_of_another_image_size_gets_the_packed_images_resized(
    tiny_pack, tiny_manifest
):
    model = small_model(24, len(TINY_CLASSES))
    predictions = predicted_test_split(model, tiny_pack, tiny_manifest, batch_size=16)
    test = tiny_manifest[tiny_manifest["split"] == "test"]
    expected = _expected(model, tiny_pack, test)
    np.testing.assert_allclose(predictions["confidence"], expected.max(axis=1), atol=1e-4)
