"""Diagnostics nodes: curves, predictions, per-class table, mistakes, diagnosis, report."""

from __future__ import annotations

import keras
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image
from sklearn.metrics import classification_report

from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.training import TrainingParams
from image_classification.pipelines.diagnostics.nodes import (
    advise_next_steps,
    diagnose_fit,
    judge_training,
    per_class_metrics,
    plot_confident_mistakes,
    plot_confusion_matrix,
    plot_learning_curves,
    summarize_leakage,
)
from tests.conftest import NO_AUGMENTATION, TINY_CLASSES, base_parameters, small_model
from tests.pipelines.diagnostics.test_verdict import OVERFIT, UNDERFIT, history_of

PARAMS = DiagnosticsParams(**base_parameters("diagnostics"))
TRAINING = TrainingParams(**base_parameters("training"))
AUGMENTATION = AugmentationParams(**base_parameters("augmentation"))
CLASSES = "abcdefghij"
METRICS = {
    "validation_accuracy": 0.6,
    "test_accuracy": 0.5,
    "test_balanced_accuracy": 0.5,
    "test_recall_by_class": dict.fromkeys(CLASSES, 0.5),
    "best_epoch": 11,
    "epochs_run": 30,
    "stop_reason": "max_epochs",
}
CLEAN_REPORT = {
    "files": 10,
    "ok": 10,
    "quarantined": 0,
    "quarantined_by_reason": {},
    "findings_by_check": {},
}
SPLITS = {
    "counts": {
        "train": dict.fromkeys(CLASSES, 80),
        "validation": dict.fromkeys(CLASSES, 50),
        "test": dict.fromkeys(CLASSES, 50),
    }
}
MIXED = {"ratio": 1.02}  # batch_class_mix of a random order
NO_TWINS = {
    "twins_per_split": {
        "validation": {"images": 500, "with_training_twin": 0},
        "test": {"images": 500, "with_training_twin": 0},
    },
    "test_accuracy_with_twin": None,
    "test_images_with_twin": 0,
    "test_accuracy_without_twin": 0.5,
    "test_images_without_twin": 500,
    "finding": "no training twins found among 500 validation and 500 test images",
}
SCOPE = {
    "training_images": 2000,
    "validation_and_test_images": 1000,
    "alignment_resolution": "32x32",
    "detail_resolution": "96x96",
    "thresholds": {
        "candidates": 5,
        "min_aligned_score": 0.9,
        "min_edge_score": 0.8,
        "min_detail_score": 0.3,
    },
}


def _diagnose(
    history=OVERFIT,
    metrics=METRICS,
    report=CLEAN_REPORT,
    *,
    training=TRAINING,
    mix=MIXED,
    leakage=NO_TWINS,
    augmentation=AUGMENTATION,
):
    """The three nodes of the diagnosis, chained as the pipeline chains them."""
    judgement = judge_training(history, metrics, SPLITS, mix, PARAMS)
    advice = advise_next_steps(judgement, metrics, SPLITS, training, augmentation)
    return diagnose_fit(judgement, advice, report, leakage)


def _predictions(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    labels, predicted, confidence = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "relative_path": [f"{i}.png" for i in range(len(rows))],
            "label_index": labels,
            "predicted_index": predicted,
            "confidence": confidence,
        }
    )


def test_learning_curves_mark_the_best_stop_and_onset_epochs_and_shade_the_gap():
    figure = plot_learning_curves(OVERFIT, _diagnose())
    assert isinstance(figure, Figure)
    loss_ax, accuracy_ax = figure.axes
    assert "Cross-entropy" in loss_ax.get_title()
    for ax in (loss_ax, accuracy_ax):
        vertical = [
            line.get_xdata()[0] for line in ax.lines if len(set(line.get_xdata())) == 1
        ]
        assert vertical == [11, 30, 11]  # best, stopped, onset
        labels = [line.get_label() for line in ax.lines]
        assert "training (un-augmented sample)" in labels
        assert "training batches (augmented, dropout on)" in labels
        assert len(ax.collections) == 1  # the shaded gap


def _small_model(side: int) -> keras.Model:
    return small_model(side, len(TINY_CLASSES))


def test_confusion_matrix_counts_every_prediction_beside_the_per_class_table():
    predictions = _predictions(
        [(0, 0, 1), (0, 1, 1), (1, 1, 1), (2, 2, 1), (2, 2, 1), (2, 0, 1)]
    )
    per_class = per_class_metrics(predictions, list(TINY_CLASSES))
    figure = plot_confusion_matrix(predictions, list(TINY_CLASSES), per_class)
    matrix_ax, table_ax = figure.axes
    counts = sorted(int(text.get_text()) for text in matrix_ax.texts)
    assert sum(counts) == 6
    assert "accuracy 66.7% on 6 images" in matrix_ax.get_title()
    assert [label.get_text() for label in matrix_ax.get_xticklabels()] == list(TINY_CLASSES)
    cells = {cell.get_text().get_text() for cell in table_ax.tables[0].get_celld().values()}
    assert {"circle", "macro average", "precision", "0.67"} <= cells


