"""Typed parameters of the training pipeline."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

_Filters = Annotated[int, Field(ge=1, le=1024)]


class TrainingParams(BaseModel):
    """`training` in `conf/base/parameters_training.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conv_filters: list[_Filters] = Field(
        default=[16, 32], min_length=1, max_length=6, description="one entry per conv block"
    )
    kernel_size: int = Field(default=3, ge=1, le=7)
    dense_units: int = Field(default=32, ge=1, le=4096)
    dropout: float = Field(default=0.5, ge=0, lt=1)
    l2: float = Field(default=1e-4, ge=0, le=1)
    learning_rate: float = Field(default=1e-3, gt=0, le=1)
    max_epochs: int = Field(default=40, ge=1)
    patience: int = Field(default=6, ge=0)
    verbose: int = Field(default=2, ge=0, le=2, description="Keras fit progress output")
