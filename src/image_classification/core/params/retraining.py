"""Typed parameters of the retraining pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from image_classification.core.contracts import Verdict


class DriftParams(BaseModel):
    """`retraining.drift`: when today's data counts as drifted from the champion's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_stability_index: float = Field(
        gt=0, description="PSI above this is drift (0.25: the customary 'large shift')"
    )
    min_class_images: int = Field(
        ge=10, description="images each side needs for a PSI, or a class for its share"
    )
    max_class_share_ratio: float = Field(
        gt=1, description="a class's share of the images may grow or shrink this factor"
    )
    max_near_duplicate_share: float = Field(
        ge=0, le=1, description="share of the new images that may be copies of old ones"
    )


class RetrainingParams(BaseModel):
    """`retraining` in `conf/base/parameters_retraining.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_improvement: float = Field(
        ge=0,
        le=1,
        description="test accuracy the candidate must gain over the champion, both on "
        "today's test split (which only grows)",
    )
    rejected_verdicts: list[Verdict] = Field(
        description="a candidate diagnosed so is never promoted over a champion, "
        "however well it scores"
    )
    max_new_image_gap: float = Field(
        ge=0,
        le=1,
        description="the decision warns when the champion scores this much lower on "
        "the test images added since it was trained than on the others",
    )
    min_new_test_images: int = Field(
        ge=1, description="new test images needed before that gap is judged"
    )
    drift: DriftParams = Field(description="thresholds of the data_drift report")
