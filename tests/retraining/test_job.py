"""A simulated schedule of `kedro retrain` runs on a project copy, as cron would run it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient
from PIL import Image

from image_classification.datasets import ChampionDataset
from tests.project_copy import KEDRO, error_line, make_project_copy, run_kedro

# Noisy images with a bright bar in the top, middle or bottom band: learnt in a few
# epochs, so that a batch of swapped labels shows in the test accuracy.
CLASSES = ("top", "middle", "bottom")
PARAMETERS = {
    "data_validation": {"classes": list(CLASSES), "sample_images_per_class": 2},
    "training": {
        "conv_filters": [8, 16],
        "dense_units": 16,
        "max_epochs": 12,
        "patience": 12,
        "verbose": 0,
    },
    "augmentation": {"batch_size": 16},
    # The decision must rest on the scores: no verdict blocks a promotion here. A
    # batch of 30 images a class leaves a dozen new test images to judge the champion.
    "retraining": {"rejected_verdicts": [], "min_new_test_images": 5},
}
KEPT = dict(zip(CLASSES, CLASSES, strict=True))
SWAPPED = dict(zip(CLASSES, CLASSES[1:] + CLASSES[:1], strict=True))


def _add_batch(images: Path, count: int, seed: int, folders: dict[str, str]) -> None:
    """Write ``count`` new images per class, each class's into ``folders[class]``."""
    rng = np.random.default_rng(seed)
    for index, name in enumerate(CLASSES):
        folder = images / folders[name]
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(count):
            image = rng.normal(128, 40, (32, 32, 3))
            top = index * 11 + rng.integers(0, 4)
            left = rng.integers(0, 12)
            image[top : top + 4, left : left + 20] += 110
            pixels = np.clip(image, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / f"batch{seed}_{number:03d}.png")


def _runs(project: Path) -> pd.DataFrame:
    folder = project / "data" / "08_reporting" / "retraining_runs.csv"
    return pd.read_csv(sorted(folder.iterdir())[-1] / "retraining_runs.csv")


def _champion(project: Path) -> dict:
    return json.loads((project / "data/06_models/champion/champion.json").read_text())


def _manifest(project: Path) -> pd.DataFrame:
    folder = project / "data" / "05_model_input" / "split_manifest.parquet"
    return pd.read_parquet(sorted(folder.iterdir())[-1] / "split_manifest.parquet")


@pytest.fixture(scope="module")
def schedule(tmp_path_factory):
    """Run 1; good new images, run 2; swapped labels, run 3; nothing new, run 4."""
    project = make_project_copy(tmp_path_factory.mktemp("retraining"), PARAMETERS)
    images = project / "data" / "01_raw" / "images"
    (project / "conf" / "local" / "globals.yml").write_text(
        yaml.safe_dump({"raw_image_dir": "data/01_raw/images"})
    )
    results, manifests, champions = [], [], []
    for count, seed in ((40, 3), (30, 4)):  # the first images, then good new ones
        _add_batch(images, count, seed, KEPT)
        results.append(run_kedro(project, "retrain"))
        manifests.append(_manifest(project))
        champions.append(_champion(project))
    _add_batch(images, 30, seed=5, folders=SWAPPED)
    results.append(run_kedro(project, "retrain"))
    champions.append(_champion(project))
    started = time.perf_counter()
    results.append(run_kedro(project, "retrain"))
    up_to_date_seconds = time.perf_counter() - started
    return {
        "project": project,
        "images": images,
        "results": results,
        "manifests": manifests,
        "champions": champions,
        "up_to_date_seconds": up_to_date_seconds,
    }


def test_every_scheduled_run_exits_cleanly(schedule):
    for result in schedule["results"]:
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


def test_the_first_run_promotes_its_model(schedule):
    first = _runs(schedule["project"]).iloc[0]
    assert first["decision"] == "promoted"
    assert first["reason"] == "first run: there is no champion yet"
    assert schedule["champions"][0]["champion_id"] == first["run_id"]
    said = schedule["results"][0].stdout
    assert f"retraining {first['run_id']}: promoted: first run" in said


def test_new_images_are_trained_on_and_old_ones_keep_their_split(schedule):
    before, after = schedule["manifests"]
    assert len(after) == len(before) + 30 * len(CLASSES)
    kept = after.set_index("relative_path").loc[before["relative_path"], "split"]
    assert list(kept) == list(before["split"])
    runs = _runs(schedule["project"])
    assert runs.loc[1, "images"] == len(after)
    assert runs.loc[1, "data_fingerprint"] != runs.loc[0, "data_fingerprint"]
    assert runs.loc[1, "decision"] in {"promoted", "kept champion"}
    assert runs.loc[1, "reason"]


def test_a_candidate_trained_on_swapped_labels_is_rejected(schedule):
    runs = _runs(schedule["project"])
    swapped = runs.iloc[2]
    assert swapped["decision"] == "kept champion"
    assert "does not beat the champion" in swapped["reason"]
    # The swapped labels cannot make it better; not better by the margin is enough.
    assert swapped["candidate_test_accuracy"] <= swapped["champion_test_accuracy"]
    assert schedule["champions"][2] == schedule["champions"][1]
    # The champion meets the swapped batch among its test images: the decision says so.
    assert "the data has moved" in swapped["reason"]


