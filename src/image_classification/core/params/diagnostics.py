"""Typed parameters of the diagnostics pipeline."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DiagnosticsParams(BaseModel):
    """`diagnostics` in `conf/base/parameters_diagnostics.yml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_size: int = Field(
        ge=1, description="images per model call when predicting the test split"
    )
    min_epochs: int = Field(
        ge=2,
        description="fewer epochs than this show no trend: the verdict is inconclusive",
    )
    smoothing_epochs: int = Field(
        ge=1,
        description="curves are averaged over this many epochs (centred) before "
        "looking for a turn, so one noisy epoch neither makes nor hides "
        "one",
    )
    overfit_accuracy_gap: float = Field(
        gt=0,
        le=1,
        description="honest training accuracy minus validation accuracy at the end "
        "that counts as overfitting; a validation split whose two standard"
        " errors reach it is too small to tell",
    )
    overfit_val_loss_rise: float = Field(
        gt=0,
        description="overfitting onset: validation cross-entropy rises this much over "
        "its minimum while the training one keeps falling",
    )
    overfit_min_epochs_after_best: int = Field(
        ge=1,
        description="... with that minimum at least this many epochs before the end: a"
        " jump in the last epoch or two of a noisy curve is no trend",
    )
    underfit_train_accuracy: float = Field(
        gt=0,
        le=1,
        description="below this best honest training accuracy the model cannot fit "
        "even its training data",
    )
    chance_margin: float = Field(
        gt=0,
        le=1,
        description="a best honest training accuracy less than this above chance means"
        " nothing was learned: a fault, not capacity (inconclusive, "
        "at_chance)",
    )
    max_batch_class_mix_ratio: float = Field(
        gt=1,
        description="training batches whose largest-class share is more than this many"
        " times a random order's teach a drifting class mix (inconclusive)",
    )
    trend_epochs: int = Field(
        ge=3,
        description="the last epochs whose validation trend tells whether early "
        "stopping fired while it still improved",
    )
    trend_standard_errors: float = Field(
        gt=0,
        description="how many standard errors of its slope that trend must fall by to "
        "count as improving (chance alone: about 1 in 55 at 2.5)",
    )
    confident_mistakes: int = Field(
        ge=1,
        le=64,
        description="test images wrongly predicted with the highest confidence, in the"
        " grid",
    )