def test_per_class_table_matches_scikit_learn_and_lists_empty_classes():
    predictions = _predictions([(0, 0, 0.9), (0, 1, 0.8), (1, 1, 0.7), (1, 1, 0.6)])
    table = per_class_metrics(predictions, list(TINY_CLASSES)).set_index("class")
    expected = classification_report(
        predictions["label_index"],
        predictions["predicted_index"],
        labels=[0, 1, 2],
        output_dict=True,
        zero_division=0,
    )
    for index, name in enumerate(TINY_CLASSES):
        for metric, key in (
            ("precision", "precision"),
            ("recall", "recall"),
            ("f1", "f1-score"),
        ):
            assert table.loc[name, metric] == pytest.approx(
                expected[str(index)][key], abs=1e-4
            )
    assert table.loc["triangle", "support"] == 0  # no test image: a row of zeros
    assert table.loc["macro average", "f1"] == pytest.approx(
        expected["macro avg"]["f1-score"], abs=1e-4
    )
    assert table.loc["macro average", "support"] == 4


def test_confident_mistakes_show_the_surest_wrong_predictions_first(tmp_path):
    rows = [(0, 1, 0.6), (1, 1, 0.99), (2, 0, 0.95), (1, 2, 0.7), (0, 2, 0.4)]
    predictions = _predictions(rows)
    for path in predictions["relative_path"]:
        Image.new("RGB", (8, 8), "white").save(tmp_path / path)
    manifest = predictions[["relative_path"]].assign(
        path=[str(tmp_path / p) for p in predictions["relative_path"]]
    )
    figure = plot_confident_mistakes(
        predictions,
        manifest,
        list(TINY_CLASSES),
        PARAMS.model_copy(update={"confident_mistakes": 3}),
    )
    titles = [ax.get_title() for ax in figure.axes if ax.images]
    assert titles == [
        "triangle\n→ circle 95%",
        "square\n→ triangle 70%",
        "circle\n→ square 60%",
    ]
    assert "3 of 4" in figure.texts[0].get_text()


def test_diagnosis_gives_verdict_numbers_and_advice_naming_the_settings():
    diagnosis = _diagnose()
    assert diagnosis["verdict"] == "overfitting"
    assert diagnosis["evidence"]["onset_epoch"] == 11
    assert diagnosis["evidence"]["validation_images"] == 500
    assert diagnosis["thresholds"]["overfit_accuracy_gap"] == PARAMS.overfit_accuracy_gap
    assert any("training.dropout is 0.3" in line for line in diagnosis["advice"])
    assert any("fewer epochs (about 11)" in line for line in diagnosis["advice"])
    assert any("800 images now" in line for line in diagnosis["advice"])
    assert not any("Check your data" in line for line in diagnosis["advice"])
    off_layers = NO_AUGMENTATION
    no_augmentation = AugmentationParams(
        **base_parameters("augmentation") | {"layers": off_layers}
    )
    off = _diagnose(augmentation=no_augmentation)
    assert any("Augmentation is off" in line for line in off["advice"])


def test_batches_that_do_not_mix_the_classes_get_no_verdict():
    # Class-sorted files through a small shuffle buffer: half of each batch one class.
    unmixed = _diagnose(OVERFIT, mix={"ratio": 3.2})
    assert unmixed["verdict"] == "inconclusive"
    assert unmixed["inconclusive_reason"] == "batches_not_mixed"
    assert "did not mix the classes" in unmixed["summary"]
    assert "3.2 times" in unmixed["summary"]
    assert any("random order of the whole split" in line for line in unmixed["advice"])
    assert _diagnose(OVERFIT, mix={"ratio": 1.9})["verdict"] == "overfitting"


def test_a_model_at_chance_with_a_large_validation_split_gets_no_verdict():
    flat = history_of(
        train_loss=[2.3] * 12,
        val_loss=[2.3] * 12,
        train_acc=[0.1, 0.11, 0.12] * 4,
        val_acc=[0.1] * 12,
    )
    at_chance = _diagnose(flat, METRICS | {"best_epoch": 3})
    assert at_chance["verdict"] == "inconclusive"
    assert at_chance["inconclusive_reason"] == "at_chance"
    assert "learned nothing" in at_chance["summary"]
    assert "scores 10%" in at_chance["summary"]  # 10 balanced classes
    assert any("labels match the images" in line for line in at_chance["advice"])
    # Above chance by more than the margin, the same curves are plain underfitting.
    learning = flat.assign(train_eval_accuracy=0.1 + PARAMS.chance_margin + 0.05)
    assert _diagnose(learning)["verdict"] == "underfitting"


def test_underfitting_advice_asks_for_capacity_and_less_regularization():
    under = _diagnose(UNDERFIT, METRICS | {"best_epoch": 30})
    assert under["verdict"] == "underfitting"
    advice = " ".join(under["advice"])
    assert "more capacity" in advice
    assert "Regularize less" in advice
    assert "Train longer" in advice
    assert "Regularize more" not in advice


