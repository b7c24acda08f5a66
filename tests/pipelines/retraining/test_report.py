"""The drift table and the retraining page say what drifted, item by item."""

from __future__ import annotations

import pandas as pd

from image_classification.core.data_profile import drift_report
from image_classification.datasets import Champion
from image_classification.pipelines.retraining.report import (
    build_retraining_report,
    tabulate_data_drift,
)
from tests.core.test_data_profile import PARAMS, _profile

DECISION = {
    "run_id": "r2",
    "promote": False,
    "reason": "kept",
    "candidate_test_accuracy": 0.7,
    "candidate_verdict": "good fit",
    "champion_test_accuracy": 0.8,
    "champion_new_test_images": {"count": 40, "accuracy": 0.5},
    "champion_other_test_images": {"count": 400, "accuracy": 0.82},
    "champion_worse_on_new_images": True,
    "previous_champion_id": "r1",
}


def _darker_batch():
    old = _profile(0)
    new = _profile(1, prefix="b")
    new["brightness_high"] *= 0.7
    return old, pd.concat([old, new])


def test_each_drifted_item_is_a_row_with_its_limit_and_verdict():
    old, new = _darker_batch()
    table = tabulate_data_drift(drift_report(old, new, PARAMS) | {"reference": "r1"})
    rows = table.set_index("item")
    assert rows.loc["files added", "value"] == "600"
    assert rows.loc["brightness_high PSI, new images", "verdict"] == "drift"
    assert rows.loc["entropy PSI, new images", "verdict"] == "ok"
    assert rows.loc["brightness_high PSI, new images of fox", "verdict"] == "drift"
    assert rows.loc["class cat share (now / before)", "limit"] == "x0.80 to x1.25"
    assert (table.loc[table["verdict"] == "drift", "item"].str.contains("bright")).all()


def test_without_a_champions_profile_the_table_is_empty_and_the_page_says_so():
    profile = _profile(0)
    report = drift_report(profile, profile, PARAMS)
    report |= {"verdict": "no reference", "reference": None, "drifted": []}
    table = tabulate_data_drift(report)
    assert table.empty
    figure, page = build_retraining_report(DECISION, report, table, None, profile)
    assert figure._suptitle.get_text() == "No champion's data to compare with yet"
    assert "no reference" in page


def test_the_page_shows_the_champion_on_new_images_and_the_drift():
    old, new = _darker_batch()
    report = drift_report(old, new, PARAMS) | {"reference": "r1"}
    champion = Champion(model=None, record={}, profile=old)
    _, page = build_retraining_report(
        DECISION, report, tabulate_data_drift(report), champion, new
    )
    assert "0.5000 on 40 images" in page
    assert "0.8200 on 400 images" in page
    assert "brightness_high PSI, new images of fox" in page
    assert page.count("data:image/png;base64,") == 1
