"""A few closing lines that say how a run went, after Kedro's log of it.

A run logs hundreds of lines; what a person wants at the end is a handful of numbers
and where to look next. The hook keeps the reports as they are saved and prints them
when the pipeline ends; a partial run prints what it made.
"""

from __future__ import annotations

from typing import Any

import click
from kedro.framework.hooks import hook_impl
from kedro.io.core import get_filepath_str

from image_classification.core.manifest import SPLITS

_SUMMARIZED = {
    "training_image_size",
    "validation_report",
    "split_report",
    "training_metrics",
    "leakage_report",
    "diagnosis",
    "predictions",
    "data_drift",
}
# Classes the training line names as the weakest, by test recall.
_WEAKEST_CLASSES = 3
# Outputs a person opens next: the summary ends with the path this run saved.
_PATHS = {
    "run_report": "report",
    "retraining_report": "retraining report",
    "predictions": "predictions",
}


def summary_lines(reports: dict[str, Any], paths: dict[str, str]) -> list[str]:
    """The summary of the reports a run saved (by catalog name), and the paths of the
    HTML report and the predictions table where the run wrote them (by catalog name);
    no lines when it saved none of them."""
    lines = []
    if validation := reports.get("validation_report"):
        reasons = ", ".join(
            f"{reason} {count}"
            for reason, count in sorted(validation["quarantined_by_reason"].items())
        )
        lines.append(
            f"validation: {validation['files']:,} files, {validation['ok']:,} usable, "
            f"{validation['quarantined']:,} quarantined"
            + (f" ({reasons})" if reasons else "")
        )
    if size := reports.get("training_image_size"):
        lines.append(
            f"images: trained at {size['height']}x{size['width']} ({size['fit']}), "
            f"{size['chosen_from']}"
        )
    if split := reports.get("split_report"):
        sizes = {name: sum(split["counts"].get(name, {}).values()) for name in SPLITS}
        lines.append("split: " + ", ".join(f"{sizes[name]:,} {name}" for name in SPLITS))
    if metrics := reports.get("training_metrics"):
        lines.append(_training_line(metrics))
    if leakage := reports.get("leakage_report"):
        lines.append(_leakage_line(leakage))
    if diagnosis := reports.get("diagnosis"):
        lines.append(f"verdict: {diagnosis['verdict']}: {diagnosis['summary']}")
    if drift := reports.get("data_drift"):
        lines.append(_drift_line(drift))
    predictions = reports.get("predictions")
    if predictions is not None:
        lines.append(_prediction_line(predictions))
    if lines:
        lines += [f"{_PATHS[name]}: {path}" for name, path in paths.items()]
    return ["Run summary", *(f"  {line}" for line in lines)] if lines else []


def _training_line(metrics: dict) -> str:
    """Best epoch, accuracy and balanced accuracy, and the classes found least."""
    recalls = sorted(metrics["test_recall_by_class"].items(), key=lambda item: item[1])
    weakest = ", ".join(
        f"{name} {recall:.2f}" for name, recall in recalls[:_WEAKEST_CLASSES]
    )
    return (
        f"training: best epoch {metrics['best_epoch']} of {metrics['epochs_run']} "
        f"({metrics['stop_reason'].replace('_', ' ')}); validation accuracy "
        f"{metrics['validation_accuracy']:.3f}, test accuracy "
        f"{metrics['test_accuracy']:.3f}, balanced accuracy "
        f"{metrics['test_balanced_accuracy']:.3f} (lowest test recall: {weakest})"
    )


def _drift_line(drift: dict) -> str:
    """What changed since the champion's data, and what drifted."""
    if drift["verdict"] == "no reference":
        return "data drift: no champion's data to compare with yet"
    files = drift["files"]
    line = (
        f"data drift: {drift['verdict']} since champion {drift['reference']} "
        f"({files['added']['count']:,} files added, {files['removed']['count']:,} "
        f"removed, {drift['arrived']:,} new images)"
    )
    return line + (": " + "; ".join(drift["drifted"]) if drift["drifted"] else "")


def _leakage_line(leakage: dict) -> str:
    """The audit's finding (images with a training twin, or none found), and the test
    score split by the twins."""
    line = f"leakage: {leakage['finding']}"
    if leakage["test_accuracy_with_twin"] is not None:
        without = leakage["test_accuracy_without_twin"]
        line += (
            f"; test accuracy {leakage['test_accuracy_with_twin']:.3f} on them, "
            + ("n/a" if without is None else f"{without:.3f}")
            + " on the rest"
        )
    return line


def _prediction_line(predictions) -> str:
    """How many files were classified, with which model, and why the others were not."""
    classified = int((predictions["status"] == "classified").sum())
    reasons = predictions.loc[predictions["status"] != "classified", "reason"]
    not_classified = ", ".join(
        f"{reason} {count}" for reason, count in sorted(reasons.value_counts().items())
    )
    versions = ", ".join(sorted(set(predictions["model_version"])))
    return (
        f"predict: {len(predictions):,} files, {classified:,} classified with model "
        f"{versions}, {len(reasons):,} not classified"
        + (f" ({not_classified})" if not_classified else "")
    )


class RunSummaryHooks:
    """Print ``summary_lines`` of the run at its end."""

    def __init__(self) -> None:
        self._reports: dict[str, Any] = {}
        self._paths: dict[str, str] = {}

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        self._reports, self._paths = {}, {}

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data, node) -> None:
        if dataset_name in _SUMMARIZED:
            self._reports[dataset_name] = data

    @hook_impl
    def after_node_run(self, node, catalog, outputs) -> None:
        for name in _PATHS.keys() & outputs.keys():
            # The version this run saved (Kedro resolved the latest one to load before
            # the run, so the load path would name an older one). Kedro has no public
            # accessor for a version's path.
            dataset = catalog.get(name)
            version = dataset.resolve_save_version()
            path = dataset._get_versioned_path(version)
            self._paths[name] = get_filepath_str(path, dataset._protocol)

    @hook_impl
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        for line in summary_lines(self._reports, self._paths):
            click.echo(line)
