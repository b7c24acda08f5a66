"""Typed parameters of the augmentation pipeline."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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

    batch_size: int = Field(ge=1)
    train_sample_size: int = Field(
        ge=1, description="training images evaluated un-augmented after every epoch"
    )
    class_mix_batches: int = Field(
        ge=1, description="training batches whose class mix is measured"
    )
    layers: AugmentationLayers
    preview_images: int = Field(ge=1, le=16)
    preview_variants: int = Field(ge=1, le=16)
