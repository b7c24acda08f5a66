"""Verdict rules on hand-written histories, clean and noisy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from image_classification.core.contracts import Verdict
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.pipelines.diagnostics.advice import explain
from image_classification.pipelines.diagnostics.verdict import (
    DIVERGED,
    TOO_FEW_EPOCHS,
    VALIDATION_TOO_SMALL,
    judge_fit,
)
from tests.conftest import base_parameters

PARAMS = DiagnosticsParams(**base_parameters("diagnostics"))
VALIDATION_IMAGES = 1000


def history_of(
    train_loss, val_loss, train_acc, val_acc, *, noise=0.0, seed=0
) -> pd.DataFrame:
    """A history as training writes it: honest training columns (``train_eval_*``),
    validation columns, and Keras' augmented training columns, which look worse."""
    rng = np.random.default_rng(seed)
    epochs = len(train_loss)

    def jitter(values):
        return np.asarray(values, dtype=float) + rng.normal(0, noise, size=epochs)

    train_eval_loss, train_eval_acc = jitter(train_loss), np.clip(jitter(train_acc), 0, 1)
    return pd.DataFrame(
        {
            "epoch": np.arange(1, epochs + 1),
            "train_eval_crossentropy": train_eval_loss,
            "train_eval_accuracy": train_eval_acc,
            "val_crossentropy": jitter(val_loss),
            "val_accuracy": np.clip(jitter(val_acc), 0, 1),
            "crossentropy": train_eval_loss + 0.2,
            "accuracy": np.clip(train_eval_acc - 0.1, 0, 1),
        }
    )


def judge(history, stop_reason="max_epochs", validation_images=VALIDATION_IMAGES):
    return judge_fit(history, stop_reason, validation_images, PARAMS)


EPOCHS = np.arange(30)
# Memorizing: training keeps improving, validation turns up after epoch 11.
OVERFIT_CURVES = {
    "train_loss": 2.0 * np.exp(-EPOCHS / 6),
    "val_loss": 1.2 + 0.004 * (EPOCHS - 10) ** 2,
    "train_acc": 1 - 0.9 * np.exp(-EPOCHS / 6),
    "val_acc": 0.6 - 0.0005 * (EPOCHS - 10) ** 2,
}
# Barely learning: both curves high and close.
UNDERFIT_CURVES = {
    "train_loss": 2.3 - 0.01 * EPOCHS,
    "val_loss": 2.3 - 0.01 * EPOCHS,
    "train_acc": 0.1 + 0.01 * EPOCHS,
    "val_acc": 0.1 + 0.009 * EPOCHS,
}
# Both curves converge together.
GOOD_CURVES = {
    "train_loss": 0.4 + 1.6 * np.exp(-EPOCHS / 5),
    "val_loss": 0.45 + 1.6 * np.exp(-EPOCHS / 5),
    "train_acc": 0.9 - 0.8 * np.exp(-EPOCHS / 5),
    "val_acc": 0.86 - 0.76 * np.exp(-EPOCHS / 5),
}
OVERFIT, UNDERFIT, GOOD = (
    history_of(**curves) for curves in (OVERFIT_CURVES, UNDERFIT_CURVES, GOOD_CURVES)
)


@pytest.mark.parametrize(
    ("history", "verdict"),
    [
        (OVERFIT, Verdict.OVERFITTING),
        (UNDERFIT, Verdict.UNDERFITTING),
        (GOOD, Verdict.GOOD_FIT),
    ],
)
def test_clean_histories_get_the_right_verdict(history, verdict):
    assert judge(history)[:2] == (verdict, None)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    ("curves", "verdict"),
    [
        (OVERFIT_CURVES, Verdict.OVERFITTING),
        (UNDERFIT_CURVES, Verdict.UNDERFITTING),
        (GOOD_CURVES, Verdict.GOOD_FIT),
    ],
)
def test_noisy_histories_keep_their_verdict(curves, verdict, seed):
    assert judge(history_of(**curves, noise=0.02, seed=seed))[0] == verdict