def test_nothing_new_is_up_to_date_without_training(schedule):
    result = schedule["results"][3]
    assert "up to date" in result.stdout
    assert "Epoch" not in result.stdout + result.stderr
    assert len(_runs(schedule["project"])) == 3  # no run was recorded
    assert schedule["up_to_date_seconds"] < 30


def test_retrain_takes_params_into_its_fingerprint(schedule, tmp_path):
    """The same value on the command line as in the file is the same run: up to
    date; a misspelt one is refused in one line, as by `kedro run`."""
    project = tmp_path / "project"
    shutil.copytree(schedule["project"], project, symlinks=True)
    same = run_kedro(project, "retrain", "--params", "training.max_epochs=12")
    assert same.returncode == 0, same.stdout[-2000:] + same.stderr[-2000:]
    assert "up to date" in same.stdout
    misspelt = error_line(run_kedro(project, "retrain", "--params", "trainng.patience=2"))
    assert misspelt.startswith("Error: trainng is not a parameter of this project")


def test_a_champion_pointer_edited_to_leave_its_folder_stops_the_job(schedule, tmp_path):
    """Nothing changed, so the job would say "up to date"; a pointer naming a path
    outside the champion folders stops it first, in one line."""
    project = tmp_path / "project"
    shutil.copytree(schedule["project"], project, symlinks=True)
    pointer = project / "data/06_models/champion/champion.json"
    pointer.write_text(json.dumps({"champion_id": "../../../etc"}))
    result = run_kedro(project, "retrain")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "up to date" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: champion pointer ")
    assert "champion.json names champion_id '../../../etc', which is not a" in line


def test_a_second_run_started_meanwhile_exits_with_a_clear_message(schedule):
    project = schedule["project"]
    lock = project / "data" / "06_models" / "retraining.lock"
    holder = subprocess.Popen(
        [
            "python",
            "-c",
            f"import fcntl, time; f = open({str(lock)!r}, 'a'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run_kedro(project, "retrain")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 75
    assert "another retraining holds the lock" in result.stderr


def test_a_killed_run_leaves_the_champion_loadable_and_the_next_run_completes(schedule):
    project, images = schedule["project"], schedule["images"]
    _add_batch(images, 30, seed=6, folders=KEPT)
    checkpoints = project / "data" / "06_models" / "training_checkpoints"
    process = subprocess.Popen(
        [KEDRO, "retrain"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while not any(checkpoints.glob("*/backup")) and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before training had started"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # mid-training: an epoch is saved, more to go
    process.wait()
    champion = ChampionDataset(path=str(project / "data/06_models/champion")).load()
    assert champion.record == schedule["champions"][-1]
    probabilities = champion.model.predict(np.zeros((1, 32, 32, 3)), verbose=0)
    assert probabilities.shape == (1, len(CLASSES))
    result = run_kedro(project, "retrain")  # no --force: the killed run recorded nothing
    assert result.returncode == 0, result.stderr[-3000:]
    assert "up to date" not in result.stdout
    assert len(_runs(project)) == 4


def test_runs_are_tracked_in_mlflow_and_the_champion_is_registered(schedule):
    project = schedule["project"]
    client = MlflowClient(f"sqlite:///{project}/data/09_tracking/mlflow.db")
    experiment = client.get_experiment_by_name("image_classification")
    runs = client.search_runs([experiment.experiment_id], order_by=["start_time ASC"])
    finished = [run for run in runs if run.info.status == "FINISHED"]
    assert [run.data.tags["decision"] for run in finished[:3]] == [
        "promoted",
        "kept champion",
        "kept champion",
    ]
    first = finished[0]
    assert first.data.params["training.max_epochs"] == "12"
    assert first.data.tags["verdict"] == "good fit"
    assert len(first.data.tags["data_fingerprint"]) == 16
    epochs = client.get_metric_history(first.info.run_id, "val_accuracy")
    assert [metric.step for metric in epochs] == list(range(1, 13))
    assert first.data.metrics["final_test_accuracy"] == 1.0
    artifacts = {artifact.path for artifact in client.list_artifacts(first.info.run_id)}
    assert {"run_report.html", "learning_curves.png", "diagnosis.json"} <= artifacts
    champion = client.get_model_version_by_alias("image_classification", "champion")
    assert champion.run_id == first.info.run_id
    assert first.data.tags["data_drift"] == "no reference"
    swapped = finished[2]
    artifacts = {artifact.path for artifact in client.list_artifacts(swapped.info.run_id)}
    expected = {"data_drift.json", "retraining_report.html", "data_drift_figure.png"}
    assert expected <= artifacts
    metrics = swapped.data.metrics
    assert metrics["champion_new_test_accuracy"] < metrics["champion_other_test_accuracy"]
    # New since the first run's champion: the good batch and the swapped one.
    assert metrics["champion_new_test_images"] >= 5
    assert metrics["champion_other_test_images"] >= 5
