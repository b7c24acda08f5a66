"""The reports' contracts: a report of the agreed shape passes; a missing, unknown or
mistyped key is refused, so a reader never gets a report it cannot read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from image_classification.core.contracts import TrainingImageSize, Verdict

SIZE = {"height": 64, "width": 64, "fit": "crop", "chosen_from": "set in image_size"}


def test_a_report_of_the_agreed_shape_passes_and_is_frozen():
    size = TrainingImageSize.model_validate(SIZE)
    assert (size.height, size.fit) == (64, "crop")
    with pytest.raises(ValidationError):
        size.height = 32


@pytest.mark.parametrize(
    "report",
    [
        {k: v for k, v in SIZE.items() if k != "fit"},
        SIZE | {"channels": 3},
        SIZE | {"height": "tall"},
    ],
)
def test_a_missing_unknown_or_mistyped_key_is_refused(report):
    with pytest.raises(ValidationError):
        TrainingImageSize.model_validate(report)


def test_verdicts_read_as_the_report_writes_them():
    assert [str(v) for v in Verdict] == [
        "overfitting",
        "underfitting",
        "good fit",
        "inconclusive",
    ]
    assert Verdict("good fit") is Verdict.GOOD_FIT
