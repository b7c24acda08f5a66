"""Reports are checked against their contract where they are written and read."""

from __future__ import annotations

import json

import pytest
from kedro.io.core import DatasetError, Version

from image_classification.core.contracts import Verdict
from image_classification.datasets import ReportDataset
from tests.project_copy import base_config

DECISION = {
    "run_id": "2026-11-30T10.00.00.000000Z",
    "promote": False,
    "reason": "the candidate's diagnosis is 'overfitting'",
    "candidate_test_accuracy": 0.91,
    "candidate_verdict": Verdict.OVERFITTING,
    "champion_test_accuracy": 0.8,
    "champion_new_test_images": {"count": 40, "accuracy": 0.6},
    "champion_other_test_images": {"count": 400, "accuracy": 0.82},
    "champion_worse_on_new_images": True,
    "previous_champion_id": "2026-11-29T10.00.00.000000Z",
}


def test_a_report_that_fits_is_saved_as_plain_json_and_loaded_back(tmp_path):
    path = tmp_path / "promotion_decision.json"
    dataset = ReportDataset(
        contract="PromotionDecision",
        filepath=str(path),
        version=Version(None, None),
    )
    dataset.save(DECISION)
    (saved,) = path.glob("*/promotion_decision.json")
    on_disk = json.loads(saved.read_text())
    assert on_disk == DECISION
    assert list(on_disk) == list(DECISION)  # the file keeps its key order
    assert on_disk["candidate_verdict"] == "overfitting"
    assert dataset.load() == on_disk


@pytest.mark.parametrize(
    "change",
    [
        {"candidate_verdict": "overfit"},  # not a verdict
        {"promote": "maybe"},
        {"surprise": 1},  # a key no reader knows
    ],
)
def test_a_report_that_does_not_fit_fails_where_it_is_written(tmp_path, change):
    dataset = ReportDataset(contract="PromotionDecision", filepath=str(tmp_path / "d.json"))
    with pytest.raises(DatasetError, match=r"d\.json does not fit PromotionDecision"):
        dataset.save(DECISION | change)
    assert not (tmp_path / "d.json").exists()


def test_a_file_edited_out_of_shape_fails_where_it_is_read(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({k: v for k, v in DECISION.items() if k != "reason"}))
    dataset = ReportDataset(contract="PromotionDecision", filepath=str(path))
    with pytest.raises(DatasetError, match="reason"):
        dataset.load()


def test_an_unknown_contract_is_refused():
    with pytest.raises(DatasetError, match="'Nope' is not a contract"):
        ReportDataset(contract="Nope", filepath="x.json")


def test_every_report_the_stages_hand_each_other_has_a_contract():
    catalog = base_config("catalog")
    contracts = {
        name: entry["contract"]
        for name, entry in catalog.items()
        if isinstance(entry, dict)
        and entry.get("type") == "image_classification.datasets.ReportDataset"
    }
    assert contracts == {
        "validation_report": "ValidationReport",
        "split_report": "SplitReport",
        "training_image_size": "TrainingImageSize",
        "training_metrics": "TrainingMetrics",
        "leakage_report": "LeakageReport",
        "diagnosis": "Diagnosis",
        "promotion_decision": "PromotionDecision",
        "data_drift": "DataDrift",
    }
