"""`kedro run --tags validation|training|report` runs one part on a project that has
already run once, and writes only that part's outputs. Run through a Kedro session in
this process: the tags are under test here, not the command line."""

from __future__ import annotations

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
    versioned_outputs,
)

VALIDATION = {"image_index", "quarantine", "validation_report", "flag_examples"}
TRAINING = {"model", "training_history", "training_metrics"}
REPORT = {"diagnosis", "learning_curves", "confusion_matrix", "run_report"}
SPLIT = {"split_manifest", "split_report"}


def _run(project, **run_args) -> None:
    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        session.run(**run_args)


def _version_counts(project) -> dict[str, int]:
    return {
        name: len(saved_versions(project, filepath))
        for name, filepath in versioned_outputs().items()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project copy after one full run."""
    parameters = FAST_TRAINING | {
        "data_validation": {"classes": list(TINY_CLASSES)},
        "label_audit": {
            "folds": 2,
            "epochs": 2,
            "model": {"conv_filters": [4, 8], "dense_units": 8},
        },
    }
    root = make_project_copy(tmp_path_factory.mktemp("partial"), parameters)
    images = root / "data" / "01_raw" / "images"
    write_image_folder(images, classes=TINY_CLASSES, images_per_class=20, seed=5)
    (root / "conf" / "local" / "globals.yml").write_text(
        yaml.safe_dump({"raw_image_dir": "data/01_raw/images"})
    )
    _run(root)
    return root


@pytest.mark.parametrize(
    ("tag", "written", "untouched"),
    [
        ("validation", VALIDATION, SPLIT | TRAINING | REPORT),
        ("training", TRAINING, VALIDATION | SPLIT | REPORT),
        ("report", REPORT, VALIDATION | SPLIT | TRAINING),
    ],
)
def test_a_tag_runs_its_part_only(project, tag, written, untouched):
    before = _version_counts(project)
    _run(project, tags=[tag])
    after = _version_counts(project)
    changed = {name for name in after if after[name] != before[name]}
    assert written <= changed
    assert not changed & untouched


@pytest.mark.parametrize(
    ("pipeline", "written"),
    [
        ("leakage_audit", {"cross_split_twins", "twin_search_scope"}),
        ("label_audit", {"label_suspects", "label_suspects_grid"}),
    ],
)
def test_a_pipeline_run_alone_after_a_full_run_writes_its_outputs(
    project, pipeline, written
):
    """`kedro run --pipeline leakage_audit` or `label_audit`, as the README says."""
    outputs = versioned_outputs(pipeline)
    before = {name: len(saved_versions(project, outputs[name])) for name in written}
    _run(project, pipeline_names=[pipeline])
    for name in written:
        assert len(saved_versions(project, outputs[name])) == before[name] + 1, name
