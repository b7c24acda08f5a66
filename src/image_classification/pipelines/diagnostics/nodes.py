"""Nodes of the diagnostics pipeline."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from image_classification.pipelines.augmentation.input_pipeline import make_image_dataset

from .params import DiagnosticsParams
from .verdict import ADVICE, explain, judge_fit


def plot_learning_curves(training_history: pd.DataFrame, training_metrics: dict) -> Figure:
    """Cross-entropy and accuracy per epoch, training vs validation.

    The dashed line marks the best epoch (whose weights were kept), the dotted line the
    epoch training stopped at.

    Args:
        training_history: Per-epoch metrics from training.
        training_metrics: ``best_epoch`` and ``epochs_run``.

    Returns:
        The figure.
    """
    figure = Figure(figsize=(10, 4))
    epochs = training_history["epoch"]
    for ax, metric, title in zip(
        figure.subplots(1, 2),
        ("crossentropy", "accuracy"),
        ("Cross-entropy (no L2 penalty)", "Accuracy"),
        strict=True,
    ):
        ax.plot(epochs, training_history[metric], label="training (augmented, dropout on)")
        ax.plot(epochs, training_history[f"val_{metric}"], label="validation")
        ax.axvline(
            training_metrics["best_epoch"], color="grey", ls="--", label="best epoch"
        )
        ax.axvline(training_metrics["epochs_run"], color="grey", ls=":", label="stopped")
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def predict_test_split(
    model: keras.Model, split_manifest: pd.DataFrame, params: DiagnosticsParams
) -> pd.DataFrame:
    """Predict every test image with the saved model.

    Reads the test files from the split manifest rather than taking the in-memory
    dataset, so ``kedro run --pipeline diagnostics --load-versions ...`` can rebuild the
    report of any past run from its saved model and manifest.

    Args:
        model: The trained model.
        split_manifest: Files with ``path``, ``label_index`` and ``split``.
        params: ``batch_size`` for prediction.

    Returns:
        One row per test file: true and predicted label index and the confidence.
    """
    test = split_manifest[split_manifest["split"] == "test"]
    dataset = make_image_dataset(
        test["path"], test["label_index"], model.input_shape[1:3], params.batch_size
    )
    probabilities = model.predict(dataset, verbose=0)
    return pd.DataFrame(
        {
            "relative_path": test["relative_path"].to_numpy(),
            "label_index": test["label_index"].to_numpy(),
            "predicted_index": probabilities.argmax(axis=1),
            "confidence": probabilities.max(axis=1).round(4),
        }
    )


def plot_confusion_matrix(test_predictions: pd.DataFrame, class_names: list[str]) -> Figure:
    """Confusion matrix of the test split, rows are true classes.

    Args:
        test_predictions: Output of ``predict_test_split``.
        class_names: Axis labels in label-index order.

    Returns:
        The figure.
    """
    size = max(5.0, 0.6 * len(class_names) + 2)
    figure = Figure(figsize=(size, size))
    ax = figure.subplots()
    ConfusionMatrixDisplay.from_predictions(
        test_predictions["label_index"],
        test_predictions["predicted_index"],
        labels=np.arange(len(class_names)),
        display_labels=class_names,
        xticks_rotation="vertical",
        colorbar=False,
        ax=ax,
    )
    accuracy = float(
        (test_predictions["label_index"] == test_predictions["predicted_index"]).mean()
    )
    ax.set_title(f"Test split: accuracy {accuracy:.1%} on {len(test_predictions)} images")
    figure.tight_layout()
    return figure


def diagnose_fit(
    training_history: pd.DataFrame,
    training_metrics: dict,
    validation_report: dict,
    params: DiagnosticsParams,
) -> dict:
    """The verdict with the numbers behind it and what to try next, in plain words.

    Args:
        training_history: Per-epoch metrics from training.
        training_metrics: Validation and test results of the saved model.
        validation_report: Counts of quarantined files, to advise a data check.
        params: The thresholds of the verdict.

    Returns:
        ``verdict``, ``summary``, ``evidence``, ``thresholds`` and ``advice``.
    """
    verdict, evidence = judge_fit(training_history, params)
    advice = list(ADVICE[verdict])
    if (
        evidence["still_improving_at_end"]
        and training_metrics["stop_reason"] == "max_epochs"
    ):
        advice.append("Validation was still improving at the last epoch: raise max_epochs.")
    if validation_report["quarantined"]:
        reasons = ", ".join(
            f"{count} {reason}"
            for reason, count in validation_report["quarantined_by_reason"].items()
        )
        advice.append(
            f"Check your data: validation quarantined {validation_report['quarantined']} "
            f"of {validation_report['files']} files ({reasons}); see the quarantine table."
        )
    return {
        "verdict": verdict,
        "summary": explain(verdict, evidence, params),
        "evidence": evidence
        | {key: training_metrics[key] for key in ("test_accuracy", "stop_reason")},
        "thresholds": params.model_dump(exclude={"batch_size"}),
        "advice": advice,
    }
