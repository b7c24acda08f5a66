"""Typed parameters of the data_split pipeline."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SplitFractions(BaseModel):
    """Share of each class that goes to each split; the three must sum to 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    train: float = Field(gt=0, lt=1)
    validation: float = Field(gt=0, lt=1)
    test: float = Field(gt=0, lt=1)

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
        gt=1, description="largest over smallest class count that the report flags"
    )
    keep_twins_together: bool = Field(
        default=False,
        description="put the cross-split twins the last leakage audit confirmed on "
        "one side, with their duplicate groups",
    )
