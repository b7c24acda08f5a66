"""Shared fixtures: the project's real parameters and small generated image folders."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from image_classification.datasets import ImageFolderDataset
from image_classification.demo_images import write_image_folder
from image_classification.pipelines.data_split.nodes import assign_splits
from image_classification.pipelines.data_split.params import DataSplitParams
from image_classification.pipelines.data_validation.nodes import build_image_index
from image_classification.pipelines.data_validation.params import DataValidationParams

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TINY_CLASSES = ("circle", "square", "triangle")


def base_parameters(group: str) -> dict:
    """The parameters of one pipeline as configured in `conf/base`."""
    path = PROJECT_ROOT / "conf" / "base" / f"parameters_{group}.yml"
    return yaml.safe_load(path.read_text())[group]


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory) -> tuple[Path, list]:
    """3 classes x 16 images with every planted fault; shared, never modified."""
    root = tmp_path_factory.mktemp("tiny") / "images"
    faults = write_image_folder(
        root, classes=TINY_CLASSES, images_per_class=16, seed=7, mislabeled=1
    )
    return root, faults


@pytest.fixture(scope="session")
def tiny_manifest(tiny_folder) -> pd.DataFrame:
    """Split manifest of the clean images of ``tiny_folder``, made by the real nodes."""
    listing = ImageFolderDataset(path=str(tiny_folder[0])).load()
    params = DataValidationParams(
        **base_parameters("data_validation") | {"classes": list(TINY_CLASSES)}
    )
    index = build_image_index(listing, list(TINY_CLASSES), params)
    clean = index[index["status"] == "ok"]
    split_params = DataSplitParams(**base_parameters("data_split"))
    return assign_splits(clean, list(TINY_CLASSES), split_params, seed=3)
