"""Nodes of the diagnostics pipeline."""

from __future__ import annotations

import keras
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_fscore_support

from image_classification.core.evaluation import predicted_test_split
from image_classification.core.image_pack import ImagePack
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.training import TrainingParams

from .advice import advise, class_advice, data_advice, explain, leakage_advice
from .plots import (
    confident_mistakes_figure,
    confusion_matrix_figure,
    learning_curves_figure,
)
from .verdict import judge_fit


def predict_test_split(
    model: keras.Model,
    image_pack: ImagePack,
    split_manifest: pd.DataFrame,
    params: DiagnosticsParams,
) -> pd.DataFrame:
    """Predict every test image with the saved model (``core.evaluation``).

    Reads the test images from the pack rather than taking the in-memory dataset, so
    ``kedro run --tags report`` or ``--load-versions`` can rebuild the report of any
    past run from its saved model, pack and manifest.

    Args:
        model: The trained model.
        image_pack: The pixels validation decoded.
        split_manifest: Its ``test`` rows are predicted.
        params: ``batch_size`` for prediction.

    Returns:
        One row per test file: true and predicted label index and the confidence.
    """
    return predicted_test_split(model, image_pack, split_manifest, params.batch_size)


def per_class_metrics(
    test_predictions: pd.DataFrame, class_names: list[str]
) -> pd.DataFrame:
    """Precision, recall and F1 of every class on the test split, and their mean.

    Args:
        test_predictions: Output of ``predict_test_split``.
        class_names: Row order and names.

    Returns:
        One row per class and a last ``macro average`` row.
    """
    precision, recall, f1, support = precision_recall_fscore_support(
        test_predictions["label_index"],
        test_predictions["predicted_index"],
        labels=list(range(len(class_names))),
        zero_division=0,
    )
    table = pd.DataFrame(
        {
            "class": class_names,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": support,
        }
    )
    mean = table[["precision", "recall", "f1"]].mean()
    table.loc[len(table)] = ["macro average", *mean, support.sum()]
    return table.round({"precision": 4, "recall": 4, "f1": 4})


def summarize_leakage(
    cross_split_twins: pd.DataFrame,
    twin_search_scope: dict,
    test_predictions: pd.DataFrame,
    split_manifest: pd.DataFrame,
) -> dict:
    """How much of the test score the twins may owe to memory: test accuracy on the
    test images with a training twin beside the accuracy on the rest.

    Args:
        cross_split_twins: The leakage audit's confirmed pairs.
        twin_search_scope: What the audit compared (resolution, thresholds).
        test_predictions: Output of ``predict_test_split``.
        split_manifest: Images per split.

    Returns:
        Counts of twins per split, and for the test split the images and accuracy
        with and without a twin (accuracy None where there is no image); the
        audit's scope.
    """
    twins = cross_split_twins.groupby("split")["relative_path"].unique()
    suspects = set(twins.get("test", []))
    correct = test_predictions["label_index"] == test_predictions["predicted_index"]
    with_twin = test_predictions["relative_path"].isin(suspects)

    def accuracy(mask: pd.Series) -> float | None:
        return round(float(correct[mask].mean()), 4) if mask.any() else None

    images = split_manifest["split"].value_counts()
    twins_per_split = {
        split: {
            "images": int(images.get(split, 0)),
            "with_training_twin": len(twins.get(split, [])),
        }
        for split in ("validation", "test")
    }
    return {
        "finding": _twin_finding(twins_per_split),
        "twins_per_split": twins_per_split,
        "test_accuracy_with_twin": accuracy(with_twin),
        "test_images_with_twin": int(with_twin.sum()),
        "test_accuracy_without_twin": accuracy(~with_twin),
        "test_images_without_twin": int((~with_twin).sum()),
        "audit": twin_search_scope,
    }


