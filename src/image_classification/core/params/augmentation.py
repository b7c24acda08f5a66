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
    crop_area_min: float = Field(
        gt=0,
        le=1,
        description="random resized crop: the smallest share of an image's area kept; "
        "1: off",
    )
    brightness: float = Field(ge=0, le=1, description="+-this added to pixels; 0: off")
    contrast: float = Field(ge=0, lt=1, description="contrast times 1 +-this; 0: off")
    saturation: float = Field(ge=0, lt=1, description="saturation times 1 +-this; 0: off")
    photo_min_side: int = Field(
        ge=0,
        description="crops and colour changes apply to images trained at this side or more",
    )

    def at_side(self, side: int) -> AugmentationLayers:
        """The transforms for images of ``side`` pixels (the shorter side): crops and
        colour changes switched off below ``photo_min_side``."""
        if side >= self.photo_min_side:
            return self
        return self.model_copy(
            update={"crop_area_min": 1, "brightness": 0, "contrast": 0, "saturation": 0}
        )

    @property
    def geometric(self) -> bool:
        """Whether a flip, rotation, shift or crop is switched on."""
        return bool(
            self.flip
            or self.rotation_degrees
            or self.translation_fraction
            or self.crop_area_min < 1
        )

    @property
    def photometric(self) -> bool:
        """Whether a brightness, contrast or saturation change is switched on."""
        return bool(self.brightness or self.contrast or self.saturation)


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
