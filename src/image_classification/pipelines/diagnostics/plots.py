"""Figures of the diagnosis: learning curves, confusion matrix, confident mistakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from image_classification.core.decoding import thumbnail_file
from image_classification.figures import image_grid

_MISTAKES_PER_ROW = 8


def learning_curves_figure(training_history: pd.DataFrame, diagnosis: dict) -> Figure:
    """Cross-entropy and accuracy per epoch: honest training vs validation, gap shaded.

    The honest training curve is the un-augmented training sample in inference mode;
    Keras' own training curve (augmented batches, dropout on) is drawn faintly for
    comparison. Vertical lines mark the best epoch (its weights were kept), the stop,
    and the overfitting onset when there is one.
    """
    evidence = diagnosis["evidence"]
    epochs = training_history["epoch"]
    figure = Figure(figsize=(11, 4.2))
    for ax, metric, title in zip(
        figure.subplots(1, 2),
        ("crossentropy", "accuracy"),
        ("Cross-entropy (no L2 penalty)", "Accuracy"),
        strict=True,
    ):
        train = training_history[f"train_eval_{metric}"]
        validation = training_history[f"val_{metric}"]
        ax.plot(epochs, train, color="tab:blue", label="training (un-augmented sample)")
        ax.plot(epochs, validation, color="tab:orange", label="validation")
        ax.plot(
            epochs,
            training_history[metric],
            color="tab:blue",
            alpha=0.35,
            ls="--",
            lw=1,
            label="training batches (augmented, dropout on)",
        )
        ax.fill_between(epochs, train, validation, color="tab:red", alpha=0.12, label="gap")
        for key, style, label in (
            ("best_epoch", "--", "best epoch (kept)"),
            ("last_epoch", ":", "stopped"),
            ("onset_epoch", "-.", "overfitting onset"),
        ):
            if evidence.get(key) is not None:
                color = "tab:red" if key == "onset_epoch" else "grey"
                ax.axvline(evidence[key], color=color, ls=style, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    figure.suptitle(f"Learning curves: {diagnosis['verdict']}")
    figure.tight_layout()
    return figure


def confusion_matrix_figure(
    test_predictions: pd.DataFrame, class_names: list[str], per_class: pd.DataFrame
) -> Figure:
    """Confusion matrix of the test split (rows are true classes) beside the per-class
    precision, recall and F1 table."""
    size = max(5.0, 0.6 * len(class_names) + 2)
    figure = Figure(figsize=(size + 4.5, size))
    matrix_ax, table_ax = figure.subplots(1, 2, gridspec_kw={"width_ratios": [size, 4.5]})
    ConfusionMatrixDisplay.from_predictions(
        test_predictions["label_index"],
        test_predictions["predicted_index"],
        labels=np.arange(len(class_names)),
        display_labels=class_names,
        xticks_rotation="vertical",
        colorbar=False,
        ax=matrix_ax,
    )
    accuracy = float(
        (test_predictions["label_index"] == test_predictions["predicted_index"]).mean()
    )
    matrix_ax.set_title(
        f"Test split: accuracy {accuracy:.1%} on {len(test_predictions)} images"
    )
    table_ax.set_axis_off()
    shown = per_class.set_index("class")
    table = table_ax.table(
        cellText=[
            [f"{row.precision:.2f}", f"{row.recall:.2f}", f"{row.f1:.2f}", int(row.support)]
            for row in shown.itertuples()
        ],
        rowLabels=list(shown.index),
        colLabels=["precision", "recall", "F1", "images"],
        loc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table_ax.set_title("Per class")
    figure.tight_layout()
    return figure


def confident_mistakes_figure(
    test_predictions: pd.DataFrame,
    split_manifest: pd.DataFrame,
    class_names: list[str],
    count: int,
) -> Figure:
    """The test images predicted wrongly with the highest confidence, each titled with
    its true and predicted class: swapped labels and look-alike classes show up here."""
    wrong = test_predictions[
        test_predictions["label_index"] != test_predictions["predicted_index"]
    ].sort_values(["confidence", "relative_path"], ascending=[False, True])
    shown = wrong.head(count)
    if shown.empty:
        return image_grid(
            [[np.full((8, 8, 3), 255, np.uint8)]], ["none"], "No mistakes", [[""]]
        )
    path_of = split_manifest.set_index("relative_path")["path"]
    images = [thumbnail_file(path_of[p]) for p in shown["relative_path"]]
    titles = [
        f"{class_names[true]}\n→ {class_names[predicted]} {confidence:.0%}"
        for true, predicted, confidence in zip(
            shown["label_index"], shown["predicted_index"], shown["confidence"], strict=True
        )
    ]
    rows = range(0, len(images), _MISTAKES_PER_ROW)
    return image_grid(
        [images[start : start + _MISTAKES_PER_ROW] for start in rows],
        [""] * len(rows),
        f"Most confident mistakes on the test split ({len(shown)} of {len(wrong)}): "
        "true → predicted",
        [titles[start : start + _MISTAKES_PER_ROW] for start in rows],
    )
