"""What the benchmarks share: the configured parameters, and validation, split and
packing as the pipeline runs them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from kedro.config import OmegaConfigLoader
from omegaconf import OmegaConf

from image_classification.core.image_pack import ImagePack
from image_classification.core.params.data_split import DataSplitParams
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.params.image_sizing import ImageSizingParams
from image_classification.core.params.packing import PackingParams
from image_classification.core.params.same_photo import SamePhotoParams
from image_classification.datasets import ImageFolderDataset, LabelsFileDataset
from image_classification.pipelines.data_split.nodes import assign_splits
from image_classification.pipelines.data_validation.nodes import (
    choose_image_size,
    find_near_duplicates,
    flag_images,
    inspect_images,
    resolve_class_names,
)
from image_classification.pipelines.packing.nodes import pack_images

CONF = Path(__file__).resolve().parents[1] / "conf"
NO_LABELS = LabelsFileDataset(labels_csv=None).load()


def _parameters() -> dict:
    """`conf/base`'s parameters, ``${globals:}`` resolved as Kedro resolves them."""
    return OmegaConfigLoader(str(CONF), base_env="base", default_run_env="base")[
        "parameters"
    ]


def configured(group: str, model, **overrides):
    """``model`` built from `conf/base/parameters_<group>.yml`, with overrides (a nested
    dict overrides only the keys it names)."""
    merged = OmegaConf.merge(_parameters()[group], overrides)
    return model(**OmegaConf.to_container(merged))


def parse_params(text: str) -> dict[str, dict]:
    """``kedro run --params`` syntax (``group.key=value,...``, values in YAML, dotted
    keys for nested ones) as ``{group: {key: value}}``. As Kedro does, a piece without
    ``=`` continues the value before it (``training.conv_filters=[24,48,96]``)."""
    items: list[str] = []
    for piece in filter(None, text.split(",")):
        if "=" in piece or not items:
            items.append(piece)
        else:
            items[-1] += f",{piece}"
    groups: dict[str, dict] = {}
    for item in items:
        path, _, value = item.partition("=")
        *parents, key = path.strip().split(".")
        target = groups
        for name in parents:
            target = target.setdefault(name, {})
        target[key] = yaml.safe_load(value)
    return groups


def training_image_size(listing: pd.DataFrame, classes: list[str]) -> dict:
    """The training image size the configured ``image_size`` and ``image_sizing``
    (`conf/base/parameters.yml`) choose for a listing, by the pipeline's node."""
    parameters = _parameters()
    return choose_image_size(
        listing,
        classes,
        parameters["image_size"],
        configured("image_sizing", ImageSizingParams),
        parameters["seed"],
    )


def validation_params(**overrides) -> DataValidationParams:
    """The configured validation parameters, classes taken from the folder."""
    return configured("data_validation", DataValidationParams, classes=None, **overrides)


def same_photo_params() -> SamePhotoParams:
    """The configured test of the same photo (validation's and the audit's)."""
    return configured("same_photo", SamePhotoParams)


def inspect_folder(
    folder: Path, params: DataValidationParams
) -> tuple[list[str], pd.DataFrame, dict]:
    """Class names, every file inspected (decoded once) and the decoded pixels, by the
    pipeline's nodes."""
    listing = ImageFolderDataset(path=str(folder)).load()
    classes = resolve_class_names(listing, NO_LABELS, params)
    size = training_image_size(listing, classes)
    return classes, *inspect_images(listing, classes, params, size)


def validate_folder(
    folder: Path, params: DataValidationParams
) -> tuple[list[str], pd.DataFrame, pd.DataFrame, dict]:
    """Class names, image index, findings and decoded pixels of a folder, by the
    pipeline's nodes."""
    classes, inspected, pixels = inspect_folder(folder, params)
    pairs = find_near_duplicates(inspected, params, same_photo_params())
    index, findings, _ = flag_images(inspected, pairs, NO_LABELS, params)
    return classes, index, findings, pixels


def split_and_pack(
    index: pd.DataFrame, classes: list[str], pixels: dict, seed: int = 42
) -> tuple[ImagePack, pd.DataFrame]:
    """The usable images of a validated folder packed and split as the pipeline does:
    the pack and the split manifest."""
    clean = index[index["status"] == "ok"]
    split_params = configured("data_split", DataSplitParams)
    manifest = assign_splits(clean, classes, split_params, seed)
    return pack_images(index, pixels, configured("packing", PackingParams)), manifest
