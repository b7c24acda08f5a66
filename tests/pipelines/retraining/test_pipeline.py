"""The champion/challenger stage run as Kedro runs it (SequentialRunner) on an in-memory
catalog, with the real champion and run-log datasets on disk: runs follow each other as
scheduled retraining runs do."""

from __future__ import annotations

import json

import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.json import JSONDataset
from kedro_datasets.pandas import CSVDataset
from kedro_datasets.partitions import PartitionedDataset

from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.retraining import RetrainingParams
from image_classification.datasets import ChampionDataset
from image_classification.pipelines.retraining import create_pipeline
from image_classification.pipelines.retraining.nodes import drift_in_words
from tests.conftest import TINY_CLASSES, base_parameters, fixed_size, small_model

PROMOTION_STAGE = create_pipeline()


@pytest.fixture
def retrain(tmp_path, tiny_pack, tiny_manifest, tiny_validated):
    """Run the promotion stage once: a candidate with the given test accuracy and
    verdict against whatever champion the earlier runs left in ``tmp_path``; each
    run's data drift report is kept in ``run.drift_reports``."""
    side = tiny_pack.images.shape[1]
    tiny_index = tiny_validated[0]

    def run(
        test_accuracy: float,
        verdict: str,
        weight_seed: int,
        image_index=tiny_index,
        **retraining,
    ):
        champions = str(tmp_path / "champion")
        catalog = DataCatalog(
            {
                "current_champion": ChampionDataset(path=champions),
                "champion": ChampionDataset(path=champions),
                "retraining_run_log": PartitionedDataset(
                    path=str(tmp_path / "runs"),
                    dataset=JSONDataset,
                    filename_suffix=".json",
                ),
                "promotion_decision": JSONDataset(
                    filepath=str(tmp_path / "promotion_decision.json")
                ),
                "model": MemoryDataset(
                    small_model(side, len(TINY_CLASSES), weight_seed), copy_mode="assign"
                ),
                "class_names": MemoryDataset(list(TINY_CLASSES)),
                "training_image_size": MemoryDataset(fixed_size(32, 32)),
                "image_pack": MemoryDataset(tiny_pack, copy_mode="assign"),
                "split_manifest": MemoryDataset(tiny_manifest),
                "image_index": MemoryDataset(image_index),
                "data_drift": JSONDataset(filepath=str(tmp_path / "data_drift.json")),
                "data_drift_table": CSVDataset(
                    filepath=str(tmp_path / "data_drift_table.csv"),
                    save_args={"index": False},
                    load_args={"dtype": str},
                ),
                "training_metrics": MemoryDataset({"test_accuracy": test_accuracy}),
                "diagnosis": MemoryDataset({"verdict": verdict}),
                "params:diagnostics": MemoryDataset(
                    DiagnosticsParams(**base_parameters("diagnostics"))
                ),
                "params:retraining": MemoryDataset(
                    RetrainingParams(**base_parameters("retraining") | retraining)
                ),
            }
        )
        outputs = SequentialRunner().run(PROMOTION_STAGE, catalog)
        run.drift_reports.append(catalog.load("data_drift"))
        run.pages.append(outputs["retraining_report"].load())
        run.tables.append(catalog.load("data_drift_table"))
        return catalog.load("promotion_decision"), outputs["retraining_runs"].load()

    run.drift_reports, run.pages, run.tables = [], [], []
    return run


def _pointer(tmp_path) -> dict:
    return json.loads((tmp_path / "champion" / "champion.json").read_text())


def test_first_run_promotes_then_a_better_candidate_replaces_and_a_worse_one_does_not(
    retrain, tmp_path
):
    decision, _ = retrain(0.5, "good fit", weight_seed=1)
    assert decision["promote"] is True
    assert decision["reason"] == "first run: there is no champion yet"
    assert _pointer(tmp_path)["champion_id"] == decision["run_id"]
    assert _pointer(tmp_path)["class_names"] == list(TINY_CLASSES)

    kept, _ = retrain(0.0, "good fit", weight_seed=2, min_improvement=0.01)
    assert kept["promote"] is False
    assert kept["previous_champion_id"] == decision["run_id"]
    assert "does not beat the champion's" in kept["reason"]
    assert _pointer(tmp_path)["champion_id"] == decision["run_id"]

    promoted, runs = retrain(1.0, "good fit", weight_seed=3, min_improvement=0.0)
    assert promoted["promote"] is True
    assert _pointer(tmp_path)["champion_id"] == promoted["run_id"]
    assert (tmp_path / "champion" / decision["run_id"] / "classifier.keras").is_file()

    assert list(runs["decision"]) == ["promoted", "kept champion", "promoted"]
    assert list(runs["champion_id"]) == [
        decision["run_id"],
        decision["run_id"],
        promoted["run_id"],
    ]
    # The champion's score is measured again on today's test split, not copied.
    assert runs.loc[1, "champion_test_accuracy"] == kept["champion_test_accuracy"]
    assert 0 <= kept["champion_test_accuracy"] <= 1


def test_a_rejected_verdict_keeps_the_champion_however_well_it_scores(retrain, tmp_path):
    first, _ = retrain(0.4, "good fit", weight_seed=1)
    rejected, _ = retrain(
        1.0, "overfitting", weight_seed=2, rejected_verdicts=["overfitting"]
    )
    assert rejected["promote"] is False
    assert rejected["reason"] == "the candidate's diagnosis is 'overfitting'"
    assert _pointer(tmp_path)["champion_id"] == first["run_id"]


def test_a_rejected_verdict_does_not_block_the_first_run(retrain, tmp_path):
    first, runs = retrain(
        0.3, "overfitting", weight_seed=1, rejected_verdicts=["overfitting"]
    )
    assert first["promote"] is True
    assert _pointer(tmp_path)["verdict"] == "overfitting"
    assert list(runs["champion_test_accuracy"].isna()) == [True]


def test_the_data_is_compared_with_the_champions_and_drift_is_named(
    retrain, tmp_path, tiny_validated
):
    first, _ = retrain(0.5, "good fit", weight_seed=1)
    assert retrain.drift_reports[0]["verdict"] == "no reference"
    assert (tmp_path / "champion" / first["run_id"] / "data_profile.parquet").is_file()

    retrain(0.0, "good fit", weight_seed=2)  # the same data again: no drift
    same = retrain.drift_reports[1]
    assert (same["verdict"], same["reference"]) == ("ok", first["run_id"])
    assert same["files"]["added"]["count"] == 0

    darker = tiny_validated[0].copy()
    darker["brightness_high"] *= 0.5
    darker["brightness_low"] *= 0.5
    darker["content_hash"] += "-darker"  # new bytes: each image arrived anew
    retrain(0.0, "good fit", weight_seed=2, image_index=darker)
    drifted = retrain.drift_reports[2]
    assert drifted["verdict"] == "drift"
    assert drifted["files"]["changed"]["count"] == drifted["arrived"] > 0
    assert drifted["statistics"]["brightness_high"]["verdict"] == "drift"
    assert drifted["statistics"]["width"]["verdict"] == "ok"
    assert any(item.startswith("brightness_high") for item in drifted["drifted"])
    _, runs = retrain(0.0, "good fit", weight_seed=2)
    assert list(runs["data_drift"])[:3] == ["no reference", "ok", drift_in_words(drifted)]
    assert runs.loc[2, "data_drift"].startswith("drift: brightness_")


def test_the_champion_is_scored_apart_on_the_test_images_that_arrived(
    retrain, tiny_validated, tiny_manifest
):
    retrain(0.5, "good fit", weight_seed=1)
    index = tiny_validated[0].copy()
    test_files = tiny_manifest.loc[tiny_manifest["split"] == "test", "relative_path"]
    arrived = index["relative_path"].isin(test_files.iloc[::2])
    index.loc[arrived, "content_hash"] += "-new"
    decision, _ = retrain(0.0, "good fit", weight_seed=2, image_index=index)
    new, other = (
        decision["champion_new_test_images"],
        decision["champion_other_test_images"],
    )
    assert (new["count"], other["count"]) == (
        arrived.sum(),
        len(test_files) - arrived.sum(),
    )
    overall = (new["accuracy"] * new["count"] + other["accuracy"] * other["count"]) / len(
        test_files
    )
    assert overall == pytest.approx(decision["champion_test_accuracy"], abs=1e-3)
    page, table = retrain.pages[-1], retrain.tables[-1]
    assert f"on {new['count']} images" in page
    assert "Data drift since the champion" in page
    assert "data:image/png;base64," in page
    assert table.loc[table["item"] == "files changed", "value"].item() == str(arrived.sum())
