"""The real `kedro` command in a subprocess on a user's own folder, as a user runs it:
the run, and the one line each user error prints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from image_classification.demo_images import render_shape
from tests.project_copy import error_line, latest_json, make_project_copy, run_kedro


def _user_style_folder(root: Path) -> Path:
    """Photos as people keep them: odd sizes, PNG and JPEG, a nested folder, OS litter."""
    rng = np.random.default_rng(5)
    for label, shape in (("cats", "circle"), ("dogs", "triangle")):
        folder = root / label / "2024"
        folder.mkdir(parents=True)
        for index in range(30):
            image = render_shape(shape, rng, size=48).resize((56, 40))
            extension = ".png" if index % 3 == 0 else ".JPG"
            image.save(folder / f"IMG_{index:04d}{extension}")
    (root / "cats" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "dogs" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    return root


def test_own_image_folder_through_the_documented_option(tmp_path):
    project = make_project_copy(tmp_path / "project")
    images = _user_style_folder(tmp_path / "my photos")
    result = run_kedro(
        project,
        "run",
        "--params",
        f"raw_image_dir={images},data_validation.classes=null,"
        "training.max_epochs=2,training.verbose=0",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert latest_json(project, "class_names") == ["cats", "dogs"]
    report = latest_json(project, "validation_report")
    assert report["ok"] == 60
    assert report["quarantined_by_reason"] == {"hidden_file": 1, "unsupported_extension": 1}
    assert latest_json(project, "training_metrics")["epochs_run"] == 2
    assert not (project / "data" / "01_raw").exists()
    assert Image.open(next((images / "cats" / "2024").iterdir())).size == (56, 40)


def test_a_backbone_from_a_weights_file_through_the_documented_option(tmp_path):
    """Weights from a local file, as the README shows; never downloaded in tests."""
    import keras  # noqa: PLC0415

    project = make_project_copy(tmp_path / "project")
    images = _user_style_folder(tmp_path / "my photos")
    weights = tmp_path / "mobilenet.weights.h5"
    keras.applications.MobileNetV3Small(
        include_top=False, weights=None, input_shape=(40, 40, 3), pooling="avg"
    ).save_weights(str(weights))
    result = run_kedro(
        project,
        "run",
        "--params",
        f"raw_image_dir={images},data_validation.classes=null,"
        f"training.backbone=MobileNetV3Small,training.backbone_weights={weights},"
        "training.max_epochs=1,training.frozen_epochs=1,training.verbose=0",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert latest_json(project, "training_metrics")["epochs_run"] == 1


def test_a_missing_image_folder_is_one_line_with_the_fix(tmp_path):
    project = make_project_copy(tmp_path / "project")
    missing = f"raw_image_dir={tmp_path / 'nope'}"
    line = error_line(run_kedro(project, "run", "--params", missing))
    assert line.startswith(f"Error: image folder {tmp_path / 'nope'} does not exist")
    assert "set `raw_image_dir`" in line
    traced = run_kedro(project, "run", "--traceback", "--params", missing)
    assert traced.returncode != 0
    assert "Traceback" in traced.stdout + traced.stderr


def test_a_class_below_the_minimum_is_named_with_its_count(tmp_path):
    project = make_project_copy(tmp_path / "project")
    images = _user_style_folder(tmp_path / "photos")
    for path in sorted((images / "dogs" / "2024").iterdir())[3:]:
        path.unlink()
    line = error_line(
        run_kedro(
            project,
            "run",
            "--params",
            f"raw_image_dir={images},data_validation.classes=null",
        )
    )
    assert line.startswith("Error: image folder fails validation limits:")
    assert "min_images_per_class is 10, the data gives 3 (usable images: 'dogs' 3)" in line


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("no_class_folders", "found 0 class folder(s) []: an image folder needs one"),
        ("unknown_label", "the labels file names class(es) ['zebra'] that are not"),
        ("too_many_quarantined", "max_quarantined_fraction is 0.2, the data gives"),
    ],
)
def test_each_fault_in_the_folder_is_one_line(tmp_path, fault, expected):
    project = make_project_copy(tmp_path / "project")
    images = _user_style_folder(tmp_path / "photos")
    params = f"raw_image_dir={images},data_validation.classes=null"
    if fault == "no_class_folders":
        params = f"raw_image_dir={images / 'cats' / '2024'},data_validation.classes=null"
    elif fault == "unknown_label":
        labels = tmp_path / "labels.csv"
        labels.write_text("file,label\ncats/2024/IMG_0000.png,zebra\n")
        params += f",labels_file={labels}"
    else:
        for path in sorted((images / "dogs" / "2024").iterdir())[:20]:
            path.write_bytes(b"not an image")
    line = error_line(run_kedro(project, "run", "--params", params))
    assert expected in line


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            "training.dropout=1.5",
            "Error: training.dropout is 1.5, but must be less than 1: set it in "
            "conf/base/parameters*.yml or with --params training.dropout=VALUE",
        ),
        ("trainng.max_epochs=2", "Error: trainng is not a parameter of this project"),
        ("nonexistent_key=3", "Error: nonexistent_key is not a parameter of this"),
    ],
)
def test_bad_parameter_on_the_command_line_is_named(tmp_path, params, expected):
    project = make_project_copy(tmp_path)
    line = error_line(run_kedro(project, "run", "--params", params))
    assert line.startswith(expected)
    assert not (project / "data").exists()  # refused before anything was written


def test_a_bad_parameter_in_a_file_is_refused_before_any_output(tmp_path):
    project = make_project_copy(tmp_path, local_parameters={"image_size": [0, 0]})
    line = error_line(run_kedro(project, "run"))
    assert line.startswith("Error: image_size is [0, 0], but must be auto or [height")
    assert not (project / "data").exists()  # class_names.json used to come first


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            ["--load-versions", "prediction_model=2026-11-26T17.50.28.454Z"],
            "Error: --load-versions prediction_model=2026-11-26T17.50.28.454Z: write "
            "each as DATASET:VERSION, with a colon",
        ),
        (["--params", "image_size=[64,64]"], "--params splits at commas"),
    ],
)
def test_a_malformed_option_is_one_line_not_a_usage_page(tmp_path, option, expected):
    project = make_project_copy(tmp_path)
    line = error_line(run_kedro(project, "run", *option))
    assert expected in line
