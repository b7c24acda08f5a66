"""The model to serve: the classifier with its preprocessing inside (no Kedro).

The training model expects what the project's input pipeline gives it: float pixels
in [0, 1] at ``image_size``. Anyone serving it would have to copy that code. The
serving model takes RGB uint8 images of any size, resizes them as validation does
(bilinear, antialiased when shrinking), scales them and returns class probabilities.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import keras
import tensorflow as tf

KERAS_FILE = "classifier.keras"
SAVED_MODEL_FOLDER = "saved_model"
CLASS_NAMES_FILE = "class_names.json"


@dataclass(frozen=True)
class ServingModel:
    """A model taking uint8 ``(batch, height, width, 3)`` images of any size, and the
    class name of each of its outputs."""

    model: keras.Model = field(repr=False)
    class_names: list[str]


def write_serving_folder(serving: ServingModel, folder: str) -> None:
    """The three files of a serving model into the local ``folder``."""
    os.makedirs(folder, exist_ok=True)
    serving.model.save(os.path.join(folder, KERAS_FILE))
    archive = keras.export.ExportArchive()
    archive.track(serving.model)
    archive.add_endpoint(
        "serve",
        serving.model.call,
        input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8, name="image")],
    )
    names = tf.constant(serving.class_names)
    archive.add_endpoint("class_names", tf.function(lambda: names), input_signature=[])
    archive.write_out(os.path.join(folder, SAVED_MODEL_FOLDER), verbose=False)
    with open(os.path.join(folder, CLASS_NAMES_FILE), "w", encoding="utf-8") as file:
        json.dump(serving.class_names, file, indent=2)


def build_serving_model(
    model: keras.Model, class_names: list[str], fit: str = "squash"
) -> ServingModel:
    """Wrap the trained ``model`` so that it takes images as files decode to.

    TensorFlow's antialiased bilinear resize is the same filter as Pillow's bilinear
    (a triangle widened when shrinking) that validation resizes with, and it fits an
    image of another shape as validation did (``fit``: squashed, its centre cropped,
    or padded with black); on an image already at the model's size the serving model
    gives the training model's probabilities, on other sizes they differ by float
    rounding (Pillow rounds the resized pixels to uint8).

    Args:
        model: The trained classifier (the best epoch's weights, as saved); its input
            is the size it was trained at.
        class_names: Class of each output, in order.
        fit: ``squash``, ``crop`` or ``pad`` (``image_sizing.fit``).
    """
    height, width = model.input_shape[1:3]
    image = keras.Input(shape=(None, None, 3), dtype="uint8", name="image")
    resized = keras.layers.Resizing(
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=fit == "crop",
        pad_to_aspect_ratio=fit == "pad",
        antialias=True,
        name="resize",
    )(image)
    scaled = keras.layers.Rescaling(1 / 255, name="scale")(resized)
    probabilities = model(scaled)
    serving = keras.Model(image, probabilities, name=f"serving_{model.name}")
    return ServingModel(model=serving, class_names=list(class_names))


def serving_image_size(serving: ServingModel) -> tuple[int, int]:
    """``(height, width)`` the serving model resizes to: the size it was trained at."""
    resize = serving.model.get_layer("resize").get_config()
    return resize["height"], resize["width"]


def serving_image_fit(serving: ServingModel) -> str:
    """How the serving model fits an image of another shape: ``squash``, ``crop`` or
    ``pad``, as validation did for training."""
    resize = serving.model.get_layer("resize").get_config()
    if resize["crop_to_aspect_ratio"]:
        return "crop"
    return "pad" if resize["pad_to_aspect_ratio"] else "squash"
