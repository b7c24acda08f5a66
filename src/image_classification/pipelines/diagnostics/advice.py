"""The verdict in plain words, and what to try next given the evidence and settings.

Advice names the parameter to change and its current value, so a reader can act on it
without opening the configuration; it follows the evidence (an early stop while
validation still improved calls for more patience, a turn of validation for an
earlier stop) rather than listing every remedy.
"""

from __future__ import annotations

from image_classification.core.contracts import Verdict
from image_classification.core.input_pipeline import is_augmenting
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.diagnostics import DiagnosticsParams
from image_classification.core.params.training import TrainingParams

from .verdict import (
    AT_CHANCE,
    BATCHES_NOT_MIXED,
    DIVERGED,
    TOO_FEW_EPOCHS,
    VALIDATION_TOO_SMALL,
)

# A class whose test recall is this far below the balanced accuracy is named as weak,
# at most this many of them: the gap is beyond what a test split of a few dozen images
# per class moves by chance (a recall measured on 40 images has a standard error of up
# to 0.08).
_WEAK_RECALL_GAP = 0.1
_WEAKEST_NAMED = 3


def _why_no_verdict(
    reason: str | None, evidence: dict, params: DiagnosticsParams
) -> str | None:
    """The paragraph of a run that ended with no verdict: diverged, too short, its
    batches not mixed, or at chance; None otherwise."""
    if reason == DIVERGED:
        return "Training diverged: a cross-entropy became infinite or NaN."
    if reason == TOO_FEW_EPOCHS:
        return (
            f"Only {evidence['last_epoch']} epochs ran; at least {params.min_epochs} are "
            "needed to see a trend."
        )
    if reason == BATCHES_NOT_MIXED:
        return (
            "Training batches did not mix the classes: in the median batch the largest "
            f"class took {evidence['batch_class_mix_ratio']:.1f} times the share it takes "
            "in a random order of the same images, so the model saw a drifting class mix "
            "and these curves describe the input order, not the model. No verdict."
        )
    if reason == AT_CHANCE:
        return (
            "The model learned nothing: its best accuracy on training images was "
            f"{evidence['best_train_accuracy']:.0%}, where always answering the largest "
            f"class scores {evidence['chance_accuracy']:.0%}, although "
            f"{evidence['validation_images']} validation images are enough to judge. "
            "That points to a fault, not to the model's size. No verdict."
        )
    return None


def explain(
    verdict: Verdict, reason: str | None, evidence: dict, params: DiagnosticsParams
) -> str:
    """One plain paragraph saying why the verdict was given."""
    if no_verdict := _why_no_verdict(reason, evidence, params):
        return no_verdict
    gaps = (
        f"Training accuracy (un-augmented training images) minus validation accuracy: "
        f"{evidence['accuracy_gap_at_best']:+.1%} at the best epoch "
        f"({evidence['best_epoch']}), {evidence['accuracy_gap_at_end']:+.1%} at the last "
        f"({evidence['last_epoch']})."
    )
    if reason == VALIDATION_TOO_SMALL:
        return (
            f"{gaps} With {evidence['validation_images']} validation images, validation "
            f"accuracy is only known to about ±{evidence['gap_noise']:.0%}, too coarse to "
            f"tell a {params.overfit_accuracy_gap:.0%} gap from noise."
        )
    if verdict == Verdict.UNDERFITTING:
        return (
            f"The model does not fit even its training data: its best training accuracy "
            f"was {evidence['best_train_accuracy']:.0%}, below "
            f"{params.underfit_train_accuracy:.0%}. {gaps}"
        )
    if verdict == Verdict.OVERFITTING and evidence["onset_epoch"] is not None:
        return (
            f"The model started memorizing at epoch {evidence['onset_epoch']}: from there "
            "validation cross-entropy rose "
            f"{evidence['validation_loss_rise_after_best']:.0%} "
            f"while training cross-entropy kept falling. {gaps}"
        )
    if verdict == Verdict.OVERFITTING:
        return (
            f"The model fits its training images much better than new ones, by more than "
            f"{params.overfit_accuracy_gap:.0%}, although validation did not turn up. "
            f"{gaps}"
        )
    return (
        f"Training and validation agree within {params.overfit_accuracy_gap:.0%} and "
        f"validation cross-entropy did not turn up. {gaps}"
    )


