"""Shared fixtures: the project's real parameters and small generated image folders."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import fsspec.config
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from xdist.scheduler import LoadScopeScheduling

from image_classification.core.image_pack import DecodedPixels, ImagePack
from image_classification.core.model import make_model
from image_classification.core.params.data_split import DataSplitParams
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.params.image_sizing import ImageSizingParams
from image_classification.core.params.packing import PackingParams
from image_classification.core.params.same_photo import SamePhotoParams
from image_classification.datasets import ImageFolderDataset
from image_classification.demo_images import write_image_folder
from image_classification.pipelines.data_split.nodes import assign_splits
from image_classification.pipelines.data_validation.nodes import (
    choose_image_size,
    find_near_duplicates,
    flag_images,
    inspect_images,
)
from image_classification.pipelines.packing.nodes import pack_images
from tests.project_copy import base_config

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The S3-compatible server fixture (`object_storage`).
pytest_plugins = ["tests.object_storage"]

TINY_CLASSES = ("circle", "square", "triangle")
DEMO_FOLDER = "tests/demo_project/"
NO_LABELS = pd.DataFrame(columns=["file", "label"])


def base_parameters(group: str) -> dict:
    """The parameters of one pipeline as configured in `conf/base`, ``${globals:}``
    resolved as Kedro resolves them."""
    return base_config("parameters")[group]


def same_photo_params() -> SamePhotoParams:
    """The configured test of the same photo (validation's and the audit's)."""
    return SamePhotoParams(**base_parameters("same_photo"))


def small_model(side: int, num_classes: int, weight_seed: int | None = None):
    """A one-block CNN of the project's factory; with ``weight_seed``, weights drawn far
    from the initial ones, so its probabilities differ clearly from image to image."""
    model = make_model(
        input_shape=(side, side, 3),
        num_classes=num_classes,
        conv_filters=[4],
        kernel_size=3,
        dense_units=8,
        dropout=0.0,
        l2=0.0,
    )
    if weight_seed is not None:
        rng = np.random.default_rng(weight_seed)
        model.set_weights([rng.normal(0, 0.3, w.shape) for w in model.get_weights()])
    return model


def ordinary_image(rng: np.random.Generator, side: int = 32) -> Image.Image:
    """A textured, ordinary picture (smooth shapes, mild noise): no quality flag fires."""
    base = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    smooth = np.asarray(base.resize((side, side), Image.Resampling.BICUBIC), dtype=int)
    noisy = smooth + rng.integers(-40, 40, (side, side, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def validation_params(**overrides) -> DataValidationParams:
    """The configured data_validation parameters for the tiny classes, overridden."""
    values = base_parameters("data_validation") | {"classes": list(TINY_CLASSES)}
    return DataValidationParams(**(values | overrides))


# Every augmentation layer switched off.
NO_AUGMENTATION = {
    "flip": None,
    "rotation_degrees": 0,
    "translation_fraction": 0,
    "crop_area_min": 1,
    "brightness": 0,
    "contrast": 0,
    "saturation": 0,
    "photo_min_side": 0,
}


def fixed_size(height: int, width: int, fit: str = "squash") -> dict:
    """A training image size as ``choose_image_size`` gives one set in image_size."""
    return {"height": height, "width": width, "fit": fit, "chosen_from": "set"}


def training_image_size(listing: pd.DataFrame, class_names) -> dict:
    """The training image size the configured parameters choose for a listing."""
    return choose_image_size(
        listing,
        list(class_names),
        base_parameters("image_size"),
        ImageSizingParams(**base_parameters("image_sizing")),
        seed=0,
    )


def decode_and_flag(
    root: Path | str, params: DataValidationParams, class_names=TINY_CLASSES, labels=None
) -> tuple[pd.DataFrame, pd.DataFrame, DecodedPixels]:
    """The image index, findings and decoded pixels (at the image size the configured
    parameters choose) of a folder (or a bucket URL), made by the real nodes in order."""
    labels = NO_LABELS if labels is None else labels
    listing = ImageFolderDataset(path=str(root)).load()
    size = training_image_size(listing, class_names)
    inspected, pixels = inspect_images(listing, list(class_names), params, size)
    pairs = find_near_duplicates(inspected, params, same_photo_params())
    index, findings, _ = flag_images(inspected, pairs, labels, params)
    return index, findings, pixels


def run_validation(
    root: Path, params: DataValidationParams, class_names=TINY_CLASSES, labels=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The image index and findings of a folder, made by the real nodes in order."""
    index, findings, _ = decode_and_flag(root, params, class_names, labels)
    return index, findings


@pytest.fixture(autouse=True)
def _no_mlflow_run_left_active():
    """Each test starts with no active MLflow run: an in-process Kedro session that
    stops early can leave kedro-mlflow's run active, and the next session in this
    worker would log its parameters into it ("Changing param values is not allowed")."""
    yield
    mlflow = sys.modules.get("mlflow")  # never imported: nothing to end
    while mlflow is not None and mlflow.active_run():
        mlflow.end_run()


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory) -> tuple[Path, list]:
    """3 classes x 16 images with every planted fault; shared, never modified."""
    root = tmp_path_factory.mktemp("tiny") / "images"
    faults = write_image_folder(
        root, classes=TINY_CLASSES, images_per_class=16, seed=7, mislabeled=1
    )
    return root, faults


@pytest.fixture(scope="session")
def tiny_validated(tiny_folder) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Image index, split manifest of the clean images and decoded pixels of
    ``tiny_folder``, made by the real nodes."""
    index, _, pixels = decode_and_flag(tiny_folder[0], validation_params())
    clean = index[index["status"] == "ok"]
    split_params = DataSplitParams(**base_parameters("data_split"))
    return index, assign_splits(clean, list(TINY_CLASSES), split_params, seed=3), pixels


@pytest.fixture(scope="session")
def tiny_manifest(tiny_validated) -> pd.DataFrame:
    """Split manifest of the clean images of ``tiny_folder``, made by the real nodes."""
    return tiny_validated[1]


@pytest.fixture(scope="session")
def tiny_pack(tiny_validated) -> ImagePack:
    """The image pack of ``tiny_folder``, shards of 8 images, by the packing node."""
    index, _, pixels = tiny_validated
    return pack_images(index, pixels, PackingParams(shard_size=8))


class _ModuleScheduling(LoadScopeScheduling):
    """pytest-xdist's scheduling by scope, a scope being a module, or all of
    ``tests/demo_project/``: a module's fixtures are built once, and the demo project's
    `kedro run` (its session fixture) runs on one worker only. Overrides the one method
    xdist's own schedulers override to choose the scope."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return DEMO_FOLDER if module.startswith(DEMO_FOLDER) else module


@pytest.hookimpl(optionalhook=True)  # pytest -p no:xdist still runs
def pytest_xdist_make_scheduler(config: pytest.Config, log) -> LoadScopeScheduling:
    """With `-n` (`./dev.sh test` runs two workers), tests are handed out by module."""
    return _ModuleScheduling(config, log)


@pytest.fixture
def bucket(object_storage, monkeypatch, request) -> str:
    """A new empty bucket, and this process's fsspec configured for the server as
    ``StorageCredentialsHooks`` configures it from credentials.yml."""
    for name, options in object_storage.credentials.items():
        monkeypatch.setitem(fsspec.config.conf, name, options)
    name = "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    return object_storage.new_bucket(name)
