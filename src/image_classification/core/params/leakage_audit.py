"""Typed parameters of the leakage_audit pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LeakageAuditParams(BaseModel):
    """`leakage_audit` in `conf/base/parameters_leakage_audit.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidates: int = Field(ge=1, le=50, description="training images checked per query")
    min_aligned_score: float = Field(
        ge=-1, le=1, description="correlation of the aligned, blurred images"
    )
    min_edge_score: float = Field(
        ge=-1, le=1, description="correlation of their edges under that alignment"
    )
    min_detail_score: float = Field(
        ge=-1,
        le=1,
        description="tile correlation of the finer edges, for images over 32 pixels",
    )
