"""Typed parameters of the label_audit pipeline."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

FilterBy = Literal[
    "prune_by_noise_rate",
    "prune_by_class",
    "both",
    "confident_learning",
    "predicted_neq_given",
]


class FoldModel(BaseModel):
    """Where the fold models differ from `training`: confident learning needs better
    probabilities than a model tuned for a one-minute demo gives. null keeps the value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conv_filters: list[Annotated[int, Field(ge=1, le=1024)]] | None = Field(
        min_length=1, max_length=6, description="the fold models' conv blocks"
    )
    dense_units: int | None = Field(ge=1, le=4096, description="null keeps training's")
    dropout: float | None = Field(ge=0, lt=1, description="null keeps training's")
    batch_norm: bool | None = Field(
        description="on: confident learning needs decisive probabilities; null keeps "
        "training's"
    )
    learning_rate: float | None = Field(gt=0, le=1, description="null keeps training's")
    learning_rate_schedule: Literal["constant", "cosine", "plateau"] | None = Field(
        description="cosine decays the rate to zero, for decisive probabilities; null "
        "keeps training's"
    )


class LabelAuditParams(BaseModel):
    """`label_audit` in `conf/base/parameters_label_audit.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    folds: int = Field(
        ge=2,
        le=20,
        description="K models, each trained on K-1 folds of all clean images and "
        "predicting the one left out",
    )
    epochs: int = Field(ge=1, description="training epochs per fold model")
    batch_size: int = Field(ge=1, description="images per training batch of a fold model")
    model: FoldModel = Field(description="where the fold models differ from training")
    filter_by: FilterBy = Field(
        description="cleanlab's rule for which disagreements are label issues "
        "(find_label_issues)"
    )
    max_label_quality: float = Field(
        gt=0,
        le=1,
        description="keep only suspects whose given label the fold model finds less "
        "likely than this: a small CNN disagrees with many correct labels",
    )
    top_suspects: int = Field(ge=1, le=64, description="images in the suspects grid")
