"""Rules that turn a training history into a verdict, with the numbers behind it.

The training side of every comparison is the honest one: a fixed sample of training
images evaluated like the validation split (``train_eval_*``), not Keras' logs, which
are measured with augmentation and dropout on. Rises and falls are judged on curves
smoothed over a few epochs, so one noisy epoch neither makes nor hides a trend.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import linregress

from image_classification.core.contracts import Verdict
from image_classification.core.params.diagnostics import DiagnosticsParams

TOO_FEW_EPOCHS = "too_few_epochs"
DIVERGED = "diverged"
VALIDATION_TOO_SMALL = "validation_too_small"
BATCHES_NOT_MIXED = "batches_not_mixed"
AT_CHANCE = "at_chance"


def _smoothed(values: pd.Series, window: int) -> np.ndarray:
    return values.rolling(window, center=True, min_periods=1).mean().to_numpy()


def _trend(values: np.ndarray) -> tuple[float, float]:
    """Least-squares change per epoch and its standard error."""
    if len(values) < 3:
        return 0.0, float("inf")
    fit = linregress(np.arange(len(values)), values)
    return float(fit.slope), float(fit.stderr)


def _onset(history: pd.DataFrame, params: DiagnosticsParams) -> tuple[int | None, float]:
    """The epoch where validation cross-entropy stopped improving while the training
    one kept falling, and the rise of validation cross-entropy after its minimum.

    The onset is the epoch of lowest validation cross-entropy; whether the curves
    moved apart after it is judged on the smoothed curves, so one noisy epoch at the
    end neither makes nor hides a rise.

    Returns:
        The onset epoch, or None when validation did not turn up by more than
        ``overfit_val_loss_rise`` at least ``overfit_min_epochs_after_best`` epochs
        before the end while training still improved; and the relative rise.
    """
    validation = _smoothed(history["val_crossentropy"], params.smoothing_epochs)
    training = _smoothed(history["train_eval_crossentropy"], params.smoothing_epochs)
    turn = int(history["val_crossentropy"].to_numpy().argmin())
    rise = (validation[-1] - validation[turn]) / max(validation[turn], 1e-12)
    epochs_after = len(history) - 1 - turn
    if (
        rise > params.overfit_val_loss_rise
        and epochs_after >= params.overfit_min_epochs_after_best
        and training[-1] < training[turn]
    ):
        return int(history["epoch"].iloc[turn]), float(rise)
    return None, float(rise)


def fit_evidence(
    history: pd.DataFrame,
    stop_reason: str,
    validation_images: int,
    params: DiagnosticsParams,
) -> dict:
    """The numbers a verdict rests on.

    Args:
        history: Per-epoch ``train_eval_*`` and ``val_*`` cross-entropy and accuracy.
        stop_reason: ``early_stopping`` or ``max_epochs``.
        validation_images: Size of the validation split: sets the noise of its accuracy.
        params: The thresholds.

    Returns:
        Best and last epoch, overfitting onset, accuracy and cross-entropy gaps at the
        best epoch and at the end, the validation trend at the end, and more.
    """
    best_row = int(history["val_crossentropy"].to_numpy().argmin())
    best, last = history.iloc[best_row], history.iloc[-1]
    onset, rise = _onset(history, params)
    slope, error = _trend(history["val_crossentropy"].to_numpy()[-params.trend_epochs :])
    accuracy = float(best["val_accuracy"])
    return {
        "best_epoch": int(best["epoch"]),
        "last_epoch": int(last["epoch"]),
        "onset_epoch": onset,
        "train_accuracy_at_best": round(float(best["train_eval_accuracy"]), 4),
        "validation_accuracy_at_best": round(accuracy, 4),
        "best_train_accuracy": round(float(history["train_eval_accuracy"].max()), 4),
        "accuracy_gap_at_best": round(
            float(best["train_eval_accuracy"] - best["val_accuracy"]), 4
        ),
        "accuracy_gap_at_end": round(
            float(last["train_eval_accuracy"] - last["val_accuracy"]), 4
        ),
        "crossentropy_gap_at_best": round(
            float(best["val_crossentropy"] - best["train_eval_crossentropy"]), 4
        ),
        "crossentropy_gap_at_end": round(
            float(last["val_crossentropy"] - last["train_eval_crossentropy"]), 4
        ),
        "validation_loss_rise_after_best": round(rise, 4),
        # Relative to the best validation cross-entropy: comparable across datasets.
        "validation_trend_per_epoch": round(slope / float(best["val_crossentropy"]), 5),
        "early_stopping_fired": stop_reason == "early_stopping",
        # Still falling, clearly: by more than a few standard errors of the fitted trend.
        "stopped_while_improving": stop_reason == "early_stopping"
        and slope + params.trend_standard_errors * error < 0,
        "still_improving_at_end": best_row >= len(history) - params.smoothing_epochs,
        "validation_images": validation_images,
        # Two standard errors of the validation accuracy: a smaller gap is noise.
        "gap_noise": round(
            2 * math.sqrt(accuracy * (1 - accuracy) / max(validation_images, 1)), 4
        ),
    }


def judge_fit(
    history: pd.DataFrame,
    stop_reason: str,
    validation_images: int,
    params: DiagnosticsParams,
    *,
    chance_accuracy: float = 0.0,
    batch_class_mix_ratio: float = 1.0,
) -> tuple[Verdict, str | None, dict]:
    """Classify a run as overfitting, underfitting, a good fit or inconclusive.

    Inconclusive when training diverged (a non-finite loss), when its batches mixed the
    classes far less than a random order would (``batch_class_mix_ratio`` above
    ``max_batch_class_mix_ratio``: the curves then describe the input pipeline, not the
    model), when there are too few epochs to see a trend, when the honest training
    accuracy never rose ``chance_margin`` above chance although validation is large
    enough to judge (nothing was learned: a fault, not a fit), or when the validation
    split is too small to tell a gap of ``overfit_accuracy_gap`` from noise and
    validation did not clearly turn up. Underfitting comes before overfitting: a model
    that cannot fit its training data is underfitting whatever its gap.

    Args:
        history: Per-epoch ``train_eval_*`` and ``val_*`` cross-entropy and accuracy.
        stop_reason: ``early_stopping`` or ``max_epochs``.
        validation_images: Size of the validation split.
        params: The thresholds.
        chance_accuracy: Accuracy of always predicting the largest training class.
        batch_class_mix_ratio: Median largest-class share of training batches over
            that of a random order (``batch_class_mix``).

    Returns:
        The verdict, why it is inconclusive (None otherwise), and the evidence.
    """
    columns = ["train_eval_crossentropy", "val_crossentropy"]
    if not np.isfinite(history[columns].to_numpy()).all():
        return (
            Verdict.INCONCLUSIVE,
            DIVERGED,
            {"last_epoch": int(history["epoch"].iloc[-1])},
        )
    evidence = fit_evidence(history, stop_reason, validation_images, params) | {
        "chance_accuracy": round(chance_accuracy, 4),
        "batch_class_mix_ratio": batch_class_mix_ratio,
    }
    verdict, reason = _verdict_of(evidence, len(history), params)
    return verdict, reason, evidence


def _verdict_of(
    evidence: dict, epochs: int, params: DiagnosticsParams
) -> tuple[Verdict, str | None]:
    """The verdict the evidence of a finite run supports, and why it is inconclusive;
    the first rule that applies decides."""
    if evidence["batch_class_mix_ratio"] > params.max_batch_class_mix_ratio:
        return Verdict.INCONCLUSIVE, BATCHES_NOT_MIXED
    if epochs < params.min_epochs:
        return Verdict.INCONCLUSIVE, TOO_FEW_EPOCHS
    if (
        evidence["best_train_accuracy"] < evidence["chance_accuracy"] + params.chance_margin
        and evidence["gap_noise"] < params.overfit_accuracy_gap
    ):
        return Verdict.INCONCLUSIVE, AT_CHANCE
    if evidence["best_train_accuracy"] < params.underfit_train_accuracy:
        return Verdict.UNDERFITTING, None
    if evidence["onset_epoch"] is not None:
        return Verdict.OVERFITTING, None
    if evidence["gap_noise"] >= params.overfit_accuracy_gap:
        return Verdict.INCONCLUSIVE, VALIDATION_TOO_SMALL
    if evidence["accuracy_gap_at_end"] > params.overfit_accuracy_gap:
        return Verdict.OVERFITTING, None
    return Verdict.GOOD_FIT, None
