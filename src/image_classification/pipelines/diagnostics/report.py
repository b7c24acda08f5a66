"""One self-contained HTML page per run: verdict and advice first, then the evidence.

Figures are embedded as PNG data URIs and the style is inline, so the file opens
offline in any browser and can be mailed or archived on its own. Nothing in it depends
on the clock: the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import io
import json
from html import escape

import pandas as pd
from matplotlib.figure import Figure

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.verdict { font-size: 1.6em; font-weight: bold; padding: 0.4em 0.8em;
           border-radius: 6px; display: inline-block; }
.overfitting { background: #fde2e1; } .underfitting { background: #fff1cc; }
.good-fit { background: #dcf5e3; } .inconclusive { background: #e6e6e6; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
"""


def _image(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{encoded}">'


def _plain(value):
    """Typed parameter groups as the plain values they were written as."""
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, float_format=lambda x: f"{x:.3f}")


def _pairs(values: dict) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{escape(str(value))}</td></tr>"
        for key, value in values.items()
    )
    return f"<table>{rows}</table>"


def _validation_section(validation_report: dict, split_report: dict) -> str:
    summary = {
        "files": validation_report["files"],
        "usable": validation_report["ok"],
        "quarantined": validation_report["quarantined"],
    } | {
        f"quarantined: {reason}": count
        for reason, count in validation_report["quarantined_by_reason"].items()
    }
    findings = pd.DataFrame(
        [
            {"check": check, "files": found["files"], "action": found["action"]}
            for check, found in validation_report["findings_by_check"].items()
        ],
        columns=["check", "files", "action"],
    )
    counts = pd.DataFrame(split_report["counts"]).fillna(0).astype(int)
    counts = counts.rename_axis("class").reset_index()
    return (
        "<h2>Data</h2>"
        + _pairs(summary)
        + "<h3>Findings per check</h3>"
        + _table(findings)
        + "<h3>Images per class and split</h3>"
        + _table(counts)
    )


def _leakage_summary(leakage: dict) -> dict:
    splits = leakage["twins_per_split"]
    return {
        f"{split} images with a training twin": (
            f"{counts['with_training_twin']} of {counts['images']}"
        )
        for split, counts in splits.items()
    } | {
        "test accuracy on images with a twin": leakage["test_accuracy_with_twin"],
        "test accuracy on the other images": leakage["test_accuracy_without_twin"],
    }


def render_report(
    *,
    diagnosis: dict,
    training_metrics: dict,
    figures: dict[str, Figure],
    per_class_metrics: pd.DataFrame,
    validation_report: dict,
    split_report: dict,
    parameters: dict,
) -> str:
    """The report page.

    Args:
        diagnosis: Verdict, summary, evidence and advice.
        training_metrics: Validation and test results of the saved model.
        figures: ``learning_curves``, ``confusion_matrix``, ``confident_mistakes``
            and ``cross_split_twins``.
        per_class_metrics: Precision, recall, F1 and support per class.
        validation_report: Counts of the data_validation stage.
        split_report: Images per class and split.
        parameters: Every parameter of the run.

    Returns:
        The HTML text.
    """
    verdict = diagnosis["verdict"]
    settings = json.dumps(
        {name: _plain(value) for name, value in parameters.items()},
        indent=2,
        sort_keys=True,
    )
    advice = "".join(f"<li>{escape(line)}</li>" for line in diagnosis["advice"])
    body = [
        "<h1>Training report</h1>",
        f'<p class="verdict {verdict.replace(" ", "-")}">{escape(verdict)}</p>',
        f"<p>{escape(diagnosis['summary'])}</p>",
        f"<h2>What to try next</h2><ul>{advice}</ul>",
        "<h2>Results</h2>",
        _pairs(training_metrics),
        "<h2>Learning curves</h2>",
        _image(figures["learning_curves"], "learning curves"),
        _pairs(diagnosis["evidence"]),
        "<h2>Test split per class</h2>",
        _table(per_class_metrics),
        _image(figures["confusion_matrix"], "confusion matrix"),
        "<h2>Most confident mistakes</h2>",
        _image(figures["confident_mistakes"], "most confident mistakes"),
        "<h2>Test images with a twin in the training split</h2>",
        _pairs(_leakage_summary(diagnosis["leakage"])),
        _image(figures["cross_split_twins"], "cross-split twins"),
        _validation_section(validation_report, split_report),
        "<h2>Parameters</h2>",
        f"<pre>{escape(settings, quote=False)}</pre>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Training report: {escape(verdict)}</title><style>{_STYLE}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )
