"""Typed parameters of the predict pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PredictParams(BaseModel):
    """`predict` in `conf/base/parameters_predict.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top_k: int = Field(
        ge=1, le=20, description="classes listed per image, most likely first"
    )
    batch_size: int = Field(
        ge=1,
        le=4096,
        description="images per model call: enough to keep the cores busy, few enough "
        "to stay well under a gigabyte of floats",
    )