@pytest.mark.parametrize("seed", range(5))
def test_onset_lies_within_two_epochs_of_the_validation_minimum(seed):
    noisy = history_of(**OVERFIT_CURVES, noise=0.02, seed=seed)
    verdict, _, evidence = judge(noisy)
    assert verdict == Verdict.OVERFITTING
    lowest = int(noisy.loc[noisy["val_crossentropy"].idxmin(), "epoch"])
    assert abs(evidence["onset_epoch"] - lowest) <= 2


def test_evidence_names_the_best_epoch_the_gaps_and_the_rise():
    _, _, evidence = judge(OVERFIT)
    assert evidence["best_epoch"] == evidence["onset_epoch"] == 11
    best, last = OVERFIT.iloc[10], OVERFIT.iloc[-1]
    assert evidence["accuracy_gap_at_best"] == pytest.approx(
        best["train_eval_accuracy"] - best["val_accuracy"], abs=1e-4
    )
    assert evidence["accuracy_gap_at_end"] == pytest.approx(
        last["train_eval_accuracy"] - last["val_accuracy"], abs=1e-4
    )
    # Smoothed over 3 epochs: the last point averages the last two epochs.
    smoothed_end = OVERFIT["val_crossentropy"].iloc[-2:].mean()
    smoothed_best = OVERFIT["val_crossentropy"].iloc[9:12].mean()
    assert evidence["validation_loss_rise_after_best"] == pytest.approx(
        (smoothed_end - smoothed_best) / smoothed_best, abs=1e-3
    )
    assert evidence["still_improving_at_end"] is False


def test_the_gap_is_measured_on_the_honest_training_columns():
    """Keras' augmented columns trail validation; the honest ones are far above it."""
    gap = history_of(
        train_loss=1.0 - 0.02 * EPOCHS,
        val_loss=1.2 - 0.005 * EPOCHS,
        train_acc=0.7 + 0.01 * EPOCHS,
        val_acc=0.7 + 0.002 * EPOCHS,
    )
    gap["accuracy"] = gap["val_accuracy"] - 0.05
    verdict, _, evidence = judge(gap)
    assert verdict == Verdict.OVERFITTING
    assert evidence["onset_epoch"] is None  # validation never turned up
    assert evidence["accuracy_gap_at_end"] == pytest.approx(0.29 - 0.058, abs=1e-3)


def test_low_training_accuracy_is_underfitting_even_with_a_gap():
    gap_but_weak = history_of(
        train_loss=2.0 - 0.02 * EPOCHS,
        val_loss=2.2 - 0.01 * EPOCHS,
        train_acc=0.2 + 0.01 * EPOCHS,
        val_acc=0.1 + 0.005 * EPOCHS,
    )
    verdict, reason, evidence = judge(gap_but_weak)
    assert (verdict, reason) == (Verdict.UNDERFITTING, None)
    assert evidence["still_improving_at_end"] is True
    assert "best training accuracy was 49%" in explain(verdict, reason, evidence, PARAMS)


def test_a_rise_in_the_last_epochs_only_is_not_a_trend():
    """A noisy validation curve that jumps right after its best, at the very end."""
    late = GOOD.copy()
    late.loc[late.index[-3], "val_crossentropy"] = 0.3  # the best, 2 epochs before the end
    late.loc[late.index[-1], "val_crossentropy"] = 0.9  # far higher, at the last epoch
    verdict, _, evidence = judge(late)
    assert evidence["validation_loss_rise_after_best"] > PARAMS.overfit_val_loss_rise
    assert verdict == Verdict.GOOD_FIT
    # The same rise held for long enough is memorizing.
    longer = GOOD.copy()
    longer.loc[longer.index[-8:-5], "val_crossentropy"] = 0.3
    longer.loc[longer.index[-3:], "val_crossentropy"] = 0.9
    assert judge(longer)[0] == Verdict.OVERFITTING


