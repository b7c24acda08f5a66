"""Training images/s at 32, 64 and 96 pixels, and the share of it the model waits for
its input.

For each side: a pack of generated images at that side, written and loaded back as the
catalog does (shards read by position from disk), the configured augmentation
(`conf/base`) and the default model built for that side (``compiled_model``, as
training builds it). Each round takes every side in turn: one epoch of ``fit`` from the
input pipeline, then the same number of steps on one batch already in memory (the model
alone). The model waits for its input for the share ``1 - model alone / from the
pipeline`` of the epoch. Medians of the rounds are printed; absolute rates move with
the machine's load, the waiting share much less.

    python benchmarks/photo_sizes.py [--images 2000] [--rounds 3] [--sides 32,64,96]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

# First, as in `kedro run`: the package caps malloc arenas before TensorFlow's threads
# start (core.allocator).
import image_classification  # noqa: F401

# isort: split
import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from image_classification.core.image_pack import pack
from image_classification.core.input_pipeline import image_batches
from image_classification.core.model import compiled_model
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.training import TrainingParams
from image_classification.datasets import ImagePackDataset

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import configured

_CLASSES = 10


def _pack_of(side: int, count: int, folder: str):
    """``count`` smooth random images of ``side`` pixels, packed and loaded back."""
    rng = np.random.default_rng(side)
    coarse = rng.integers(0, 256, (count, 8, 8, 3), dtype=np.uint8)
    images = tf.image.resize(coarse, (side, side)).numpy().astype(np.uint8)
    paths = [f"class{i % _CLASSES}/{i:06d}.png" for i in range(count)]
    index = pd.DataFrame({"relative_path": paths, "pixel_hash": paths})
    pixels = dict(zip(paths, images, strict=True))
    ImagePackDataset(filepath=folder).save(pack(index, pixels, 10_000, (side, side, 3)))
    loaded = ImagePackDataset(filepath=folder).load()
    return loaded.select(index), np.arange(count) % _CLASSES


def _rates(images, labels, params: AugmentationParams, training: TrainingParams):
    """Images/s of one epoch from the input pipeline, and of the model alone."""
    batches = image_batches(
        images, labels, params.batch_size, shuffle=True, augmentation=params.layers
    )
    side = images.shape[1]
    steps = int(batches.cardinality())
    model = compiled_model(
        training, input_shape=(side, side, 3), num_classes=_CLASSES, steps=steps
    )
    model.fit(batches.take(2), verbose=0)  # builds and traces the step
    start = time.perf_counter()
    model.fit(batches, verbose=0)
    piped = time.perf_counter() - start
    batch = next(iter(batches))
    held = tf.data.Dataset.from_tensors(batch).repeat(steps)
    start = time.perf_counter()
    model.fit(held, verbose=0)
    alone = time.perf_counter() - start
    return len(labels) / piped, len(labels) / alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sides", default="32,64,96")
    args = parser.parse_args()
    sides = [int(side) for side in args.sides.split(",")]
    params = configured("augmentation", AugmentationParams)
    training = configured("training", TrainingParams, verbose=0)
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as scratch:
        data = {side: _pack_of(side, args.images, f"{scratch}/{side}") for side in sides}
        rates = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side in sides:
                rates[side].append(_rates(*data[side], params, training))
    print(
        f"{args.images} generated images per side, median of {args.rounds} rounds; "
        f"augmentation and model of conf/base"
    )
    for side in sides:
        piped = statistics.median(rate for rate, _ in rates[side])
        alone = statistics.median(rate for _, rate in rates[side])
        print(
            f"  {side}x{side}: {piped:6.0f} images/s training from the pack, "
            f"{alone:6.0f} the model alone; the model waits "
            f"{max(0.0, 1 - piped / alone):.0%} of the time"
        )


if __name__ == "__main__":
    main()
