"""Peak memory of a training run on 10k vs 50k images.

For each size, that many synthetic JPEGs of ``--side`` pixels (32 by default) are
validated, split and packed as the pipeline does (``image_size`` auto trains them at
that side, up to 96) and the pack saved; a fresh process (peak RSS is per process)
loads it, builds the input pipelines with the configured `augmentation` parameters
and trains the model configured for that size for one epoch (``--epochs``). The seed
recipe's float32 array of 50k 32x32 images alone is 600 MB; ours reads its batches
from uint8 shards (150 MB at 50k and 32x32, 1.4 GB at 96x96) on disk.

    python benchmarks/memory.py [--sizes 10000 50000] [--epochs 1] [--side 96] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.training import TrainingParams
from image_classification.datasets import ImagePackDataset
from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    build_train_sample_dataset,
)
from image_classification.pipelines.training.nodes import plan_training, train_model

sys.path.insert(0, str(Path(__file__).parent))
from input_pipeline import synthetic_folder
from peak_memory import PeakMemory
from project_setup import configured, split_and_pack, validate_folder, validation_params


def child(data_path: str, epochs: int) -> None:
    """One training run from a saved pack and manifest; prints the process's peak RSS
    and its parts, in MB, as JSON."""
    with tempfile.TemporaryDirectory() as scratch, PeakMemory() as memory:
        pack = ImagePackDataset(filepath=f"{data_path}/pack").load()
        manifest = pd.read_parquet(f"{data_path}/manifest.parquet")
        augmentation = configured("augmentation", AugmentationParams)
        train, validation, _ = build_datasets(pack, manifest, augmentation, seed=0)
        sample = build_train_sample_dataset(pack, manifest, augmentation, seed=0)
        training = configured(
            "training",
            TrainingParams,
            max_epochs=epochs,
            verbose=0,
            checkpoint_dir=f"{scratch}/checkpoints",
        )
        plan = plan_training(manifest, ["x"] * 10, training, 0)
        train_model(train, sample, validation, plan, training)
    print(json.dumps(memory.report()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 50_000])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="2k vs 10k images")
    parser.add_argument("--side", type=int, default=32, help="of the generated images")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.epochs)
        return
    sizes = [2_000, 10_000] if args.quick else args.sizes
    peaks = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            folder = synthetic_folder(
                Path(scratch) / "images", size, size=(args.side, args.side)
            )
            classes, index, _, pixels = validate_folder(folder, validation_params())
            pack, manifest = split_and_pack(index, classes, pixels)
            ImagePackDataset(filepath=f"{scratch}/pack").save(pack)
            manifest.to_parquet(f"{scratch}/manifest.parquet")
            del pixels, pack
            command = [sys.executable, __file__, "--child", scratch]
            output = subprocess.run(
                [*command, "--epochs", str(args.epochs)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        report = json.loads(output.splitlines()[-1])
        peaks.append(report["peak_rss_mb"])
        print(
            f"{size:6d} images of {args.side}x{args.side}, {args.epochs} epoch(s): "
            f"{PeakMemory.describe(report)}"
        )
    print(f"growth {sizes[0]} -> {sizes[1]} images: {peaks[1] / peaks[0]:.2f}x")
    print(f"peak at {sizes[1]}: {peaks[1] / 1024:.2f} GB (target <= 1.0 GB at 50k)")


if __name__ == "__main__":
    main()
