"""The seed recipe the speed benchmarks compare against, defined once.

Every image loaded into one float32 array, Keras' legacy ``ImageDataGenerator``
(rotation 15 degrees, shifts 0.1, horizontal flips, rescale to [0, 1]) at batch 32,
and a Conv16-Conv32-Dense32 CNN with dropout 0.5 trained with Adam.
"""

from __future__ import annotations

from collections.abc import Iterable

import keras
import numpy as np

# Keras 3 keeps the generator, no longer exported, as legacy code.
from keras.src.legacy.preprocessing.image import ImageDataGenerator
from PIL import Image

BATCH_SIZE = 32


def float32_array(paths: Iterable[str], size: tuple[int, int] = (32, 32)) -> np.ndarray:
    """Every image, resized to ``size`` (height, width), in one float32 array (0-255)."""
    height, width = size
    return np.stack(
        [np.asarray(Image.open(p).convert("RGB").resize((width, height))) for p in paths]
    ).astype(np.float32)


def augmenting_generator() -> ImageDataGenerator:
    return ImageDataGenerator(
        rotation_range=15,
        width_shift_range=0.1,
        height_shift_range=0.1,
        horizontal_flip=True,
        rescale=1 / 255,
    )


def model(num_classes: int) -> keras.Model:
    cnn = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    cnn.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return cnn
