"""`kedro run --env cloud` and `kedro retrain --env cloud` with the images and every
output in a bucket of a real S3-compatible server, MLflow on a tracking server whose
artifacts go to the bucket, credentials in the environment's credentials.yml only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from tests.object_storage import ObjectStorage
from tests.project_copy import (
    FAST_TRAINING,
    PROJECT_ROOT,
    error_line,
    executed_notebook,
    make_project_copy,
    run_kedro,
    versioned_outputs,
)

pytest_plugins = ["tests.tracking_server"]


def _cloud_project(root: Path, bucket: str, tracking: str, credentials: dict) -> Path:
    """A project copy with conf/cloud pointed at ``bucket``; parameters and credentials
    in conf/cloud too (Kedro reads base and the one environment it runs)."""
    project = make_project_copy(root)
    shutil.copytree(PROJECT_ROOT / "conf" / "cloud", project / "conf" / "cloud")
    cloud = project / "conf" / "cloud"
    settings = yaml.safe_load((cloud / "globals.yml").read_text())
    settings |= {"bucket_url": bucket, "mlflow_tracking_uri": tracking}
    (cloud / "globals.yml").write_text(yaml.safe_dump(settings))
    (cloud / "parameters.yml").write_text(yaml.safe_dump(FAST_TRAINING))
    (cloud / "credentials.yml").write_text(yaml.safe_dump({"object_storage": credentials}))
    return project


@pytest.fixture(scope="module")
def cloud(tmp_path_factory, object_storage: ObjectStorage, tracking_server: str):
    bucket = object_storage.new_bucket("demo-on-a-bucket")
    object_storage.upload(
        PROJECT_ROOT / "data" / "01_raw" / "demo", f"{bucket}/images/demo"
    )
    project = _cloud_project(
        tmp_path_factory.mktemp("cloud"),
        bucket,
        tracking_server,
        object_storage.credentials,
    )
    return {"project": project, "bucket": bucket, "storage": object_storage}


def test_the_demo_runs_end_to_end_on_the_bucket(cloud):
    result = run_kedro(cloud["project"], "run", "--env", "cloud")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    fs = cloud["storage"].filesystem()
    root = cloud["bucket"].removeprefix("s3://")
    for name, filepath in versioned_outputs().items():
        assert fs.glob(f"{root}/{filepath}/*/*"), name
    diagnosis = fs.glob(f"{root}/data/08_reporting/diagnosis.json/*/diagnosis.json")
    assert json.loads(fs.cat_file(diagnosis[0]))["verdict"]
    # Nothing was written beside the project: every output is in the bucket.
    assert not (cloud["project"] / "data").exists()


def test_the_notebook_reads_the_run_from_the_bucket(cloud, monkeypatch):
    monkeypatch.setenv("KEDRO_ENV", "cloud")
    notebook = executed_notebook(cloud["project"])
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "1 saved model(s)" in printed
    assert not (cloud["project"] / "data").exists()


def test_retraining_on_the_bucket_registers_the_champion_then_is_up_to_date(
    cloud, tracking_server
):
    first = run_kedro(cloud["project"], "retrain", "--env", "cloud")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert ": promoted:" in first.stdout
    fs = cloud["storage"].filesystem()
    root = cloud["bucket"].removeprefix("s3://")
    pointer = json.loads(fs.cat_file(f"{root}/data/06_models/champion/champion.json"))
    assert fs.exists(f"{root}/data/06_models/champion/{pointer['champion_id']}")
    assert fs.exists(f"{root}/data/06_models/retraining_state.json")
    assert not fs.exists(f"{root}/data/06_models/retraining.lock")  # released
    client = MlflowClient(tracking_server)
    champion = client.get_model_version_by_alias("image_classification", "champion")
    assert champion.tags["champion_id"] == pointer["champion_id"]
    # The server keeps the registered model's files in its bucket.
    assert any(path.endswith("model.keras") for path in fs.find("mlflow-artifacts"))

    second = run_kedro(cloud["project"], "retrain", "--env", "cloud")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "up to date" in second.stdout
    assert not (cloud["project"] / "data").exists()


@pytest.mark.parametrize("fault", ["wrong key", "no bucket"])
def test_bad_credentials_or_a_missing_bucket_is_one_error_line(
    tmp_path, object_storage, tracking_server, fault
):
    credentials = object_storage.credentials
    bucket = "s3://no-such-bucket-anywhere"
    if fault == "wrong key":
        credentials["s3"] |= {"key": "AKIAWRONGWRONGWRONG1", "secret": "wrong"}
        bucket = object_storage.new_bucket("bucket-for-wrong-keys")
    project = _cloud_project(tmp_path, bucket, tracking_server, credentials)
    line = error_line(run_kedro(project, "run", "--env", "cloud"))
    expected = {
        "wrong key": f"Error: object storage refused {bucket}/images/demo (",
        "no bucket": f"Error: image folder {bucket}/images/demo does not exist",
    }[fault]
    assert line.startswith(expected), line