def test_the_weakest_classes_are_named_with_their_image_counts():
    recalls = dict.fromkeys(CLASSES, 0.9) | {"c": 0.4, "f": 0.55, "h": 0.75, "j": 0.8}
    metrics = METRICS | {
        "test_accuracy": 0.85,
        "test_balanced_accuracy": 0.8,
        "test_recall_by_class": recalls,
    }
    unweighted = TRAINING.model_copy(update={"class_weight": "none"})
    diagnosis = _diagnose(metrics=metrics, training=unweighted)
    assert diagnosis["evidence"]["test_balanced_accuracy"] == 0.8
    (line,) = [line for line in diagnosis["advice"] if line.startswith("Weakest classes")]
    # Below the balanced accuracy by more than 0.1, lowest first; h and j are not.
    assert "(c: recall 0.40 of 50 test images, 80 training images; f: recall 0.55" in line
    assert "h:" not in line and "j:" not in line
    assert "training.class_weight: balanced makes" in line
    weighted = TRAINING.model_copy(update={"class_weight": "balanced"})
    (line,) = [
        line
        for line in _diagnose(metrics=metrics, training=weighted)["advice"]
        if line.startswith("Weakest classes")
    ]
    assert "training.class_weight is balanced already" in line
    even = METRICS | {"test_recall_by_class": dict.fromkeys(CLASSES, 0.45)}
    assert not any("Weakest" in line for line in _diagnose(metrics=even)["advice"])


def test_validation_findings_add_check_your_data_advice_with_counts():
    report = {
        "files": 50,
        "ok": 47,
        "quarantined": 3,
        "quarantined_by_reason": {"truncated": 3},
        "findings_by_check": {
            "truncated": {"files": 3, "action": "quarantine"},
            "near_duplicate": {"files": 4, "action": "annotate"},
        },
    }
    advice = _diagnose(report=report)["advice"]
    assert any(
        "quarantined 3 of 50 files (3 truncated); flagged 4 near_duplicate" in line
        for line in advice
    )


def test_advice_names_the_backbone_settings_for_a_backbone():
    backbone = TrainingParams(
        **base_parameters("training")
        | {"backbone": "EfficientNetB0", "fine_tune_layers": 20}
    )
    over = " ".join(_diagnose(training=backbone)["advice"])
    assert "Train less of the EfficientNetB0 backbone" in over
    assert "training.fine_tune_layers is 20" in over
    assert "conv_filters" not in over
    under = " ".join(
        _diagnose(UNDERFIT, METRICS | {"best_epoch": 30}, training=backbone)["advice"]
    )
    assert "Fine-tune more of the EfficientNetB0 backbone" in under
    assert "imagenet" in under
    assert "conv_filters" not in under


def test_the_test_score_is_split_by_twins_and_the_advice_says_so():
    manifest = pd.DataFrame(
        {
            "relative_path": [f"{i}.png" for i in range(10)],
            "split": ["train"] * 4 + ["validation"] * 2 + ["test"] * 4,
        }
    )
    twins = pd.DataFrame(
        {
            # One test image twice (two training twins), one validation image.
            "relative_path": ["6.png", "6.png", "4.png"],
            "split": ["test", "test", "validation"],
            "train_relative_path": ["0.png", "1.png", "2.png"],
        }
    )
    # Right on the image with a twin, one of three right on the others.
    predictions = _predictions([(0, 0, 0.9), (0, 1, 0.9), (0, 0, 0.9), (0, 1, 0.9)])
    predictions["relative_path"] = ["6.png", "7.png", "8.png", "9.png"]
    report = summarize_leakage(twins, SCOPE, predictions, manifest)
    assert report["audit"] == SCOPE
    assert report["finding"] == (
        "1 of 2 validation, 1 of 4 test images have a training twin"
    )
    clean = summarize_leakage(twins.iloc[:0], SCOPE, predictions, manifest)
    assert clean["finding"] == (
        "no training twins found among 2 validation and 4 test images"
    )
    assert report["twins_per_split"] == {
        "validation": {"images": 2, "with_training_twin": 1},
        "test": {"images": 4, "with_training_twin": 1},
    }
    assert report["test_images_with_twin"] == 1
    assert report["test_accuracy_with_twin"] == 1.0
    assert report["test_images_without_twin"] == 3
    assert report["test_accuracy_without_twin"] == round(1 / 3, 4)
    diagnosis = _diagnose(leakage=report)
    assert diagnosis["leakage"] == report
    line = next(line for line in diagnosis["advice"] if line.startswith("Leakage"))
    assert "1 of 4 test images and 1 of 2 validation images" in line
    assert "test accuracy 1.000 on them, 0.333 on the other 3" in line
    assert "data_split.keep_twins_together: true" in line
    assert not any(line.startswith("Leakage") for line in _diagnose()["advice"])
