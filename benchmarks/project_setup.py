"""What the benchmarks share: the configured parameters and the validation stage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from image_classification.datasets import ImageFolderDataset, LabelsFileDataset
from image_classification.pipelines.data_validation.nodes import (
    find_near_duplicates,
    flag_images,
    inspect_images,
    resolve_class_names,
)
from image_classification.pipelines.data_validation.params import DataValidationParams

CONF = Path(__file__).resolve().parents[1] / "conf" / "base"
NO_LABELS = LabelsFileDataset(labels_csv=None).load()


def configured(group: str, model, **overrides):
    """``model`` built from `conf/base/parameters_<group>.yml`, with overrides."""
    values = yaml.safe_load((CONF / f"parameters_{group}.yml").read_text())[group]
    return model(**values | overrides)


def validation_params(**overrides) -> DataValidationParams:
    """The configured validation parameters, classes taken from the folder."""
    return configured("data_validation", DataValidationParams, classes=None, **overrides)


def inspect_folder(
    folder: Path, params: DataValidationParams
) -> tuple[list[str], pd.DataFrame]:
    """Class names and every file inspected (decoded once), by the pipeline's nodes."""
    listing = ImageFolderDataset(path=str(folder)).load()
    classes = resolve_class_names(listing, NO_LABELS, params)
    return classes, inspect_images(listing, classes, params)


def validate_folder(
    folder: Path, params: DataValidationParams
) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """Class names, image index and findings of a folder, by the pipeline's nodes."""
    classes, inspected = inspect_folder(folder, params)
    pairs = find_near_duplicates(inspected, params)
    index, findings, _ = flag_images(inspected, pairs, NO_LABELS, params)
    return classes, index, findings
