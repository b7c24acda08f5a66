"""Diagnostics nodes: curves, test predictions, confusion matrix and the diagnosis."""

from __future__ import annotations

import keras
import pandas as pd
from matplotlib.figure import Figure

from image_classification.pipelines.diagnostics.nodes import (
    diagnose_fit,
    plot_confusion_matrix,
    plot_learning_curves,
    predict_test_split,
)
from image_classification.pipelines.diagnostics.params import DiagnosticsParams
from image_classification.pipelines.training.model import make_model
from tests.conftest import TINY_CLASSES, base_parameters
from tests.pipelines.diagnostics.test_verdict import OVERFIT, UNDERFIT

PARAMS = DiagnosticsParams(**base_parameters("diagnostics"))
METRICS = {
    "best_epoch": 11,
    "epochs_run": 30,
    "test_accuracy": 0.5,
    "stop_reason": "max_epochs",
}
CLEAN_REPORT = {"files": 10, "quarantined": 0, "quarantined_by_reason": {}}


def test_learning_curves_mark_the_best_and_the_stop_epoch():
    figure = plot_learning_curves(OVERFIT, METRICS)
    assert isinstance(figure, Figure)
    loss_ax, accuracy_ax = figure.axes
    assert "Cross-entropy" in loss_ax.get_title()
    for ax in (loss_ax, accuracy_ax):
        vertical = [
            line.get_xdata()[0] for line in ax.lines if len(set(line.get_xdata())) == 1
        ]
        assert vertical == [11, 30]
        assert len(ax.lines) == 4


def test_test_predictions_cover_every_test_file(tiny_manifest):
    model = make_model(
        input_shape=(24, 24, 3),
        num_classes=len(TINY_CLASSES),
        conv_filters=[4],
        kernel_size=3,
        dense_units=4,
        dropout=0.0,
        l2=0.0,
    )
    predictions = predict_test_split(model, tiny_manifest, PARAMS)
    test = tiny_manifest[tiny_manifest["split"] == "test"]
    assert list(predictions["relative_path"]) == list(test["relative_path"])
    assert list(predictions["label_index"]) == list(test["label_index"])
    assert predictions["predicted_index"].between(0, len(TINY_CLASSES) - 1).all()
    # The top probability is at least 1 / classes (rounded to 4 places).
    assert predictions["confidence"].between(1 / len(TINY_CLASSES) - 1e-4, 1).all()
    assert isinstance(model, keras.Model)


def test_confusion_matrix_counts_every_prediction():
    predictions = pd.DataFrame(
        {"label_index": [0, 0, 1, 2, 2, 2], "predicted_index": [0, 1, 1, 2, 2, 0]}
    )
    figure = plot_confusion_matrix(predictions, list(TINY_CLASSES))
    ax = figure.axes[0]
    counts = sorted(int(text.get_text()) for text in ax.texts)
    assert sum(counts) == 6
    assert "accuracy 66.7% on 6 images" in ax.get_title()
    assert [label.get_text() for label in ax.get_xticklabels()] == list(TINY_CLASSES)


def test_diagnosis_gives_verdict_numbers_and_matching_advice():
    diagnosis = diagnose_fit(OVERFIT, METRICS, CLEAN_REPORT, PARAMS)
    assert diagnosis["verdict"] == "overfitting"
    assert diagnosis["evidence"]["best_epoch"] == 11
    assert diagnosis["thresholds"]["overfit_accuracy_gap"] == PARAMS.overfit_accuracy_gap
    assert any("dropout" in line for line in diagnosis["advice"])
    assert not any("Check your data" in line for line in diagnosis["advice"])
    under = diagnose_fit(UNDERFIT, METRICS | {"best_epoch": 30}, CLEAN_REPORT, PARAMS)
    assert under["verdict"] == "underfitting"
    assert any("raise max_epochs" in line for line in under["advice"])


def test_quarantined_files_add_check_your_data_advice_with_counts():
    report = {"files": 50, "quarantined": 3, "quarantined_by_reason": {"truncated": 3}}
    diagnosis = diagnose_fit(OVERFIT, METRICS, report, PARAMS)
    assert any(
        "quarantined 3 of 50 files (3 truncated)" in line for line in diagnosis["advice"]
    )
