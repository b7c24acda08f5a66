"""Typed parameters of the diagnostics pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DiagnosticsParams(BaseModel):
    """`diagnostics` in `conf/base/parameters_diagnostics.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_size: int = Field(ge=1, description="for predicting the test split")
    overfit_accuracy_gap: float = Field(
        gt=0, le=1, description="train minus validation accuracy at the end"
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
