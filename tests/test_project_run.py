"""`__default__` through a Kedro session on a tiny generated folder with planted faults."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from image_classification.demo_images import write_image_folder
from tests.conftest import TINY_CLASSES
from tests.project_copy import (
    FAST_TRAINING,
    make_project_copy,
    saved_versions,
    tree_digest,
    versioned_outputs,
)


def _run(project, **session_args) -> None:
    bootstrap_project(project)
    with KedroSession.create(project_path=project, **session_args) as session:
        session.run()


def _latest(project, name: str, pipeline: str = "__default__"):
    path = saved_versions(project, versioned_outputs(pipeline)[name])[-1]
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix == ".html":
        return path.read_text()
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project copy run twice on the same folder, then once after files were added."""
    root = tmp_path_factory.mktemp("project")
    parameters = FAST_TRAINING | {"data_validation": {"classes": list(TINY_CLASSES)}}
    make_project_copy(root, parameters)
    images = root / "data" / "01_raw" / "images"
    faults = write_image_folder(images, classes=TINY_CLASSES, images_per_class=40, seed=11)
    (root / "conf" / "local" / "globals.yml").write_text(
        yaml.safe_dump({"raw_image_dir": "data/01_raw/images"})
    )
    raw_before = tree_digest(images)
    _run(root)
    _run(root)
    first_manifest = _latest(root, "split_manifest")
    new_images = root / "new"
    write_image_folder(
        new_images, classes=TINY_CLASSES, images_per_class=20, seed=12, plant_faults=False
    )
    for path in new_images.rglob("*.jpg"):
        shutil.copy(path, images / path.parent.name / f"new_{path.name}")
    _run(root)
    return {
        "root": root,
        "faults": faults,
        "raw_before": raw_before,
        "raw_after_runs": {
            path: digest
            for path, digest in tree_digest(images).items()
            if "/new_" not in path
        },
        "first_manifest": first_manifest,
    }


def test_every_planted_fault_is_quarantined_with_its_reason(project):
    quarantine = _latest(project["root"], "quarantine").set_index("relative_path")
    expected = {f.path: f.expected_reason for f in project["faults"] if f.expected_reason}
    assert quarantine["reason"].to_dict() == expected


def test_no_raw_file_is_changed_or_removed(project):
    assert project["raw_after_runs"] == project["raw_before"]


def test_every_versioned_output_is_written_by_every_run(project):
    for name, filepath in versioned_outputs().items():
        assert len(saved_versions(project["root"], filepath)) == 3, name


def test_two_runs_on_the_same_data_give_the_same_split_and_reports(project):
    root = project["root"]
    reports = ("split_report", "validation_report", "quarantine", "diagnosis", "run_report")
    for name in ("split_manifest", *reports):
        filepath = versioned_outputs()[name]
        first, second, _ = saved_versions(root, filepath)
        assert first.read_bytes() == second.read_bytes(), name
    metrics = [
        json.loads(p.read_text())
        for p in saved_versions(root, "data/08_reporting/training_metrics.json")
    ]
    assert metrics[0] == metrics[1]


def test_split_is_stratified_over_all_three_splits(project):
    manifest = project["first_manifest"]
    counts = pd.crosstab(manifest["label"], manifest["split"])
    assert set(counts.columns) == {"train", "validation", "test"}
    assert (counts > 0).all().all()
    shares = counts.div(counts.sum(axis=1), axis=0)
    assert (shares["train"].between(0.5, 0.9)).all()


def test_adding_files_moves_no_existing_file_between_splits(project):
    before = project["first_manifest"].set_index("relative_path")["split"]
    after = _latest(project["root"], "split_manifest").set_index("relative_path")["split"]
    assert len(after) == len(before) + 3 * 20
    pd.testing.assert_series_equal(after.loc[before.index], before)


def test_reports_describe_the_run(project):
    root = project["root"]
    report = _latest(root, "validation_report")
    assert report["per_class"].keys() == set(TINY_CLASSES)
    metrics = _latest(root, "training_metrics")
    assert metrics["epochs_run"] == 2
    diagnosis = _latest(root, "diagnosis")
    # Two epochs show no trend: the honest answer is "inconclusive", and why.
    assert diagnosis["verdict"] == "inconclusive"
    assert diagnosis["inconclusive_reason"] == "too_few_epochs"
    assert any("Check your data" in line for line in diagnosis["advice"])
    page = _latest(root, "run_report")
    assert '<p class="verdict inconclusive">inconclusive</p>' in page
    assert "Check your data" in page
    assert len(_latest(root, "training_history")) == 2
    assert _latest(root, "class_names") == list(TINY_CLASSES)


def test_predict_on_the_test_split_gives_what_evaluate_model_measured(project):
    root = project["root"]
    manifest = _latest(root, "split_manifest")
    incoming = root / "incoming"
    for relative in manifest.loc[manifest["split"] == "test", "relative_path"]:
        target = incoming / "batch" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / "data" / "01_raw" / "images" / relative, target)
    (incoming / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n cut")
    bootstrap_project(root)
    with KedroSession.create(
        project_path=root, runtime_params={"predict_dir": str(incoming)}
    ) as session:
        session.run(pipeline_names=["predict"])

    predictions = _latest(root, "predictions", "predict").set_index("relative_path")
    broken = predictions.loc["broken.png"]
    assert broken["status"] == "not_classified"
    assert broken["reason"] == "truncated"
    classified = predictions.drop(index="broken.png")
    classified.index = classified.index.str.removeprefix("batch/")
    expected = _latest(root, "test_predictions").set_index("relative_path")
    class_names = _latest(root, "class_names")
    assert sorted(classified.index) == sorted(expected.index)
    predicted = classified["class_1"].map(class_names.index)
    assert (predicted == expected["predicted_index"]).all()
    assert classified["probability_1"].round(4).equals(expected["confidence"])
    accuracy = (predicted == expected["label_index"]).mean()
    assert accuracy == pytest.approx(
        _latest(root, "training_metrics")["test_accuracy"], abs=1e-4
    )
    serving_versions = saved_versions(root, "data/06_models/serving_model")
    assert (predictions["model_version"] == serving_versions[-1].parent.name).all()
