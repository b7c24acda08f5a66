"""Typed parameters of the packing pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PackingParams(BaseModel):
    """`packing` in `conf/base/parameters_packing.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shard_size: int = Field(
        ge=1,
        description="images per shard file: few files for a bucket to list, small "
        "enough to fetch one at a time",
    )
