"""Typed parameters of the data_validation pipeline (validated by Kedro before a run)."""

from __future__ import annotations

import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Action = Literal["annotate", "quarantine"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlagAction(_Strict):
    """A flag without a threshold: only what to do with the flagged files."""

    action: Action


class ThresholdFlag(_Strict):
    """A quality flag: the threshold that raises it and what to do with the file."""

    threshold: float = Field(ge=0)
    action: Action


class SizeFlag(_Strict):
    """Raised when a file's value is this many times above or below the dataset median."""

    threshold: float = Field(gt=1)
    action: Action


class NearDuplicateFlag(_Strict):
    """Near duplicates: pairs within ``max_thumbnail_distance`` (normalized, 0 to 2)
    go on to the same-photo test (``SamePhotoParams``)."""

    max_thumbnail_distance: float = Field(gt=0, le=2)
    neighbors: int = Field(ge=1, le=100)
    candidate_radius: float = Field(gt=0, le=2)
    action: Action


class QualityFlags(_Strict):
    """Every flag of `data_validation.flags`; each action is annotate or quarantine."""

    dark: ThresholdFlag
    light: ThresholdFlag
    low_information: ThresholdFlag
    blurry: ThresholdFlag
    odd_size: SizeFlag
    odd_aspect_ratio: SizeFlag
    multi_frame: FlagAction
    exif_rotated: FlagAction
    high_bit_depth: FlagAction
    transparent: FlagAction
    near_duplicate: NearDuplicateFlag
    near_duplicate_label_conflict: FlagAction
    labels_file_disagreement: FlagAction


class DataValidationParams(_Strict):
    """`data_validation` in `conf/base/parameters_data_validation.yml`."""

    classes: list[str] | None = Field(
        min_length=2,
        description="Expected class folders; null takes every class folder found.",
    )
    max_quarantined_fraction: float = Field(ge=0, le=1)

    @field_validator("classes")
    @classmethod
    def _as_nfc(cls, classes: list[str] | None) -> list[str] | None:
        """Names as the folder listing gives them: Unicode NFC."""
        if classes is None:
            return None
        return [unicodedata.normalize("NFC", name) for name in classes]

    min_images_per_class: int = Field(ge=1)
    max_pixels: int = Field(ge=1, description="larger images are decompression bombs")
    workers: int | None = Field(
        ge=1, description="decoding processes for large folders; null: one per core"
    )
    engine: Literal["processes", "dask"] = Field(
        description="where the per-file work runs: this machine's processes, or Dask"
    )
    dask_scheduler: str | None = Field(
        description="a Dask scheduler's address; null: a LocalCluster of `workers`"
    )
    dask_pixel_store: str = Field(
        description="where Dask workers write the training pixels for the pack"
    )
    sample_images_per_class: int = Field(ge=1, le=20)
    flag_examples: int = Field(ge=1, le=20, description="images per flag in the grid")
    flags: QualityFlags
