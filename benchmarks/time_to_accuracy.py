"""Wall time to a validation accuracy, and peak memory: our default training vs the seed.

Both train on the same split of an image folder (our validation, split and packing
stages make it) on the same machine, one after the other, each in a fresh process (so
each peak RSS is its own). The seed recipe: every image loaded into a float32 array,
``ImageDataGenerator`` (rotation 15 degrees, shifts 0.1, horizontal flips) at batch 32,
Conv16-Conv32-Dense32 with dropout 0.5, Adam, early stopping on ``val_loss`` with
patience 3. Ours: the input pipelines and model of `conf/base` (``build_datasets``,
``train_model``), reading the image pack validation wrote. The clock starts before each
reads its first image: the seed decodes its files, ours loads the pack (the files were
decoded once, by validation, before either clock); ours then adds up the epoch times
of its training history. Printed: each side's validation accuracy per
epoch; the seed's best and when it got there; when ours first reached it (target: at
most a fifth of the seed's time); the best validation accuracy ours had at the seed's
total wall time (target: 15 points higher); each side's test accuracy and balanced
accuracy (the mean per-class recall), the seed's at its 32x32 and ours at the size
``image_size`` gives the folder (targets on clothing-small: ours at least 0.85, its
balanced accuracy within 5 points of it); the peak RSS of each process (target: ours
at most 1 GB), with its anonymous and file-backed parts (see ``peak_memory``).

    python benchmarks/time_to_accuracy.py [--folder PATH] [--quick] [--xla]
        [--mixed-precision] [--params training.conv_filters=[16,32,64],...]

The folder defaults to the full CIFAR-10 training set beside the project
(``../shared/datasets/cifar10-train``); ``--quick`` takes 3,000 images of the 10,000
image sample and 4 epochs, to check that the script runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# First, as in `kedro run`: the package caps malloc arenas before TensorFlow's threads
# start (core.allocator).
import image_classification  # noqa: F401

# isort: split
import keras
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.training import TrainingParams
from image_classification.datasets import ImagePackDataset
from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    build_train_sample_dataset,
    measure_batch_class_mix,
)
from image_classification.pipelines.diagnostics.verdict import judge_fit
from image_classification.pipelines.training.nodes import (
    evaluate_model,
    plan_training,
    train_model,
)

sys.path.insert(0, str(Path(__file__).parent))
import seed_recipe
from peak_memory import PeakMemory
from project_setup import (
    configured,
    parse_params,
    split_and_pack,
    validate_folder,
    validation_params,
)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


class EpochClock(keras.callbacks.Callback):
    """Seconds since ``start`` and validation accuracy at the end of each epoch."""

    def __init__(self, start: float):
        super().__init__()
        self.start = start
        self.epochs: list[tuple[float, float]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((time.perf_counter() - self.start, logs["val_accuracy"]))


def run_seed(manifest: pd.DataFrame, max_epochs: int) -> dict:
    clock = EpochClock(time.perf_counter())
    train = manifest[manifest["split"] == "train"]
    validation = manifest[manifest["split"] == "validation"]
    test = manifest[manifest["split"] == "test"]
    keras.utils.set_random_seed(0)
    model = seed_recipe.model(manifest["label_index"].nunique())
    model.fit(
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
    predicted = model.predict(seed_recipe.float32_array(test["path"]) / 255, verbose=0)
    labels = test["label_index"].to_numpy()
    return {"epochs": clock.epochs} | _test_scores(labels, predicted.argmax(axis=1))


def _test_scores(labels, predicted) -> dict:
    return {
        "test_accuracy": float((labels == predicted).mean()),
        "test_balanced_accuracy": float(balanced_accuracy_score(labels, predicted)),
    }


def run_ours(data_path: str, overrides: dict, scratch: str) -> dict:
    """(seconds since start, validation accuracy) per epoch, from the history's
    ``epoch_seconds`` plus the time spent before training began, the training
    images/s of the median epoch, and the diagnosis' verdict, as the pipeline gives it."""
    start = time.perf_counter()
    pack = ImagePackDataset(filepath=f"{data_path}/pack").load()
    manifest = pd.read_parquet(f"{data_path}/manifest.parquet")
    augmentation = configured(
        "augmentation", AugmentationParams, **overrides.get("augmentation", {})
    )
    training = configured(
        "training",
        TrainingParams,
        **overrides.get("training", {})
        | {"verbose": 0, "checkpoint_dir": f"{scratch}/checkpoints"},
    )
    classes = sorted(manifest["label_index"].unique())
    train, validation, test = build_datasets(pack, manifest, augmentation, seed=0)
    class_mix = measure_batch_class_mix(train, manifest, augmentation, seed=0)
    sample = build_train_sample_dataset(pack, manifest, augmentation, seed=0)
    before_training = time.perf_counter() - start
    plan = plan_training(manifest, classes, training, 0)
    model, history = train_model(train, sample, validation, plan, training)
    elapsed = before_training + history["epoch_seconds"].cumsum()
    metrics = evaluate_model(model, history, validation, test, classes, training)
    rate = (manifest["split"] == "train").sum() / history["epoch_seconds"].median()
    verdict, reason, _ = judge_fit(
        history,
        "early_stopping" if len(history) < training.max_epochs else "max_epochs",
        int((manifest["split"] == "validation").sum()),
        configured("diagnostics", DiagnosticsParams),
        chance_accuracy=class_mix["split_largest_class_share"],
        batch_class_mix_ratio=class_mix["ratio"],
    )
    return {
        "epochs": list(zip(elapsed, history["val_accuracy"], strict=True)),
        "images_per_s": rate,
        "verdict": verdict if reason is None else f"{verdict} ({reason})",
        "image_size": list(pack.images.shape[1:3]),
        "test_accuracy": metrics["test_accuracy"],
        "test_balanced_accuracy": metrics["test_balanced_accuracy"],
    }


