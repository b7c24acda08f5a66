"""Wall time to a validation accuracy: our default training vs the seed recipe.

Both train on the same split of an image folder (our validation and split stages make
it) on the same machine, one after the other in one process. The seed recipe: every
image loaded into a float32 array, ``ImageDataGenerator`` (rotation 15 degrees, shifts
0.1, horizontal flips) at batch 32, Conv16-Conv32-Dense32 with dropout 0.5, Adam,
early stopping on ``val_loss`` with patience 3. Ours: the input pipelines and model of
`conf/base` (``build_datasets``, ``train_model``). The clock starts before each reads
its first image (ours then adds up the epoch times of its training history). Printed:
the seed's best validation accuracy and when it got there; when ours first reached it
(target: at most a third of the seed's time); the best validation accuracy ours had
at the seed's total wall time (target: 10 points higher).

    python benchmarks/time_to_accuracy.py --folder PATH [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import keras
import pandas as pd

from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    build_train_sample_dataset,
)
from image_classification.pipelines.augmentation.params import AugmentationParams
from image_classification.pipelines.data_split.nodes import assign_splits
from image_classification.pipelines.data_split.params import DataSplitParams
from image_classification.pipelines.training.nodes import train_model
from image_classification.pipelines.training.params import TrainingParams

sys.path.insert(0, str(Path(__file__).parent))
import seed_recipe
from project_setup import configured, validate_folder, validation_params


class EpochClock(keras.callbacks.Callback):
    """Seconds since ``start`` and validation accuracy at the end of each epoch."""

    def __init__(self, start: float):
        super().__init__()
        self.start = start
        self.epochs: list[tuple[float, float]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((time.perf_counter() - self.start, logs["val_accuracy"]))


def run_seed(manifest: pd.DataFrame, num_classes: int, max_epochs: int) -> EpochClock:
    clock = EpochClock(time.perf_counter())
    train = manifest[manifest["split"] == "train"]
    validation = manifest[manifest["split"] == "validation"]
    keras.utils.set_random_seed(0)
    seed_recipe.model(num_classes).fit(
        seed_recipe.augmenting_generator().flow(
            seed_recipe.float32_array(train["path"]),
            train["label_index"].to_numpy(),
            batch_size=seed_recipe.BATCH_SIZE,
        ),
        validation_data=(
            seed_recipe.float32_array(validation["path"]) / 255,
            validation["label_index"].to_numpy(),
        ),
        epochs=max_epochs,
        callbacks=[keras.callbacks.EarlyStopping(patience=3), clock],
        verbose=0,
    )
    return clock


def run_ours(
    manifest: pd.DataFrame, classes: list[str], scratch: str, **overrides
) -> tuple[list[tuple[float, float]], float]:
    """(seconds since start, validation accuracy) per epoch, from the history's
    ``epoch_seconds`` plus the time spent before training began, and the training
    images/s of the median epoch."""
    start = time.perf_counter()
    augmentation = configured(
        "augmentation", AugmentationParams, cache_dir=f"{scratch}/cache"
    )
    training = configured(
        "training",
        TrainingParams,
        verbose=0,
        checkpoint_dir=f"{scratch}/checkpoints",
        **overrides,
    )
    train, validation, _ = build_datasets(manifest, augmentation, seed=0)
    sample = build_train_sample_dataset(manifest, augmentation, seed=0)
    before_training = time.perf_counter() - start
    _, history = train_model(train, sample, validation, manifest, classes, training, 0)
    elapsed = before_training + history["epoch_seconds"].cumsum()
    rate = (manifest["split"] == "train").sum() / history["epoch_seconds"].median()
    return list(zip(elapsed, history["val_accuracy"], strict=True)), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="3,000 images, 4 epochs")
    parser.add_argument("--mixed-precision", action="store_true", help="ours: float16")
    parser.add_argument("--xla", action="store_true", help="ours: XLA compilation")
    args = parser.parse_args()
    classes, index, _ = validate_folder(args.folder, validation_params())
    clean = index[index["status"] == "ok"]
    if args.quick:
        clean = clean.sample(n=min(3_000, len(clean)), random_state=0)
    manifest = assign_splits(clean, classes, configured("data_split", DataSplitParams), 42)
    overrides = {"mixed_precision": args.mixed_precision, "jit_compile": args.xla}
    if args.quick:
        overrides["max_epochs"] = 4
    seed_epochs = run_seed(manifest, len(classes), overrides.get("max_epochs", 200)).epochs
    with tempfile.TemporaryDirectory() as scratch:
        ours, rate = run_ours(manifest, classes, scratch, **overrides)

    seed_best_time, seed_best = max(seed_epochs, key=lambda e: (e[1], -e[0]))
    seed_total = seed_epochs[-1][0]
    reached = next((t for t, acc in ours if acc >= seed_best), None)
    at_seed_total = max((acc for t, acc in ours if t <= seed_total), default=0.0)
    train_count = (manifest["split"] == "train").sum()
    print(f"{args.folder.name}: {train_count} training images")
    print(
        f"seed recipe: best validation accuracy {seed_best:.3f} after "
        f"{seed_best_time:.0f} s; stopped after {len(seed_epochs)} epochs, "
        f"{seed_total:.0f} s"
    )
    print(
        f"ours (mixed precision {args.mixed_precision}, XLA {args.xla}): best "
        f"{max(acc for _, acc in ours):.3f}; stopped after {len(ours)} epochs, "
        f"{ours[-1][0]:.0f} s; {rate:.0f} training images/s (median epoch)"
    )
    if reached is None:
        print("ours never reached the seed's best validation accuracy")
    else:
        print(
            f"time to {seed_best:.3f}: ours {reached:.0f} s vs seed {seed_best_time:.0f} s "
            f"= {reached / seed_best_time:.2f} of the seed's time (target <= 0.33)"
        )
    print(
        f"best validation accuracy at the seed's total {seed_total:.0f} s: ours "
        f"{at_seed_total:.3f} vs seed {seed_best:.3f} = "
        f"{(at_seed_total - seed_best) * 100:+.1f} points (target >= +10)"
    )


if __name__ == "__main__":
    main()
