"""Typed parameters of the leakage_audit pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LeakageAuditParams(BaseModel):
    """`leakage_audit` in `conf/base/parameters_leakage_audit.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidates: int = Field(
        ge=1,
        le=50,
        description="training images kept per validation or test image after the "
        "coarse search, each aligned and tested: a twin is almost always "
        "the first",
    )
