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
        ge=10, description="images a class needs on both sides for its own PSI"
    )
    max_class_share_change: float = Field(
        gt=0, le=1, description="a class's share of the images may move this much"
    )


class RetrainingParams(BaseModel):
    """`retraining` in `conf/base/parameters_retraining.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_improvement: float = Field(
        ge=0, le=1, description="test accuracy the candidate must gain over the champion"
    )
    rejected_verdicts: list[Verdict] = Field(
        description="a candidate diagnosed so is never promoted over a champion"
    )
    drift: DriftParams = Field(description="thresholds of the data_drift report")
