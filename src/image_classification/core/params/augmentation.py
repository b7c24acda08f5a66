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

    flip: Literal["horizontal", "vertical", "horizontal_and_vertical"] | None = Field(
        description="mirror half the images: horizontal, vertical, "
        "horizontal_and_vertical or null (off)"
    )
    rotation_degrees: float = Field(
        ge=0,
        le=180,
        description="turn each image by up to +-this; 0: off (on CIFAR-10, flips and "
        "shifts alone did better)",
    )
    translation_fraction: float = Field(
        ge=0, lt=1, description="shift each image by up to +-this share of its side; 0: off"
    )
    crop_area_min: float = Field(
        gt=0,
        le=1,
        description="random resized crop: a part of at least this share of the area "
        "(aspect 3/4 to 4/3) stretched to the whole; 1: off",
    )
    brightness: float = Field(
        ge=0, le=1, description="add up to +-this to the pixels (in [0, 1]); 0: off"
    )
    contrast: float = Field(
        ge=0, lt=1, description="multiply the contrast by 1 +-this; 0: off"
    )
    saturation: float = Field(
        ge=0, lt=1, description="multiply the saturation by 1 +-this; 0: off"
    )
    photo_min_side: int = Field(
        ge=0,
        description="crops and colour changes apply only to images trained at this "
        "side or more: a crop of a thumbnail stretches what little detail "
        "it has",
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

    batch_size: int = Field(
        ge=1,
        description="images per training batch: larger batches use a CPU's cores better",
    )
    train_sample_size: int = Field(
        ge=1,
        description="training images evaluated un-augmented after every epoch: the "
        "honest training curve of the diagnosis",
    )
    class_mix_batches: int = Field(
        ge=1,
        description="training batches whose class mix is compared with a random "
        "order's (batch_class_mix)",
    )
    layers: AugmentationLayers
    preview_images: int = Field(
        ge=1, le=16, description="images shown in augmentation_preview.png"
    )
    preview_variants: int = Field(
        ge=1, le=16, description="augmented variants shown per image"
    )
