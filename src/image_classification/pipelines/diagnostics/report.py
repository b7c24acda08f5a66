"""One self-contained HTML page per run: verdict and advice first, then the evidence.

The figures the run saved are embedded as PNG data URIs and the style is inline, so
the file opens offline in any browser and can be mailed or archived on its own.
Nothing in it depends on the clock: the same run gives the same bytes.
"""

from __future__ import annotations

import json

import pandas as pd
from jinja2 import Environment, PackageLoader

from image_classification.core.html_page import PAGE_STYLE, html_table, png_image

# The page is templates/report.html.j2; text from the data is escaped there.
_TEMPLATES = Environment(
    loader=PackageLoader("image_classification.pipelines.diagnostics"),
    autoescape=True,
    keep_trailing_newline=True,
)
_FIGURE_ALT_TEXT = {
    "learning_curves": "learning curves",
    "confusion_matrix": "confusion matrix",
    "confident_mistakes": "most confident mistakes",
    "cross_split_twins": "cross-split twins",
}


def _plain(value):
    """Typed parameter groups as the plain values they were written as."""
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _validation_summary(validation_report: dict) -> dict:
    return {
        "files": validation_report["files"],
        "usable": validation_report["ok"],
        "quarantined": validation_report["quarantined"],
    } | {
        f"quarantined: {reason}": count
        for reason, count in validation_report["quarantined_by_reason"].items()
    }


def _findings(validation_report: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"check": check, "files": found["files"], "action": found["action"]}
            for check, found in validation_report["findings_by_check"].items()
        ],
        columns=["check", "files", "action"],
    )


def _split_counts(split_report: dict) -> pd.DataFrame:
    counts = pd.DataFrame(split_report["counts"]).fillna(0).astype(int)
    return counts.rename_axis("class").reset_index()


def _leakage_summary(leakage: dict) -> dict:
    splits = leakage["twins_per_split"]
    if any(counts["with_training_twin"] for counts in splits.values()):
        summary = {
            f"{split} images with a training twin": (
                f"{counts['with_training_twin']} of {counts['images']}"
            )
            for split, counts in splits.items()
        } | {
            "test accuracy on images with a twin": leakage["test_accuracy_with_twin"],
            "test accuracy on the other images": leakage["test_accuracy_without_twin"],
        }
    else:
        summary = {"training twins": leakage.get("finding") or "none found"}
    return summary | _audit_scope(leakage.get("audit"))


def _audit_scope(audit: dict | None) -> dict:
    """The resolution and thresholds of the check, in words."""
    if not audit:
        return {}
    limits = audit["thresholds"]
    resolution = f"aligned at {audit['alignment_resolution']}"
    thresholds = (
        f"{limits['candidates']} candidates per image; blurred images "
        f">= {limits['min_aligned_score']}, edges >= {limits['min_edge_score']}"
    )
    if audit["detail_resolution"]:
        resolution += f", detail compared at {audit['detail_resolution']}"
        thresholds += f", detail tiles >= {limits['min_detail_score']}"
    return {"audit resolution": resolution, "audit thresholds": thresholds}


def summarize_data(validation_report: dict, split_report: dict) -> dict:
    """The report's account of the data: validation's counts and findings, and the
    images per class and split."""
    return {
        "validation_summary": _validation_summary(validation_report),
        "findings": _findings(validation_report),
        "split_counts": _split_counts(split_report),
    }


def gather_report_figures(
    learning_curves: bytes,
    confusion_matrix: bytes,
    confident_mistakes: bytes,
    cross_split_twin_grid: bytes,
) -> dict[str, bytes]:
    """The PNGs the run saved, by the report's names for them."""
    return {
        "learning_curves": learning_curves,
        "confusion_matrix": confusion_matrix,
        "confident_mistakes": confident_mistakes,
        "cross_split_twins": cross_split_twin_grid,
    }


def build_report(  # noqa: PLR0917 - Kedro passes node inputs by position
    diagnosis: dict,
    training_metrics: dict,
    per_class_metrics: pd.DataFrame,
    data_summary: dict,
    figures: dict[str, bytes],
    parameters: dict,
) -> str:
    """The run's single HTML page.

    Args:
        diagnosis: Verdict, summary, evidence and advice.
        training_metrics: Validation and test results of the saved model.
        per_class_metrics: Precision, recall, F1 and support per class.
        data_summary: Validation's counts and findings, images per class and split
            (``summarize_data``).
        figures: The saved PNGs (``gather_report_figures``).
        parameters: Every parameter of the run.

    Returns:
        Self-contained HTML: verdict and advice, curves, per-class table, mistakes,
        cross-split twins, the validation summary and the parameters used.
    """
    settings = json.dumps(
        {name: _plain(value) for name, value in parameters.items()},
        indent=2,
        sort_keys=True,
    )
    figure_images = {
        name: png_image(figures[name], alt) for name, alt in _FIGURE_ALT_TEXT.items()
    }
    return _TEMPLATES.get_template("report.html.j2").render(
        verdict=diagnosis["verdict"],
        summary=diagnosis["summary"],
        advice=diagnosis["advice"],
        evidence=diagnosis["evidence"],
        leakage=_leakage_summary(diagnosis["leakage"]),
        training_metrics=training_metrics,
        figures=figure_images,
        per_class_metrics=html_table(per_class_metrics),
        validation_summary=data_summary["validation_summary"],
        findings=html_table(data_summary["findings"]),
        split_counts=html_table(data_summary["split_counts"]),
        settings=settings,
        style=PAGE_STYLE,
    )
