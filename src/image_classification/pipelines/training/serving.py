"""The model to serve: the classifier with its preprocessing inside.

The training model expects what the project's input pipeline gives it: float pixels
in [0, 1] at ``image_size``. Anyone serving it would have to copy that code. The
serving model takes RGB uint8 images of any size, resizes them as validation does
(bilinear, antialiased when shrinking), scales them and returns class probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from image_classification.datasets.serving_model import ServingModel


def build_serving_model(
    model: keras.Model, class_names: list[str], image_size: Sequence[int]
) -> ServingModel:
    """Wrap the trained ``model`` so that it takes images as files decode to.

    TensorFlow's antialiased bilinear resize is the same filter as Pillow's bilinear
    (a triangle widened when shrinking) that validation resizes with; on an image
    already at ``image_size`` the serving model gives the training model's
    probabilities, on other sizes they differ by float rounding (Pillow rounds the
    resized pixels to uint8).

    Args:
        model: The trained classifier (the best epoch's weights, as saved).
        class_names: Class of each output, in order.
        image_size: ``(height, width)`` the model was trained at.
    """
    height, width = image_size
    image = keras.Input(shape=(None, None, 3), dtype="uint8", name="image")
    resized = keras.layers.Resizing(
        height, width, interpolation="bilinear", antialias=True, name="resize"
    )(image)
    scaled = keras.layers.Rescaling(1 / 255, name="scale")(resized)
    probabilities = model(scaled)
    serving = keras.Model(image, probabilities, name=f"serving_{model.name}")
    return ServingModel(model=serving, class_names=list(class_names))
