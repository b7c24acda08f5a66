"""What the crown keeps: the champion, or the candidate with its record."""

from __future__ import annotations

import pandas as pd

from image_classification.datasets import Champion
from image_classification.pipelines.retraining.nodes import crown_champion

_SIZE = {"height": 32, "width": 32, "fit": "crop", "chosen_from": "set in image_size"}


def test_a_kept_champion_keeps_its_model_and_record():
    current = Champion(model=object(), record={"champion_id": "r1", "class_names": []})
    kept = {"promote": False, "run_id": "r2"}
    champion, record = crown_champion(object(), ["a"], _SIZE, pd.DataFrame(), current, kept)
    assert champion is current
    assert record == current.record


def test_a_promoted_candidate_is_recorded_with_its_classes_fit_and_score():
    model = object()
    decision = {
        "promote": True,
        "run_id": "r2",
        "candidate_test_accuracy": 0.9,
        "candidate_verdict": "good fit",
    }
    profile = pd.DataFrame({"relative_path": ["a/1.png"]})
    champion, record = crown_champion(model, ["a", "b"], _SIZE, profile, None, decision)
    assert champion.model is model
    assert champion.profile is profile
    assert record == {
        "champion_id": "r2",
        "test_accuracy": 0.9,
        "verdict": "good fit",
        "class_names": ["a", "b"],
        "fit": "crop",
    }
