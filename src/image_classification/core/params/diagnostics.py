"""Typed parameters of the diagnostics pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DiagnosticsParams(BaseModel):
    """`diagnostics` in `conf/base/parameters_diagnostics.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_size: int = Field(ge=1, description="for predicting the test split")
    min_epochs: int = Field(ge=2, description="fewer epochs show no trend: inconclusive")
    smoothing_epochs: int = Field(ge=1, description="centred moving average of curves")
    overfit_accuracy_gap: float = Field(
        gt=0, le=1, description="honest train minus validation accuracy at the end"
    )
    overfit_val_loss_rise: float = Field(
        gt=0, description="rise of validation cross-entropy over its minimum"
    )
    overfit_min_epochs_after_best: int = Field(
        ge=1, description="a rise over fewer epochs after the best is noise, not a trend"
    )
    underfit_train_accuracy: float = Field(
        gt=0, le=1, description="below this, the model does not fit the data"
    )
    chance_margin: float = Field(
        gt=0, le=1, description="best honest training accuracy this near chance: at chance"
    )
    max_batch_class_mix_ratio: float = Field(
        gt=1, description="training batches less mixed than random by more: inconclusive"
    )
    trend_epochs: int = Field(ge=3, description="last epochs whose trend is measured")
    trend_standard_errors: float = Field(
        gt=0, description="how clearly the trend must fall to count as improving"
    )
    confident_mistakes: int = Field(ge=1, le=64, description="images in the grid")
