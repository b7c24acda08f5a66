"""The real `kedro` command in a subprocess on the demo project, as a user runs it: the
run itself, kedro-viz's build, a past run's diagnostics, and prediction with its model."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

from image_classification.pipeline_registry import register_pipelines
from tests.project_copy import (
    PROJECT_ROOT,
    error_line,
    latest_json,
    run_kedro,
    saved_versions,
    versioned_outputs,
)
from tests.test_readme import README, readme_commands

STAGES = ("data_validation", "data_split", "augmentation", "training", "diagnostics")


def test_demo_run_exits_cleanly_and_shows_what_a_person_reads(demo_run):
    _, result = demo_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "Epoch 1/" in output
    assert "Run summary" in output
    # Kedro's INFO log (each dataset, each node) and the libraries' warnings: --verbose.
    for hidden in ("Pipeline execution completed", "Loading data from", "UserWarning"):
        assert hidden not in output
    assert "autologging" not in output  # MLflow's import hooks stay out of the run
    # Not a terminal: no progress bars redrawn with carriage returns.
    assert "\r" not in output


def test_demo_run_ends_with_a_summary_naming_the_report(demo_run):
    project, result = demo_run
    summary = result.stdout[result.stdout.rindex("Run summary") :].splitlines()
    assert [line.split(":")[0].strip() for line in summary[1:]] == [
        "validation",
        "images",
        "split",
        "training",
        "leakage",
        "verdict",
        "report",
    ]
    report = Path(summary[-1].split("report: ", 1)[1])
    assert report.is_file()
    assert report.is_relative_to(project)


def test_demo_run_writes_every_report(demo_run):
    project, _ = demo_run
    for name, filepath in versioned_outputs().items():
        assert len(saved_versions(project, filepath)) >= 1, name
    metrics = latest_json(project, "training_metrics")
    assert 0.3 < metrics["test_accuracy"] < 0.95
    assert latest_json(project, "diagnosis")["verdict"] in {
        "overfitting",
        "underfitting",
        "good fit",
    }


def test_demo_manifest_faults_are_quarantined_as_listed(demo_run):
    project, _ = demo_run
    manifest = json.loads(
        (PROJECT_ROOT / "data" / "01_raw" / "demo_faults.json").read_text()
    )
    quarantine_csv = saved_versions(project, versioned_outputs()["quarantine"])[-1]
    lines = quarantine_csv.read_text().splitlines()[1:]
    reasons = {line.split(",")[0]: line.split(",")[2] for line in lines}
    assert reasons == {
        f["path"]: f["expected_reason"] for f in manifest if f["expected_reason"]
    }


def test_viz_build_with_previews_shows_every_stage_and_output(demo_run):
    project, _ = demo_run
    result = run_kedro(project, "viz", "build", "--include-previews")
    assert result.returncode == 0, result.stderr[-3000:]
    main = json.loads((project / "build" / "api" / "main").read_text())
    assert {p["id"] for p in main["pipelines"]} >= {"__default__", *STAGES}
    assert main["layers"] == [
        "raw",
        "intermediate",
        "primary",
        "model_input",
        "models",
        "model_output",
        "reporting",
    ]
    tasks = {node["name"] for node in main["nodes"] if node["type"] == "task"}
    for stage in STAGES:
        stage_api = json.loads(
            (project / "build" / "api" / "pipelines" / stage).read_text()
        )
        stage_tasks = {n["name"] for n in stage_api["nodes"] if n["type"] == "task"}
        assert stage_tasks, stage
        assert stage_tasks <= tasks
    preview_types = {}
    for path in (project / "build" / "api" / "nodes").iterdir():
        node = json.loads(path.read_text())
        if node.get("preview") is not None:
            preview_types[Path(node["filepath"]).name] = node["preview_type"]
    # The model, the HTML report (opened in a browser) and the audit's grayscale
    # thumbnails (bytes) have no preview.
    expected = {
        Path(filepath).name
        for name, filepath in versioned_outputs().items()
        if name not in {"model", "serving_model", "run_report", "detail_thumbnails"}
    }
    # Inputs previewed too: the raw folder, and the last leakage audit's twins (empty).
    assert set(preview_types) == expected | {"demo", "cross_split_twins.csv"}
    assert preview_types["learning_curves.png"] == "ImagePreview"
    assert preview_types["quarantine.csv"] == "TablePreview"
    assert preview_types["diagnosis.json"] == "JSONPreview"
    assert preview_types["demo"] == "TablePreview"


def test_diagnostics_of_a_past_run_rebuild_from_load_versions(demo_run):
    """The README's command, with the first run's version."""
    project, _ = demo_run
    version = saved_versions(project, versioned_outputs()["model"])[0].parent.name
    (command,) = [
        c for c in readme_commands(README.read_text()) if "--pipeline diagnostics" in c
    ]
    words = shlex.split(command.replace("$V", version))
    loaded = dict(item.split(":", 1) for item in words[-1].split(","))
    versioned_inputs = (
        set(versioned_outputs()) & register_pipelines()["diagnostics"].inputs()
    )
    assert set(loaded) == versioned_inputs  # none read as the newest instead
    result = run_kedro(project, *words[1:], "--verbose")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Pipeline execution completed successfully" in result.stdout
    first, again = saved_versions(project, versioned_outputs()["diagnosis"])
    assert first.read_text() == again.read_text()
    predictions = saved_versions(project, versioned_outputs()["test_predictions"])
    assert predictions[0].read_text() == predictions[1].read_text()


def test_predict_classifies_a_folder_and_sums_it_up(demo_run, tmp_path):
    project, _ = demo_run
    incoming = tmp_path / "incoming"
    shutil.copytree(project / "data" / "01_raw" / "demo" / "circle", incoming / "day1")
    result = run_kedro(
        project, "run", "--pipelines", "predict", "--params", f"predict_dir={incoming}"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout[result.stdout.rindex("Run summary") :].splitlines()
    model_version = saved_versions(project, versioned_outputs()["serving_model"])[-1]
    files = len(list((incoming / "day1").iterdir()))
    assert summary[1].startswith(
        f"  predict: {files:,} files, {files - 2:,} classified with model "
        f"{model_version.parent.name}, 2 not classified (empty_file 1, not_an_image 1)"
    )
    table = Path(summary[2].split("predictions: ", 1)[1])
    lines = table.read_text().splitlines()
    assert lines[0].startswith("relative_path,path,status,model_version,class_1,")
    assert len(lines) == files + 1


def test_predict_with_a_named_model_version(demo_run, tmp_path):
    """`--load-versions prediction_model:VERSION`, as the README writes it."""
    project, _ = demo_run
    incoming = tmp_path / "incoming"
    shutil.copytree(project / "data" / "01_raw" / "demo" / "ring", incoming)
    version = saved_versions(project, versioned_outputs()["serving_model"])[0].parent.name
    result = run_kedro(
        project,
        "run",
        "--pipelines",
        "predict",
        "--params",
        f"predict_dir={incoming}",
        "--load-versions",
        f"prediction_model:{version}",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"classified with model {version}" in result.stdout


def test_predict_without_a_folder_is_one_line_naming_the_setting(demo_run):
    project, _ = demo_run
    line = error_line(run_kedro(project, "run", "--pipelines", "predict"))
    assert line.startswith("Error: no image folder given: set `predict_dir`")
