"""Typed parameters of the augmentation pipeline."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


_Side = Annotated[int, Field(ge=8, le=1024)]


class AugmentationLayers(BaseModel):
    """Random transforms applied to training batches; each one can be turned off.

    An unknown name here is refused (``extra="forbid"``), so a typo never silently
    trains without the augmentation it meant to add.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    flip: Literal["horizontal", "vertical", "horizontal_and_vertical"] | None = "horizontal"
    rotation_degrees: float = Field(default=15, ge=0, le=180, description="0: off")
    translation_fraction: float = Field(default=0.1, ge=0, lt=1, description="0: off")


class AugmentationParams(BaseModel):
    """`augmentation` in `conf/base/parameters_augmentation.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_size: tuple[_Side, _Side] = Field(default=(32, 32), description="height, width")
    batch_size: int = Field(default=32, ge=1)
    shuffle_buffer: int = Field(default=4096, ge=1)
    layers: AugmentationLayers = AugmentationLayers()
    preview_images: int = Field(default=4, ge=1, le=16)
    preview_variants: int = Field(default=6, ge=1, le=16)
