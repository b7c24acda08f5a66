"""The verdict of real, seeded trainings on small generated data.

Four classes of 16x16 noisy images, each with a bright bar in its own band of rows (a
horizontal flip or a small shift keeps the class), and a quarter of the labels
replaced at random in every split: a model that memorizes its training labels must
get worse on validation, one that learns the bars must not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from image_classification.core.contracts import Verdict
from image_classification.core.image_pack import ImagePack, pack
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.training import TrainingParams
from image_classification.pipelines.augmentation.nodes import (
    build_datasets,
    build_train_sample_dataset,
)
from image_classification.pipelines.diagnostics.verdict import (
    judge_fit,
)
from image_classification.pipelines.training.nodes import evaluate_model
from tests.conftest import NO_AUGMENTATION, base_parameters
from tests.pipelines.training.test_nodes import _trained

CLASSES = ["band0", "band1", "band2", "band3"]
SIDE = 16
SPLIT_SIZES = {"train": 120, "validation": 200, "test": 40}
RANDOM_LABELS = 0.25
AUGMENTED = base_parameters("augmentation") | {"batch_size": 32}
NOT_AUGMENTED = AUGMENTED | {"layers": NO_AUGMENTATION}


def _bar_image(rng: np.random.Generator, label: int) -> np.ndarray:
    image = rng.normal(0.5, 0.25, (SIDE, SIDE, 3))
    top = label * SIDE // len(CLASSES) + rng.integers(0, 2)
    left = rng.integers(0, SIDE // 2)
    image[top : top + 2, left : left + SIDE // 2] += 0.5
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def noisy_bars() -> tuple[ImagePack, pd.DataFrame]:
    """The generated images, packed, and their split manifest."""
    rng = np.random.default_rng(0)
    rows, pixels_of = [], {}
    for split, count in SPLIT_SIZES.items():
        for index in range(count):
            label = index % len(CLASSES)
            name = f"{split}_{index}.png"
            pixels_of[name] = _bar_image(rng, label)
            if rng.random() < RANDOM_LABELS:
                label = int(rng.integers(len(CLASSES)))
            rows.append(
                {
                    "relative_path": name,
                    "pixel_hash": name,
                    "label_index": label,
                    "split": split,
                }
            )
    manifest = pd.DataFrame(rows)
    return pack(manifest, pixels_of, 64, (SIDE, SIDE, 3)), manifest


def _verdict(data: tuple, augmentation: dict, training: dict, tmp: Path):
    image_pack, manifest = data
    augmentation_params = AugmentationParams(**augmentation)
    training_params = TrainingParams(
        **base_parameters("training")
        | training
        | {"verbose": 0, "checkpoint_dir": str(tmp / "checkpoints")}
    )
    train, validation, test = build_datasets(
        image_pack, manifest, augmentation_params, seed=0
    )
    sample = build_train_sample_dataset(image_pack, manifest, augmentation_params, seed=0)
    model, history = _trained(
        train, sample, validation, manifest, CLASSES, training_params, 0
    )
    metrics = evaluate_model(model, history, validation, test, CLASSES, training_params)
    params = DiagnosticsParams(**base_parameters("diagnostics"))
    verdict, _, evidence = judge_fit(
        history, metrics["stop_reason"], SPLIT_SIZES["validation"], params
    )
    return verdict, evidence, history


def test_a_wide_unregularized_model_trained_long_is_overfitting(noisy_bars, tmp_path):
    verdict, evidence, history = _verdict(
        noisy_bars,
        NOT_AUGMENTED,
        {
            "conv_filters": [16, 32],
            "dense_units": 512,
            "dropout": 0.0,
            "l2": 0.0,
            "max_epochs": 40,
            "patience": 40,  # early stopping never fires
        },
        tmp_path,
    )
    assert verdict == Verdict.OVERFITTING
    lowest = int(history.loc[history["val_crossentropy"].idxmin(), "epoch"])
    assert evidence["onset_epoch"] is not None
    assert abs(evidence["onset_epoch"] - lowest) <= 2
    assert evidence["best_train_accuracy"] > 0.95  # it learned the random labels too


def test_the_same_data_with_regularization_is_not_overfitting(noisy_bars, tmp_path):
    verdict, evidence, _ = _verdict(
        noisy_bars,
        AUGMENTED,
        {
            "conv_filters": [8, 16],
            "dense_units": 64,
            "dropout": 0.5,
            "l2": 1e-4,
            "max_epochs": 60,
            "patience": 8,
        },
        tmp_path,
    )
    assert verdict != Verdict.OVERFITTING
    assert evidence["onset_epoch"] is None
    assert evidence["accuracy_gap_at_end"] < 0.1


def test_a_model_too_small_to_learn_is_underfitting(noisy_bars, tmp_path):
    verdict, evidence, _ = _verdict(
        noisy_bars,
        AUGMENTED,
        {
            "conv_filters": [2],
            "dense_units": 2,
            "dropout": 0.5,
            "learning_rate": 0.0003,
            "max_epochs": 15,
            "patience": 15,
        },
        tmp_path,
    )
    assert verdict == Verdict.UNDERFITTING
    assert evidence["best_train_accuracy"] < 0.5
