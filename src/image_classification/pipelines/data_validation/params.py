"""Typed parameters of the data_validation pipeline (validated by Kedro before a run)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DataValidationParams(BaseModel):
    """`data_validation` in `conf/base/parameters_data_validation.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    classes: list[str] | None = Field(
        min_length=2,
        description="Expected class folders; null takes every class folder found.",
    )
    max_quarantined_fraction: float = Field(ge=0, le=1)
    min_images_per_class: int = Field(ge=1)
    workers: int | None = Field(ge=1, description="null: one per core")
    sample_images_per_class: int = Field(ge=1, le=20)
