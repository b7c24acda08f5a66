"""Typed parameters of how images become training images."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    TypeAdapter,
    ValidationError,
    model_validator,
)

# Training image sides: below 8 the three pooling blocks leave nothing.
MIN_SIDE, MAX_SIDE = 8, 1024
_Side = Annotated[int, Field(strict=True, ge=MIN_SIDE, le=MAX_SIDE)]
# `image_size` in `conf/base/parameters.yml`: measured from the images, or set.
ImageSize = Literal["auto"] | tuple[_Side, _Side]
IMAGE_SIZE = TypeAdapter(ImageSize)


class ImageSizingParams(BaseModel):
    """`image_sizing` in `conf/base/parameters.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_side: int = Field(
        ge=8,
        le=1024,
        description="the largest side image_size auto chooses: what a small machine "
        "trains in minutes",
    )
    sample_files: int = Field(
        ge=1,
        description="files (a seeded sample) whose headers image_size auto reads for "
        "the median short side",
    )
    fit: Literal["squash", "crop", "pad"] = Field(
        description="how an image of another shape becomes the training size: squash "
        "(stretched whole), crop (its centre) or pad (whole, black sides)"
    )


class ImageSizeSetting(RootModel[ImageSize]):
    """`image_size` in `conf/base/parameters.yml`: ``auto`` or ``[height, width]``."""

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _auto_or_two_sides(cls, value: object) -> object:
        """One message for both alternatives, rather than pydantic's one each."""
        try:
            return IMAGE_SIZE.validate_python(value)
        except ValidationError:
            raise ValueError(
                f"must be auto or [height, width], each {MIN_SIDE} to {MAX_SIDE} pixels"
            ) from None
