"""Typed parameters of the retraining pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from image_classification.core.contracts import Verdict


class RetrainingParams(BaseModel):
    """`retraining` in `conf/base/parameters_retraining.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_improvement: float = Field(
        ge=0, le=1, description="test accuracy the candidate must gain over the champion"
    )
    rejected_verdicts: list[Verdict] = Field(
        description="a candidate diagnosed so is never promoted over a champion"
    )
