"""Typed parameters of what counts as the same photo (`same_photo` in
`conf/base/parameters.yml`): validation's near duplicates and the leakage audit's
twins are both held to them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SamePhotoParams(BaseModel):
    """`same_photo` in `conf/base/parameters.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_aligned_score: float = Field(
        ge=-1, le=1, description="correlation of the aligned, blurred 32x32 images"
    )
    min_edge_score: float = Field(
        ge=-1, le=1, description="correlation of their edges under that alignment"
    )
    min_detail_score: float = Field(
        ge=-1,
        le=1,
        description="tile correlation of the finer edges, for images over 32 pixels",
    )