def _twin_finding(twins_per_split: dict) -> str:
    """The audit's result in one plain sentence."""
    if not any(counts["with_training_twin"] for counts in twins_per_split.values()):
        return (
            "no training twins found among "
            + " and ".join(
                f"{counts['images']:,} {split}" for split, counts in twins_per_split.items()
            )
            + " images"
        )
    return (
        ", ".join(
            f"{counts['with_training_twin']:,} of {counts['images']:,} {split}"
            for split, counts in twins_per_split.items()
        )
        + " images have a training twin"
    )


def judge_training(
    training_history: pd.DataFrame,
    training_metrics: dict,
    split_report: dict,
    batch_class_mix: dict,
    params: DiagnosticsParams,
) -> dict:
    """The verdict on the fit, with the numbers behind it, in plain words.

    Args:
        training_history: Per-epoch honest training and validation metrics.
        training_metrics: Validation and test results of the saved model.
        split_report: Images per class and split.
        batch_class_mix: How well training batches mixed the classes.
        params: The thresholds of the verdict.

    Returns:
        ``verdict``, ``inconclusive_reason``, ``summary``, ``evidence`` and
        ``thresholds``.
    """
    train_counts = split_report["counts"]["train"].values()
    verdict, reason, evidence = judge_fit(
        training_history,
        training_metrics["stop_reason"],
        sum(split_report["counts"]["validation"].values()),
        params,
        chance_accuracy=max(train_counts) / max(sum(train_counts), 1),
        batch_class_mix_ratio=batch_class_mix["ratio"],
    )
    return {
        "verdict": verdict,
        "inconclusive_reason": reason,
        "summary": explain(verdict, reason, evidence, params),
        "evidence": evidence
        | {
            key: training_metrics[key]
            for key in ("test_accuracy", "test_balanced_accuracy", "stop_reason")
        },
        "thresholds": params.model_dump(exclude={"batch_size", "confident_mistakes"}),
    }


def advise_next_steps(
    fit_judgement: dict,
    training_metrics: dict,
    split_report: dict,
    training: TrainingParams,
    augmentation: AugmentationParams,
) -> list[str]:
    """What to try next for this fit, naming the settings to change, then the weakest
    classes."""
    advice = advise(
        fit_judgement["verdict"],
        fit_judgement["inconclusive_reason"],
        fit_judgement["evidence"],
        training=training,
        augmentation=augmentation,
        train_images=sum(split_report["counts"]["train"].values()),
    )
    return advice + class_advice(training_metrics, split_report, training)


def diagnose_fit(
    fit_judgement: dict,
    fit_advice: list[str],
    validation_report: dict,
    leakage_report: dict,
) -> dict:
    """The diagnosis: the verdict and its evidence, what to try next (for the fit,
    then the data, then leakage) and the leakage report.

    Returns:
        ``verdict``, ``inconclusive_reason``, ``summary``, ``evidence``,
        ``thresholds``, ``advice`` and ``leakage``.
    """
    advice = fit_advice + data_advice(validation_report) + leakage_advice(leakage_report)
    return fit_judgement | {"advice": advice, "leakage": leakage_report}


def plot_learning_curves(training_history: pd.DataFrame, diagnosis: dict) -> Figure:
    """Honest training vs validation curves with the best, stop and onset epochs."""
    return learning_curves_figure(training_history, diagnosis)


def plot_confusion_matrix(
    test_predictions: pd.DataFrame, class_names: list[str], per_class: pd.DataFrame
) -> Figure:
    """Confusion matrix of the test split beside the per-class table."""
    return confusion_matrix_figure(test_predictions, class_names, per_class)


def plot_confident_mistakes(
    test_predictions: pd.DataFrame,
    split_manifest: pd.DataFrame,
    class_names: list[str],
    params: DiagnosticsParams,
) -> Figure:
    """The test images predicted wrongly with the highest confidence."""
    return confident_mistakes_figure(
        test_predictions, split_manifest, class_names, params.confident_mistakes
    )
