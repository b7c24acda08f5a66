"""The closing lines of a run: the numbers a person looks for, and where the report is."""

from __future__ import annotations

import pandas as pd

from image_classification.hooks.run_summary import summary_lines

REPORTS = {
    "training_image_size": {
        "height": 96,
        "width": 96,
        "fit": "squash",
        "chosen_from": "from the images' median 533x400 (height x width, 500 files), "
        "capped at image_sizing.max_side 96; set image_size to override",
    },
    "validation_report": {
        "files": 1613,
        "ok": 1607,
        "quarantined": 6,
        "quarantined_by_reason": {"truncated": 1, "empty_file": 5},
    },
    "split_report": {
        "counts": {
            "train": {"a": 100, "b": 50},
            "validation": {"a": 10, "b": 5},
            "test": {"a": 12, "b": 6},
        }
    },
    "training_metrics": {
        "best_epoch": 7,
        "epochs_run": 10,
        "stop_reason": "early_stopping",
        "validation_accuracy": 0.81234,
        "test_accuracy": 0.79,
        "test_balanced_accuracy": 0.7012,
        "test_recall_by_class": {"a": 0.9, "b": 0.5, "c": 0.7, "d": 0.8},
    },
    "leakage_report": {
        "twins_per_split": {
            "validation": {"images": 15, "with_training_twin": 2},
            "test": {"images": 18, "with_training_twin": 3},
        },
        "test_accuracy_with_twin": 1.0,
        "test_accuracy_without_twin": 0.6667,
        "finding": "2 of 15 validation, 3 of 18 test images have a training twin",
    },
    "diagnosis": {"verdict": "good fit", "summary": "Training and validation agree."},
}


def test_a_whole_run_is_summed_up_in_a_few_lines():
    assert summary_lines(
        REPORTS, {"run_report": "data/08_reporting/run_report.html/v/run_report.html"}
    ) == [
        "Run summary",
        "  validation: 1,613 files, 1,607 usable, 6 quarantined "
        "(empty_file 5, truncated 1)",
        "  images: trained at 96x96 (squash), from the images' median 533x400 (height "
        "x width, 500 files), capped at image_sizing.max_side 96; set image_size to "
        "override",
        "  split: 150 train, 15 validation, 18 test",
        "  training: best epoch 7 of 10 (early stopping); validation accuracy 0.812, "
        "test accuracy 0.790, balanced accuracy 0.701 (lowest test recall: b 0.50, "
        "c 0.70, d 0.80)",
        "  leakage: 2 of 15 validation, 3 of 18 test images have a training twin; "
        "test accuracy 1.000 on them, 0.667 on the rest",
        "  verdict: good fit: Training and validation agree.",
        "  report: data/08_reporting/run_report.html/v/run_report.html",
    ]


def test_a_partial_run_sums_up_what_it_made_and_nothing_when_it_made_none():
    only_validation = {"validation_report": REPORTS["validation_report"]}
    assert len(summary_lines(only_validation, {})) == 2
    assert summary_lines({}, {"run_report": "report.html"}) == []
    no_test_twin = REPORTS["leakage_report"] | {"test_accuracy_with_twin": None}
    assert summary_lines({"leakage_report": no_test_twin}, {})[1].endswith(
        "have a training twin"
    )


def test_a_run_without_twins_says_so_plainly():
    none_found = REPORTS["leakage_report"] | {
        "twins_per_split": {
            "validation": {"images": 15, "with_training_twin": 0},
            "test": {"images": 1800, "with_training_twin": 0},
        },
        "test_accuracy_with_twin": None,
        "finding": "no training twins found among 15 validation and 1,800 test images",
    }
    assert summary_lines({"leakage_report": none_found}, {})[1] == (
        "  leakage: no training twins found among 15 validation and 1,800 test images"
    )


def test_a_prediction_run_says_what_was_classified_and_where_the_table_is():
    predictions = pd.DataFrame(
        {
            "status": ["classified", "classified", "not_classified", "not_classified"],
            "reason": [None, None, "truncated", "unsupported_extension"],
            "model_version": ["champion r1"] * 4,
        }
    )
    assert summary_lines({"predictions": predictions}, {"predictions": "p.csv"}) == [
        "Run summary",
        "  predict: 4 files, 2 classified with model champion r1, 2 not classified "
        "(truncated 1, unsupported_extension 1)",
        "  predictions: p.csv",
    ]


def test_a_retraining_run_says_what_drifted_since_the_champion():
    drift = {
        "verdict": "drift",
        "reference": "2026-12-01T03.00.00.000000Z",
        "drifted": ["brightness_high (PSI 0.61; all classes)", "class wolf appeared"],
        "files": {"added": {"count": 1200}, "removed": {"count": 3}},
        "arrived": 1210,
    }
    assert summary_lines({"data_drift": drift}, {})[1] == (
        "  data drift: drift since champion 2026-12-01T03.00.00.000000Z (1,200 files "
        "added, 3 removed, 1,210 new images): brightness_high (PSI 0.61; all classes); "
        "class wolf appeared"
    )
    first = {"verdict": "no reference"}
    assert summary_lines({"data_drift": first}, {})[1] == (
        "  data drift: no champion's data to compare with yet"
    )
