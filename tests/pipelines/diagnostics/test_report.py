"""The run's HTML page: the verdict first, the saved figures embedded, text escaped."""

from __future__ import annotations

import base64
import html
import re

import matplotlib.pyplot as plt

from image_classification.datasets import FigureDataset
from image_classification.pipelines.diagnostics.nodes import per_class_metrics
from image_classification.pipelines.diagnostics.report import (
    build_report,
    gather_report_figures,
    summarize_data,
)
from tests.conftest import TINY_CLASSES
from tests.pipelines.diagnostics.test_nodes import (
    CLEAN_REPORT,
    METRICS,
    NO_TWINS,
    SCOPE,
    SPLITS,
    TRAINING,
    _diagnose,
    _predictions,
)

FIGURES = ("learning_curves", "confusion_matrix", "confident_mistakes", "twins")


def _saved_figures(folder) -> list[bytes]:
    """Four different figures saved and loaded as the catalog does."""
    saved = []
    for name in FIGURES:
        figure = plt.figure(figsize=(2, 1))
        figure.text(0.1, 0.5, name)
        dataset = FigureDataset(filepath=str(folder / f"{name}.png"))
        dataset.save(figure)
        saved.append(dataset.load())
    return saved


def test_report_is_one_self_contained_page_with_the_verdict_first(tiny_manifest, tmp_path):
    test = tiny_manifest[tiny_manifest["split"] == "test"]
    leakage = NO_TWINS | {
        "twins_per_split": NO_TWINS["twins_per_split"]
        | {"test": {"images": len(test), "with_training_twin": 2}},
        "test_accuracy_with_twin": 1.0,
        "test_images_with_twin": 2,
    }
    predictions = _predictions(
        [(label, (label + 1) % 3, 0.9) for label in test["label_index"]]
    ).assign(relative_path=test["relative_path"].to_numpy())
    pngs = _saved_figures(tmp_path)
    rest = (
        METRICS,
        per_class_metrics(predictions, list(TINY_CLASSES)),
        summarize_data(CLEAN_REPORT, SPLITS),
        gather_report_figures(*pngs),
        {"training": TRAINING, "seed": 42},
    )
    page = build_report(_diagnose(leakage=leakage), *rest)
    assert page == build_report(_diagnose(leakage=leakage), *rest)  # no clock in it
    assert page.startswith("<!DOCTYPE html>")
    sources = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(source) for source in sources] == pngs  # as saved
    assert "http" not in page.replace("data:image", "")  # nothing to fetch: opens offline
    verdict_at = page.index('class="verdict overfitting"')
    assert verdict_at < page.index("What to try next") < page.index("Learning curves")
    assert "training.dropout is 0.3" in page
    assert '"dropout": 0.3' in html.unescape(page)  # the parameters used
    assert "macro average" in page
    assert f"<th>test images with a training twin</th><td>2 of {len(test)}</td>" in page
    assert "Leakage: 2 of" in page  # the advice line
    # No twin: said plainly, with the resolution and thresholds of the check.
    clean = _diagnose(leakage=NO_TWINS | {"audit": SCOPE})
    page = html.unescape(build_report(clean, *rest))
    assert "no training twins found among 500 validation and 500 test images" in page
    assert "aligned at 32x32, detail compared at 96x96" in page
    assert "edges >= 0.8, detail tiles >= 0.3" in page


def test_report_escapes_text_from_the_data(tmp_path):
    named = {"a<script>": 1, "b": 1}
    splits = {"counts": {"train": named, "validation": named, "test": named}}
    predictions = _predictions([(0, 0, 0.9), (1, 0, 0.8)])
    page = build_report(
        _diagnose() | {"summary": "<b>bold</b>"},
        METRICS,
        per_class_metrics(predictions, ["a<script>", "b"]),
        summarize_data(CLEAN_REPORT, splits),
        gather_report_figures(*_saved_figures(tmp_path)),
        {},
    )
    assert "<script>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "a&lt;script&gt;" in page


def test_the_data_summary_counts_each_split_per_class():
    counts = summarize_data(CLEAN_REPORT, SPLITS)["split_counts"]
    assert list(counts.columns) == ["class", "train", "validation", "test"]
    for split, per_class in SPLITS["counts"].items():
        assert counts.set_index("class")[split].to_dict() == per_class
