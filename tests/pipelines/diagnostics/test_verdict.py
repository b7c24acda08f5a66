"""Verdict rules on hand-written histories, clean and noisy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from image_classification.pipelines.diagnostics.params import DiagnosticsParams
from image_classification.pipelines.diagnostics.verdict import (
    GOOD_FIT,
    OVERFITTING,
    UNDERFITTING,
    explain,
    judge_fit,
)
from tests.conftest import base_parameters

PARAMS = DiagnosticsParams(**base_parameters("diagnostics"))


def _history(train_loss, val_loss, train_acc, val_acc, noise: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    epochs = len(train_loss)

    def jitter(values):
        return np.asarray(values, dtype=float) + rng.normal(0, noise, size=epochs)

    return pd.DataFrame(
        {
            "epoch": np.arange(1, epochs + 1),
            "crossentropy": jitter(train_loss),
            "val_crossentropy": jitter(val_loss),
            "accuracy": np.clip(jitter(train_acc), 0, 1),
            "val_accuracy": np.clip(jitter(val_acc), 0, 1),
        }
    )


EPOCHS = np.arange(30)
# Memorizing: training keeps improving, validation turns up after epoch 10.
OVERFIT = _history(
    train_loss=2.0 * np.exp(-EPOCHS / 6),
    val_loss=1.2 + 0.004 * (EPOCHS - 10) ** 2,
    train_acc=1 - 0.9 * np.exp(-EPOCHS / 6),
    val_acc=0.6 - 0.0005 * (EPOCHS - 10) ** 2,
)
# Barely learning: both curves high and close.
UNDERFIT = _history(
    train_loss=2.3 - 0.01 * EPOCHS,
    val_loss=2.3 - 0.01 * EPOCHS,
    train_acc=0.1 + 0.01 * EPOCHS,
    val_acc=0.1 + 0.009 * EPOCHS,
)
# Both curves converge together.
GOOD = _history(
    train_loss=0.4 + 1.6 * np.exp(-EPOCHS / 5),
    val_loss=0.45 + 1.6 * np.exp(-EPOCHS / 5),
    train_acc=0.9 - 0.8 * np.exp(-EPOCHS / 5),
    val_acc=0.86 - 0.76 * np.exp(-EPOCHS / 5),
)


@pytest.mark.parametrize(
    ("history", "verdict"),
    [(OVERFIT, OVERFITTING), (UNDERFIT, UNDERFITTING), (GOOD, GOOD_FIT)],
)
def test_clean_histories_get_the_right_verdict(history, verdict):
    assert judge_fit(history, PARAMS)[0] == verdict


@pytest.mark.parametrize(
    ("base", "verdict"),
    [(OVERFIT, OVERFITTING), (UNDERFIT, UNDERFITTING), (GOOD, GOOD_FIT)],
)
def test_noisy_histories_keep_their_verdict(base, verdict):
    noisy = _history(
        base["crossentropy"],
        base["val_crossentropy"],
        base["accuracy"],
        base["val_accuracy"],
        noise=0.01,
    )
    assert judge_fit(noisy, PARAMS)[0] == verdict


def test_evidence_names_the_best_epoch_and_the_rise_after_it():
    _, evidence = judge_fit(OVERFIT, PARAMS)
    assert evidence["best_epoch"] == 11
    assert evidence["validation_loss_rise_after_best"] == pytest.approx(
        (OVERFIT["val_crossentropy"].iloc[-1] - 1.2) / 1.2, abs=1e-3
    )
    assert evidence["train_loss_fell_after_best"] is True
    assert evidence["still_improving_at_end"] is False


def test_low_training_accuracy_is_underfitting_even_with_a_gap():
    gap_but_weak = _history(
        train_loss=2.0 - 0.02 * EPOCHS,
        val_loss=2.2 - 0.01 * EPOCHS,
        train_acc=0.2 + 0.01 * EPOCHS,
        val_acc=0.1 + 0.005 * EPOCHS,
    )
    verdict, evidence = judge_fit(gap_but_weak, PARAMS)
    assert verdict == UNDERFITTING
    assert evidence["still_improving_at_end"] is True
    assert "still improving" in explain(verdict, evidence, PARAMS)


def test_a_large_final_gap_alone_is_overfitting():
    gap = _history(
        train_loss=1.0 - 0.02 * EPOCHS,
        val_loss=1.2 - 0.005 * EPOCHS,
        train_acc=0.7 + 0.01 * EPOCHS,
        val_acc=0.7 + 0.002 * EPOCHS,
    )
    verdict, evidence = judge_fit(gap, PARAMS)
    assert verdict == OVERFITTING
    assert evidence["accuracy_gap_at_end"] > PARAMS.overfit_accuracy_gap


def test_a_rise_in_the_last_epochs_only_is_not_a_trend():
    """A noisy validation curve that jumps right after its best, at the very end."""
    late = GOOD.copy()
    late.loc[late.index[-3], "val_crossentropy"] = (
        0.3  # the best, two epochs before the end
    )
    late.loc[late.index[-1], "val_crossentropy"] = 0.6  # +100%, one epoch later
    verdict, evidence = judge_fit(late, PARAMS)
    assert evidence["validation_loss_rise_after_best"] > PARAMS.overfit_val_loss_rise
    assert verdict == GOOD_FIT
    # The same rise held for long enough is memorizing.
    longer = late.copy()
    longer.loc[late.index[-6], "val_crossentropy"] = 0.3
    assert judge_fit(longer, PARAMS)[0] == OVERFITTING
