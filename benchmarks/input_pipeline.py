"""Augmented images/s: our tf.data input pipeline from the image pack, from one
in-memory array, and the seed recipe's ImageDataGenerator.

The folder is validated, split and packed as the pipeline does, and the pack written
and loaded back as the catalog does (shards read by position from disk). Ours draws
whole batches from it in a fresh random order and augments them in parallel, one
affine resampling per batch (the configured `augmentation` parameters). The same
pipeline over one uint8 array in memory is what training read before packs (the
decoded-image cache). The seed recipe loads every image into one float32 array and
augments it with Keras' legacy ``ImageDataGenerator.flow`` (rotation 15 degrees, shifts
0.1, horizontal flips, batch 32), one image at a time in NumPy/SciPy.

Each produces one epoch of the training split per round; rounds alternate, the median
is reported. Loading (the pack, the arrays) is not timed. Run on an image folder and on
a synthetic folder of generated JPEGs:

    python benchmarks/input_pipeline.py --folder PATH [--synthetic 50000] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from image_classification.core.input_pipeline import image_batches
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.datasets import ImagePackDataset

sys.path.insert(0, str(Path(__file__).parent))
import seed_recipe
from project_setup import configured, split_and_pack, validate_folder, validation_params


def synthetic_folder(
    root: Path, count: int, size: tuple[int, int] = (32, 32), classes: int = 10
) -> Path:
    """``count`` smooth random JPEGs of ``size`` (width, height) in ``classes`` class
    folders."""
    rng = np.random.default_rng(0)
    for index in range(count):
        folder = root / f"class{index % classes}"
        folder.mkdir(parents=True, exist_ok=True)
        coarse = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
        coarse.resize(size, Image.Resampling.BICUBIC).save(
            folder / f"{index:05d}.jpg", quality=90
        )
    return root


def _epoch_rate(batches, images: int) -> float:
    start = time.perf_counter()
    for _ in batches:
        pass
    return images / (time.perf_counter() - start)


def _seed_epoch(array: np.ndarray, labels: np.ndarray):
    flow = seed_recipe.augmenting_generator().flow(
        array, labels, batch_size=seed_recipe.BATCH_SIZE, seed=0
    )
    return (flow[i] for i in range(len(flow)))


def compare(folder: Path, rounds: int, scratch: str) -> None:
    params = configured("augmentation", AugmentationParams)
    classes, index, _, pixels = validate_folder(folder, validation_params())
    image_pack, manifest = split_and_pack(index, classes, pixels)
    ImagePackDataset(filepath=f"{scratch}/pack").save(image_pack)
    del pixels, image_pack
    pack = ImagePackDataset(filepath=f"{scratch}/pack").load()
    train = manifest[manifest["split"] == "train"]
    count, labels = len(train), train["label_index"].to_numpy()
    from_pack = pack.select(train)
    in_memory = from_pack[np.arange(count)]

    def ours(images):
        return image_batches(
            images, labels, params.batch_size, shuffle=True, augmentation=params.layers
        )

    seed_array = in_memory.astype(np.float32)
    rates = {"pack": [], "array": [], "seed": []}
    for _ in range(rounds):
        rates["pack"].append(_epoch_rate(ours(from_pack), count))
        rates["array"].append(_epoch_rate(ours(in_memory), count))
        rates["seed"].append(_epoch_rate(_seed_epoch(seed_array, labels), count))
    pack_rate, array_rate, seed_rate = (statistics.median(rates[k]) for k in rates)
    print(f"{folder.name}: {count} training images, median of {rounds} epoch(s) each")
    print(f"  ours, from the pack (batch {params.batch_size}):   {pack_rate:8.0f} images/s")
    print(f"  ours, from one array in memory: {array_rate:8.0f} images/s")
    print(f"  seed ImageDataGenerator:        {seed_rate:8.0f} images/s")
    print(f"  ratio pack/array: {pack_rate / array_rate:.2f}x (target >= 1, no slower)")
    print(f"  ratio pack/seed: {pack_rate / seed_rate:.1f}x (target >= 5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--synthetic", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="2,000 synthetic images only, 1 round"
    )
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as scratch:
        if not args.quick:
            compare(args.folder, rounds, f"{scratch}/folder")
        count = 2_000 if args.quick else args.synthetic
        compare(synthetic_folder(Path(scratch) / "synthetic", count), rounds, scratch)


if __name__ == "__main__":
    main()
