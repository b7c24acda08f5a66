"""Typed parameters of the data_split pipeline."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SplitFractions(BaseModel):
    """Share of each class that goes to each split; the three must sum to 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    train: float = Field(gt=0, lt=1, description="share of each class trained on")
    validation: float = Field(
        gt=0,
        lt=1,
        description="share of each class that early stopping and the diagnosis watch",
    )
    test: float = Field(
        gt=0, lt=1, description="share of each class held out for the final score"
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> SplitFractions:
        total = self.train + self.validation + self.test
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(
                f"data_split.fractions must sum to 1, got {total:g} "
                f"(train {self.train}, validation {self.validation}, test {self.test})"
            )
        return self


class DataSplitParams(BaseModel):
    """`data_split` in `conf/base/parameters_data_split.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fractions: SplitFractions
    max_imbalance_ratio: float = Field(
        gt=1,
        description="the split report flags a split whose largest class has this many "
        "times the images of its smallest",
    )
    keep_twins_together: bool = Field(
        default=False,
        description="put the cross-split twins the last leakage audit confirmed on one"
        " side, with their duplicate groups; off until its pairs were "
        "looked at",
    )
