"""One step of the photo recipe on a folder of photos: image size, fit, model,
augmentation and class weights, one setting at a time, on one fixed split.

Every file is decoded once with Pillow (a JPEG at a quarter or an eighth of its
size where that keeps 256 pixels, then bilinear) at the asked side, squashed or
centre-cropped to a square, and kept in memory; a stratified 70/15/15 split with seed
42; the project's augmentation (``augmented``: flips and shifts, random resized crops,
colour changes) and small CNN (``make_model``, deepened with the image as
``filters_for_size`` does), or, with ``--model bn_gap``, the alternative tried: conv
blocks with batch normalization under global average pooling. Adam 0.002 halved after
5 epochs without a better validation loss, early stopping after 12 with the best
weights restored, at most 60 epochs and a wall-time budget (``--budget`` seconds,
checked after each epoch) as a stand-in for the 10 minutes a whole run may take.
Prints test accuracy, balanced accuracy (also averaged with each test image's mirror
image: test-time flips), per-class recall and the time, and appends them to ``--log``
as a JSON line.

This is a quicker loop than ``kedro run`` (no validation, split grouping or reports),
so its split and its numbers differ from the pipeline's; it compares settings with
each other, one run each:

    python benchmarks/photo_steps.py --folder ../shared/datasets/clothing-small \\
        --side 64 --augment flip_shift,crop [--fit crop] [--class-weight balanced]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image, ImageOps
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight

from image_classification.core.input_pipeline import augmented
from image_classification.core.model import filters_for_size, make_model
from image_classification.core.params.augmentation import AugmentationLayers

_BATCH = 64


def _decoded(task: tuple[str, int, str]) -> np.ndarray:
    path, side, fit = task
    with Image.open(path) as image:
        image.draft("RGB", (256, 256))
        rgb = ImageOps.exif_transpose(image).convert("RGB")
    if fit == "crop":
        return np.asarray(ImageOps.fit(rgb, (side, side), Image.Resampling.BILINEAR))
    return np.asarray(rgb.resize((side, side), Image.Resampling.BILINEAR))


def _folder(folder: Path, side: int, fit: str) -> tuple[np.ndarray, np.ndarray, list]:
    classes = sorted(path.name for path in folder.iterdir() if path.is_dir())
    files = [
        (str(path), index)
        for index, name in enumerate(classes)
        for path in sorted((folder / name).iterdir())
    ]
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        tasks = [(path, side, fit) for path, _ in files]
        images = np.stack(list(pool.map(_decoded, tasks, chunksize=32)))
    return images, np.array([label for _, label in files]), classes


def _layers(augment: str, crop_area_min: float) -> AugmentationLayers:
    steps = set(augment.split(","))
    colour = "colour" in steps
    return AugmentationLayers(
        flip="horizontal" if "flip_shift" in steps else None,
        rotation_degrees=0,
        translation_fraction=0.1 if "flip_shift" in steps else 0,
        crop_area_min=crop_area_min if "crop" in steps else 1,
        brightness=0.15 if colour else 0,
        contrast=0.3 if colour else 0,
        saturation=0.4 if colour else 0,
        photo_min_side=0,
    )


def _batches(images, labels, layers: AugmentationLayers | None) -> tf.data.Dataset:
    order = tf.data.Dataset.range(len(labels))
    if layers is not None:
        order = order.shuffle(len(labels), seed=42, reshuffle_each_iteration=True)
    dataset = order.batch(_BATCH).map(
        lambda at: (tf.cast(tf.gather(images, at), tf.float32) / 255, tf.gather(labels, at))
    )
    if layers is not None:
        seeds = tf.data.Dataset.random(seed=42, rerandomize_each_iteration=True).batch(2)
        dataset = tf.data.Dataset.zip(dataset, seeds).map(
            lambda batch, seed: (augmented(batch[0], seed, layers), batch[1]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return dataset.prefetch(tf.data.AUTOTUNE)


def _bn_gap_model(side: int, classes: int) -> keras.Model:
    inputs = keras.Input((side, side, 3))
    mean = keras.layers.GlobalAveragePooling2D(keepdims=True)(inputs)
    x = keras.layers.Subtract()([inputs, mean])
    for filters in (32, 64, 128, 256):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.ReLU()(keras.layers.BatchNormalization()(x))
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Dropout(0.3)(keras.layers.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))


class _Budget(keras.callbacks.Callback):
    def __init__(self, seconds: float):
        super().__init__()
        self.seconds, self.start = seconds, time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self.start > self.seconds:
            self.model.stop_training = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--side", type=int, default=64)
    parser.add_argument("--fit", choices=["squash", "crop"], default="squash")
    parser.add_argument("--model", choices=["small_cnn", "bn_gap"], default="small_cnn")
    parser.add_argument("--deepen", choices=["yes", "no"], default="yes")
    parser.add_argument("--augment", default="flip_shift", help="flip_shift,crop,colour")
    parser.add_argument("--crop-area-min", type=float, default=0.35)
    parser.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    parser.add_argument("--budget", type=float, default=450)
    parser.add_argument("--log", type=Path, default=Path("photo_steps.jsonl"))
    args = parser.parse_args()
    keras.utils.set_random_seed(42)
    images, labels, classes = _folder(args.folder, args.side, args.fit)
    train, rest = train_test_split(
        np.arange(len(labels)), test_size=0.3, stratify=labels, random_state=42
    )
    validation, test = train_test_split(
        rest, test_size=0.5, stratify=labels[rest], random_state=42
    )
    if args.model == "bn_gap":
        model = _bn_gap_model(args.side, len(classes))
    else:
        model = make_model(
            input_shape=(args.side, args.side, 3),
            num_classes=len(classes),
            conv_filters=filters_for_size([24, 48, 96], args.side, args.deepen == "yes"),
            kernel_size=3,
            dense_units=128,
            dropout=0.3,
            l2=0.0,
            center_images=True,
        )
    model.compile(
        keras.optimizers.Adam(0.002),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    weights = None
    if args.class_weight == "balanced":
        present = np.unique(labels[train])
        values = compute_class_weight("balanced", classes=present, y=labels[train])
        weights = dict(zip(present.tolist(), values.tolist(), strict=True))
    layers = _layers(args.augment, args.crop_area_min)
    start = time.perf_counter()
    history = model.fit(
        _batches(images[train], labels[train], layers),
        validation_data=_batches(images[validation], labels[validation], None),
        epochs=60,
        class_weight=weights,
        verbose=0,
        callbacks=[
            keras.callbacks.EarlyStopping(patience=12, restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5),
            _Budget(args.budget),
        ],
    ).history
    seconds = time.perf_counter() - start
    probabilities = model.predict(_batches(images[test], labels[test], None), verbose=0)
    mirrored = model.predict(
        _batches(images[test][:, :, ::-1].copy(), labels[test], None), verbose=0
    )
    with_flips = ((probabilities + mirrored) / 2).argmax(axis=1)
    predicted = probabilities.argmax(axis=1)
    recalls = recall_score(labels[test], predicted, average=None)
    result = {
        "settings": {
            k: str(v) for k, v in vars(args).items() if k not in {"folder", "log"}
        },
        "epochs": len(history["loss"]),
        "best_epoch": int(np.argmin(history["val_loss"])) + 1,
        "test_accuracy": round(float((predicted == labels[test]).mean()), 4),
        "test_balanced_accuracy": round(
            float(balanced_accuracy_score(labels[test], predicted)), 4
        ),
        "test_accuracy_with_flips": round(float((with_flips == labels[test]).mean()), 4),
        "test_balanced_accuracy_with_flips": round(
            float(balanced_accuracy_score(labels[test], with_flips)), 4
        ),
        "seconds": round(seconds),
        "recall": dict(zip(classes, np.round(recalls, 2).tolist(), strict=True)),
    }
    print(json.dumps(result))
    with args.log.open("a") as log:
        log.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    sys.exit(main())
