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

    action: Action = Field(
        description="annotate (reported only) or quarantine (left out of training)"
    )


class ThresholdFlag(_Strict):
    """A quality flag: the threshold that raises it and what to do with the file."""

    threshold: float = Field(
        ge=0, description="the value that raises the flag (see the flag's own description)"
    )
    action: Action = Field(
        description="annotate (reported only) or quarantine (left out of training)"
    )


class SizeFlag(_Strict):
    """Raised when a file's value is this many times above or below the dataset median."""

    threshold: float = Field(
        gt=1,
        description="raised when a file's value is this many times above or below the "
        "dataset's median",
    )
    action: Action = Field(
        description="annotate (reported only) or quarantine (left out of training)"
    )


class NearDuplicateFlag(_Strict):
    """Near duplicates: pairs within ``max_thumbnail_distance`` (normalized, 0 to 2)
    go on to the same-photo test (``SamePhotoParams``)."""

    max_thumbnail_distance: float = Field(
        gt=0,
        le=2,
        description="candidates: pairs within this normalized, brightness-blind "
        "distance of their smoothed 32x32 thumbnails (re-encodes lie under"
        " 0.1, 5% crops mostly under 0.3, unrelated images about 1.4)",
    )
    neighbors: int = Field(
        ge=1,
        le=100,
        description="nearest candidates looked at per image; raise it to search wider",
    )
    candidate_radius: float = Field(
        gt=0,
        le=2,
        description="4x4, then 8x8 block-mean distance beyond which a pair is not compared",
    )
    action: Action = Field(
        description="annotate (reported only) or quarantine (left out of training)"
    )


class QualityFlags(_Strict):
    """Every flag of `data_validation.flags`; each action is annotate or quarantine."""

    dark: ThresholdFlag = Field(
        description="the 99th percentile of luminance (0-1) below the threshold"
    )
    light: ThresholdFlag = Field(
        description="the 1st percentile of luminance above the threshold"
    )
    low_information: ThresholdFlag = Field(
        description="luminance histogram entropy in bits below the threshold (blank: "
        "0, photos: 6-8)"
    )
    blurry: ThresholdFlag = Field(
        description="variance of the Laplacian of the luminance below the threshold"
    )
    odd_size: SizeFlag = Field(
        description="an area this many times above or below the dataset's median"
    )
    odd_aspect_ratio: SizeFlag = Field(
        description="a width/height this many times off the dataset's median"
    )
    multi_frame: FlagAction = Field(
        description="animated or multi-page: only the first frame is trained on"
    )
    exif_rotated: FlagAction = Field(
        description="turned upright as the EXIF orientation says (phone photos): "
        "training sees other pixels than stored"
    )
    high_bit_depth: FlagAction = Field(
        description="16 bits per channel, scaled (not clipped) to 8"
    )
    transparent: FlagAction = Field(description="transparent pixels composited on white")
    near_duplicate: NearDuplicateFlag = Field(
        description="the same photo filed twice (re-encoded, resized, recoloured, "
        "shifted, cropped a few percent), not two shots of one scene; kept"
        " on one side of the split"
    )
    near_duplicate_label_conflict: FlagAction = Field(
        description="near duplicates filed under different classes"
    )
    labels_file_disagreement: FlagAction = Field(
        description="a file the labels file omits, or labels otherwise than its folder"
    )


class DataValidationParams(_Strict):
    """`data_validation` in `conf/base/parameters_data_validation.yml`."""

    classes: list[str] | None = Field(
        min_length=2,
        description="expected class folders, in label-index order; null takes every "
        "class folder found",
    )
    max_quarantined_fraction: float = Field(
        ge=0,
        le=1,
        description="the run stops (after writing its reports) when more of the files "
        "are quarantined",
    )

    @field_validator("classes")
    @classmethod
    def _as_nfc(cls, classes: list[str] | None) -> list[str] | None:
        """Names as the folder listing gives them: Unicode NFC."""
        if classes is None:
            return None
        return [unicodedata.normalize("NFC", name) for name in classes]

    min_images_per_class: int = Field(
        ge=1,
        description="the run stops (after writing its reports) when a class has fewer "
        "usable images",
    )
    max_pixels: int = Field(
        ge=1,
        description="the one pixel limit: larger images are quarantined as "
        "decompression bombs (Pillow's own limit is set from it)",
    )
    workers: int | None = Field(
        ge=1,
        description="decoding processes for folders of 10,000 files or more; null: one"
        " per core",
    )
    engine: Literal["processes", "dask"] = Field(
        description="where the per-file work runs: processes on this machine, or dask "
        "workers that read their files themselves; the near-duplicate "
        "search stays here"
    )
    dask_scheduler: str | None = Field(
        description="a Dask scheduler's address (tcp://host:8786); null: a "
        "LocalCluster of `workers` processes"
    )
    dask_pixel_store: str = Field(
        description="where each Dask worker writes its files' training pixels for the "
        "pack (a bucket for a real cluster)"
    )
    sample_images_per_class: int = Field(
        ge=1, le=20, description="images per class in class_sample_grid.png"
    )
    flag_examples: int = Field(
        ge=1, le=20, description="images per flag in the flag_examples grid"
    )
    flags: QualityFlags
