"""Rules that turn a training history into a verdict, and the advice for each verdict.

Training accuracy logged by Keras is measured with dropout and augmentation switched
on, so it understates how well the model fits its training data: the gap computed
from it is a lower bound, and a gap above the threshold is a strong sign.
"""

from __future__ import annotations

import pandas as pd

from .params import DiagnosticsParams

OVERFITTING = "overfitting"
UNDERFITTING = "underfitting"
GOOD_FIT = "good fit"

ADVICE = {
    OVERFITTING: [
        "Use a simpler model: fewer conv filters or dense units (training.conv_filters, "
        "training.dense_units).",
        "Augment more: larger rotation or translation (augmentation.layers).",
        "Regularize more: raise training.dropout or training.l2.",
        "Keep early stopping on, with a patience that stops soon after the best epoch "
        "(training.patience), or train for fewer epochs (training.max_epochs).",
        "Get more training data: more images per class is the most reliable cure.",
    ],
    UNDERFITTING: [
        "Give the model more capacity: more conv filters, another conv block or more "
        "dense units (training.conv_filters, training.dense_units).",
        "Regularize less: lower training.dropout or training.l2, or augment less.",
        "Train longer: raise training.max_epochs and training.patience; try a larger "
        "training.learning_rate if the curves fall slowly.",
    ],
    GOOD_FIT: [
        "Training and validation agree: to go further, add data or capacity together "
        "with regularization, and compare the test accuracy with this run.",
    ],
}


def judge_fit(history: pd.DataFrame, params: DiagnosticsParams) -> tuple[str, dict]:
    """Classify a run as overfitting, underfitting or a good fit.

    Args:
        history: Per-epoch ``accuracy``, ``crossentropy``, ``val_accuracy`` and
            ``val_crossentropy``.
        params: The thresholds.

    Returns:
        The verdict and the numbers it rests on.
    """
    best = history.loc[history["val_crossentropy"].idxmin()]
    last = history.iloc[-1]
    best_val_loss = float(best["val_crossentropy"])
    evidence = {
        "best_epoch": int(best["epoch"]),
        "last_epoch": int(last["epoch"]),
        "train_accuracy_at_best": round(float(best["accuracy"]), 4),
        "validation_accuracy_at_best": round(float(best["val_accuracy"]), 4),
        "accuracy_gap_at_best": round(float(best["accuracy"] - best["val_accuracy"]), 4),
        "accuracy_gap_at_end": round(float(last["accuracy"] - last["val_accuracy"]), 4),
        "validation_loss_rise_after_best": round(
            (float(last["val_crossentropy"]) - best_val_loss) / max(best_val_loss, 1e-12), 4
        ),
        "train_loss_fell_after_best": bool(last["crossentropy"] < best["crossentropy"]),
        "still_improving_at_end": int(best["epoch"]) == int(last["epoch"]),
    }
    memorizing = (
        evidence["validation_loss_rise_after_best"] > params.overfit_val_loss_rise
        and evidence["train_loss_fell_after_best"]
        and evidence["last_epoch"] - evidence["best_epoch"]
        >= params.overfit_min_epochs_after_best
    )
    # A model that cannot fit its training data is underfitting first, whatever its gap.
    if float(last["accuracy"]) < params.underfit_train_accuracy:
        return UNDERFITTING, evidence
    if evidence["accuracy_gap_at_end"] > params.overfit_accuracy_gap or memorizing:
        return OVERFITTING, evidence
    return GOOD_FIT, evidence


def explain(verdict: str, evidence: dict, params: DiagnosticsParams) -> str:
    """One plain sentence saying why the verdict was given."""
    if verdict == OVERFITTING:
        return (
            f"The model fits its training data better than new data: at the last epoch "
            f"training accuracy is {evidence['accuracy_gap_at_end']:.0%} above validation "
            f"(threshold {params.overfit_accuracy_gap:.0%}), and validation cross-entropy "
            f"ended {evidence['validation_loss_rise_after_best']:.0%} above its best, "
            f"reached at epoch {evidence['best_epoch']}."
        )
    if verdict == UNDERFITTING:
        still = (
            " and was still improving when training ended"
            if evidence["still_improving_at_end"]
            else ""
        )
        return (
            "The model does not fit even its training data: training accuracy stayed "
            f"below {params.underfit_train_accuracy:.0%}{still}."
        )
    return (
        f"Training and validation accuracy stay within "
        f"{params.overfit_accuracy_gap:.0%} of each other and validation cross-entropy did "
        f"not turn up by more than {params.overfit_val_loss_rise:.0%}."
    )
