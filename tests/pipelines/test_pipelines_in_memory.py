"""Every pipeline run as Kedro runs it (``SequentialRunner``) on an in-memory
``DataCatalog``, stage after stage on the generated tiny folder: the wiring (names,
order, what each node is handed) is under test here, the nodes' logic in their own
tests, and the command line in ``tests/test_cli.py`` and ``tests/demo_project/``."""

from __future__ import annotations

import importlib
import inspect
import typing

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from image_classification.core.contracts import Diagnosis, Verdict
from image_classification.datasets import (
    FigureDataset,
    ImageFolderDataset,
    LabelsFileDataset,
)
from image_classification.datasets.prediction_model import PredictionModel
from image_classification.pipeline_registry import STAGES
from tests.conftest import TINY_CLASSES, base_parameters
from tests.project_copy import base_config

# Small enough to run in seconds; everything else as configured.
OVERRIDES = {
    "data_validation": {"classes": list(TINY_CLASSES)},
    "training": {"max_epochs": 2},
    "label_audit": {"folds": 2, "epochs": 1},
}


class KeptDataset(MemoryDataset):
    """A ``MemoryDataset`` that keeps its data when the runner releases it, so the
    next stage (and the test) can read what this one made."""

    def _release(self) -> None:
        pass


def _pipeline(name: str):
    return importlib.import_module(
        f"image_classification.pipelines.{name}"
    ).create_pipeline()


def _typed_parameters(pipeline, group: str, overrides: dict):
    """The group as the node that takes it declares it (a pydantic model), or the
    plain value (``seed``, ``image_size``)."""
    value = base_parameters(group)
    if not isinstance(value, dict):
        return value
    for node in pipeline.nodes:
        if f"params:{group}" in node.inputs:
            position = node.inputs.index(f"params:{group}")
            parameter = list(inspect.signature(node.func).parameters)[position]
            model = typing.get_type_hints(node.func)[parameter]
            return model(**value | overrides.get(group, {}))
    raise AssertionError(f"no node takes params:{group}")


def run_stage(name: str, catalog: DataCatalog, overrides: dict = OVERRIDES) -> None:
    """Run one pipeline on ``catalog``: its parameters typed (``overrides`` changed),
    every dataset it makes kept in memory."""
    pipeline = _pipeline(name)
    for dataset in pipeline.datasets():
        if dataset in catalog:
            continue
        if dataset.startswith("params:"):
            catalog[dataset] = MemoryDataset(
                _typed_parameters(pipeline, dataset.removeprefix("params:"), overrides),
                copy_mode="assign",
            )
        elif dataset == "parameters":
            catalog[dataset] = MemoryDataset(base_config("parameters"))
        else:
            catalog[dataset] = KeptDataset(copy_mode="assign")
    SequentialRunner().run(pipeline, catalog)


@pytest.fixture(scope="module")
def catalog(tiny_folder, tmp_path_factory):
    """The in-memory catalog after every stage of ``__default__`` ran, in order."""
    checkpoints = str(tmp_path_factory.mktemp("checkpoints"))
    overrides = OVERRIDES | {
        "training": OVERRIDES["training"] | {"checkpoint_dir": checkpoints}
    }
    catalog = DataCatalog(
        {
            "raw_images": ImageFolderDataset(path=str(tiny_folder[0])),
            "image_labels": LabelsFileDataset(labels_csv=None),
            "audited_cross_split_twins": MemoryDataset(pd.DataFrame()),
        }
    )
    # Figures as the catalog keeps them: PNG files, read back as their bytes.
    figures = tmp_path_factory.mktemp("figures")
    for name, entry in base_config("catalog").items():
        if entry.get("type", "").endswith(".FigureDataset"):
            catalog[name] = FigureDataset(filepath=str(figures / f"{name}.png"))
    for stage in STAGES:
        run_stage(stage, catalog, overrides)
    return catalog


def test_data_validation_quarantines_the_planted_faults(catalog, tiny_folder):
    report = catalog.load("validation_report")
    quarantine = catalog.load("quarantine")
    assert report["quarantined"] == len(quarantine) > 0
    assert report["ok"] + report["quarantined"] == report["files"]
    assert catalog.load("class_names") == list(TINY_CLASSES)


def test_data_split_places_every_clean_image_once(catalog):
    clean = catalog.load("clean_image_index")
    manifest = catalog.load("split_manifest")
    assert sorted(manifest["relative_path"]) == sorted(clean["relative_path"])
    assert set(manifest["split"]) == {"train", "validation", "test"}
    counts = catalog.load("split_report")["counts"]
    assert sum(sum(per_class.values()) for per_class in counts.values()) == len(manifest)


def test_packing_holds_the_pixels_of_every_manifest_image(catalog):
    pack = catalog.load("image_pack")
    manifest = catalog.load("split_manifest")
    images = pack.select(manifest)
    assert len(images) == len(manifest)
    size = catalog.load("training_image_size")
    # image_size auto: the tiny folder's images are 32x32, trained as they are.
    assert base_parameters("image_size") == "auto"
    assert size["chosen_from"].startswith("from the images' median 32x32")
    assert images[[0]].shape[1:] == (size["height"], size["width"], 3) == (32, 32, 3)


def test_leakage_audit_hands_the_diagnostics_a_table_and_a_figure(catalog):
    twins = catalog.load("cross_split_twins")
    assert {"relative_path", "split", "train_relative_path", "edge_score"} <= set(
        twins.columns
    )
    assert catalog.load("cross_split_twin_grid").startswith(b"\x89PNG")


def test_augmentation_and_training_make_a_model_and_its_metrics(catalog):
    assert catalog.load("batch_class_mix")["ratio"] > 0
    metrics = catalog.load("training_metrics")
    assert metrics["epochs_run"] <= 2
    assert 0 <= metrics["test_accuracy"] <= 1
    assert catalog.load("serving_model").class_names == list(TINY_CLASSES)


def test_diagnostics_give_a_verdict_and_the_test_score_split_by_twins(catalog):
    diagnosis = Diagnosis.model_validate(catalog.load("diagnosis"))
    assert diagnosis.verdict in set(Verdict)
    test_images = (catalog.load("split_manifest")["split"] == "test").sum()
    leakage = diagnosis.leakage
    assert leakage.test_images_with_twin + leakage.test_images_without_twin == test_images
    assert diagnosis.verdict in catalog.load("run_report")


def test_label_audit_ranks_suspects_from_out_of_fold_predictions(catalog):
    run_stage("label_audit", catalog)
    suspects = catalog.load("label_suspects")
    manifest = catalog.load("split_manifest")
    assert set(suspects["relative_path"]) <= set(manifest["relative_path"])


def test_predict_classifies_the_folder_with_the_trained_model(catalog, tiny_folder):
    catalog["images_to_predict"] = ImageFolderDataset(
        path=str(tiny_folder[0]), setting="predict_dir"
    )
    catalog["prediction_model"] = MemoryDataset(
        PredictionModel(serving=catalog.load("serving_model"), version="in memory"),
        copy_mode="assign",
    )
    run_stage("predict", catalog)
    predictions = catalog.load("predictions")
    files = catalog.load("images_to_predict")
    files = files[~files["relative_path"].str.endswith("/")]
    assert sorted(predictions["relative_path"]) == sorted(files["relative_path"])
    classified = predictions[predictions["status"] == "classified"]
    assert set(classified["class_1"]) <= set(TINY_CLASSES)
    assert set(predictions["model_version"]) == {"in memory"}
