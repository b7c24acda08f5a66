"""Typed parameters of what counts as the same photo (`same_photo` in
`conf/base/parameters.yml`): validation's near duplicates and the leakage audit's
twins are both held to them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SamePhotoParams(BaseModel):
    """`same_photo` in `conf/base/parameters.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_aligned_score: float = Field(
        ge=-1,
        le=1,
        description="correlation of the two 32x32 grayscale images, blurred, after the"
        " best alignment: copies keep their layout of light and shade",
    )
    min_edge_score: float = Field(
        ge=-1,
        le=1,
        description="correlation of their edges and texture under that alignment: a "
        "copy keeps its edges where they were, a look-alike does not",
    )
    min_detail_score: float = Field(
        ge=-1,
        le=1,
        description="for photos over 32 pixels: the correlation four 8x8 tiles in five"
        " of the finer edges reach, at up to 96x96",
    )
