"""Peak memory of a training run on 10k vs 50k images.

Each size runs in a fresh process (peak RSS is per process): it writes that many
synthetic 32x32 JPEGs, builds the input pipelines from a split manifest with the
configured `augmentation` parameters and trains the configured model for one epoch
(``--epochs``). The seed recipe's float32 array of 50k images alone is 600 MB; ours
keeps uint8 images (150 MB at 50k) in a cache, or on disk past the memory budget.

    python benchmarks/memory.py [--sizes 10000 50000] [--epochs 1] [--quick]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    build_train_sample_dataset,
)
from image_classification.pipelines.augmentation.params import AugmentationParams
from image_classification.pipelines.training.nodes import train_model
from image_classification.pipelines.training.params import TrainingParams

sys.path.insert(0, str(Path(__file__).parent))
from input_pipeline import synthetic_folder
from project_setup import configured


def _manifest(folder: Path) -> pd.DataFrame:
    """Every 10th image to validation, every 10th (offset 5) to test, the rest to train."""
    paths = sorted(folder.rglob("*.jpg"))
    classes = sorted({path.parent.name for path in paths})
    return pd.DataFrame(
        {
            "relative_path": [path.relative_to(folder).as_posix() for path in paths],
            "path": [str(path) for path in paths],
            "label_index": [classes.index(path.parent.name) for path in paths],
            "pixel_hash": [path.name for path in paths],
            "split": [
                "validation" if i % 10 == 0 else "test" if i % 10 == 5 else "train"
                for i in range(len(paths))
            ],
        }
    )


def child(size: int, epochs: int) -> None:
    """One training run; prints the process's peak RSS in MB."""
    with tempfile.TemporaryDirectory() as scratch:
        manifest = _manifest(synthetic_folder(Path(scratch) / "images", size))
        augmentation = configured(
            "augmentation", AugmentationParams, cache_dir=f"{scratch}/cache"
        )
        train, validation, _ = build_datasets(manifest, augmentation, seed=0)
        sample = build_train_sample_dataset(manifest, augmentation, seed=0)
        training = configured(
            "training",
            TrainingParams,
            max_epochs=epochs,
            verbose=0,
            checkpoint_dir=f"{scratch}/checkpoints",
        )
        train_model(train, sample, validation, manifest, ["x"] * 10, training, 0)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 50_000])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="2k vs 10k images")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.epochs)
        return
    sizes = [2_000, 10_000] if args.quick else args.sizes
    peaks = []
    for size in sizes:
        command = [sys.executable, __file__, "--child", str(size)]
        output = subprocess.run(
            [*command, "--epochs", str(args.epochs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        peaks.append(float(output.split()[-1]))
        print(f"{size:6d} images, {args.epochs} epoch(s): peak RSS {peaks[-1]:6.0f} MB")
    print(f"growth {sizes[0]} -> {sizes[1]} images: {peaks[1] / peaks[0]:.2f}x")
    print(f"peak at {sizes[1]}: {peaks[1] / 1024:.2f} GB (target <= 1.0 GB at 50k)")


if __name__ == "__main__":
    main()
