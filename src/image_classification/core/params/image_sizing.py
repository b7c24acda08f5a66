"""Typed parameters of how images become training images."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ImageSizingParams(BaseModel):
    """`image_sizing` in `conf/base/parameters.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_side: int = Field(
        ge=8, le=1024, description="image_size auto never trains larger images"
    )
    sample_files: int = Field(
        ge=1, description="files whose headers image_size auto measures"
    )
    fit: Literal["squash", "crop", "pad"] = Field(
        description="how an image of another shape becomes the training size"
    )
