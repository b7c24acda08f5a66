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

    flip: Literal["horizontal", "vertical", "horizontal_and_vertical"] | None
    rotation_degrees: float = Field(ge=0, le=180, description="0: off")
    translation_fraction: float = Field(ge=0, lt=1, description="0: off")


class AugmentationParams(BaseModel):
    """`augmentation` in `conf/base/parameters_augmentation.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image_size: tuple[_Side, _Side] = Field(description="height, width")
    batch_size: int = Field(ge=1)
    cache_memory_mb: float = Field(
        ge=0, description="decoded images up to this size are cached in memory"
    )
    cache_dir: str = Field(min_length=1, description="file cache of larger datasets")
    train_sample_size: int = Field(
        ge=1, description="training images evaluated un-augmented after every epoch"
    )
    class_mix_batches: int = Field(
        ge=1, description="training batches whose class mix is measured"
    )
    layers: AugmentationLayers
    preview_images: int = Field(ge=1, le=16)
    preview_variants: int = Field(ge=1, le=16)