def _overfitting_advice(
    evidence: dict, training: TrainingParams, augmentation: AugmentationParams
) -> list[str]:
    layers = augmentation.layers
    advice = []
    if evidence["onset_epoch"] is not None:
        stop = (
            f"early stopping kept epoch {evidence['best_epoch']}'s weights; a patience "
            f"below {training.patience} stops sooner"
            if evidence["early_stopping_fired"]
            else f"train for fewer epochs (about {evidence['onset_epoch']}) or with early "
            f"stopping (training.patience {training.patience}, training.max_epochs "
            f"{training.max_epochs})"
        )
        advice.append(
            f"Validation stopped improving at epoch {evidence['onset_epoch']}: {stop}."
        )
    if is_augmenting(layers):
        advice.append(
            f"Augment more: rotation {layers.rotation_degrees:g}°, translation "
            f"{layers.translation_fraction:g} and, on photos of at least "
            f"{layers.photo_min_side} pixels, crops down to {layers.crop_area_min:g} of "
            "the area now (augmentation.layers)."
        )
    else:
        advice.append(
            "Augmentation is off: turn on flips, rotation or translation "
            "(augmentation.layers)."
        )
    advice.append(
        f"Regularize more: training.dropout is {training.dropout:g}, training.l2 is "
        f"{training.l2:g}; try dropout +0.2 or l2 1e-4."
    )
    if training.backbone == "small_cnn":
        advice.append(
            f"Use a simpler model: training.conv_filters {list(training.conv_filters)}"
            + (
                ", a block more per doubling of the side beyond 32 pixels"
                if training.deepen_with_image
                else ""
            )
            + f", training.dense_units {training.dense_units}."
        )
    else:
        advice.append(
            f"Train less of the {training.backbone} backbone: "
            f"training.fine_tune_layers is {training.fine_tune_layers} (0 keeps it "
            f"frozen), training.fine_tune_learning_rate_factor "
            f"{training.fine_tune_learning_rate_factor:g}."
        )
    return advice


def _underfitting_advice(
    evidence: dict, training: TrainingParams, augmentation: AugmentationParams
) -> list[str]:
    capacity = (
        "Give the model more capacity: more filters or another block in "
        f"training.conv_filters (now {list(training.conv_filters)}), more "
        f"training.dense_units (now {training.dense_units})."
        if training.backbone == "small_cnn"
        else f"Fine-tune more of the {training.backbone} backbone: "
        f"training.fine_tune_layers is {training.fine_tune_layers}, after "
        f"training.frozen_epochs {training.frozen_epochs}; a larger image_size suits "
        "a backbone made for 224-pixel images; a backbone_weights of imagenet starts "
        "from learned features"
        + ("" if training.backbone_weights is None else " (already set)")
        + "."
    )
    advice = [
        capacity,
        f"Regularize less: training.dropout is {training.dropout:g}, training.l2 is "
        f"{training.l2:g}"
        + (", and augmentation is on" if is_augmenting(augmentation.layers) else "")
        + ".",
    ]
    if not evidence["early_stopping_fired"] and evidence["still_improving_at_end"]:
        advice.append(
            "Train longer: validation still improved at the last epoch "
            f"(training.max_epochs {training.max_epochs})."
        )
    advice.append(
        "If the curves fall slowly, try a larger training.learning_rate "
        f"(now {training.learning_rate:g})."
    )
    return advice


def advise(
    verdict: Verdict,
    reason: str | None,
    evidence: dict,
    *,
    training: TrainingParams,
    augmentation: AugmentationParams,
    train_images: int,
) -> list[str]:
    """What to try next, most specific first."""
    for_reason = _reason_advice(reason, training)
    if for_reason:
        return for_reason
    return _verdict_advice(verdict, evidence, training, augmentation, train_images)


def _reason_advice(reason: str | None, training: TrainingParams) -> list[str]:
    """The advice for a fit that went wrong in a named way; empty for the others."""
    if reason == DIVERGED:
        return [
            f"Lower training.learning_rate (now {training.learning_rate:g}), or turn on "
            "training.batch_norm."
        ]
    if reason == TOO_FEW_EPOCHS:
        return [
            f"Train longer: raise training.max_epochs (now {training.max_epochs}) and "
            f"training.patience (now {training.patience})."
        ]
    if reason == BATCHES_NOT_MIXED:
        return [
            "Feed training a random order of the whole split: see batch_class_mix.json; "
            "a shuffle buffer smaller than the split only mixes neighbouring files."
        ]
    if reason == AT_CHANCE:
        return [
            "Check that the labels match the images (class_sample_grid.png, "
            "augmentation_preview.png) and the class mix of training batches "
            "(batch_class_mix.json).",
            f"Lower training.learning_rate (now {training.learning_rate:g}): a rate too "
            "high can leave every unit dead after the first updates.",
            f"Train longer if the curves only start to rise late (training.patience "
            f"{training.patience}, training.max_epochs {training.max_epochs}).",
        ]
    if reason == VALIDATION_TOO_SMALL:
        return [
            "Give validation more images: more data, or a larger validation fraction "
            "(data_split.fractions)."
        ]
    return []


