"""What the stages hand each other as JSON, typed: the reports and decisions.

Each model is the exact shape of its JSON file (same keys, same order); the catalog
saves and loads them through ``ReportDataset``, which validates both ways, so a stage
that writes a new key or a wrong type fails where it writes, not in the stage that
reads. Mappings keyed by class or check name stay mappings: those names come from the
data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Verdict(StrEnum):
    """The diagnosis of a training run, in the words the report uses."""

    OVERFITTING = "overfitting"
    UNDERFITTING = "underfitting"
    GOOD_FIT = "good fit"
    INCONCLUSIVE = "inconclusive"


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckFinding(_Contract):
    files: int
    action: str


class ValidationReport(_Contract):
    """``validation_report``: what data validation found, per reason and class."""

    files: int
    ok: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    per_class: dict[str, dict[str, int]]
    files_outside_classes: int
    converted_to_rgb_by_mode: dict[str, int]
    duplicate_groups_kept: int
    findings_by_check: dict[str, CheckFinding]
    thresholds: dict[str, Any]
    limits: dict[str, Any]


class TrainingImageSize(_Contract):
    """``training_image_size``: the size every image is trained at, how an image of
    another shape fits it, and what the size was chosen from."""

    height: int
    width: int
    fit: str
    chosen_from: str


class Imbalance(_Contract):
    largest_over_smallest: float
    threshold: float
    imbalanced: bool


class SplitReport(_Contract):
    """``split_report``: images per split and class, and what the split checked."""

    images: int
    counts: dict[str, dict[str, int]]
    share: dict[str, float]
    fractions: dict[str, float]
    largest_class_share_gap: dict[str, float]
    imbalance: dict[str, Imbalance]
    leakage: dict[str, int]


class TrainingMetrics(_Contract):
    """``training_metrics``: the saved model on the validation and test splits."""

    validation_accuracy: float
    validation_balanced_accuracy: float
    validation_crossentropy: float
    test_accuracy: float
    test_balanced_accuracy: float
    test_crossentropy: float
    test_recall_by_class: dict[str, float]
    best_epoch: int
    epochs_run: int
    stop_reason: str


class TwinCount(_Contract):
    images: int
    with_training_twin: int


class LeakageReport(_Contract):
    """``leakage_report``: the test score split by training twins."""

    # One sentence: how many images have a twin, or "no training twins found ...";
    # absent in older runs' reports.
    finding: str | None = None
    twins_per_split: dict[str, TwinCount]
    test_accuracy_with_twin: float | None
    test_images_with_twin: int
    test_accuracy_without_twin: float | None
    test_images_without_twin: int
    # What the audit compared (resolution, thresholds); absent in older runs' reports.
    audit: dict[str, Any] | None = None


class Diagnosis(_Contract):
    """``diagnosis``: the verdict, its evidence and what to try next."""

    verdict: Verdict
    inconclusive_reason: str | None
    summary: str
    evidence: dict[str, Any]
    thresholds: dict[str, Any]
    advice: list[str]
    leakage: LeakageReport


class SubsetScore(_Contract):
    """Accuracy on a subset of the test images; None when the subset is empty."""

    count: int
    accuracy: float | None


class PromotionDecision(_Contract):
    """``promotion_decision``: whether the candidate replaced the champion, and why."""

    run_id: str
    promote: bool
    reason: str
    candidate_test_accuracy: float
    candidate_verdict: Verdict
    champion_test_accuracy: float | None
    # The champion on the test images that arrived since it was trained, and on the
    # others: count and accuracy; None without a champion's profile.
    champion_new_test_images: SubsetScore | None
    champion_other_test_images: SubsetScore | None
    champion_worse_on_new_images: bool
    previous_champion_id: str | None


class DataDrift(_Contract):
    """``data_drift``: today's data against the data the champion was trained on."""

    verdict: Literal["ok", "drift", "no reference"]
    reference: str | None  # the champion whose profile was compared
    drifted: list[str]
    files: dict[str, dict]
    arrived: int  # files whose bytes the champion's data did not hold
    near_duplicates_of_old: dict
    classes: dict
    statistics: dict[str, dict]
    thresholds: dict