def test_too_few_epochs_are_inconclusive():
    verdict, reason, evidence = judge(OVERFIT.head(PARAMS.min_epochs - 1))
    assert (verdict, reason) == (Verdict.INCONCLUSIVE, TOO_FEW_EPOCHS)
    assert "Only 4 epochs ran" in explain(verdict, reason, evidence, PARAMS)


def test_a_diverged_training_is_inconclusive():
    diverged = GOOD.copy()
    diverged.loc[diverged.index[20:], ["train_eval_crossentropy", "val_crossentropy"]] = (
        np.nan
    )
    assert judge(diverged)[:2] == (Verdict.INCONCLUSIVE, DIVERGED)


def test_a_gap_a_small_validation_split_cannot_resolve_is_inconclusive():
    gap = history_of(
        train_loss=0.9 - 0.01 * EPOCHS,
        val_loss=1.0 - 0.01 * EPOCHS,
        train_acc=0.72 + 0.004 * EPOCHS,
        val_acc=0.6 + 0.004 * EPOCHS,
    )
    assert judge(gap, validation_images=1000)[0] == Verdict.OVERFITTING
    verdict, reason, evidence = judge(gap, validation_images=40)
    assert (verdict, reason) == (Verdict.INCONCLUSIVE, VALIDATION_TOO_SMALL)
    assert evidence["gap_noise"] >= PARAMS.overfit_accuracy_gap
    # A clear turn of validation does not need a large split to be seen.
    assert judge(OVERFIT, validation_images=40)[0] == Verdict.OVERFITTING


def test_early_stopping_during_a_falling_validation_curve_is_reported():
    falling = GOOD.head(12)  # the seed recipe's case: stopped at epoch 12, improving
    assert judge(falling, "early_stopping")[2]["stopped_while_improving"] is True
    assert judge(falling, "max_epochs")[2]["stopped_while_improving"] is False
    # A curve that flattened long before the stop was not cut short, noise or not.
    flat = {
        "train_loss": np.maximum(0.4, 1.5 - 0.1 * EPOCHS),
        "val_loss": np.maximum(0.5, 1.6 - 0.1 * EPOCHS),
        "train_acc": np.minimum(0.8, 0.3 + 0.05 * EPOCHS),
        "val_acc": np.minimum(0.75, 0.3 + 0.05 * EPOCHS),
    }
    for seed in range(5):
        stopped = history_of(**flat, noise=0.02, seed=seed)
        assert judge(stopped, "early_stopping")[2]["stopped_while_improving"] is False


def test_the_seed_recipe_on_cifar_stopped_early_while_underfitting():
    """The seed recipe's run on the CIFAR-10 sample (patience 3), as it was logged."""
    seed_run = pd.DataFrame(
        {
            "epoch": np.arange(1, 13),
            "val_crossentropy": [
                1.869,
                1.665,
                1.506,
                1.593,
                1.464,
                1.432,
                1.425,
                1.548,
                1.354,
                1.373,
                1.355,
                1.390,
            ],
            "train_eval_crossentropy": [
                1.860,
                1.653,
                1.504,
                1.594,
                1.451,
                1.412,
                1.391,
                1.525,
                1.313,
                1.304,
                1.294,
                1.343,
            ],
            "val_accuracy": [
                0.308,
                0.397,
                0.457,
                0.424,
                0.463,
                0.478,
                0.467,
                0.470,
                0.506,
                0.490,
                0.515,
                0.496,
            ],
            "train_eval_accuracy": [
                0.319,
                0.400,
                0.453,
                0.420,
                0.471,
                0.506,
                0.488,
                0.480,
                0.522,
                0.522,
                0.541,
                0.528,
            ],
        }
    )
    verdict, _, evidence = judge(seed_run, "early_stopping", validation_images=1718)
    assert verdict == Verdict.UNDERFITTING
    assert evidence["stopped_while_improving"] is True