def _verdict_advice(
    verdict: Verdict,
    evidence: dict,
    training: TrainingParams,
    augmentation: AugmentationParams,
    train_images: int,
) -> list[str]:
    """The advice for an overfitting, underfitting or good fit."""
    advice = {
        Verdict.OVERFITTING: _overfitting_advice,
        Verdict.UNDERFITTING: _underfitting_advice,
    }.get(verdict, lambda *_: [])(evidence, training, augmentation)
    if evidence["stopped_while_improving"]:
        advice.insert(
            0,
            f"Early stopping fired while validation was still improving: raise "
            f"training.patience (now {training.patience}).",
        )
    if verdict in {Verdict.OVERFITTING, Verdict.GOOD_FIT}:
        advice.append(
            f"Get more training data: {train_images} images now; more images per class "
            "is the most reliable cure for a gap."
        )
    if (
        verdict == Verdict.GOOD_FIT
        and evidence["still_improving_at_end"]
        and not evidence["early_stopping_fired"]
    ):
        advice.insert(
            0,
            "Validation still improved at the last epoch: raise training.max_epochs "
            f"(now {training.max_epochs}).",
        )
    return advice


def class_advice(
    training_metrics: dict, split_report: dict, training: TrainingParams
) -> list[str]:
    """The classes the model finds least, with their image counts, when their test
    recall falls well below the mean recall (the balanced accuracy)."""
    balanced = training_metrics["test_balanced_accuracy"]
    weak = sorted(
        (recall, name)
        for name, recall in training_metrics["test_recall_by_class"].items()
        if recall < balanced - _WEAK_RECALL_GAP
    )[:_WEAKEST_NAMED]
    if not weak:
        return []
    counts = split_report["counts"]
    named = "; ".join(
        f"{name}: recall {recall:.2f} of {counts['test'].get(name, 0)} test images, "
        f"{counts['train'].get(name, 0)} training images"
        for recall, name in weak
    )
    weights = (
        "training.class_weight is balanced already"
        if training.class_weight == "balanced"
        else "training.class_weight: balanced makes each class's mistakes count by "
        "its rarity"
    )
    return [
        f"Weakest classes ({named}), against a balanced accuracy of {balanced:.2f}: "
        f"more images of them help most; {weights}. See per_class_metrics and "
        "confusion_matrix.png for what they are taken for."
    ]


def data_advice(validation_report: dict) -> list[str]:
    """A "check your data" line with the validation report's counts, when it found
    problems."""
    flagged = {
        check: found["files"]
        for check, found in validation_report["findings_by_check"].items()
        if found["action"] == "annotate"
    }
    if not validation_report["quarantined"] and not flagged:
        return []
    parts = []
    if validation_report["quarantined"]:
        reasons = ", ".join(
            f"{count} {reason}"
            for reason, count in validation_report["quarantined_by_reason"].items()
        )
        parts.append(
            f"validation quarantined {validation_report['quarantined']} of "
            f"{validation_report['files']} files ({reasons})"
        )
    if flagged:
        parts.append(
            "flagged " + ", ".join(f"{count} {check}" for check, count in flagged.items())
        )
    return [
        f"Check your data: {'; '.join(parts)}. See validation_report.json, quarantine.csv "
        "and flag_examples.png; `kedro run --pipelines label_audit` looks for mislabelled "
        "images."
    ]


def leakage_advice(leakage_report: dict) -> list[str]:
    """A line saying how many test images have a training twin and what the test
    score is with and without them, when the leakage audit found any."""
    test = leakage_report["twins_per_split"]["test"]
    validation = leakage_report["twins_per_split"]["validation"]
    if not test["with_training_twin"] and not validation["with_training_twin"]:
        return []
    without = leakage_report["test_accuracy_without_twin"]
    with_twin = leakage_report["test_accuracy_with_twin"]
    score = (
        f": test accuracy {with_twin:.3f} on them, "
        f"{'n/a' if without is None else f'{without:.3f}'} on the other "
        f"{leakage_report['test_images_without_twin']}"
        if with_twin is not None
        else ""
    )
    return [
        f"Leakage: {test['with_training_twin']} of {test['images']} test images and "
        f"{validation['with_training_twin']} of {validation['images']} validation images "
        f"are a training image again (cropped, mirrored, recoloured or re-encoded){score}. "
        "See cross_split_twins.csv and cross_split_twin_grid.png; "
        "data_split.keep_twins_together: true keeps each with its twin from the next run."
    ]