def child(side: str, data_path: str, overrides: dict) -> None:
    """One side's training in this process; prints its result as JSON, peak RSS included.

    ``data_path`` holds the split manifest (the seed reads its files) and the pack (ours
    reads it). ``overrides`` (``{group: {key: value}}``) of the training and
    augmentation parameters apply to ours; ``training.max_epochs`` to both.
    """
    with tempfile.TemporaryDirectory() as scratch, PeakMemory() as memory:
        result = (
            run_seed(
                pd.read_parquet(f"{data_path}/manifest.parquet"),
                overrides.get("training", {}).get("max_epochs", 200),
            )
            if side == "seed"
            else run_ours(data_path, overrides, scratch)
        )
    print(json.dumps(result | memory.report()))


def _in_fresh_process(side: str, data_path: Path, overrides: dict) -> dict:
    command = [sys.executable, __file__, "--child", side, str(data_path)]
    command += ["--overrides", json.dumps(overrides)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def _curve(epochs: list) -> str:
    return " ".join(f"{t:.0f}s:{acc:.3f}" for t, acc in epochs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DATASETS / "cifar10-train")
    parser.add_argument(
        "--quick", action="store_true", help="3,000 images of the sample, 4 epochs"
    )
    parser.add_argument("--mixed-precision", action="store_true", help="ours: float16")
    parser.add_argument("--xla", action="store_true", help="ours: XLA compilation")
    parser.add_argument(
        "--params",
        default="",
        help="ours: training and augmentation parameters as kedro run --params takes "
        "them, e.g. training.conv_filters=[16,32,64],augmentation.batch_size=128",
    )
    parser.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, json.loads(args.overrides))
        return
    folder = DATASETS / "cifar10-sample" if args.quick else args.folder
    classes, index, _, pixels = validate_folder(folder, validation_params())
    if args.quick:
        index = index[index["status"] == "ok"].sample(n=3_000, random_state=0)
    pack, manifest = split_and_pack(index, classes, pixels)
    overrides = parse_params(args.params)
    training = overrides.setdefault("training", {})
    training |= {"mixed_precision": args.mixed_precision, "jit_compile": args.xla}
    if args.quick:
        training["max_epochs"] = 4
    with tempfile.TemporaryDirectory() as scratch:
        manifest.to_parquet(Path(scratch) / "manifest.parquet")
        ImagePackDataset(filepath=f"{scratch}/pack").save(pack)
        del pixels, pack  # the children read them from disk
        seed = _in_fresh_process("seed", Path(scratch), overrides)
        ours = _in_fresh_process("ours", Path(scratch), overrides)

    seed_best_time, seed_best = max(seed["epochs"], key=lambda e: (e[1], -e[0]))
    seed_total = seed["epochs"][-1][0]
    reached = next((t for t, acc in ours["epochs"] if acc >= seed_best), None)
    at_seed_total = max((acc for t, acc in ours["epochs"] if t <= seed_total), default=0)
    print(f"{folder.name}: {(manifest['split'] == 'train').sum()} training images")
    print(f"seed validation accuracy per epoch: {_curve(seed['epochs'])}")
    print(f"ours validation accuracy per epoch: {_curve(ours['epochs'])}")
    print(
        f"seed recipe: best validation accuracy {seed_best:.3f} after "
        f"{seed_best_time:.0f} s; stopped after {len(seed['epochs'])} epochs, "
        f"{seed_total:.0f} s; {PeakMemory.describe(seed)}"
    )
    print(
        f"ours ({args.params or 'conf/base'}; mixed precision {args.mixed_precision}, "
        f"XLA {args.xla}): best "
        f"{max(acc for _, acc in ours['epochs']):.3f}; stopped after "
        f"{len(ours['epochs'])} epochs, {ours['epochs'][-1][0]:.0f} s; "
        f"{ours['images_per_s']:.0f} training images/s (median epoch); verdict "
        f"{ours['verdict']}; {PeakMemory.describe(ours)} (target: peak RSS <= 1024)"
    )
    if reached is None:
        print("ours never reached the seed's best validation accuracy")
    else:
        print(
            f"time to {seed_best:.3f}: ours {reached:.0f} s vs seed {seed_best_time:.0f} s "
            f"= {reached / seed_best_time:.2f} of the seed's time (target <= 0.20)"
        )
    print(
        f"test accuracy (balanced): ours at {ours['image_size']} "
        f"{ours['test_accuracy']:.3f} ({ours['test_balanced_accuracy']:.3f}), seed at "
        f"32x32 {seed['test_accuracy']:.3f} ({seed['test_balanced_accuracy']:.3f}); "
        f"clothing-small targets: ours >= 0.850, balanced within 0.05 of it"
    )
    print(
        f"best validation accuracy at the seed's total {seed_total:.0f} s: ours "
        f"{at_seed_total:.3f} vs seed {seed_best:.3f} = "
        f"{(at_seed_total - seed_best) * 100:+.1f} points (target >= +15)"
    )


if __name__ == "__main__":
    main()
