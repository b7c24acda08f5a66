"""The champion/challenger rule at its edges."""

from __future__ import annotations

import pytest

from image_classification.core.contracts import PromotionDecision
from image_classification.core.params.retraining import RetrainingParams
from image_classification.retraining.decision import decide_promotion
from tests.conftest import base_parameters

PARAMS = RetrainingParams(**base_parameters("retraining") | {"min_improvement": 0.01})
RUN = {"run_id": "r2"}
CHAMPION = {
    "champion_id": "r1",
    "test_accuracy": 0.8,
    "new_test_images": None,
    "other_test_images": None,
}


@pytest.mark.parametrize(
    ("candidate", "promote"),
    [(0.81, True), (0.8099, False), (0.95, True), (0.7, False)],
)
def test_the_candidate_must_beat_the_champion_by_the_margin(candidate, promote):
    decision = decide_promotion(
        RUN, {"test_accuracy": candidate}, {"verdict": "good fit"}, CHAMPION, PARAMS
    )
    assert decision["promote"] is promote
    assert decision["previous_champion_id"] == "r1"
    PromotionDecision.model_validate(decision)  # the shape the catalog checks


def test_only_the_listed_verdicts_block_a_promotion():
    underfit = decide_promotion(
        RUN, {"test_accuracy": 0.9}, {"verdict": "underfitting"}, CHAMPION, PARAMS
    )
    assert underfit["promote"] is True
    overfit = decide_promotion(
        RUN, {"test_accuracy": 0.9}, {"verdict": "overfitting"}, CHAMPION, PARAMS
    )
    assert overfit["promote"] is False
    assert overfit["reason"] == "the candidate's diagnosis is 'overfitting'"


@pytest.mark.parametrize(
    ("new", "warned"),
    [
        ({"count": 40, "accuracy": 0.6}, True),
        ({"count": 40, "accuracy": 0.78}, False),  # within the allowed gap
        ({"count": 40, "accuracy": 0.7}, False),  # within what 40 images vary by
        ({"count": 10, "accuracy": 0.2}, False),  # too few new images to judge
        ({"count": 0, "accuracy": None}, False),
    ],
)
def test_the_decision_says_when_the_champion_is_much_worse_on_new_images(new, warned):
    score = CHAMPION | {
        "new_test_images": new,
        "other_test_images": {"count": 400, "accuracy": 0.82},
    }
    params = PARAMS.model_copy(
        update={"max_new_image_gap": 0.05, "min_new_test_images": 30}
    )
    decision = decide_promotion(
        RUN, {"test_accuracy": 0.9}, {"verdict": "good fit"}, score, params
    )
    assert decision["champion_worse_on_new_images"] is warned
    assert ("the data has moved" in decision["reason"]) is warned
    assert decision["promote"] is True  # the warning informs, the rule decides
    if warned:
        assert "scores 0.6000 on the 40 test images added since" in decision["reason"]
    PromotionDecision.model_validate(decision)
