"""Augmented images/s: our tf.data input pipeline vs the seed recipe's ImageDataGenerator.

The seed recipe loads every image into one float32 array and augments it with Keras'
legacy ``ImageDataGenerator.flow`` (rotation 15 degrees, shifts 0.1, horizontal flips,
batch 32), one image at a time in NumPy/SciPy. Ours reads the files listed in a
manifest, decodes them in parallel into a uint8 cache and augments whole batches, in
parallel, with one affine resampling per batch (the configured `augmentation`
parameters).

Both produce one epoch of augmented batches per round; rounds alternate, the median is
reported. The first epoch of ours, which decodes the files, is timed apart; the
seed's loading into memory is not timed at all. Run on an image folder and on a
synthetic folder of generated JPEGs:

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

from image_classification.pipelines.augmentation.input_pipeline import make_image_dataset
from image_classification.pipelines.augmentation.params import AugmentationParams

sys.path.insert(0, str(Path(__file__).parent))
import seed_recipe
from project_setup import configured


def _listing(folder: Path, limit: int | None) -> tuple[list[str], np.ndarray]:
    paths = sorted(str(p) for p in folder.rglob("*.jpg"))[:limit]
    classes = sorted({Path(p).parent.name for p in paths})
    labels = np.array([classes.index(Path(p).parent.name) for p in paths])
    return paths, labels


def synthetic_folder(root: Path, count: int) -> Path:
    """``count`` smooth random 32x32 JPEGs in 10 class folders."""
    rng = np.random.default_rng(0)
    for index in range(count):
        folder = root / f"class{index % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        coarse = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
        coarse.resize((32, 32), Image.Resampling.BICUBIC).save(
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


def compare(folder: Path, rounds: int, limit: int | None) -> None:
    params = configured("augmentation", AugmentationParams)
    paths, labels = _listing(folder, limit)
    ours = make_image_dataset(
        paths,
        labels,
        params.image_size,
        params.batch_size,
        shuffle=True,
        seed=0,
        augmentation=params.layers,
    )
    first_epoch = _epoch_rate(ours, len(paths))
    array = seed_recipe.float32_array(paths, params.image_size)
    ours_rates, seed_rates = [], []
    for _ in range(rounds):
        ours_rates.append(_epoch_rate(ours, len(paths)))
        seed_rates.append(_epoch_rate(_seed_epoch(array, labels), len(paths)))
    ours_rate, seed_rate = statistics.median(ours_rates), statistics.median(seed_rates)
    print(f"{folder.name}: {len(paths)} images, median of {rounds} epoch(s) each")
    print(f"  ours, first epoch (decoding): {first_epoch:8.0f} images/s")
    print(f"  ours, cached (batch {params.batch_size}):    {ours_rate:8.0f} images/s")
    print(f"  seed ImageDataGenerator:      {seed_rate:8.0f} images/s")
    print(f"  ratio ours/seed: {ours_rate / seed_rate:.1f}x (target >= 5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--synthetic", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 images, 1 round")
    args = parser.parse_args()
    limit, rounds = (2_000, 1) if args.quick else (None, args.rounds)
    compare(args.folder, rounds, limit)
    with tempfile.TemporaryDirectory() as scratch:
        count = 2_000 if args.quick else args.synthetic
        compare(synthetic_folder(Path(scratch) / "synthetic", count), rounds, None)


if __name__ == "__main__":
    main()
